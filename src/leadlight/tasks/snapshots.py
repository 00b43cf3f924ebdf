"""Reading stored snapshots (``accounts``, ``leads``, ``explain``, ``snapshots``): never recomputes."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

from leadlight.contract_documents import allowed
from leadlight.errors import LeadlightError, NotFound, UsageError
from leadlight.storage.database import connect
from leadlight.storage.project import Project
from leadlight.storage.snapshots import AccountFilter, SnapshotReader
from leadlight.storage.snapshots import delete_snapshot as delete
from leadlight.timeutil import iso

if TYPE_CHECKING:
    from leadlight.contract import AccountDetail, AccountObject, LeadObject

# the contract's order, from its shapes: a read command imports neither scoring (Ibis, pandas) nor pydantic models
QUADRANTS = allowed("AccountObject", "quadrant")
STATUSES = allowed("AccountObject", "status")


def _as_of(text: str | None):
    """``--as-of`` as a moment (None: the latest snapshot). ``tasks.score`` (and the config models it loads) is
    imported only when a moment is asked for: reading the latest list stays a query, not a program start."""
    if text is None or not str(text).strip():
        return None
    from leadlight.tasks.score import as_of_option as parse

    return parse(text)


_SHARED: dict = {}  # database path -> the reader every read of a `one_reader` block uses


@contextmanager
def reader(project: Project) -> Iterator[SnapshotReader]:
    shared = _SHARED.get(project.database_path)
    if shared is not None:
        yield shared
        return
    con = connect(project, read_only=True, relations=False)  # the reader only fetches rows
    try:
        yield SnapshotReader(con)
    finally:
        con.close()


@contextmanager
def one_reader(project: Project) -> Iterator[None]:
    """Every read of the block (a list and its reading context) shares one read-only connection: opening the
    file is most of what reading five rows costs."""
    with reader(project) as read:
        _SHARED[project.database_path] = read
        try:
            yield
        finally:
            _SHARED.pop(project.database_path, None)


def account_filter(quadrant: str | None = None, status: str | None = None, **rest) -> AccountFilter:
    """Checked filter values (a bad quadrant or status is a usage error naming what is allowed)."""
    if quadrant is not None:
        quadrant = quadrant.strip().lower().replace(" ", "_").replace("-", "_")
        if quadrant not in QUADRANTS:
            raise UsageError(f"--quadrant {quadrant!r} is not a quadrant", hint=f"use one of: {', '.join(QUADRANTS)}")
    if status is not None and status not in STATUSES:
        raise UsageError(f"--status {status!r} is not a status", hint=f"use one of: {', '.join(STATUSES)}")
    return AccountFilter(quadrant=quadrant, status=status, **rest)


def list_accounts(project: Project, as_of: str | None = None, quadrant: str | None = None,
                  limit: int | None = None, *, status: str | None = None, owner: str | None = None,
                  play: str | None = None, search: str | None = None, offset: int = 0,
                  documents: bool = False) -> list[AccountObject] | list[dict[str, Any]]:
    """Account objects of the snapshot at ``as_of`` (default: the latest), best first; ``documents``: as their
    JSON documents (``model_dump(mode="json")``), for a reader that only prints them."""
    where = account_filter(quadrant, status, owner=owner, play=play, search=search)
    with reader(project) as read:
        listing = read.account_documents if documents else read.accounts
        return listing(read.resolve(_as_of(as_of)), where, limit=limit, offset=offset)


def list_leads(project: Project, account_id: str | None = None, limit: int | None = None,
               as_of: str | None = None, *, documents: bool = False) -> list[LeadObject] | list[dict[str, Any]]:
    """Lead objects of the snapshot at ``as_of`` (default: the latest), optionally of one account;
    ``documents``: as their JSON documents."""
    with reader(project) as read:
        listing = read.lead_documents if documents else read.leads
        return listing(read.resolve(_as_of(as_of)), account_id, limit=limit)


def explain_account(project: Project, account_id: str, as_of: str | None = None, *,
                    signals: bool = False) -> AccountDetail:
    """The account object with ``users`` (its people, PQLs first) and its score history.

    ``account_id`` may also be the account's domain (or a URL of it) or a unique part of its name.
    ``signals``: include every account signal's value (``signals``), else it is null."""
    detail = _find_account(project, account_id, as_of)
    return detail if signals else detail.model_copy(update={"signals": None})


def _find_account(project: Project, account_id: str, as_of: str | None) -> AccountDetail:
    with reader(project) as read:
        at = read.resolve(_as_of(as_of))
        try:
            return read.account(at, account_id)
        except NotFound:
            wanted = as_domain(account_id)
            matches = read.accounts(at, AccountFilter(search=wanted or account_id), limit=6)
            exact = [a for a in matches if wanted in ((a.domain or "").lower(), (a.name or "").lower())
                     or account_id.strip().lower() == (a.name or "").lower()]
            chosen = exact if len(exact) == 1 else matches
            if len(chosen) == 1:
                return read.account(at, chosen[0].account_id)
            if chosen:
                raise NotFound(f"{account_id!r} matches {len(chosen)} accounts",
                               hint="name one by its id: " + ", ".join(
                                   f"{a.account_id} ({a.name or a.domain})" for a in chosen[:5])) from None
            raise NotFound(f"no account with the id, domain or name {account_id!r} in the snapshot as of {iso(at)}",
                           hint="list accounts with `leadlight accounts` (the id is under each name)") from None


def as_domain(text: str) -> str:
    """``https://www.Acme.com/pricing`` -> ``acme.com``; any other text lower-cased and trimmed."""
    host = text.strip().lower()
    host = host.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0].split("@")[-1]
    return host[4:] if host.startswith("www.") else host


def reading_context(project: Project, as_of: str | None = None) -> dict:
    """What a reader needs to print beside a list: the snapshot's moment and the PQA / PQL thresholds it was
    scored with (from the config for snapshots stored before they were recorded)."""
    with reader(project) as read:
        at = read.resolve(_as_of(as_of))
        stored = read.thresholds(at)
    if stored is not None:
        return {"as_of": iso(at), **stored}
    from leadlight.config import load_config

    try:
        scoring = load_config(project).scoring
        thresholds = {"pqa_threshold": scoring.pqa.threshold, "pql_threshold": scoring.pql.threshold}
    except LeadlightError:  # the list was stored; a config edited since must not stop reading it
        thresholds = {"pqa_threshold": None, "pql_threshold": None}
    return {"as_of": iso(at), **thresholds}


def list_snapshots(project: Project) -> dict:
    """``{"snapshots": [{as_of, accounts, pqas, definition_hash}]}``, newest first."""
    with reader(project) as read:
        return {"snapshots": read.snapshots()}


def delete_snapshot(project: Project, as_of: str) -> dict:
    """Delete one stored snapshot; ``{"deleted", "accounts"}``."""
    con = connect(project)
    try:
        at = SnapshotReader(con).resolve(_as_of(as_of))
        con.begin()
        accounts = delete(con, at)
        con.commit()
    finally:
        con.close()
    return {"deleted": iso(at), "accounts": accounts}
