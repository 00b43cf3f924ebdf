"""What the web app's pages read: a rep's work list, the fit x intent map, the marks reps left on accounts.

All of it comes from the stored snapshot (``SnapshotReader``) and the ``feedback``
table; nothing is recomputed. The list hides accounts a rep put aside (done
within 30 days, not now until its time is up, bad lead for good) unless asked
to show them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leadlight.storage.snapshots import ACCOUNT_SCORES, AccountFilter
from leadlight.storage.project import Project
from leadlight.tasks.score import as_of_option
from leadlight.tasks.snapshots import QUADRANTS, account_filter, reader
from leadlight.tasks.timeline import has_table
from leadlight.timeutil import iso, utcnow

MAP_LIMIT = 2000  # dots on the fit x intent map: the best accounts first


def work_list(project: Project, *, quadrant: str | None = None, status: str | None = None, owner: str | None = None,
              play: str | None = None, search: str | None = None, show_marked: bool = False, limit: int | None = 50,
              offset: int = 0, as_of: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """One page of the account list: ``{as_of, total, accounts, marks, owners, plays}``."""
    where = account_filter(quadrant, status, owner=owner or None, play=play or None, search=search or None)
    if not show_marked:
        where = AccountFilter(**{**where.__dict__, "hide_marked_at": now or utcnow()})
    with reader(project) as read:
        at = read.resolve(as_of_option(as_of))
        accounts = read.accounts(at, where, limit=limit, offset=offset)
        total = read.count_accounts(at, where)
        owners = [r[0] for r in read.con.execute(
            f"SELECT DISTINCT owner FROM {ACCOUNT_SCORES} WHERE as_of = ? AND owner IS NOT NULL ORDER BY 1",
            [at]).fetchall()]
        plays = [r[0] for r in read.con.execute(
            f"SELECT DISTINCT json_extract_string(play, '$.name') AS p FROM {ACCOUNT_SCORES} "
            "WHERE as_of = ? AND play IS NOT NULL ORDER BY 1", [at]).fetchall() if r[0]]
        marks = _marks(read.con, [a.account_id for a in accounts])
    return {"as_of": iso(at), "total": total, "limit": limit, "offset": offset, "accounts": accounts,
            "marks": marks, "owners": owners, "plays": plays}


def account_marks(project: Project, account_id: str) -> list[dict[str, Any]]:
    """Every mark reps left on one account, newest first."""
    with reader(project) as read:
        if not has_table(read.con, "feedback"):
            return []
        rows = read.con.execute(
            "SELECT action, reason, until, by_whom, marked_at FROM feedback WHERE account_id = ? "
            "ORDER BY marked_at DESC LIMIT 20", [account_id]).fetchall()
    return [{"action": a, "reason": r, "until": iso(u), "by_whom": b, "at": iso(m)} for a, r, u, b, m in rows]


def quadrant_map(project: Project, as_of: str | None = None, limit: int = MAP_LIMIT) -> dict[str, Any]:
    """``{as_of, counts: {quadrant: n}, dots: [{account_id, name, fit, intent, quadrant, score}], shown, total}``."""
    with reader(project) as read:
        at = read.resolve(as_of_option(as_of))
        counts = dict(read.con.execute(
            f"SELECT quadrant, count(*) FROM {ACCOUNT_SCORES} WHERE as_of = ? GROUP BY quadrant", [at]).fetchall())
        rows = read.con.execute(
            f"SELECT account_id, name, fit_score, intent_score, quadrant, score FROM {ACCOUNT_SCORES} "
            f"WHERE as_of = ? ORDER BY priority, score DESC, account_id LIMIT {int(limit)}", [at]).fetchall()
    dots = [{"account_id": a, "name": n, "fit": f, "intent": i, "quadrant": q, "score": s}
            for a, n, f, i, q, s in rows]
    return {"as_of": iso(at), "counts": {q: int(counts.get(q, 0)) for q in QUADRANTS}, "dots": dots,
            "shown": len(dots), "total": int(sum(counts.values()))}


def _marks(con: Any, account_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The latest mark of each of these accounts."""
    if not account_ids or not has_table(con, "feedback"):
        return {}
    rows = con.execute(
        "SELECT account_id, arg_max(action, marked_at), arg_max(until, marked_at), arg_max(reason, marked_at), "
        "max(marked_at) FROM feedback WHERE list_contains(?, account_id) GROUP BY account_id",
        [account_ids]).fetchall()
    return {a: {"action": act, "until": iso(u), "reason": r, "at": iso(m)} for a, act, u, r, m in rows}

