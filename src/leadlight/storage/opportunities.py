"""Opportunities with their account: the ``account_id`` column, else the account whose ``domain`` matches.

An opportunities file may name its account by ``domain`` only; the match happens
when the table is read, so accounts loaded after the opportunities still count.
Two accounts under one domain: the lowest ``account_id`` takes the opportunity.
"""

from __future__ import annotations

import ibis

from leadlight.storage.engine import Engine
from leadlight.storage.schema import ACCOUNTS, OPPORTUNITIES


def opportunities_by_account(engine: Engine) -> ibis.Table:
    """Every opportunity, ``account_id`` filled from ``domain`` where the file gave only that
    (null when neither matches); ``stage`` and ``source`` lower-cased."""
    opp = engine.table(OPPORTUNITIES)
    acc = engine.table(ACCOUNTS)
    by_domain = acc.filter(acc.domain.notnull()).group_by(domain=acc.domain.lower()).aggregate(
        domain_account=acc.account_id.min()
    )
    j = opp.left_join(by_domain, opp.domain.lower() == by_domain.domain)
    return j.select(
        account_id=ibis.coalesce(j.account_id, j.domain_account),
        created_at=j.created_at, closed_at=j.closed_at, stage=j.stage.lower(), source=j.source.lower(), amount=j.amount,
    )
