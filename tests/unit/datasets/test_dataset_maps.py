"""The dataset conversions of bench/dataset_maps.py, on a few rows shaped like each real file."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from leadlight.cli.app import app
from leadlight.config.loader import load_config_file

BENCH = Path(__file__).resolve().parents[3] / "bench"
EXAMPLES = BENCH.parent / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


maps = _load("dataset_maps")

LEADS = (
    "Prospect ID,Lead Number,Lead Origin,Lead Source,Converted,TotalVisits,Tags,Lead Quality,City,\n"
    "p-b,660728,API,Organic Search,0,5,Ringing,,Select,\n"
    "p-a,660737,API,Olark Chat,1,0,Will revert,High in Relevance,Mumbai,\n"
    "p-c,660800,Landing Page Submission,Direct Traffic,1,2,,,Select,\n"
)
BANK = (
    "Cust_num,age,job,day,month,duration,campaign,y\n"
    "1,58,management,5,may,261,1,no\n"
    "2,44,technician,28,dec,151,1,yes\n"
    "3,33,entrepreneur,2,jan,76,1,no\n"
    "4,47,blue-collar,17,nov,92,2,yes\n"
    "5,33,unknown,3,mar,198,1,no\n"
)
MQLS = ("mql_id,first_contact_date,landing_page_id,origin\n"
        "m1,2018-02-01,lp1,social\nm2,2017-10-20,lp2,paid_search\nm3,2018-03-05,lp1,\n")
DEALS = ("mql_id,seller_id,sdr_id,sr_id,won_date,business_segment,lead_type,lead_behaviour_profile,has_company,"
         "has_gtin,average_stock,business_type,declared_product_catalog_size,declared_monthly_revenue\n"
         "m2,s2,d1,r1,2018-02-26 19:58:54,pet,online_medium,cat,,,,reseller,,0.0\n")
PIPELINE = ("opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
            "O1,Moses Frase,GTX Plus Basic,Cancity,Won,2016-10-20,2017-03-01,1054\n"
            "O2,Darcel Schlecht,GTXPro,Isdom,Lost,2016-10-25,2017-03-11,0\n"
            "O3,Darcel Schlecht,MG Special,Isdom,Engaging,2017-12-01,,\n"
            "O4,Moses Frase,GTXPro,,Prospecting,,,\n")
COMPANIES = ("account,sector,year_established,revenue,employees,office_location,subsidiary_of\n"
             "Cancity,retail,2001,718.62,2448,United States,\nIsdom,medical,2002,3178.24,4540,United States,\n")
PRODUCTS = "product,series,sales_price\nGTX Plus Basic,GTX,1096\nGTX Pro,GTX,4821\nMG Special,MG,55\n"
TEAMS = "sales_agent,manager,regional_office\nMoses Frase,Dustin Brinkmann,Central\nDarcel Schlecht,Melvin Marxen,Central\n"
USERS = ("object_id,creation_time,name,email,creation_source,last_session_creation_time,opted_in_to_mailing_list,"
         "enabled_for_marketing_drip,org_id,invited_by_user_id\n"
         "1,22-04-2014 03:53,A B,ab@yahoo.com,GUEST_INVITE,1398138810,1,0,11,2\n"
         "2,15-11-2013 03:45,C D,cd@gustr.com,ORG_INVITE,1396237504,0,0,11,\n"
         "3,19-03-2013 23:14,E F,ef@gustr.com,SIGNUP,,0,0,4,\n")
LOGINS = ("time_stamp,user_id,visited\n"
          "2014-04-22,1,1\n2014-04-24,1,1\n2014-04-28,1,1\n"  # 3 days within 7: adopted 2014-04-28
          "2013-11-15,2,1\n2013-11-29,2,1\n2013-12-09,2,1\n"  # never 3 within 7
          "2013-03-19,3,1\n")
SHOPPERS = ("Administrative,Administrative_Duration,PageValues,Month,VisitorType,Weekend,Revenue\n"
            "0,0,0,Feb,Returning_Visitor,NO,NO\n1,10,12.5,Feb,New_Visitor,YES,YES\n0,0,0,Nov,Returning_Visitor,NO,NO\n")


def write(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def read(files: dict, kind: str) -> pd.DataFrame:
    return pd.read_csv(files[kind][0], dtype=str, keep_default_na=False)


def test_x_education_pseudo_time_follows_lead_number_and_the_label_is_not_an_attribute(tmp_path):
    files = maps.x_education(write(tmp_path / "src", **{"Leads.csv": LEADS}), tmp_path / "out")
    accounts = read(files, "accounts").set_index("account_id")
    assert list(accounts.sort_values("created_at").index) == ["p-b", "p-a", "p-c"]  # by Lead Number
    assert accounts.loc["p-b", "created_at"] == "2020-01-06 00:00:00"
    assert {"converted", "lead_number", "prospect_id"}.isdisjoint(accounts.columns)
    assert {"lead_origin", "tags", "lead_quality", "total_visits"} <= set(accounts.columns)
    assert accounts.loc["p-b", "city"] == ""  # 'Select' means not answered
    opps = read(files, "opportunities")
    assert sorted(opps.account_id) == ["p-a", "p-c"] and set(opps.stage) == {"won"}
    assert dict(zip(opps.account_id, opps.created_at)) == accounts.loc[["p-a", "p-c"], "created_at"].to_dict()


def test_bank_years_come_from_row_order_and_duration_stays_for_the_config_to_drop(tmp_path):
    files = maps.uci_bank(write(tmp_path / "src", **{"bank_market.csv": BANK}), tmp_path / "out")
    accounts = read(files, "accounts")
    assert accounts.created_at.str[:10].tolist() == ["2008-05-05", "2008-12-28", "2009-01-02", "2009-11-17",
                                                     "2010-03-03"]
    assert "duration" in accounts.columns and not {"y", "day", "month", "Cust_num"} & set(accounts.columns)
    opps = read(files, "opportunities")
    assert opps.account_id.tolist() == ["C2", "C4"]
    assert "duration" in load_config_file(EXAMPLES / "uci-bank-marketing" / "leadlight.yml").model.leaky_attributes


def test_olist_deal_fields_exist_only_for_won_leads_and_are_declared_leaky(tmp_path):
    src = write(tmp_path / "src", **{"olist_marketing_qualified_leads_dataset.csv": MQLS,
                                     "olist_closed_deals_dataset.csv": DEALS})
    files = maps.olist(src, tmp_path / "out")
    accounts = read(files, "accounts").set_index("account_id")
    assert accounts.loc["m2", "business_segment"] == "pet" and accounts.loc["m1", "business_segment"] == ""
    assert accounts.loc["m2", "created_at"] == "2017-10-20"
    opps = read(files, "opportunities")
    assert opps[["account_id", "created_at", "stage"]].values.tolist() == [["m2", "2018-02-26 19:58:54", "won"]]
    leaky = load_config_file(EXAMPLES / "olist-marketing-funnel" / "leadlight.yml").model.leaky_attributes
    assert set(maps.OLIST_WON_ONLY) == set(leaky)


def test_maven_opportunities_become_leads_with_firmographics_and_keep_their_outcome(tmp_path):
    src = write(tmp_path / "src", **{"sales_pipeline.csv": PIPELINE, "accounts.csv": COMPANIES,
                                     "products.csv": PRODUCTS, "sales_teams.csv": TEAMS})
    files = maps.maven(src, tmp_path / "out")
    accounts = read(files, "accounts").set_index("account_id")
    assert list(accounts.index) == ["O1", "O2", "O3"]  # O4 was never engaged: no date, no outcome
    assert accounts.loc["O2", "sales_price"] == "4821"  # 'GTXPro' matched 'GTX Pro'
    assert accounts.loc["O1", "sector"] == "retail" and accounts.loc["O2", "regional_office"] == "Central"
    assert not {"deal_stage", "close_date", "close_value"} & set(accounts.columns)
    opps = read(files, "opportunities").set_index("opportunity_id")
    assert opps.stage.to_dict() == {"O1": "won", "O2": "lost", "O3": "open"}
    assert opps.loc["O3", "closed_at"] == "" and opps.loc["O1", "created_at"] == "2016-10-20"


def test_relax_orgs_convert_at_their_first_adopting_login(tmp_path):
    src = write(tmp_path / "src", **{"takehome_users.csv": USERS, "takehome_user_engagement.csv": LOGINS})
    files = maps.relax(src, tmp_path / "out")
    users = read(files, "users").set_index("user_id")
    assert users.loc["1", "account_id"] == "org11" and users.loc["1", "created_at"] == "2014-04-22 03:53:00"
    assert users.invited.to_dict() == {"1": "1", "2": "0", "3": "0"}
    events = read(files, "events")
    assert (events.event == "Logged In").sum() == 7 and (events.account_id == "org11").sum() == 8
    opps = read(files, "opportunities")
    assert opps[["account_id", "created_at"]].values.tolist() == [["org11", "2014-04-28 12:00:00"]]
    # the adopting login is at noon: a snapshot at or before it sees neither it nor the outcome
    assert "2014-04-28T12:00:00Z" in set(events.timestamp)
    assert sorted(read(files, "accounts").account_id) == ["org11", "org4"]


def test_online_shoppers_month_gives_the_pseudo_time_and_revenue_the_outcome(tmp_path):
    files = maps.online_shoppers(write(tmp_path / "src", **{"online_shoppers_intention.csv": SHOPPERS}), tmp_path / "out")
    accounts = read(files, "accounts")
    assert accounts.created_at.str[:7].tolist() == ["2017-02", "2017-02", "2017-11"]
    assert "revenue" not in accounts.columns and "page_values" in accounts.columns
    assert read(files, "opportunities").account_id.tolist() == ["S2"]


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_every_example_has_a_valid_config_a_readme_and_a_converter(example):
    load_config_file(EXAMPLES / example / "leadlight.yml")
    assert (EXAMPLES / example / "README.md").read_text().strip()
    assert example in maps.CONVERTERS


def test_a_converted_lead_list_ingests_cleanly(tmp_path):
    files = maps.x_education(write(tmp_path / "src", **{"Leads.csv": LEADS}), tmp_path / "out")
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "leadlight.yml").write_text((EXAMPLES / "x-education-leads" / "leadlight.yml").read_text())
    for kind in ("accounts", "opportunities"):
        result = CliRunner().invoke(app, ["ingest", str(files[kind][0]), "--kind", kind, "--project", str(proj), "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["rejected"] == 0 and report["loaded"] == {"accounts": 3, "opportunities": 2}[kind]
