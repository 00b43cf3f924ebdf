import duckdb
import pytest

from leadlight.config.project import IdentityConfig
from leadlight.identity.domains import (
    DomainRules,
    builtin_personal_domains,
    candidates_table,
    email_domain_sql,
    host_sql,
    parent_domains,
)

RULES = DomainRules.from_config(IdentityConfig())


@pytest.mark.parametrize(
    "domain",
    ["gmail.com", "googlemail.com", "hotmail.co.uk", "hotmail.fr", "yahoo.com.br", "mail.yahoo.fr", "proton.me", "GMX.de"],
)
def test_free_mail_providers_are_personal(domain):
    assert RULES.classify(domain).personal


@pytest.mark.parametrize("domain", ["acme.com", "yahoo.acme.com", "live.acme.com", "olive.com", "gmail.acme.io", "acme.live"])
def test_company_domains_are_not_personal(domain):
    assert not RULES.classify(domain).personal


def test_disposable_domains_come_from_the_blocklist_and_cover_subdomains():
    assert RULES.classify("mailinator.com").disposable
    assert RULES.classify("x7.mailinator.com").disposable
    assert not RULES.classify("acme.com").disposable


@pytest.mark.parametrize("domain", ["mit.edu", "ox.ac.uk", "cs.ox.ac.uk", "unsw.edu.au", "lincoln.k12.ca.us"])
def test_student_suffixes(domain):
    assert RULES.classify(domain).student


@pytest.mark.parametrize("domain", ["education.com", "acme.com", "edu.acme.com", "ac.me"])
def test_not_students(domain):
    assert not RULES.classify(domain).student


def test_config_extends_personal_list_and_work_domains_override_everything():
    rules = DomainRules.from_config(
        IdentityConfig(personal_domains=["isp.example", "telco.*"], work_domains=["gmail.com", "mit.edu"])
    )
    assert rules.classify("isp.example").personal
    assert rules.classify("telco.co.uk").personal
    assert not rules.classify("gmail.com").personal
    assert rules.classify("cs.mit.edu") == rules.classify("acme.com")


def test_builtin_list_is_long_clean_and_lower_case():
    domains = builtin_personal_domains()
    assert len(domains) >= 100
    assert "gmail.com" in domains and "yahoo.*" in domains
    assert all(d == d.lower() and " " not in d and not d.startswith("#") for d in domains)
    assert len(set(domains)) == len(domains)


def test_parent_domains_stop_before_the_top_level():
    assert parent_domains("eng.acme.co.uk") == ["eng.acme.co.uk", "acme.co.uk", "co.uk"]
    assert parent_domains("acme.com") == ["acme.com"]
    table = candidates_table(["eng.acme.com"]).to_pylist()
    assert sorted((r["candidate"], r["depth"]) for r in table) == [("acme.com", 1), ("eng.acme.com", 0)]


@pytest.mark.parametrize(
    "email, domain",
    [
        ("Bob@WWW.Acme.COM ", "acme.com"),
        ("bob@eng.acme.com", "eng.acme.com"),
        ("a+tag@b.c@acme.io", "acme.io"),
        ("no-at-sign.com", None),
        ("@acme.com", None),
        ("bob@localhost", None),
        ("bob@", None),
        (None, None),
    ],
)
def test_email_domain_sql(email, domain):
    assert duckdb.execute(f"SELECT {email_domain_sql('x')} FROM (SELECT ?::VARCHAR AS x)", [email]).fetchone()[0] == domain


@pytest.mark.parametrize(
    "text, host",
    [
        ("https://www.Acme.com/about", "acme.com"),
        ("acme.com:8080", "acme.com"),
        ("ACME.COM.", "acme.com"),
        ("http://eng.acme.com?x=1", "eng.acme.com"),
        ("acme", None),
        ("", None),
    ],
)
def test_host_sql_normalises_account_domains(text, host):
    assert duckdb.execute(f"SELECT {host_sql('x')} FROM (SELECT ?::VARCHAR AS x)", [text]).fetchone()[0] == host
