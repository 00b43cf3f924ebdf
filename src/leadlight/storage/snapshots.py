"""Score snapshots in the project's DuckDB file, and the one read API over them.

``account_scores`` and ``user_scores`` (shapes in ``storage.migrations``) hold
one row per entity per snapshot, keyed by ``as_of``; each row records the
``definition_hash``, the ``leadlight_version`` and ``scored_at``. Lists and
objects (reasons, champion, play, ...) are JSON text.

Writing: ``write_snapshot`` replaces one as_of's rows; the caller owns the
transaction, so a task stores the snapshot together with what it caused.
Reading: ``SnapshotReader`` turns stored rows into the contract's typed objects
(``leadlight.contract``), the same for the CLI, the web app and playbooks; a read command that only prints
them asks for their JSON documents (``account_documents``, ``lead_documents``): the same values, made by
``leadlight.contract_documents`` without building the models (or importing the contract) when the row conforms.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from leadlight.contract_documents import document
from leadlight.errors import NotFound, NotReady, UsageError
from leadlight.storage.staged import StagedRows
from leadlight.timeutil import iso

if TYPE_CHECKING:  # pandas loads only to write a snapshot: reading one (accounts, explain) never needs it
    import duckdb
    import pandas as pd

    from leadlight.contract import AccountDetail, AccountObject, HistoryPoint, LeadObject

ACCOUNT_SCORES = "account_scores"
USER_SCORES = "user_scores"
JSON_COLUMNS = {"reasons", "fit_reasons", "intent_reasons", "model_reasons", "champion", "decision_makers",
                "disqualifiers", "flags", "play", "signals"}
# Prospects and self-serve customers before accounts sales already works, then quadrant priority
# (high fit & high intent = 0), then expected value (once a model is trained: probability x predicted deal size),
# then score; ties (many top accounts reach 100) go to the higher probability, then intent, then fit; finally by id
# so the order is stable.
ACCOUNT_ORDER = ("(status IN ('open_deal', 'customer')), priority, expected_value DESC NULLS LAST, score DESC, "
                 "probability DESC NULLS LAST, intent_score DESC NULLS LAST, fit_score DESC NULLS LAST, account_id")
LEAD_ORDER = "pql DESC, score DESC, user_id"
# Accounts a rep put aside, by their latest mark at a moment (both ``?``): a bad lead for good, done for 30 days,
# not now until its time is up.
MARKED_ASIDE = ("SELECT account_id FROM (SELECT account_id, arg_max(action, marked_at) AS action, "
                "arg_max(until, marked_at) AS until, max(marked_at) AS last_mark FROM feedback GROUP BY account_id) "
                "WHERE action = 'bad_lead' OR (action = 'done' AND last_mark + INTERVAL 30 DAY > ?) "
                "OR (action = 'snooze' AND until > ?)")
NO_SCORES_HINT = "run `leadlight score` first (it stores a snapshot)"


def to_frame(rows: list[dict[str, Any]], constants: dict[str, Any] | None = None) -> pd.DataFrame:
    """Rows as a frame ready to store: JSON columns encoded, private ``_keys`` dropped; ``constants`` (such as
    the provenance) are the same on every row. Built column by column: a frame of row dicts cost seconds."""
    names = dict.fromkeys(k for row in rows for k in row)
    return columns_frame({name: [row.get(name) for row in rows] for name in names}, constants, len(rows))


def columns_frame(columns: dict[str, list], constants: dict[str, Any] | None = None,
                  rows: int | None = None) -> pd.DataFrame:
    """``to_frame`` for values already in columns (lists of equal length; ``rows`` when there are none)."""
    import pandas as pd

    n = rows if rows is not None else len(next(iter(columns.values()), []))
    out: dict[str, Any] = {}
    for name, values in columns.items():
        if not name.startswith("_"):
            out[name] = _encoded(values) if name in JSON_COLUMNS else values
    for name, value in (constants or {}).items():
        out[name] = [_encoded([value])[0] if name in JSON_COLUMNS else value] * n
    return pd.DataFrame(out, index=pd.RangeIndex(n))


_ENCODER = json.JSONEncoder(default=str)  # json.dumps(v, default=str) builds an encoder per call


def _encoded(values: list[Any]) -> list[str | None]:
    """JSON text of each value; a value shared by many rows (the same flags, say) is encoded once (keyed by
    identity: every value is alive for the whole call, so no two share an id)."""
    encode, seen = _ENCODER.encode, {}
    out: list[str | None] = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        text = seen.get(id(v))
        if text is None:
            text = seen[id(v)] = encode(v)
        out.append(text)
    return out


def write_snapshot(con: duckdb.DuckDBPyConnection, as_of: datetime, accounts: Any, users: Any) -> None:
    """Replace the snapshot at ``as_of`` with these rows (pandas frames, Arrow tables or ``StagedRows`` in the
    stored columns); runs inside the caller's transaction."""
    for table, rows in ((ACCOUNT_SCORES, accounts), (USER_SCORES, users)):
        con.execute(f"DELETE FROM {table} WHERE as_of = ?", [as_of]).fetchall()
        if isinstance(rows, StagedRows):
            if rows.insert_into(con, table, ("as_of", as_of)):  # staged in this table's columns
                continue
            rows = rows.to_arrow()
        columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        con.register("_ll_rows", rows.reindex(columns=columns) if hasattr(rows, "reindex") else rows.select(columns))
        try:
            con.execute(f"INSERT INTO {table} SELECT * FROM _ll_rows").fetchall()
        finally:
            con.unregister("_ll_rows")


def delete_snapshot(con: duckdb.DuckDBPyConnection, as_of: datetime) -> int:
    """Remove one stored snapshot; returns how many account rows it had."""
    n = con.execute(f"SELECT count(*) FROM {ACCOUNT_SCORES} WHERE as_of = ?", [as_of]).fetchone()[0]
    con.execute(f"DELETE FROM {ACCOUNT_SCORES} WHERE as_of = ?", [as_of]).fetchall()
    con.execute(f"DELETE FROM {USER_SCORES} WHERE as_of = ?", [as_of]).fetchall()
    return int(n)


@dataclass(frozen=True)
class AccountFilter:
    """What the account list can be narrowed by (all optional)."""

    quadrant: str | None = None
    status: str | None = None
    owner: str | None = None
    play: str | None = None
    pqa: bool | None = None
    search: str | None = None
    hide_marked_at: datetime | None = None  # hide what reps put aside (``MARKED_ASIDE``) as of this moment

    def where(self) -> tuple[str, list[Any]]:
        sql, params = [], []
        for column in ("quadrant", "status", "owner"):
            value = getattr(self, column)
            if value is not None:
                sql.append(f"{column} = ?")
                params.append(value)
        if self.play is not None:
            sql.append("json_extract_string(play, '$.name') = ?")
            params.append(self.play)
        if self.pqa is not None:
            sql.append("pqa = ?")
            params.append(self.pqa)
        if self.search:
            sql.append("(name ILIKE ? OR domain ILIKE ? OR account_id ILIKE ?)")
            pattern = f"%{self.search.strip()}%"
            params += [pattern, pattern, pattern]
        if self.hide_marked_at is not None:
            sql.append(f"account_id NOT IN ({MARKED_ASIDE})")
            params += [self.hide_marked_at, self.hide_marked_at]
        return "".join(f" AND {s}" for s in sql), params


class SnapshotReader:
    """Typed reads of stored snapshots over an open (usually read-only) connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def has_scores(self) -> bool:
        names = {r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        return ACCOUNT_SCORES in names and USER_SCORES in names

    def resolve(self, as_of: datetime | None = None) -> datetime:
        """The stored snapshot to read: exactly ``as_of`` when given, else the latest."""
        if not self.has_scores():
            raise NotReady("no scores yet", hint=NO_SCORES_HINT)
        if as_of is None:
            latest = self.con.execute(f"SELECT max(as_of) FROM {ACCOUNT_SCORES}").fetchone()[0]
            if latest is None:
                raise NotReady("no scores yet", hint=NO_SCORES_HINT)
            return latest
        found = self.con.execute(f"SELECT count(*) FROM {ACCOUNT_SCORES} WHERE as_of = ?", [as_of]).fetchone()[0]
        if not found:
            known = [iso(r[0]) for r in self.con.execute(
                f"SELECT DISTINCT as_of FROM {ACCOUNT_SCORES} ORDER BY as_of DESC LIMIT 5").fetchall()]
            raise NotReady(
                f"no snapshot as of {iso(as_of)}",
                # the exact moment: a bare date on the command line would mean the end of that day
                hint=f"run `leadlight score --as-of {as_of.isoformat()}Z`"
                + (f", or pick a stored one: {', '.join(known)}" if known else ""),
            )
        return as_of

    def thresholds(self, as_of: datetime) -> dict[str, float] | None:
        """The PQA and PQL thresholds the snapshot at ``as_of`` was scored with; None for a snapshot stored
        before they were recorded (or a file not yet migrated: readers open it read-only)."""
        columns = {r[0] for r in self.con.execute(f"DESCRIBE {ACCOUNT_SCORES}").fetchall()}
        if "pqa_threshold" not in columns:
            return None
        pqa, pql = self.con.execute(f"SELECT any_value(pqa_threshold), any_value(pql_threshold) FROM {ACCOUNT_SCORES} "
                                    "WHERE as_of = ?", [as_of]).fetchall()[0]
        return None if pqa is None or pql is None else {"pqa_threshold": pqa, "pql_threshold": pql}

    def snapshots(self) -> list[dict[str, Any]]:
        """``[{as_of, accounts, pqas, definition_hash}]``, newest first."""
        if not self.has_scores():
            return []
        rows = self.con.execute(
            f"SELECT as_of, count(*), count(*) FILTER (WHERE pqa), any_value(definition_hash) FROM {ACCOUNT_SCORES} "
            "GROUP BY as_of ORDER BY as_of DESC").fetchall()
        return [{"as_of": iso(r[0]), "accounts": r[1], "pqas": r[2], "definition_hash": r[3]} for r in rows]

    def accounts(self, at: datetime, where: AccountFilter = AccountFilter(), *, limit: int | None = None,
                 offset: int = 0) -> list[AccountObject]:
        """Account objects of the snapshot at ``at``, best first."""
        return [account_object(r) for r in self.account_rows(at, where, limit=limit, offset=offset)]

    def account_documents(self, at: datetime, where: AccountFilter = AccountFilter(), *, limit: int | None = None,
                          offset: int = 0) -> list[dict[str, Any]]:
        """``accounts`` as JSON documents (each its object's ``model_dump(mode="json")``)."""
        return [account_document(r) for r in self.account_rows(at, where, limit=limit, offset=offset)]

    def account_rows(self, at: datetime, where: AccountFilter = AccountFilter(), *, limit: int | None = None,
                     offset: int = 0) -> list[dict[str, Any]]:
        check_page(limit, offset)
        clause, params = where.where()
        page = (f" LIMIT {int(limit)}" if limit else "") + (f" OFFSET {int(offset)}" if offset else "")
        if not page:
            sql = f"SELECT * FROM {ACCOUNT_SCORES} WHERE as_of = ?{clause} ORDER BY {ACCOUNT_ORDER}"
            return self.rows(sql, [at, *params])
        # a page: sort the keys only, then read the page's full rows (a deep page sorted wide JSON rows before)
        sql = (f"SELECT * FROM {ACCOUNT_SCORES} WHERE as_of = ? AND account_id IN (SELECT account_id FROM "
               f"{ACCOUNT_SCORES} WHERE as_of = ?{clause} ORDER BY {ACCOUNT_ORDER}{page}) ORDER BY {ACCOUNT_ORDER}")
        return self.rows(sql, [at, at, *params])

    def count_accounts(self, at: datetime, where: AccountFilter = AccountFilter()) -> int:
        clause, params = where.where()
        return int(self.con.execute(f"SELECT count(*) FROM {ACCOUNT_SCORES} WHERE as_of = ?{clause}",
                                    [at, *params]).fetchone()[0])

    def account_row(self, at: datetime, account_id: str) -> dict[str, Any]:
        rows = self.rows(f"SELECT * FROM {ACCOUNT_SCORES} WHERE as_of = ? AND account_id = ?", [at, account_id])
        if not rows:
            raise NotFound(f"account {account_id!r} is not in the snapshot as of {iso(at)}",
                           hint="list accounts with `leadlight accounts`; ids are as in your accounts file")
        return rows[0]

    def account(self, at: datetime, account_id: str) -> AccountDetail:
        """One account in full: its people (PQLs first) and score history."""
        row = self.account_row(at, account_id)
        users = self.rows(f"SELECT * FROM {USER_SCORES} WHERE as_of = ? AND account_id = ? ORDER BY {LEAD_ORDER}",
                          [at, account_id])
        return account_detail(row, users, self.history(account_id))

    def leads(self, at: datetime, account_id: str | None = None, *, limit: int | None = None,
              offset: int = 0) -> list[LeadObject]:
        """People of the snapshot at ``at`` (optionally of one account), PQLs first, then score."""
        return [lead_object(r) for r in self.lead_rows(at, account_id, limit=limit, offset=offset)]

    def lead_documents(self, at: datetime, account_id: str | None = None, *, limit: int | None = None,
                       offset: int = 0) -> list[dict[str, Any]]:
        """``leads`` as JSON documents (each its object's ``model_dump(mode="json")``)."""
        return [lead_document(r) for r in self.lead_rows(at, account_id, limit=limit, offset=offset)]

    def lead_rows(self, at: datetime, account_id: str | None = None, *, limit: int | None = None,
                  offset: int = 0) -> list[dict[str, Any]]:
        check_page(limit, offset)
        sql, params = f"SELECT * FROM {USER_SCORES} WHERE as_of = ?", [at]
        if account_id is not None:
            self.account_row(at, account_id)
            sql += " AND account_id = ?"
            params.append(account_id)
        sql += f" ORDER BY {LEAD_ORDER}" + (f" LIMIT {int(limit)}" if limit else "") + (
            f" OFFSET {int(offset)}" if offset else "")
        return self.rows(sql, params)

    def history(self, account_id: str) -> list[HistoryPoint]:
        """Every stored score of one account, oldest first."""
        if not self.has_scores():
            raise NotReady("no scores yet", hint=NO_SCORES_HINT)
        rows = self.con.execute(
            f"SELECT as_of, score, pqa, quadrant, probability, definition_hash FROM {ACCOUNT_SCORES} "
            "WHERE account_id = ? ORDER BY as_of", [account_id]).fetchall()
        if not rows:
            raise NotFound(f"account {account_id!r} has no scores", hint="check the id with `leadlight accounts`")
        from leadlight.contract import HistoryPoint

        return [HistoryPoint(as_of=iso(r[0]), score=r[1], pqa=r[2], quadrant=r[3], probability=r[4],
                             definition_hash=r[5]) for r in rows]

    def rows(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        """Rows as dicts, JSON columns decoded."""
        cur = self.con.execute(sql, params)
        names = [d[0] for d in cur.description]
        out = []
        for values in cur.fetchall():
            out.append(_decoded(dict(zip(names, values))))
        return out


def check_page(limit: int | None, offset: int = 0) -> None:
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be 1 or more (got {limit})", hint="omit --limit to list all")
    if offset < 0:
        raise UsageError(f"offset must be 0 or more (got {offset})")


def account_fields(row: dict[str, Any]) -> dict[str, Any]:
    """The account object's values in a stored row (JSON columns decoded)."""
    return dict(
        account_id=row["account_id"], name=row.get("name"), domain=row.get("domain"), score=row.get("score"),
        probability=row.get("probability"), fit=row.get("fit"), intent=row.get("intent"),
        quadrant=row.get("quadrant"), pqa=bool(row.get("pqa")), reasons=row.get("reasons") or [],
        champion=row.get("champion"), decision_makers=row.get("decision_makers") or [], play=row.get("play"),
        status=row.get("status") or "prospect", owner=row.get("owner"), motion=row.get("motion"),
        motion_reason=row.get("motion_reason"), self_serve_probability=row.get("self_serve_probability"),
        deal_size=row.get("deal_size"), uplift=row.get("uplift"), uplift_reliable=row.get("uplift_reliable"),
        expected_value=row.get("expected_value"), employees=row.get("employees"), industry=row.get("industry"),
        country=row.get("country"), plan=row.get("plan"), as_of=iso(row.get("as_of")),
    )


def lead_fields(row: dict[str, Any]) -> dict[str, Any]:
    """The lead object's values in a stored row: the contract's fields plus ``link`` (how the person joined the
    account), ``flags`` and ``persona`` (seniority and department read from the title)."""
    return dict(
        user_id=row["user_id"], email=row.get("email"), title=row.get("title"), account_id=row.get("account_id"),
        account_name=row.get("account_name"), score=row.get("score"), pql=bool(row.get("pql")),
        disqualifiers=row.get("disqualifiers") or [], reasons=row.get("reasons") or [],
        link={"method": row.get("link_method"), "account_id": row.get("link_account_id")},
        flags=row.get("flags") or {},
        persona={"seniority": row.get("seniority"), "department": row.get("department")},
    )


def account_object(row: dict[str, Any]) -> AccountObject:
    from leadlight.contract import AccountObject

    return AccountObject(**account_fields(row))


def lead_object(row: dict[str, Any]) -> LeadObject:
    from leadlight.contract import LeadObject

    return LeadObject(**lead_fields(row))


def account_document(row: dict[str, Any]) -> dict[str, Any]:
    """``account_object(row).model_dump(mode="json")`` (built without the model when the row conforms)."""
    return document("AccountObject", account_fields(row))


def lead_document(row: dict[str, Any]) -> dict[str, Any]:
    """``lead_object(row).model_dump(mode="json")`` (built without the model when the row conforms)."""
    return document("LeadObject", lead_fields(row))


def account_detail(row: dict[str, Any], users: list[dict[str, Any]], history: list[HistoryPoint]) -> AccountDetail:
    from leadlight.contract import AccountDetail

    base = account_object(row).model_dump()
    return AccountDetail(
        **base, users=[lead_object(u) for u in users],
        fit_score=row.get("fit_score"), intent_score=row.get("intent_score"),
        fit_reasons=row.get("fit_reasons") or [], intent_reasons=row.get("intent_reasons") or [],
        model_reasons=row.get("model_reasons") or [], people=row.get("people"), pql_users=row.get("pql_users"),
        triggers_fired=row.get("triggers_fired"), definition_hash=row.get("definition_hash"),
        leadlight_version=row.get("leadlight_version"), history=history, signals=row.get("signals"),
    )


def decoded_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a snapshot frame (as ``to_frame`` made it) as the reader would return them: JSON decoded,
    NaN as None."""
    return [_decoded({k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()})
            for row in frame.to_dict("records")]


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row with its JSON columns decoded."""
    for key in JSON_COLUMNS & row.keys():
        if isinstance(row[key], str):
            row[key] = json.loads(row[key])
    return row
