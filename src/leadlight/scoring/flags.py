"""Built-in person flags, as an Ibis table: who a person is, not what they did.

``person_flags(engine, as_of)`` gives one row per user in ``identities``:
``user_id, email, title, link_method, link_account_id`` and the boolean flags
of ``leadlight.config.scoring.FLAGS``. ``bought_self_serve`` is per account (a
won self-serve opportunity closed before as_of) and is joined on by
``account_id`` when scoring, because a person's account comes from the signal
frame.
"""

from __future__ import annotations

from datetime import datetime

import ibis

from leadlight.identity import as_of as identity_as_of
from leadlight.scoring.people import LEADERSHIP, SALES_REP
from leadlight.signals import asof
from leadlight.storage.engine import Engine
from leadlight.storage.opportunities import opportunities_by_account

PERSON_FLAGS = ("personal_email", "disposable_email", "student", "unconfirmed_email", "sales_persona",
                "internal", "work_email", "confirmed_email")


def person_flags(engine: Engine, as_of: datetime | None = None) -> ibis.Table:
    """Flags per user from ``identities`` as known at ``as_of`` (None: as known now)."""
    ident = identity_as_of.identities(engine, as_of)
    # The title patterns are matched once per distinct title (people share a few dozen), not once per person.
    titles = ident.select(_title=ident.title.cast("string")).distinct()
    text = titles._title.lower().re_replace(r"\s+", " ").strip()
    titles = titles.mutate(_rep=text.re_search(SALES_REP) & ~text.re_search(LEADERSHIP))
    ident = ident.left_join(titles, ident.title.cast("string") == titles._title)
    has_email = ident.email.notnull() & (ident.email.cast("string").strip() != "")
    rep = ibis.coalesce(ident._rep, ibis.literal(False))
    personal = ibis.coalesce(ident.is_personal, ibis.literal(False))
    disposable = ibis.coalesce(ident.is_disposable, ibis.literal(False))
    student = ibis.coalesce(ident.is_student, ibis.literal(False))
    # The vendor's own staff: by email domain (identity.internal_domains), and by a sales title only when asked.
    # identities made before migration 30 (or by hand, as the bench's) have no is_internal column.
    internal = ibis.coalesce(ident.is_internal, ibis.literal(False)) if "is_internal" in ident.columns \
        else ibis.literal(False)
    if getattr(engine.identity, "sales_titles_are_internal", False):
        internal = internal | rep
    return ident.select(
        user_id=ident.user_id.cast("string"),
        email=ident.email.cast("string"),
        title=ident.title.cast("string"),
        link_method=ident.method.cast("string"),
        link_account_id=ident.account_id.cast("string"),
        personal_email=personal,
        disposable_email=disposable,
        student=student,
        unconfirmed_email=ibis.coalesce(ident.email_confirmed == ibis.literal(False), ibis.literal(False)),
        sales_persona=rep,
        internal=internal,
        work_email=has_email & ~personal & ~disposable & ~student,
        confirmed_email=ibis.coalesce(ident.email_confirmed, ibis.literal(False)),
    )


def self_serve_buyers(engine: Engine, as_of: datetime) -> ibis.Table:
    """``account_id, bought_self_serve``: accounts with a won self-serve opportunity before as_of."""
    opp = opportunities_by_account(engine)  # a file may name the account by domain only
    done = ibis.coalesce(opp.closed_at, opp.created_at)
    won = opp.filter(
        (opp.stage == "won")
        & (opp.source == "self_serve")
        & opp.account_id.notnull()
        # An opportunity is known as of D once it closed before D (asof owns the comparison).
        & asof.created_before(done, as_of)
    )
    buyers = won.select(account_id=won.account_id.cast("string")).distinct()
    return buyers.mutate(bought_self_serve=ibis.literal(True))
