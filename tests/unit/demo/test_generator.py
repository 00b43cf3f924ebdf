"""The synthetic company: right files, real-world mess, a deterministic seed, and a hidden law anyone can recompute."""

from __future__ import annotations

import csv
import gzip
import json
import math
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from leadlight.demo import COLUMNS, EVENTS_FILE, generate_company
from leadlight.demo import law, vocab
from leadlight.errors import UsageError

FILES = [EVENTS_FILE, *COLUMNS]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", ""))


class Company:
    """The generated files, parsed once."""

    def __init__(self, out: Path, result: dict) -> None:
        self.result = result
        self.lines = gzip.open(out / EVENTS_FILE, "rt", encoding="utf-8").read().splitlines()
        self.events = [json.loads(line) for line in self.lines]
        self.accounts = read_csv(out / "accounts.csv")
        self.users = read_csv(out / "users.csv")
        self.opps = read_csv(out / "opportunities.csv")
        self.truth = read_csv(out / "truth.csv")
        self.headers = {name: next(csv.reader(open(out / name))) for name in COLUMNS}


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> Company:
    out = tmp_path_factory.mktemp("company")
    result = generate_company(out, accounts=80, days=180, seed=7, chunk_size=30)
    return Company(out, result)


def test_every_file_with_its_columns_and_the_counts_returned(company):
    assert company.headers == {name: list(columns) for name, columns in COLUMNS.items()}
    assert company.result["accounts"] == len(company.accounts) == 80
    assert company.result["users"] == len(company.users)
    assert company.result["events"] == len(company.lines)
    assert company.result["opportunities"] == len(company.opps)
    assert len({u["user_id"] for u in company.users}) == len(company.users)
    assert len({a["account_id"] for a in company.accounts}) == 80


def test_messages_follow_the_segment_spec(company):
    for msg in company.events:
        assert msg["type"] in {"track", "identify", "group", "page"}
        assert msg["messageId"] and msg["timestamp"].endswith("Z")
        assert msg.get("userId") or msg.get("anonymousId")
        if msg["type"] == "track":
            assert msg["event"] and isinstance(msg["properties"], dict)
        elif msg["type"] == "page":
            assert msg["name"]
        elif msg["type"] == "identify":
            assert "@" in msg["traits"]["email"]
        else:
            assert msg["groupId"].startswith("acc_") and msg["traits"]["name"]
    names = {m.get("event") or m.get("name") for m in company.events}
    assert {"Signed Up", "Teammate Invited", "Invite Accepted", "Paywall Hit", "Pricing", "Admin Settings",
            "Security", "Credit Card Added"} <= names


def test_stream_has_duplicates_late_arrivals_stitching_and_context_group(company):
    by_id = defaultdict(list)
    for line, msg in zip(company.lines, company.events):
        by_id[msg["messageId"]].append(line)
    repeated = [lines for lines in by_id.values() if len(lines) > 1]
    assert repeated and all(len(set(lines)) == 1 for lines in repeated)
    stamps = [when(m["timestamp"]) for m in company.events]
    assert any(b < a for a, b in zip(stamps, stamps[1:]))
    anonymous = {m["anonymousId"] for m in company.events if "anonymousId" in m and "userId" not in m}
    stitched = {m["anonymousId"] for m in company.events if m["type"] == "identify" and "anonymousId" in m}
    assert anonymous and anonymous <= stitched
    assert any(m.get("context", {}).get("groupId") for m in company.events if m["type"] == "track")


def test_people_are_as_messy_as_real_sign_ups(company):
    domains = {u["email"].rsplit("@", 1)[1] for u in company.users}
    assert domains & set(vocab.PERSONAL_DOMAINS)
    assert domains & set(vocab.DISPOSABLE_DOMAINS)
    assert any(d.endswith(".edu") or d.endswith(".ac.uk") for d in domains)
    assert any(u["email_confirmed"] == "false" for u in company.users)
    assert any(u["title"] == "" for u in company.users) and any(u["title"] == "Account Executive" for u in company.users)
    grouped = {m["userId"] for m in company.events if m["type"] == "group"}
    account_domains = {a["domain"] for a in company.accounts}
    domain_only = [u for u in company.users if not u["account_id"] and u["user_id"] not in grouped
                   and u["email"].rsplit("@", 1)[1] in account_domains]
    assert domain_only, "some people can only be matched to their account by work-email domain"
    reps = [u for u in company.users if u["email"].endswith("@" + vocab.VENDOR_DOMAIN)]
    assert reps and all(not u["account_id"] for u in reps)


def test_accounts_share_a_domain_and_have_blanks(company):
    per_domain = defaultdict(set)
    for a in company.accounts:
        per_domain[a["domain"]].add(a["account_id"])
    assert any(len(ids) == 2 for ids in per_domain.values())
    assert any(a["funding_stage"] == "" for a in company.accounts)
    assert all(int(a["employees"]) >= 1 for a in company.accounts)


def test_opportunities_hold_sales_and_self_serve_outcomes(company):
    kinds = {(o["source"], o["stage"]) for o in company.opps}
    assert {("sales", "won"), ("self_serve", "won")} <= kinds
    assert {"lost", "open"} & {stage for _, stage in kinds}
    known = {a["account_id"]: a["domain"] for a in company.accounts}
    for o in company.opps:
        assert known[o["account_id"]] == o["domain"]
        assert (o["closed_at"] == "") == (o["stage"] == "open")
        if o["closed_at"]:
            assert when(o["closed_at"]) >= when(o["created_at"])
        assert float(o["amount"]) > 0


def test_truth_rows_are_probabilities_at_month_starts_for_prospects_only(company):
    assert company.truth
    won = defaultdict(list)
    for o in company.opps:
        if o["source"] == "sales":
            won[o["account_id"]].append(o)
    for row in company.truth:
        as_of = when(row["as_of"])
        assert 0 <= float(row["p_convert"]) <= 1
        assert as_of.day == 1 and as_of.hour == 0
        for o in won[row["account_id"]]:
            if when(o["created_at"]) <= as_of:
                assert o["stage"] == "lost" and when(o["closed_at"]) <= as_of


def recompute_law(c: Company) -> dict[tuple[str, str], float]:
    """The hidden law, re-derived from the files alone, the slow obvious way (see leadlight.demo.law)."""
    accounts = {a["account_id"]: a for a in c.accounts}
    by_domain = defaultdict(list)
    for a in c.accounts:
        by_domain[a["domain"]].append(a["account_id"])
    group_of = {m["userId"]: m["groupId"] for m in c.events if m["type"] == "group"}
    people = {}
    for u in c.users:
        domain = u["email"].rsplit("@", 1)[1]
        if domain == vocab.VENDOR_DOMAIN:
            continue
        account = group_of.get(u["user_id"]) or u["account_id"] or (
            by_domain[domain][0] if len(by_domain[domain]) == 1 else None)
        if account:
            people[u["user_id"]] = (account, when(u["created_at"]), domain in vocab.PERSONAL_DOMAINS)
    identified = [(people[m["userId"]][0], m["userId"], m.get("event") or m.get("name"), when(m["timestamp"]), m["messageId"])
                  for m in c.events if m.get("userId") in people]
    identified = list({e[4]: e for e in identified}.values())  # duplicates count once
    out = {}
    for row in c.truth:
        a, as_of = row["account_id"], when(row["as_of"])
        lo = as_of - timedelta(days=28)
        window = [e for e in identified if e[0] == a and lo <= e[3] < as_of]
        count = lambda *names: sum(1 for e in window if e[2] in names)  # noqa: E731
        mine = [p for p in people.values() if p[0] == a and p[1] < as_of]
        new7 = sum(1 for p in mine if p[1] >= as_of - timedelta(days=7))
        prior = sum(1 for p in mine if as_of - timedelta(days=35) <= p[1] < as_of - timedelta(days=7))
        industry = accounts[a]["industry"]
        w = law.WEIGHTS
        z = (law.INTERCEPT
             + w["active_users"] * math.log1p(len({e[1] for e in window}))
             + w["invites"] * math.log1p(count("Teammate Invited"))
             + w["pricing"] * math.log1p(count("Pricing"))
             + w["paywall"] * math.log1p(count("Paywall Hit", "Plan Limit Reached"))
             + w["admin"] * math.log1p(count("Admin Settings", "Security"))
             + w["velocity"] * (math.log1p(new7) - math.log1p(prior / 4))
             + w["employees"] * (math.log(int(accounts[a]["employees"])) - math.log(50))
             + (vocab.INDUSTRY_EFFECT[vocab.INDUSTRIES.index(industry)] if industry else 0.0)
             + w["personal_share"] * sum(p[2] for p in mine) / len(mine))
        out[(a, row["as_of"])] = 1 / (1 + math.exp(-z))
    return out


def test_the_hidden_law_is_recomputable_from_the_files_alone(company):
    expected = recompute_law(company)
    for row in company.truth:
        assert float(row["p_convert"]) == pytest.approx(expected[(row["account_id"], row["as_of"])], abs=2e-8)


def test_behaviour_predicts_conversion(company):
    invites = defaultdict(int)
    for m in company.events:
        if m.get("event") == "Teammate Invited":
            invites[m["userId"], when(m["timestamp"])] += 1
    account_of = {m["userId"]: m["groupId"] for m in company.events if m["type"] == "group"}
    busy, quiet = [], []
    for row in company.truth:
        as_of = when(row["as_of"])
        n = sum(k for (user, t), k in invites.items()
                if account_of.get(user) == row["account_id"] and as_of - timedelta(days=28) <= t < as_of)
        (busy if n >= 3 else quiet if n == 0 else []).append(float(row["p_convert"]))
    assert busy and quiet
    assert sum(busy) / len(busy) > 2 * sum(quiet) / len(quiet)


def test_the_same_seed_gives_the_same_bytes(tmp_path):
    first, again, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate_company(first, accounts=25, days=90, seed=3, chunk_size=10)
    generate_company(again, accounts=25, days=90, seed=3, chunk_size=10)
    generate_company(other, accounts=25, days=90, seed=4, chunk_size=10)
    for name in FILES:
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
    assert (first / EVENTS_FILE).read_bytes() != (other / EVENTS_FILE).read_bytes()


@pytest.mark.parametrize("kwargs", [{"accounts": 0}, {"days": 10}])
def test_bad_sizes_are_usage_errors(tmp_path, kwargs):
    with pytest.raises(UsageError) as caught:
        generate_company(tmp_path, **kwargs)
    assert caught.value.exit_code == 2 and caught.value.hint


def test_company_domains_are_unique_at_scale():
    from leadlight.demo.company import company_identity

    domains = [company_identity(i)[1] for i in range(200_000)]
    assert len(set(domains)) == len(domains)


def test_a_short_history_converts_from_its_third_week(tmp_path):
    """8 weeks hold no month start with 56 days before it: the law draws weekly from day 14, so sales deals
    are won within the period; there is no truth row (those stay at month starts)."""
    result = generate_company(tmp_path, accounts=400, days=56, seed=5, chunk_size=200)
    start = datetime(2026, 10, 31) - timedelta(days=55)
    sales = [o for o in read_csv(tmp_path / "opportunities.csv") if o["source"] == "sales"]
    assert result["opportunities"] > len(sales) > 0 and any(o["stage"] == "won" for o in sales)
    created = sorted(when(o["created_at"]) for o in sales)
    assert start + timedelta(days=14) < created[0] < start + timedelta(days=28)
    assert not read_csv(tmp_path / "truth.csv")


def test_a_period_without_a_month_start_draws_weekly_and_longer_ones_monthly_as_before():
    from datetime import date

    from leadlight.demo.period import Period

    for days in (28, 56, 70):
        period = Period.ending(date(2026, 10, 31), days)
        draws, spans, monthly = period.draw_days()
        assert not len(period.snapshot_days()) and not monthly.any()
        assert list(draws) == list(range(14, days, 7)) and all(d + s == min(d + 7, days) for d, s in zip(draws, spans))
    for days in (90, 365):
        period = Period.ending(date(2026, 10, 31), days)
        draws, spans, monthly = period.draw_days()
        assert monthly.all() and list(draws) == list(period.snapshot_days())
        assert list(spans) == [min(30, b - a) for a, b in zip(draws, draws[1:])] + [30]
