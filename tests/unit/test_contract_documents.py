"""The contract's JSON documents made without pydantic equal the typed models' dumps, for any value."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from leadlight import contract
from leadlight.contract_documents import SHAPES, Unconforming, conformed, derive_shapes, document


def test_the_written_shapes_are_the_contracts():
    assert SHAPES == derive_shapes(), "the contract changed: run `python -m leadlight.contract_documents`"


def typed(model: str, values: dict):
    """What the contract's model dumps, or the error it raises."""
    try:
        return getattr(contract, model)(**values).model_dump(mode="json")
    except ValidationError as err:
        return type(err)


def made(model: str, values: dict):
    try:
        return document(model, values)
    except ValidationError as err:
        return type(err)


def same(a, b) -> bool:
    """Equal, NaN included; and the same JSON text (1 and 1.0 compare equal but print differently)."""
    if isinstance(a, type) or isinstance(b, type):  # an error raised
        return a is b
    return json.dumps(a, sort_keys=False) == json.dumps(b, sort_keys=False) and (a == b or _nan_equal(a, b))


def _nan_equal(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_nan_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_nan_equal(a[k], b[k]) for k in a)
    return a == b


ACCOUNT = {
    "account_id": "acc_1", "name": "Zoë & Søn — 株式会社", "domain": "zoe.example", "score": 87.5,
    "probability": None, "fit": "high", "intent": "low", "quadrant": "high_fit_low_intent", "pqa": True,
    "reasons": [{"signal": "active_users_14d", "value": 4, "contribution": 30, "text": "4 active users 🚀"}],
    "champion": {"user_id": "u1", "email": "ana@zoe.example"}, "decision_makers": [], "play": {"name": "expand"},
    "status": "open_deal", "owner": "rep@x.example", "employees": 40, "as_of": "2026-11-01T00:00:00Z",
}


@pytest.mark.parametrize("change", [
    {},
    {"name": None, "domain": None, "score": None, "champion": None, "play": None},  # accounts with null fields
    {"score": 100},  # a whole number where a float is declared
    {"reasons": [{"signal": "s", "contribution": -5, "text": "t"}]},  # value left out: its default
    {"reasons": [{"signal": "s", "value": {"a": [1, 2.5, None, "x"]}, "contribution": 1.5, "text": "t"}]},
    {"reasons": [{"signal": "s", "value": float("nan"), "contribution": float("inf"), "text": "t"}]},
    {"champion": {"user_id": None, "title": "CTO"}},
    {"uplift_reliable": False, "motion": "self_serve", "deal_size": 1200},
])
def test_conforming_accounts_are_made_without_the_model(change):
    values = {**ACCOUNT, **change}
    assert same(conformed("AccountObject", values), typed("AccountObject", values))


@pytest.mark.parametrize("change", [
    {"score": "87"},  # text the model reads as a number
    {"employees": 12.0},  # a float the model reads as a whole number
    {"pqa": 1},
    {"reasons": [{"signal": "s", "contribution": 1, "text": "t", "extra": 1}]},  # a key the contract forbids
    {"champion": {"email": "no-id@x.example"}},  # a required key missing
    {"quadrant": "HIGH_FIT_HIGH_INTENT"},
    {"status": None},
    {"unknown": 1},
    {"reasons": [{"signal": "s", "value": (1, 2), "contribution": 1, "text": "t"}]},
])
def test_what_the_shape_cannot_vouch_for_is_the_models_to_convert_or_refuse(change):
    values = {**ACCOUNT, **change}
    with pytest.raises(Unconforming):
        conformed("AccountObject", values)
    assert same(made("AccountObject", values), typed("AccountObject", values))


LEAD = {"user_id": "u-ü", "email": None, "title": "Head of Data", "account_id": "acc_1", "account_name": "Zoë",
        "score": 61.0, "pql": True, "disqualifiers": ["personal_email"], "reasons": [],
        "link": {"method": "domain", "account_id": "acc_1"}, "flags": {"personal_email": True},
        "persona": {"seniority": None, "department": "data"}}


@pytest.mark.parametrize("change", [{}, {"flags": {}, "link": {}, "persona": {}}, {"flags": {"a": 1}},
                                    {"disqualifiers": [None]}, {"score": 3}])
def test_leads_too(change):
    values = {**LEAD, **change}
    assert same(made("LeadObject", values), typed("LeadObject", values))


scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True), st.text(max_size=4),
                    st.sampled_from(["high", "low", "prospect", "customer", "high_fit_high_intent", "sales"]))
jsonish = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(st.text(max_size=3), inner, max_size=3)),
                       max_leaves=6)
reason = st.fixed_dictionaries({"signal": st.text(max_size=5), "contribution": st.one_of(st.integers(), st.floats()),
                                "text": st.text(max_size=8)}, optional={"value": jsonish, "extra": scalars})
person = st.fixed_dictionaries({}, optional={"user_id": st.one_of(st.none(), st.text(max_size=3)),
                                             "email": scalars, "title": scalars})
play = st.fixed_dictionaries({"name": st.text(max_size=3)}, optional={"message": scalars, "team": scalars})
fields = {name: scalars for name, *_ in SHAPES["AccountObject"]}
fields.update(reasons=st.lists(reason, max_size=3), champion=st.one_of(st.none(), person),
              decision_makers=st.lists(person, max_size=2), play=st.one_of(st.none(), play),
              account_id=st.text(max_size=6))


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({}, optional=fields))
def test_any_account_values_make_the_same_document_as_the_model(values):
    assert same(made("AccountObject", values), typed("AccountObject", values))


def values_of(kind, nullable: bool = True):
    """Values a field of ``kind`` holds in a stored row (JSON decoded): always what the shape vouches for."""
    if isinstance(kind, tuple):
        form, inner = kind
        if form == "literal":
            made_ = st.sampled_from(inner)
        elif form == "object":
            shape = SHAPES[inner]
            made_ = st.fixed_dictionaries(
                {name: values_of(k, n) for name, k, n, default in shape if default == "required"},
                optional={name: values_of(k, n) for name, k, n, default in shape if default != "required"})
        elif form == "list":
            made_ = st.lists(values_of(inner, False), max_size=3)
        else:
            made_ = st.dictionaries(st.text(max_size=4), values_of(inner, False), max_size=3)
    else:
        made_ = {"str": st.text(max_size=6), "int": st.integers(-10**12, 10**12), "bool": st.booleans(),
                 "float": st.one_of(st.floats(), st.integers(-1000, 1000)), "any": jsonish}[kind]
    return st.one_of(st.none(), made_) if nullable else made_


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_every_value_a_stored_row_holds_is_made_without_the_model(data):
    for model in ("AccountObject", "LeadObject"):
        shape = SHAPES[model]
        values = data.draw(st.fixed_dictionaries(
            {name: values_of(k, n) for name, k, n, default in shape if default == "required"},
            optional={name: values_of(k, n) for name, k, n, default in shape if default != "required"}))
        assert same(conformed(model, values), typed(model, values))
