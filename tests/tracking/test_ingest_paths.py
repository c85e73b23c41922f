"""The fast ingest paths (whole-batch typed decode, plain-shape check, COPY text) decide exactly as EventIn does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from accord.core import clock
from accord.tracking import ingest
from accord.tracking.models import Event
from tests.tracking.helpers import Setup, make_setup, rollup

T0 = datetime(2026, 5, 4, 10, 15, tzinfo=UTC)


@pytest.fixture
def s(db: None) -> Setup:
    clock.set_now(T0)
    return make_setup()


def outcome(result: ingest.IngestResult) -> tuple[Any, ...]:
    return (
        result.accepted,
        result.duplicates,
        result.rejected,
        [(e.index, e.code) for e in result.errors],
    )


def test_a_valid_array_decodes_typed_and_lands_like_the_per_event_path(s: Setup) -> None:
    code = s.link.code
    events = [
        {"id": "a1", "type": "view", "link": code, "quantity": 7, "occurred_at": "2026-05-04T09:59:00+02:00"},
        {"type": "engagement", "link": code, "quantity": 3},  # no id: a hash of the event is its id
        {"id": "a3", "type": "conversion", "link": code, "amount": 4200, "currency": "eur", "order_id": "o-1"},
        {"id": "a4", "type": "refund", "link": code, "amount": 1000},
        {"id": "a5", "type": "view", "link": code, "occurred_at": "2026-05-04T10:15:00"},  # naive
        {"id": "a6", "type": "view", "link": code, "occurred_at": (T0 + timedelta(hours=1)).isoformat()},
        {"id": "a1", "type": "view", "link": code},  # same id in the batch
    ]
    body = json.dumps(events).encode()
    typed = ingest.parse_batch(body)
    assert isinstance(typed, ingest.TypedBatch)
    first = ingest.ingest_events(s.brand_principal(), typed)
    assert outcome(first) == (4, 1, 2, [(4, "naive_time"), (5, "future_event")])
    stored = {e.external_id: e for e in Event.objects.all()}
    # The per-event path (a plain list) derives the same id for the id-less event: the replay is all duplicates.
    again = ingest.ingest_events(s.brand_principal(), json.loads(body))
    assert outcome(again) == (0, 5, 2, [(4, "naive_time"), (5, "future_event")])
    assert stored["a1"].occurred_at == datetime(2026, 5, 4, 7, 59, tzinfo=UTC)
    assert stored["a3"].amount == 4200 and stored["a3"].currency == "EUR" and stored["a3"].quantity == 1
    assert stored["a4"].amount == -1000
    day = rollup("campaign", s.campaign.pk)
    assert (day["views"], day["engagements"], day["conversions"], day["revenue"]) == (7, 3, 1, 4200)
    assert (day["refunds"], day["refunded"]) == (1, 1000)
    assert rollup("campaign", s.campaign.pk, "hour")["views"] == 7


def test_whitespace_and_loose_types_go_through_event_in(s: Setup) -> None:
    code = s.link.code
    events: list[Any] = [
        {"id": " w1 ", "type": "view", "link": f" {code} "},  # stripped, as EventIn does
        {"id": "w2", "type": "view", "link": code, "quantity": "5"},  # a numeric string: EventIn coerces
        {"id": "w3", "type": "view", "link": code, "quantity": 0},
        {"id": "w4", "type": "teleport", "link": code},
        {"id": "w5", "type": "view", "link": code, "colour": "red"},
        "not an object",
    ]
    for items in (ingest.parse_batch(json.dumps(events).encode()), events):
        result = ingest.ingest_events(s.brand_principal(), items)
        assert [(e.index, e.code) for e in result.errors] == [
            (2, "invalid_event"),
            (3, "invalid_event"),
            (4, "invalid_event"),
            (5, "invalid_event"),
        ]
    assert sorted(Event.objects.values_list("external_id", "quantity")) == [("w1", 1), ("w2", 5)]


def test_typed_batch_with_one_padded_field_leaves_it_to_event_in(s: Setup) -> None:
    body = json.dumps([{"id": "p1", "type": "view", "link": s.link.code, "order_id": " x "}]).encode()
    batch = ingest.parse_batch(body)
    assert isinstance(batch, ingest.TypedBatch)
    assert ingest.ingest_events(s.brand_principal(), batch).accepted == 1
    assert Event.objects.get().order_ref == "x"


def test_text_that_copy_must_escape_is_stored_exactly_and_nul_and_lone_surrogates_are_refused(s: Setup) -> None:
    odd = "tab\there\\back\nline\rret"
    events = [
        {"id": odd, "type": "view", "link": s.link.code, "order_id": "o\\1"},
        {"id": "nul\u0000", "type": "view", "link": s.link.code},
        {"id": "s1", "type": "view", "link": s.link.code, "order_id": "\ud800"},  # no UTF-8 for it
        {"id": "s2", "type": "conversion", "link": "\udfff", "click_id": "\udfff"},
    ]
    result = ingest.ingest_events(s.brand_principal(), ingest.parse_batch(json.dumps(events).encode()))
    assert outcome(result) == (1, 0, 3, [(1, "invalid_event"), (2, "invalid_event"), (3, "unknown_link")])
    event = Event.objects.get()
    assert (event.external_id, event.order_ref) == (odd, "o\\1")


def test_ndjson_lines_parse_one_by_one(s: Setup) -> None:
    body = f'{{"id": "n1", "type": "view", "link": "{s.link.code}"}}\n{{broken\n'.encode()
    result = ingest.ingest_events(s.brand_principal(), ingest.parse_batch(body, "application/x-ndjson"))
    assert outcome(result) == (1, 0, 1, [(1, "invalid_json")])


def test_a_timestamp_shaped_string_that_is_no_time_is_an_invalid_event(s: Setup) -> None:
    events = [
        {"id": "t1", "type": "view", "link": s.link.code, "occurred_at": "2026-13-45T10:00:00+00:00"},
        {"id": "t2", "type": "view", "link": s.link.code, "occurred_at": "2026-05-04T10:00:00+00:00"},
    ]
    for items in (events, ingest.parse_batch(json.dumps(events).encode())):
        result = ingest.ingest_events(s.brand_principal(), items)
        assert [(e.index, e.code) for e in result.errors] == [(0, "invalid_event")]
    assert list(Event.objects.values_list("external_id", flat=True)) == ["t2"]


def test_rollups_count_each_type_alike_when_all_or_part_of_a_batch_is_new(s: Setup) -> None:
    code = s.link.code
    events: list[dict[str, Any]] = [
        {"id": "z1", "type": "conversion", "link": code},  # no amount: still a conversion, not a refund
        {"id": "z2", "type": "refund", "link": code, "amount": 300},
        {"id": "z3", "type": "view", "link": code, "quantity": 4},
    ]
    first = ingest.ingest_events(s.brand_principal(), ingest.parse_batch(json.dumps(events[:1]).encode()))
    # z1 again: only the new events are counted (the rows that were inserted, not the whole batch)
    second = ingest.ingest_events(s.brand_principal(), ingest.parse_batch(json.dumps(events).encode()))
    assert (outcome(first), outcome(second)) == ((1, 0, 0, []), (2, 1, 0, []))
    for granularity in ("day", "hour"):
        row = rollup("campaign", s.campaign.pk, granularity)
        assert (row["conversions"], row["revenue"], row["refunds"], row["refunded"], row["views"]) == (1, 0, 1, 300, 4)
