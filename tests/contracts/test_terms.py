"""Terms validation, canonical JSON and its SHA-256 (hypothesis: stable under key order and equivalent spellings),
and the field-by-field diff between versions. Pure: no database."""

from __future__ import annotations

import copy
import json
import random
import unicodedata
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from accord.contracts.terms import (
    Terms,
    canonical_json,
    diff,
    example_terms,
    parse_terms,
    plan_milestones,
    stored_hash,
    terms_hash,
)


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


amounts = st.integers(min_value=1, max_value=10**9)
names = st.text(min_size=1, max_size=30).filter(lambda s: s.strip() != "")


@st.composite
def terms_data(draw: st.DrawFn) -> dict[str, Any]:
    data = example_terms("EUR")
    data["payment"]["milestones"][0]["amount"] = draw(amounts)
    data["payment"]["milestones"][1]["amount"] = draw(amounts)
    data["payment"]["milestones"][0]["title"] = draw(names)
    data["review_window_days"] = draw(st.integers(1, 60))
    data["max_change_rounds"] = draw(st.integers(0, 10))
    data["commission_lock_days"] = draw(st.sampled_from([0, 7, 14, 30, 60, 90]))
    data["notes"] = draw(st.text(max_size=50))
    if draw(st.booleans()):
        rate = draw(st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False))
        data["compensation"] = {"currency": "EUR", "rules": [{"kind": "cpc", "id": "clicks", "rate": str(rate)}]}
    return data


@settings(max_examples=60, deadline=None)
@given(terms_data(), st.integers(0, 2**32))
def test_hash_is_stable_under_key_order(data: dict[str, Any], seed: int) -> None:
    shuffled = _shuffled(copy.deepcopy(data), random.Random(seed))
    assert terms_hash(shuffled) == terms_hash(data)
    assert canonical_json(shuffled) == canonical_json(data)


@settings(max_examples=60, deadline=None)
@given(terms_data())
def test_hash_survives_a_round_trip_through_its_canonical_json(data: dict[str, Any]) -> None:
    once = canonical_json(data)
    assert canonical_json(json.loads(once)) == once
    assert terms_hash(parse_terms(json.loads(once))) == terms_hash(data)
    assert stored_hash(json.loads(once)) == terms_hash(data)  # what the integrity check recomputes


@settings(max_examples=40, deadline=None)
@given(st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False), st.integers(0, 3))
def test_equivalent_decimal_spellings_hash_the_same(rate: Decimal, zeros: int) -> None:
    base = example_terms("EUR")
    a = {**base, "compensation": {"currency": "EUR", "rules": [{"kind": "cpc", "id": "c", "rate": str(rate)}]}}
    padded = f"{rate:f}" + ("" if "." in f"{rate:f}" or zeros == 0 else ".") + "0" * zeros
    b = {**base, "compensation": {"currency": "EUR", "rules": [{"kind": "cpc", "id": "c", "rate": padded}]}}
    assert terms_hash(a) == terms_hash(b)


@settings(max_examples=40, deadline=None)
@given(terms_data(), amounts)
def test_any_change_of_meaning_changes_the_hash(data: dict[str, Any], amount: int) -> None:
    changed = copy.deepcopy(data)
    changed["payment"]["milestones"][1]["amount"] = amount
    assert (terms_hash(changed) == terms_hash(data)) == (amount == data["payment"]["milestones"][1]["amount"])


def test_unicode_forms_hash_the_same() -> None:
    composed = {**example_terms(), "notes": unicodedata.normalize("NFC", "café déjà vu")}
    decomposed = {**example_terms(), "notes": unicodedata.normalize("NFD", "café déjà vu")}
    assert composed["notes"] != decomposed["notes"]
    assert terms_hash(composed) == terms_hash(decomposed)


def test_defaults_are_part_of_the_hash() -> None:
    explicit = {**example_terms(), "require_disclosure": True, "nda": {"required": False, "text": ""}}
    assert terms_hash(explicit) == terms_hash(example_terms())
    assert len(terms_hash(example_terms())) == 64


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"commission_lock_days": 10}, "commission_lock_days"),
        ({"review_window_days": 0}, "review_window_days"),
        ({"currency": "XXX"}, "currency"),
        ({"payment": {"kind": "hourly", "rate": 0, "cap": 100}}, "payment.hourly.rate"),
        ({"nda": {"required": True, "text": ""}}, "nda"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_invalid_terms_are_refused(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Terms.model_validate({**example_terms(), **change})
    locs = {".".join(str(p) for p in e["loc"]) for e in caught.value.errors()}
    assert any(loc.startswith(field.split(".")[0]) for loc in locs | {""}), locs


def test_milestones_must_name_known_deliverables_and_unique_keys() -> None:
    data = example_terms()
    data["payment"]["milestones"][0]["deliverables"] = ["story"]
    with pytest.raises(ValidationError, match="unknown deliverables: story"):
        Terms.model_validate(data)
    data = example_terms()
    data["payment"]["milestones"][1]["key"] = "concept"
    with pytest.raises(ValidationError, match="milestone keys must be unique"):
        Terms.model_validate(data)


def test_deposit_plan_splits_with_largest_remainder() -> None:
    data = {
        **example_terms(),
        "payment": {
            "kind": "deposit",
            "total": 100_001,
            "upfront_bps": 3333,
            "upfront_due_on": "2026-01-05",
            "final_due_on": "2026-02-05",
        },
    }
    plan = plan_milestones(Terms.model_validate(data))
    assert [m.key for m in plan] == ["upfront", "final"]
    assert sum(m.amount for m in plan) == 100_001
    assert plan[0].amount == 33_330 and not plan[0].requires_submission


def test_hourly_plan_has_one_budget_milestone_of_the_cap() -> None:
    data = {**example_terms(), "payment": {"kind": "hourly", "rate": 5_000, "cap": 40_000}}
    terms = Terms.model_validate(data)
    assert terms.is_hourly and terms.total == 40_000
    (budget,) = plan_milestones(terms)
    assert (budget.key, budget.amount, budget.requires_submission) == ("hourly", 40_000, False)


def test_diff_names_each_changed_field_and_ignores_order() -> None:
    before = example_terms()
    after = copy.deepcopy(before)
    after["payment"]["milestones"].reverse()
    assert diff(before, after) == []
    after["payment"]["milestones"][0]["amount"] = 120_000  # "publish" after the reverse
    after["review_window_days"] = 7
    after["exclusivity"] = {"category": "outdoor", "period_days": 30}
    changes = {c["field"]: c for c in diff(before, after)}
    assert changes["payment.milestones[publish].amount"] == {
        "field": "payment.milestones[publish].amount",
        "change": "changed",
        "before": 100_000,
        "after": 120_000,
    }
    assert changes["review_window_days"]["before"] == 14 and changes["review_window_days"]["after"] == 7
    assert changes["exclusivity.category"]["change"] == "added"
    assert changes["exclusivity"]["change"] == "removed"  # it was null before


def test_first_offer_diff_lists_everything_as_added() -> None:
    changes = diff(None, example_terms())
    assert changes and all(c["change"] == "added" for c in changes)


def test_late_payment_terms() -> None:
    from datetime import date

    from accord.contracts.terms import LatePayment, late_payment_owed

    due = date(2026, 3, 1)
    interest = LatePayment(kind="interest", annual_interest_bps=800, grace_days=5, fee=0)
    assert late_payment_owed(interest, 365_000, due, date(2026, 3, 6)) == 0  # within the grace days
    assert late_payment_owed(interest, 365_000, due, date(2026, 3, 16)) == 800  # 10 days at 8 %/year
    fee = LatePayment(kind="fee", fee=2_500, grace_days=0, annual_interest_bps=0)
    assert late_payment_owed(fee, 1, due, date(2026, 3, 2)) == 2_500
    assert late_payment_owed(LatePayment.model_validate({}), 10**9, due, date(2030, 1, 1)) == 0
