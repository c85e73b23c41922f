"""Racing batches on PostgreSQL: whatever order their events come in, each is stored once and no batch fails."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from accord.core import clock
from accord.tracking import ingest
from accord.tracking.models import Event
from tests.tracking.helpers import make_setup, rollup
from tests.tracking.test_concurrency import run_parallel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
T0 = datetime(2026, 5, 4, 10, 15, tzinfo=UTC)


def test_batches_with_the_same_ids_in_opposite_orders_store_each_once() -> None:
    clock.set_now(T0)
    s = make_setup()
    p = s.brand_principal()
    events = [{"id": f"o{i}", "type": "view", "link": s.link.code, "quantity": 2} for i in range(10_000)]
    bodies = [json.dumps(events).encode(), json.dumps(events[::-1]).encode()]  # would deadlock on the unique index
    results = run_parallel(2, lambda i: ingest.ingest_events(p, ingest.parse_batch(bodies[i])))
    assert sorted((r.accepted, r.duplicates) for r in results) == [(0, 10_000), (10_000, 0)]
    assert Event.objects.count() == 10_000
    assert rollup("campaign", s.campaign.pk)["views"] == 20_000
