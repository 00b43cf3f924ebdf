"""From each public dataset's own files to Leadlight input files (accounts, users, events, opportunities).

One function per dataset, ``convert(src, out) -> {kind: [paths]}``; each
``examples/<dataset>/README.md`` says in words what its function does. The
label never becomes an attribute: it becomes won (and, where known, lost)
opportunities. Columns that leak the label are kept in the accounts file so
the example's ``leadlight.yml`` can name them under ``model.leaky_attributes``
(the train report lists them as dropped). Nothing here is copied into the repo.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
OPP_COLUMNS = ["opportunity_id", "account_id", "created_at", "closed_at", "stage", "amount", "source"]


def snake(name: str) -> str:
    """A column name Leadlight and LightGBM take as is: 'Lead Origin' -> 'lead_origin'."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())  # 'PageValues' -> 'Page_Values'
    return re.sub(r"[^0-9a-z]+", "_", words.lower()).strip("_")


def pseudo_times(order: pd.Series, start: datetime, days: int) -> pd.Series:
    """Arrival times spread evenly over ``days`` in the order of ``order`` (a pseudo-time: ranks, not dates)."""
    rank = order.rank(method="first").to_numpy() - 1
    seconds = np.floor(rank * days * 86400 / max(len(order), 1))
    return pd.Series([start + timedelta(seconds=float(s)) for s in seconds], index=order.index)


def stamp(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d %H:%M:%S")


def won_opportunities(account_ids: pd.Series, when: pd.Series, amount: float | pd.Series | None = None) -> pd.DataFrame:
    """One won sales opportunity per account, created and closed at ``when``."""
    return pd.DataFrame({
        "opportunity_id": "won-" + account_ids.astype(str).to_numpy(), "account_id": account_ids.to_numpy(),
        "created_at": stamp(when).to_numpy(), "closed_at": stamp(when).to_numpy(), "stage": "won",
        "amount": amount.to_numpy() if isinstance(amount, pd.Series) else amount, "source": "sales",
    })[OPP_COLUMNS]


def write(out: Path, **frames: pd.DataFrame) -> dict[str, list[Path]]:
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[Path]] = {}
    for kind, frame in frames.items():
        path = out / f"{kind}.csv"
        frame.to_csv(path, index=False)
        files[kind] = [path]
    return files


# --- lead lists -------------------------------------------------------------------------------------------

def x_education(src: Path, out: Path) -> dict[str, list[Path]]:
    """Leads.csv: one lead per row, no dates. Arrival = pseudo-time from ``Lead Number`` order over 52 weeks."""
    leads = pd.read_csv(src / "Leads.csv", dtype=str, keep_default_na=False)
    leads = leads.loc[:, ~leads.columns.str.startswith("Unnamed")]
    arrived = pseudo_times(pd.to_numeric(leads["Lead Number"]), datetime(2020, 1, 6), 364)
    attributes = leads.drop(columns=["Prospect ID", "Lead Number", "Converted"]).replace({"Select": "", "select": ""})
    attributes.columns = [snake(c) for c in attributes.columns]
    accounts = pd.concat([pd.DataFrame({"account_id": leads["Prospect ID"], "created_at": stamp(arrived)}), attributes], axis=1)
    converted = leads["Converted"].str.strip() == "1"
    opps = won_opportunities(leads.loc[converted, "Prospect ID"], arrived[converted])
    return write(out, accounts=accounts, opportunities=opps)


def bank_dates(frame: pd.DataFrame, first_year: int = 2008) -> pd.Series:
    """Call dates: ``day`` and ``month`` as given, the year from row order (rows run May 2008 -> Nov 2010)."""
    month = frame["month"].str.lower().map(MONTHS)
    year = first_year + (month.diff() < 0).cumsum()
    return pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": frame["day"].astype(int)}))


def uci_bank(src: Path, out: Path) -> dict[str, list[Path]]:
    """bank_market.csv: one contact per row. Arrival = the call date (``day``/``month`` fold into it)."""
    bank = pd.read_csv(src / "bank_market.csv")
    when = bank_dates(bank)
    ids = "C" + bank["Cust_num"].astype(str)
    attributes = bank.drop(columns=["Cust_num", "y", "day", "month"])
    accounts = pd.concat([pd.DataFrame({"account_id": ids, "created_at": stamp(when)}), attributes], axis=1)
    yes = bank["y"].str.strip().str.lower() == "yes"
    return write(out, accounts=accounts, opportunities=won_opportunities(ids[yes], when[yes]))


OLIST_WON_ONLY = ["sdr_id", "sr_id", "business_segment", "lead_type", "lead_behaviour_profile", "has_company",
                  "has_gtin", "average_stock", "business_type", "declared_product_catalog_size",
                  "declared_monthly_revenue"]


def olist(src: Path, out: Path) -> dict[str, list[Path]]:
    """MQLs arrive at first contact; a closed deal is a won opportunity created on its won_date."""
    mqls = pd.read_csv(src / "olist_marketing_qualified_leads_dataset.csv", dtype=str)
    deals = pd.read_csv(src / "olist_closed_deals_dataset.csv", dtype=str)
    accounts = mqls.rename(columns={"mql_id": "account_id", "first_contact_date": "created_at"})
    # Filled in by the sales rep during the deal, so present only for won leads: kept to show the leak guard.
    accounts = accounts.merge(deals[["mql_id", *OLIST_WON_ONLY]].rename(columns={"mql_id": "account_id"}),
                              on="account_id", how="left")
    opps = won_opportunities(deals["mql_id"], pd.to_datetime(deals["won_date"]),
                             pd.to_numeric(deals["declared_monthly_revenue"], errors="coerce"))
    return write(out, accounts=accounts, opportunities=opps)


MAVEN_STAGES = {"won": "won", "lost": "lost", "engaging": "open", "prospecting": "open"}


def maven(src: Path, out: Path) -> dict[str, list[Path]]:
    """Each opportunity is a lead, arriving at engage_date, with its company's firmographics, product and team."""
    pipe = pd.read_csv(src / "sales_pipeline.csv", dtype=str)
    companies = pd.read_csv(src / "accounts.csv", dtype=str)
    products = pd.read_csv(src / "products.csv", dtype=str)
    teams = pd.read_csv(src / "sales_teams.csv", dtype=str)
    pipe = pipe[pipe.engage_date.notna()]  # prospecting deals were never engaged: no date, no outcome
    pipe = pipe.assign(product_key=pipe["product"].str.replace(" ", "", regex=False))
    products = products.assign(product_key=products["product"].str.replace(" ", "", regex=False)).drop(columns="product")
    leads = (pipe.merge(companies, on="account", how="left").merge(products, on="product_key", how="left")
             .merge(teams, on="sales_agent", how="left"))
    accounts = leads.drop(columns=["deal_stage", "close_date", "close_value", "product_key"]).rename(
        columns={"opportunity_id": "account_id", "engage_date": "created_at", "account": "company"})
    stage = leads.deal_stage.str.lower().map(MAVEN_STAGES)
    opps = pd.DataFrame({
        "opportunity_id": leads.opportunity_id, "account_id": leads.opportunity_id, "created_at": leads.engage_date,
        "closed_at": leads.close_date.where(stage != "open"), "stage": stage,
        "amount": pd.to_numeric(leads.close_value, errors="coerce"), "source": "sales",
    })[OPP_COLUMNS]
    return write(out, accounts=accounts, opportunities=opps)


def online_shoppers(src: Path, out: Path) -> dict[str, list[Path]]:
    """Sessions: arrival = the 1st of the session's month in one year plus row order inside the month (pseudo)."""
    s = pd.read_csv(src / "online_shoppers_intention.csv", dtype=str)
    month = s["Month"].str.lower().str[:3].map(MONTHS)
    start = pd.to_datetime(pd.DataFrame({"year": 2017, "month": month, "day": 1}))
    within = s.groupby(month).cumcount() / s.groupby(month)["Month"].transform("size")
    when = start + pd.to_timedelta(within * 27, unit="D")
    ids = pd.Series([f"S{i + 1}" for i in range(len(s))], index=s.index)
    attributes = s.drop(columns=["Month", "Revenue"])
    attributes.columns = [snake(c) for c in attributes.columns]
    accounts = pd.concat([pd.DataFrame({"account_id": ids, "created_at": stamp(when)}), attributes], axis=1)
    bought = s["Revenue"].str.strip().str.upper().isin(["YES", "TRUE"])
    return write(out, accounts=accounts, opportunities=won_opportunities(ids[bought], when[bought]))


# --- event logs -------------------------------------------------------------------------------------------

def adoptions(logins: pd.DataFrame) -> pd.Series:
    """Per user, the day they became *adopted*: their third login day within a 7-day window."""
    days = logins[["user_id", "day"]].drop_duplicates().sort_values(["user_id", "day"])
    two_before = days.groupby("user_id").day.shift(2)
    hit = days[(days.day - two_before).dt.days <= 6]
    return hit.groupby("user_id").day.min()


def relax(src: Path, out: Path) -> dict[str, list[Path]]:
    """Orgs are accounts, users belong to orgs, each login day is a 'Logged In' event (at noon: the copy has
    dates only); an org's first adopted user is its won opportunity, created at that adopting login."""
    users = pd.read_csv(src / "takehome_users.csv", encoding="latin-1", dtype=str)
    logins = pd.read_csv(src / "takehome_user_engagement.csv", dtype=str)
    logins["day"] = pd.to_datetime(logins.time_stamp.str[:10])
    created = pd.to_datetime(users.creation_time, format="%d-%m-%Y %H:%M", errors="coerce")
    user_rows = pd.DataFrame({
        "user_id": users.object_id, "email": users.email.str.lower(), "account_id": "org" + users.org_id,
        "created_at": stamp(created), "creation_source": users.creation_source,
        "opted_in_to_mailing_list": users.opted_in_to_mailing_list,
        "enabled_for_marketing_drip": users.enabled_for_marketing_drip,
        "invited": users.invited_by_user_id.notna().astype(int),
    })
    events = pd.DataFrame({"user_id": logins.user_id, "event": "Logged In",
                           "timestamp": logins.day.dt.strftime("%Y-%m-%dT12:00:00Z"),
                           "account_id": logins.user_id.map(dict(zip(users.object_id, "org" + users.org_id)))})
    signups = pd.DataFrame({"user_id": users.object_id, "event": "Signed Up: " + users.creation_source.str.lower(),
                            "timestamp": created.dt.strftime("%Y-%m-%dT%H:%M:%SZ"), "account_id": "org" + users.org_id})
    events = pd.concat([signups[created.notna()], events], ignore_index=True)
    adopted = adoptions(logins).to_frame("day").join(users.set_index("object_id").org_id)
    first = adopted.groupby("org_id").day.min()
    accounts = pd.DataFrame({"account_id": "org" + pd.Series(sorted(users.org_id.unique(), key=int)),
                             "name": "Organisation " + pd.Series(sorted(users.org_id.unique(), key=int))})
    opps = won_opportunities("org" + first.index.to_series(), first + timedelta(hours=12))
    return write(out, accounts=accounts, users=user_rows, events=events, opportunities=opps)


RAVEN_NOW = ["plan_tier", "seats", "is_trial", "churn_flag"]


def ravenstack(src: Path, out: Path) -> dict[str, list[Path]]:
    """Accounts with feature usage (per subscription -> account) and tickets as events; an upgraded
    subscription is a won opportunity created on its start_date."""
    acc = pd.read_csv(src / "ravenstack_accounts.csv", dtype=str)
    subs = pd.read_csv(src / "ravenstack_subscriptions.csv", dtype=str)
    usage = pd.read_csv(src / "ravenstack_feature_usage.csv", dtype=str)
    tickets = pd.read_csv(src / "ravenstack_support_tickets.csv", dtype=str)
    owner = dict(zip(subs.subscription_id, subs.account_id))
    accounts = acc.rename(columns={"account_name": "name", "signup_date": "created_at"})
    used = pd.DataFrame({"user_id": usage.subscription_id, "event": usage.feature_name,
                         "timestamp": pd.to_datetime(usage.usage_date).dt.strftime("%Y-%m-%dT12:00:00Z"),
                         "account_id": usage.subscription_id.map(owner)})
    asked = pd.DataFrame({"user_id": tickets.account_id + "-support", "event": "Support Ticket",
                          "timestamp": pd.to_datetime(tickets.submitted_at).dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                          "account_id": tickets.account_id})
    events = pd.concat([used, asked], ignore_index=True)
    events = events[events.account_id.notna()]
    up = subs[subs.upgrade_flag.str.strip().str.lower().isin(["true", "1", "yes"])]
    opps = won_opportunities(up.account_id, pd.to_datetime(up.start_date), pd.to_numeric(up.arr_amount, errors="coerce"))
    opps["opportunity_id"] = "up-" + up.subscription_id.to_numpy()
    return write(out, accounts=accounts, events=events, opportunities=opps)


CONVERTERS: dict[str, tuple[str, Callable[[Path, Path], dict[str, list[Path]]]]] = {
    # example name: (folder under the datasets directory, converter)
    "x-education-leads": ("x-education-leads", x_education),
    "uci-bank-marketing": ("uci-bank-marketing", uci_bank),
    "olist-marketing-funnel": ("olist-marketing-funnel", olist),
    "maven-crm-sales-opportunities": ("maven-crm-sales-opportunities", maven),
    "relax-user-engagement": ("relax-user-engagement", relax),
    "ravenstack": ("ravenstack-saas-synthetic", ravenstack),
    "uci-online-shoppers": ("uci-online-shoppers-intention", online_shoppers),
}
