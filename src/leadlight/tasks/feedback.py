"""``leadlight mark``: what a rep said about an account - done, not now (for N days), bad lead (why).

Recorded in ``feedback``; playbooks honour it as a cooldown (no action for an
account marked done or snoozed until its time is up, none for a bad lead), and
the backtest reads it (accounts reps rejected, and which of those bought anyway).
The web app's buttons call the same task.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from leadlight.errors import NotFound, UsageError
from leadlight.storage.database import connect
from leadlight.storage.project import Project
from leadlight.timeutil import iso, parse_window, utcnow

ACTIONS = ("done", "snooze", "bad_lead")


def mark(project: Project, account_id: str, action: str, *, snooze: str | None = None, reason: str | None = None,
         by_whom: str | None = None, now: datetime | None = None) -> dict:
    """Record one rep decision; returns ``{account_id, action, until, reason, at}``."""
    if action not in ACTIONS:
        raise UsageError(f"{action!r} is not a mark", hint=f"use one of: {', '.join(ACTIONS)}")
    at = (now or utcnow()).replace(microsecond=0)
    until = None
    if action == "snooze":
        try:
            until = at + parse_window(snooze or "14d")
        except ValueError as err:
            raise UsageError(f"--snooze {snooze!r}: {err}", hint="write a span like 14d, 2w or 36h") from None
    if action == "bad_lead" and not (reason or "").strip():
        raise UsageError("a bad lead needs a reason", hint='say why, e.g. --bad-lead "student project"')
    con = connect(project)
    try:
        scored, known = con.execute("SELECT count(*), count(*) FILTER (WHERE account_id = ?) FROM account_scores",
                                    [account_id]).fetchall()[0]
        if scored and not known:
            raise NotFound(f"account {account_id!r} has never been scored",
                           hint="check the id with `leadlight accounts`")
        con.execute("INSERT INTO feedback (account_id, action, reason, until, by_whom, marked_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [account_id, action, reason, until, by_whom, at]).fetchall()
    finally:
        con.close()
    return {"account_id": account_id, "action": action, "until": iso(until), "reason": reason, "at": iso(at)}


def cooldowns(con, now: datetime, cooldown: timedelta) -> dict[str, str]:
    """Accounts no playbook should act on at ``now``, with why: a bad lead (for good), snoozed until a time,
    marked done within ``cooldown``."""
    rows = con.execute(
        "SELECT account_id, arg_max(action, marked_at), arg_max(until, marked_at), max(marked_at) FROM feedback "
        "GROUP BY account_id"
    ).fetchall()
    out = {}
    for account_id, action, until, at in rows:
        if action == "bad_lead":
            out[account_id] = "marked a bad lead"
        elif action == "snooze" and until is not None and until > now:
            out[account_id] = f"snoozed until {iso(until)}"
        elif action == "done" and at + cooldown > now:
            out[account_id] = f"marked done on {iso(at)}"
    return out
