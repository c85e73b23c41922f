"""Concurrent deliveries on PostgreSQL: counted once, rolled up once, no lost rollup increments."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from accord.core import clock
from accord.tracking import services
from accord.tracking.models import Click, Conversion, Event
from tests.tracking import payloads
from tests.tracking.helpers import make_setup, post_shopify, rollup

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
T0 = datetime(2026, 5, 4, 10, 15, tzinfo=UTC)


def run_parallel(n: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def target(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_concurrent_clicks_of_one_visitor_count_once() -> None:
    clock.set_now(T0)
    s = make_setup()
    run_parallel(8, lambda i: services.record_click(s.link.code, ip="203.0.113.9", user_agent="Mozilla/5.0"))
    assert Click.objects.count() == 8
    assert Click.objects.filter(counted=True).count() == 1
    day = rollup("campaign", s.campaign.pk)
    assert (day["clicks"], day["unique_clicks"]) == (8, 1)


def test_concurrent_replays_of_a_paid_order_make_one_conversion() -> None:
    clock.set_now(T0)
    s = make_setup()
    order = payloads.shopify_order(codes=("ANNA10",))
    statuses = run_parallel(6, lambda i: post_shopify(Client(), s.shopify, "orders/paid", order).status_code)
    assert statuses == [200] * 6
    assert Conversion.objects.count() == 1
    assert rollup("campaign", s.campaign.pk)["conversions"] == 1


def test_concurrent_overlapping_batches_land_each_event_once() -> None:
    clock.set_now(T0)
    s = make_setup()
    p = s.brand_principal()
    batch = [{"id": f"e{i}", "type": "view", "link": s.link.code, "quantity": 2} for i in range(500)]
    results = run_parallel(4, lambda i: services.ingest_events(p, json.loads(json.dumps(batch[i * 100 :]))))
    assert sum(r.accepted for r in results) == 500
    assert Event.objects.count() == 500
    assert rollup("campaign", s.campaign.pk)["views"] == 1000
