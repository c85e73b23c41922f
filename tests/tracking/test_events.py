"""POST /api/v1/events: batches as JSON arrays or NDJSON, validated one by one, idempotent, rolled up on ingest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from accord.accounts.models import Organization, Role
from accord.core import clock
from accord.tracking.models import Event, FraudFlag
from tests.conftest import client_for, make_team
from tests.tracking.helpers import Setup, click, make_campaign, make_setup, rollup

T0 = datetime(2026, 5, 4, 10, 15, tzinfo=UTC)


@pytest.fixture
def s(db: None) -> Setup:
    clock.set_now(T0)
    return make_setup()


def post(c: Client, events: object, content_type: str = "application/json") -> dict:
    data = events if isinstance(events, str) else json.dumps(events)
    response = c.post("/api/v1/events", data=data, content_type=content_type)
    assert response.status_code == 200, response.content
    return response.json()


def test_valid_events_land_and_invalid_ones_are_reported_by_index(s: Setup) -> None:
    code = s.link.code
    batch = [
        {"id": "e1", "type": "view", "link": code, "quantity": 1000},
        {"id": "e2", "type": "impression", "link": code, "quantity": 5000},
        {"id": "e3", "type": "teleport", "link": code},
        {"id": "e4", "type": "engagement", "link": "nope"},
        {"id": "e5", "type": "engagement", "link": code, "quantity": 70},
        {"id": "e6", "type": "view", "link": code, "quantity": -1},
        "not an object",
        {"id": "e7", "type": "view", "link": code, "occurred_at": (T0 + timedelta(hours=2)).isoformat()},
        {"id": "e8", "type": "conversion", "link": code, "amount": 100, "currency": "USD"},
    ]
    out = post(s.brand_client(Role.MEMBER), batch)
    assert (out["received"], out["accepted"], out["duplicates"], out["rejected"]) == (9, 3, 0, 6)
    assert [(e["index"], e["code"]) for e in out["errors"]] == [
        (2, "invalid_event"),
        (3, "unknown_link"),
        (5, "invalid_event"),
        (6, "invalid_event"),
        (7, "future_event"),
        (8, "currency_mismatch"),
    ]
    assert set(Event.objects.values_list("external_id", flat=True)) == {"e1", "e2", "e5"}
    day = rollup("campaign", s.campaign.pk)
    assert (day["views"], day["impressions"], day["engagements"]) == (1000, 5000, 70)
    assert rollup("collaboration", "collab-1", "hour")["views"] == 1000


def test_replayed_batch_changes_nothing(s: Setup) -> None:
    c = s.brand_client()
    batch = [{"id": f"v{i}", "type": "view", "link": s.link.code, "quantity": 10} for i in range(50)]
    assert post(c, batch)["accepted"] == 50
    again = post(c, [*batch, {"id": "v50", "type": "view", "link": s.link.code, "quantity": 10}])
    assert (again["accepted"], again["duplicates"]) == (1, 50)
    assert Event.objects.count() == 51
    assert rollup("campaign", s.campaign.pk)["views"] == 510


def test_duplicates_within_a_batch_and_derived_ids(s: Setup) -> None:
    c = s.brand_client()
    same = {"type": "view", "link": s.link.code, "quantity": 3, "occurred_at": T0.isoformat()}
    out = post(
        c,
        [
            same,
            dict(same),
            {"id": "x", "type": "view", "link": s.link.code},
            {"id": "x", "type": "view", "link": s.link.code},
        ],
    )
    assert (out["accepted"], out["duplicates"]) == (2, 2)
    assert post(c, [same])["duplicates"] == 1  # no id: the event's own hash is its id
    assert rollup("campaign", s.campaign.pk)["views"] == 4


def test_ndjson_with_a_broken_line(s: Setup) -> None:
    lines = [
        json.dumps({"id": "n1", "type": "view", "link": s.link.code, "quantity": 7}),
        "{broken",
        "",
        json.dumps({"id": "n2", "type": "engagement", "link": s.link.code, "quantity": 2}),
    ]
    out = post(s.brand_client(), "\n".join(lines), "application/x-ndjson")
    assert (out["accepted"], out["rejected"]) == (2, 1)
    assert out["errors"][0] == {"index": 1, "code": "invalid_json", "message": out["errors"][0]["message"]}


def test_conversions_and_refunds_roll_up_and_a_conversion_with_an_unknown_click_is_flagged(s: Setup) -> None:
    cid = click(Client(), s.link.code)["Location"].rsplit("accord_cid=", 1)[1]
    out = post(
        s.brand_client(),
        [
            {"id": "c1", "type": "conversion", "link": s.link.code, "click_id": cid, "amount": 4000, "order_id": "o1"},
            {"id": "c2", "type": "conversion", "link": s.link.code, "click_id": "forged", "amount": 9999},
            {"id": "c3", "type": "conversion", "link": s.link.code, "amount": 500, "order_id": "o3"},
            {"id": "r1", "type": "refund", "link": s.link.code, "amount": 1000, "order_id": "o1"},
        ],
    )
    assert out["accepted"] == 4
    assert Event.objects.get(external_id="r1").amount == -1000
    flagged = Event.objects.get(external_id="c2")
    assert flagged.excluded
    flag = FraudFlag.objects.get(target_type="event", target_id=flagged.pk)
    assert flag.rule == "no_click"
    day = rollup("campaign", s.campaign.pk)
    # c3 names no click: the brand's own attribution to the link counts; c2 claims a click that does not exist.
    assert (day["conversions"], day["revenue"], day["refunds"], day["refunded"]) == (2, 4500, 1, 1000)


def test_batch_limits_and_bad_bodies(s: Setup) -> None:
    c = s.brand_client()
    too_many = [{"type": "view", "link": s.link.code}] * 10_001
    response = c.post("/api/v1/events", data=json.dumps(too_many), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "batch_too_large"
    for body, code in (("", "empty_batch"), ("[1,", "invalid_json"), ("[]", "empty_batch"), ("{}", "invalid_json")):
        response = c.post("/api/v1/events", data=body, content_type="application/json")
        assert response.status_code == 422
        assert response.json()["error"]["code"] == code


def test_a_full_batch_of_10000_lands(s: Setup) -> None:
    batch = [{"id": f"b{i}", "type": "view", "link": s.link.code, "quantity": 1} for i in range(10_000)]
    out = post(s.brand_client(), batch)
    assert out["accepted"] == 10_000
    assert rollup("campaign", s.campaign.pk)["views"] == 10_000


def test_tenancy_other_brands_links_are_unknown_and_viewers_cannot_ingest(s: Setup) -> None:
    rival = make_team(Organization.Kind.BRAND)
    make_campaign(rival.org)
    out = post(client_for(rival.users[Role.OWNER], rival.org), [{"id": "z", "type": "view", "link": s.link.code}])
    assert (out["accepted"], out["errors"][0]["code"]) == (0, "unknown_link")
    response = s.brand_client(Role.VIEWER).post("/api/v1/events", data="[]", content_type="application/json")
    assert response.status_code == 403
    creator = client_for(s.creator.users[Role.OWNER], s.creator.org)
    response = creator.post(
        "/api/v1/events", data=json.dumps([{"type": "view", "link": s.link.code}]), content_type="application/json"
    )
    assert response.status_code == 403
