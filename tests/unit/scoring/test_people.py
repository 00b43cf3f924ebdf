"""Seniority and department from free-text titles; the champion; decision makers."""

from __future__ import annotations

import pytest

from leadlight.scoring.people import Persona, champion, decision_makers, is_sales_rep, parse_title

TITLES = [
    ("CTO", "c_level", "engineering"),
    ("CEO", "c_level", "executive"),
    ("Founder & CEO", "c_level", "executive"),
    ("Co-founder", "c_level", "executive"),
    ("CIO", "c_level", "it"),
    ("CISO", "c_level", "it"),
    ("CFO", "c_level", "finance"),
    ("Chief Product Officer", "c_level", "product"),
    ("Chief Technology Officer", "c_level", "engineering"),
    ("VP Eng", "vp", "engineering"),
    ("VP, Engineering", "vp", "engineering"),
    ("VP of Product", "vp", "product"),
    ("SVP Sales", "vp", "sales"),
    ("EVP, Operations", "vp", "operations"),
    ("Vice President Marketing", "vp", "marketing"),
    ("Head of Design", "head", "design"),
    ("Head of IT", "head", "it"),
    ("Head of People", "head", "hr"),
    ("Director of Engineering", "director", "engineering"),
    ("Dir. of Marketing", "director", "marketing"),
    ("Engineering Manager", "manager", "engineering"),
    ("Sr. Product Mgr", "manager", "product"),
    ("Design Lead", "manager", "design"),
    ("IT Manager", "manager", "it"),
    ("Senior Software Engineer", "senior", "engineering"),
    ("Sr Software Engineer", "senior", "engineering"),
    ("Staff Data Scientist", "senior", "data"),
    ("Software Engineer", "individual", "engineering"),
    ("developer", "individual", "engineering"),
    ("Product Designer", "individual", "design"),
    ("Data Analyst", "individual", "data"),
    ("Content Writer", "individual", "marketing"),
    ("Systems Administrator", "individual", "it"),
    ("Account Executive", "individual", "sales"),
    ("SDR", "individual", "sales"),
    ("Financial Controller", "individual", "finance"),
    ("Recruiter", "individual", "hr"),
    ("PhD Student", "student", "other"),
    ("Software Engineering Intern", "student", "engineering"),
    ("  vp   ENG ", "vp", "engineering"),
    ("", "unknown", "other"),
    (None, "unknown", "other"),
]


@pytest.mark.parametrize("title, seniority, department", TITLES)
def test_title_parsing(title, seniority, department):
    assert parse_title(title) == Persona(seniority, department)


@pytest.mark.parametrize(
    "title, rep",
    [("Account Executive", True), ("SDR", True), ("Sales Development Rep", True), ("Customer Success Manager", True),
     ("Solutions Engineer", True), ("Sales Manager", True), ("VP Sales", False), ("Head of Sales", False),
     ("Chief Revenue Officer", False), ("Software Engineer", False), ("", False), (None, False)],
)
def test_sales_rep_persona(title, rep):
    assert is_sales_rep(title) is rep


def p(user_id, activity, admin=False, inviter=False, excluded=False, title=None):
    return {"user_id": user_id, "email": f"{user_id}@x.com", "title": title, "activity": activity,
            "admin": admin, "inviter": inviter, "excluded": excluded}


def test_champion_is_the_most_active_person():
    assert champion([p("a", 3), p("b", 9), p("c", 5)])["user_id"] == "b"


def test_admins_and_inviters_come_first():
    assert champion([p("a", 3, admin=True), p("b", 9)])["user_id"] == "a"
    assert champion([p("a", 3), p("b", 9), p("c", 1, inviter=True)])["user_id"] == "c"
    assert champion([p("a", 3, admin=True), p("c", 4, inviter=True)])["user_id"] == "c"


def test_champion_skips_excluded_people_and_the_inactive():
    assert champion([p("a", 50, admin=True, excluded=True), p("b", 2)])["user_id"] == "b"
    assert champion([p("a", 0, admin=True), p("b", 0)]) is None
    assert champion([]) is None


def test_champion_ties_break_on_user_id():
    assert champion([p("b", 5), p("a", 5)])["user_id"] == "a"


def test_decision_makers_by_seniority_then_activity():
    people = [p("eng", 9, title="Software Engineer"), p("dir", 1, title="Director of IT"),
              p("vp1", 2, title="VP Eng"), p("vp2", 5, title="VP of Product"), p("ceo", 0, title="CEO"),
              p("rep", 9, title="VP Sales", excluded=True)]
    assert [x["user_id"] for x in decision_makers(people, 3)] == ["ceo", "vp2", "vp1"]
    assert [x["user_id"] for x in decision_makers(people, 10)] == ["ceo", "vp2", "vp1", "dir"]
