"""Email domains: where an address lives, and whether that place says anything about a company.

A *personal* domain (gmail.com, yahoo.co.uk) belongs to a mail provider, a
*disposable* one to a throw-away inbox service, a *student* one to a school.
None of them names the user's employer, so none may link a user to an account
by domain. ``identity.work_domains`` in leadlight.yml overrides all three.

Classification runs in Python over the DISTINCT domains only (a few thousand
even for a million users); the result is joined back in DuckDB.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import pyarrow as pa
from disposable_email_domains import blocklist as DISPOSABLE

from leadlight.config.project import IdentityConfig

# Second-level labels that, with a two-letter country code, make up a country
# ending such as co.uk or com.br: what 'yahoo.*' may end with besides one label.
_COUNTRY_SECOND_LEVELS = frozenset({"co", "com", "net", "org", "ne", "or", "gen", "ltd", "plc"})


def host_sql(expr: str) -> str:
    """A SQL expression normalising a domain or URL in ``expr`` to a bare lower-case host, else NULL.

    ``https://www.Acme.com/about`` -> ``acme.com``. Hosts without a dot are NULL.
    """
    host = f"lower(trim(CAST({expr} AS VARCHAR)))"
    host = f"regexp_replace({host}, '^[a-z][a-z0-9+.-]*://', '')"  # scheme
    host = f"regexp_replace({host}, '[/?#:].*$', '')"  # path, query, port
    host = f"regexp_replace({host}, '^@|\\.+$', '', 'g')"  # a leading '@', trailing dots
    host = f"regexp_replace({host}, '^www\\.', '')"
    return f"(CASE WHEN regexp_full_match({host}, '[^.\\s@]+(\\.[^.\\s@]+)+') THEN {host} END)"


def email_domain_sql(expr: str) -> str:
    """A SQL expression giving the normalised domain of the email address in ``expr``, else NULL."""
    host = host_sql(f"split_part({expr}, '@', -1)")
    return f"(CASE WHEN position('@' IN trim({expr})) > 1 THEN {host} END)"


def parent_domains(domain: str) -> list[str]:
    """The domain and each parent with at least two labels, most specific first."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


@dataclass(frozen=True)
class DomainClass:
    personal: bool
    disposable: bool
    student: bool
    internal: bool = False  # the vendor's own staff (identity.internal_domains)


class DomainRules:
    """Decides whether a domain is personal, disposable or a student's, from lists and leadlight.yml."""

    def __init__(
        self,
        personal: Iterable[str],
        *,
        disposable: Iterable[str] = DISPOSABLE,
        student_suffixes: Iterable[str] = (),
        work_domains: Iterable[str] = (),
        internal_domains: Iterable[str] = (),
    ) -> None:
        exact: set[str] = set()
        stems: set[str] = set()
        for entry in personal:
            entry = entry.strip().lower().lstrip("@")
            if entry.endswith(".*"):
                stems.add(entry[:-2])
            elif entry:
                exact.add(entry)
        self._personal = frozenset(exact)
        self._personal_stems = frozenset(stems)
        self._disposable = frozenset(d.lower() for d in disposable)
        self._work = frozenset(d.strip().lower().lstrip("@") for d in work_domains)
        self._internal = frozenset(d.strip().lower().lstrip("@") for d in internal_domains if d.strip())
        patterns = [_suffix_pattern(s) for s in student_suffixes if s.strip(". ")]
        self._student = re.compile("|".join(patterns)) if patterns else None
        self._classes: dict[str, DomainClass] = {}  # identity as of each of many moments sees the same domains

    @classmethod
    def from_config(cls, config: IdentityConfig) -> "DomainRules":
        """The built-in personal list plus ``identity.personal_domains``, with the config's overrides."""
        return cls(
            [*builtin_personal_domains(), *config.personal_domains],
            student_suffixes=config.student_suffixes,
            work_domains=config.work_domains,
            internal_domains=config.internal_domains,
        )

    def classify(self, domain: str) -> DomainClass:
        domain = domain.lower()
        parents = parent_domains(domain)
        internal = any(p in self._internal for p in parents)
        if internal or any(p in self._work for p in parents):
            return DomainClass(False, False, False, internal)
        return DomainClass(
            personal=any(p in self._personal for p in parents) or self._matches_stem(domain),
            disposable=any(p in self._disposable for p in parents),
            student=bool(self._student and self._student.search(domain)),
        )

    def _matches_stem(self, domain: str) -> bool:
        """'yahoo.*' matches yahoo.fr, yahoo.co.uk and mail.yahoo.fr, but not yahoo.acme.com."""
        labels = domain.split(".")
        tails = [1]
        if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _COUNTRY_SECOND_LEVELS:
            tails.append(2)
        for tail in tails:
            stem = labels[:-tail]
            if any(".".join(stem[i:]) in self._personal_stems for i in range(len(stem))):
                return True
        return False

    def table(self, domains: Iterable[str]) -> pa.Table:
        """One row per domain: ``domain, is_personal, is_disposable, is_student, is_internal``."""
        names = sorted(set(domains))
        classes = [self._classes.get(d) or self._classes.setdefault(d, self.classify(d)) for d in names]
        return pa.table(
            {
                "domain": pa.array(names, pa.string()),
                "is_personal": pa.array([c.personal for c in classes], pa.bool_()),
                "is_disposable": pa.array([c.disposable for c in classes], pa.bool_()),
                "is_student": pa.array([c.student for c in classes], pa.bool_()),
                "is_internal": pa.array([c.internal for c in classes], pa.bool_()),
            }
        )


def candidates_table(domains: Iterable[str]) -> pa.Table:
    """Every (domain, candidate account domain, depth) pair: eng.acme.com -> eng.acme.com (0), acme.com (1)."""
    rows: list[tuple[str, str, int]] = []
    for domain in set(domains):
        rows.extend((domain, parent, depth) for depth, parent in enumerate(parent_domains(domain)))
    return pa.table(
        {
            "domain": pa.array([r[0] for r in rows], pa.string()),
            "candidate": pa.array([r[1] for r in rows], pa.string()),
            "depth": pa.array([r[2] for r in rows], pa.int32()),
        }
    )


def builtin_personal_domains() -> list[str]:
    """The shipped list in ``personal_domains.txt`` (comments and blank lines dropped)."""
    text = resources.files("leadlight.identity").joinpath("personal_domains.txt").read_text(encoding="utf-8")
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def _suffix_pattern(suffix: str) -> str:
    """'.ac.*' -> a regex matching domains that end in .ac.<one label> after at least one label of their own."""
    labels = suffix.strip().lower().strip(".").split(".")
    body = r"\.".join("[^.]+" if label == "*" else re.escape(label) for label in labels)
    return rf"\.{body}$"
