"""``train``'s preconditions read with plain SQL (``stored_facts``) equal those read through the engine."""

from datetime import datetime

import pandas as pd

from leadlight.config.model import ModelConfig
from leadlight.labels import label_times
from leadlight.labels.calendar import Facts, History
from leadlight.labels.stored_facts import read_facts
from tests.unit.models import tiny

# Domain-only deals in another letter case, a deal whose domain matches no account, stages and sources in capitals.
MORE = """opportunity_id,account_id,domain,created_at,closed_at,stage,amount,source
o4,,ONE.com,2026-04-02 10:00:00,2026-04-20 10:00:00,Won,900,Sales
o5,,nobody.com,2026-04-03 10:00:00,2026-04-21 10:00:00,won,100,sales
o6,a2,,2026-04-04 10:00:00,,open,5000,sales
o7,a3,,2026-01-02 10:00:00,2026-01-02 10:00:00,WON,50,SELF_SERVE
"""


def through_engine(engine, config, monkeypatch):
    monkeypatch.setattr(label_times, "read_facts", lambda con, config: None)  # the Spark / lead-list reading
    try:
        return label_times.facts(engine, config)
    finally:
        monkeypatch.undo()


def test_the_facts_read_with_sql_are_those_read_through_the_engine(tmp_path, monkeypatch):
    _, con, engine = tiny.build(tmp_path)
    con.register("more", tiny.frame(MORE))
    con.execute("INSERT INTO opportunities (opportunity_id, account_id, domain, created_at, closed_at, stage, amount, "
                "source) SELECT opportunity_id, account_id, domain, CAST(created_at AS TIMESTAMP), "
                "CAST(closed_at AS TIMESTAMP), stage, amount, source FROM more")
    for target in ("sales", "self_serve", "any", "expansion"):
        config = ModelConfig(target=target)
        sql = read_facts(con, config)
        assert sql == through_engine(engine, config, monkeypatch), target
    sales = read_facts(con, ModelConfig())
    # o1 (a1) and o4 (one.com -> a1); o5 names no known account
    assert sales.won == (datetime(2026, 3, 10, 10), datetime(2026, 4, 2, 10))
    assert sales.known == History(datetime(2025, 12, 20, 8), datetime(2026, 4, 4, 10), False)
    con.close()


def test_a_lead_list_is_left_to_the_engine(tmp_path):
    _, con, engine = tiny.build(tmp_path, events=pd.DataFrame({"user_id": [], "event": [], "timestamp": []}))
    assert read_facts(con, ModelConfig()) is None  # eligibility auto and no events: arrivals, parsed by pandas
    assert read_facts(con, ModelConfig(eligibility="arrival")) is None
    assert isinstance(read_facts(con, ModelConfig(eligibility="activity")), Facts)
    con.close()


def test_won_between_counts_a_half_open_range():
    facts = Facts(History(None, None, False), "activity", (datetime(2026, 1, 1), datetime(2026, 1, 2), datetime(2026, 1, 3)))
    assert facts.won_between(datetime(2026, 1, 1), datetime(2026, 1, 3)) == 2
    assert facts.won_between(datetime(2026, 1, 4), datetime(2026, 1, 1)) == 0
