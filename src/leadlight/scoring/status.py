"""Where each account stands with sales as of a moment: ``prospect``, ``open_deal``, ``customer``,
``self_serve_customer``.

From the opportunities known before as_of (``signals.asof`` owns the comparison):
a won sales opportunity closed before as_of makes a ``customer``; else a sales
opportunity created before as_of and not closed by then makes an ``open_deal``;
else a won self-serve purchase makes a ``self_serve_customer``. Accounts that are
customers or in a deal are never put forward as PQAs: a rep must not be sent to
an account that already bought or that sales already works.
"""

from __future__ import annotations

from datetime import datetime

import ibis

from leadlight.signals import asof
from leadlight.storage.engine import Engine
from leadlight.storage.opportunities import opportunities_by_account

NOT_TO_CALL = ("open_deal", "customer")


def account_status(engine: Engine, as_of: datetime) -> ibis.Table:
    """``account_id, status`` for accounts with any opportunity known before as_of (others are prospects)."""
    opp = opportunities_by_account(engine)
    opp = opp.filter(opp.account_id.notnull() & asof.created_before(opp.created_at, as_of))
    closed = opp.stage.isin(["won", "lost"]) & asof.created_before(ibis.coalesce(opp.closed_at, opp.created_at), as_of)
    sales = opp.source != "self_serve"
    flags = opp.group_by(account_id=opp.account_id.cast("string")).aggregate(
        customer=(sales & closed & (opp.stage == "won")).any(),
        open_deal=(sales & ~closed).any(),
        self_serve=(~sales & closed & (opp.stage == "won")).any(),
    )
    status = ibis.cases((flags.customer, "customer"), (flags.open_deal, "open_deal"),
                        (flags.self_serve, "self_serve_customer"), else_="prospect")
    return flags.select(account_id=flags.account_id, status=status)
