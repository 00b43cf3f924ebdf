"""Per-record checks, written as SQL so DuckDB runs them over whole batches.

A check is a ``Rule``: a SQL condition that is true when the record is bad,
the field it is about and a message (a SQL expression, so it can quote the
offending value). ``first_failure_index`` gives the index of the first rule a
record breaks (0 for a good one) and ``failure_message`` turns that index into
the field and the message, so the rule list is walked once per record and
messages are built only for bad records. Each rejected record is a ``Reject``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Sequence

MAX_REPORTED_ERRORS = 50


@dataclass(frozen=True)
class Rule:
    bad_when: str  # SQL, true for a bad record
    field: str | None
    message: str  # SQL expression giving the message text


@dataclass(frozen=True)
class Reject:
    """One rejected record: where it is and what is wrong with it."""

    file: str
    line: int
    field: str | None
    message: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Tally:
    """Counts for one file (or a whole run) and its first ``MAX_REPORTED_ERRORS`` rejects.

    ``loaded`` counts new records; ``updated`` / ``unchanged`` the keys of
    accounts, users or opportunities already loaded that a file changed or
    repeated as they were. ``notes`` say what was found in a file (a ``;``
    delimiter, renamed columns); ``warnings`` what may give a wrong answer.
    """

    read: int = 0
    loaded: int = 0
    duplicates: int = 0
    rejected: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[Reject] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, *, read: int = 0, loaded: int = 0, duplicates: int = 0, rejected: int = 0) -> None:
        self.read += read
        self.loaded += loaded
        self.duplicates += duplicates
        self.rejected += rejected

    def note(self, rejects: Sequence[Reject]) -> None:
        room = MAX_REPORTED_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(rejects[:room])

    def merge(self, other: "Tally") -> None:
        self.add(read=other.read, loaded=other.loaded, duplicates=other.duplicates, rejected=other.rejected)
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.note(other.errors)
        self.notes.extend(other.notes)
        self.warnings.extend(other.warnings)


def sql_text(text: str) -> str:
    """A Python string as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def quoted_value(expr: str, limit: int = 60) -> str:
    """SQL giving ``"value"`` (shortened) for use inside a message."""
    return f"""'"' || left(CAST({expr} AS VARCHAR), {limit}) || '"'"""


def first_failure_index(rules: Sequence[Rule]) -> str:
    """SQL for the 1-based index of the first rule a record breaks (0 when it breaks none)."""
    if not rules:
        return "0"
    cases = " ".join(f"WHEN {r.bad_when} THEN {i}" for i, r in enumerate(rules, start=1))
    return f"CASE {cases} ELSE 0 END"


def failure_message(rules: Sequence[Rule], index_column: str) -> tuple[str, str]:
    """SQL for (field, message) given the column holding ``first_failure_index``."""
    fields = " ".join(
        f"WHEN {i} THEN {sql_text(r.field) if r.field is not None else 'NULL'}" for i, r in enumerate(rules, start=1)
    )
    messages = " ".join(f"WHEN {i} THEN {r.message}" for i, r in enumerate(rules, start=1))
    return (
        f"CAST(CASE {index_column} {fields} END AS VARCHAR)",
        f"CAST(CASE {index_column} {messages} END AS VARCHAR)",
    )
