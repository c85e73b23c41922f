from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accord.core import clock, scheduler
from accord.core.models import IdempotencyRecord, ScheduledJob

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(scheduler, "REGISTRY", {})
    monkeypatch.setattr(scheduler, "discover", lambda: scheduler.REGISTRY)
    scheduler.periodic("test.tick", every=timedelta(hours=1))(lambda: calls.append(1))
    return calls


@pytest.mark.django_db
def test_a_job_runs_once_per_slot(counter: list[int]) -> None:
    clock.set_now(T0)
    assert scheduler.run_due() == ["test.tick"]
    assert scheduler.run_due() == []
    clock.advance(timedelta(minutes=59))
    assert scheduler.run_due() == []
    clock.advance(timedelta(minutes=1))
    assert scheduler.run_due() == ["test.tick"]
    assert len(counter) == 2
    job = ScheduledJob.objects.get(name="test.tick")
    assert job.next_run_at == T0 + timedelta(hours=2)
    assert job.last_finished_at == T0 + timedelta(hours=1)


@pytest.mark.django_db
def test_a_failing_job_is_recorded_and_does_not_stop_others(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler, "REGISTRY", {})
    monkeypatch.setattr(scheduler, "discover", lambda: scheduler.REGISTRY)
    ran: list[str] = []

    def boom() -> None:
        raise RuntimeError("boom")

    scheduler.periodic("test.boom", every=timedelta(minutes=5))(boom)
    scheduler.periodic("test.ok", every=timedelta(minutes=5))(lambda: ran.append("ok"))
    clock.set_now(T0)
    assert sorted(scheduler.run_due()) == ["test.boom", "test.ok"]
    assert ran == ["ok"]
    assert ScheduledJob.objects.get(name="test.boom").last_error_at == T0


@pytest.mark.django_db
def test_discovery_finds_the_apps_jobs() -> None:
    jobs = scheduler.discover()
    assert "core.prune_idempotency_records" in jobs


@pytest.mark.django_db
def test_old_idempotency_records_are_pruned() -> None:
    from accord.core.jobs import prune_idempotency_records

    clock.set_now(T0)
    IdempotencyRecord.objects.create(
        scope="org:1", key="old", request_hash="x", method="POST", path="/api/v1/x", created_at=T0 - timedelta(days=31)
    )
    IdempotencyRecord.objects.create(
        scope="org:1", key="new", request_hash="x", method="POST", path="/api/v1/x", created_at=T0 - timedelta(days=1)
    )
    assert prune_idempotency_records() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
