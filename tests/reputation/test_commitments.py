from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from accord.accounts.models import Organization
from accord.core import clock
from accord.core.errors import Conflict, ValidationFailed
from accord.messaging.models import Message, Notification
from accord.reputation import jobs, services
from accord.reputation.models import Commitment
from tests.conftest import make_team

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def creator() -> Organization:
    return make_team(Organization.Kind.CREATOR).org


def _promise(org: Organization, key: str = "c1:concept:v1", due: datetime | None = None) -> Commitment:
    return services.promise(
        owner_org_id=org.pk, kind="concept_due", subject="milestone:1", due_at=due or T0 + timedelta(days=7), key=key
    )


def test_promise_is_idempotent_by_key(creator: Organization) -> None:
    first = _promise(creator)
    again = _promise(creator, due=T0 + timedelta(days=30))  # same key: the first promise stands
    assert again.pk == first.pk and again.due_at == T0 + timedelta(days=7)
    assert Commitment.objects.count() == 1
    assert first.status == Commitment.Status.OPEN


def test_same_key_for_another_promise_is_refused(creator: Organization) -> None:
    _promise(creator)
    with pytest.raises(Conflict):
        services.promise(
            owner_org_id=creator.pk, kind="publish_due", subject="milestone:1", due_at=T0, key="c1:concept:v1"
        )


def test_naive_due_date_is_refused(creator: Organization) -> None:
    with pytest.raises(ValidationFailed):
        _promise(creator, due=datetime(2026, 3, 1))


def test_fulfilled_on_time_is_met(creator: Organization) -> None:
    c = _promise(creator)
    [done] = services.fulfil(subject="milestone:1", kind="concept_due", at=T0 + timedelta(days=7))
    assert done.pk == c.pk and done.status == "met" and done.days_late == 0
    assert services.fulfil(subject="milestone:1", kind="concept_due") == []  # already resolved: nothing changes
    assert services.on_time_rate(creator.pk) == 1.0


def test_fulfilled_late_is_missed_with_days_late(creator: Organization) -> None:
    _promise(creator)
    [done] = services.fulfil(subject="milestone:1", kind="concept_due", at=T0 + timedelta(days=9, seconds=1))
    assert done.status == "missed" and done.days_late == 3  # 2 days and a second: the third day has begun
    assert done.resolved_at == T0 + timedelta(days=9, seconds=1)


def test_job_marks_overdue_commitments_missed_and_tells_the_owner(creator: Organization) -> None:
    c = _promise(creator)
    clock.set_now(T0 + timedelta(days=7))
    assert jobs.mark_missed() == 0  # due now, not yet passed
    clock.advance(timedelta(minutes=1))
    assert jobs.mark_missed() == 1
    c.refresh_from_db()
    assert c.status == "missed" and c.missed_at == clock.now() and c.resolved_at is None
    assert jobs.mark_missed() == 0  # idempotent
    msg = Message.objects.get(thread__subject="milestone:1")
    assert msg.kind == "system" and msg.event_type == "commitment.missed"
    assert Notification.objects.filter(event_type="commitment.missed", organization=creator).count() == 4
    # Delivered late: resolved, still missed, with the days late.
    clock.advance(timedelta(days=1))
    [done] = services.fulfil(subject="milestone:1", kind="concept_due")
    assert done.status == "missed" and done.days_late == 2 and done.resolved_at == clock.now()
    assert services.on_time_rate(creator.pk) == 0.0


def test_cancel_leaves_resolved_ones(creator: Organization) -> None:
    _promise(creator)
    services.promise(owner_org_id=creator.pk, kind="publish_due", subject="milestone:1", due_at=T0, key="k2")
    services.fulfil(subject="milestone:1", kind="publish_due", at=T0)
    assert services.cancel(subject="milestone:1") == 1
    assert set(Commitment.objects.values_list("status", flat=True)) == {"met", "cancelled"}
    assert services.on_time_rate(creator.pk) == 1.0


def test_promise_joins_the_callers_transaction(creator: Organization) -> None:
    def change() -> None:
        with transaction.atomic():
            _promise(creator)
            raise RuntimeError("the contract change failed")

    with pytest.raises(RuntimeError):
        change()
    assert not Commitment.objects.exists()


def test_missed_commitment_is_told_in_the_collaboration_thread(creator: Organization) -> None:
    from accord.messaging import events

    events.publish("contract.signed", subject="contract:12", organization_ids=[creator.pk], actor_label="x")
    services.promise(
        owner_org_id=creator.pk, kind="publish_due", subject="contract:12:milestone:m1", due_at=T0, key="m1:pub"
    )
    clock.set_now(T0 + timedelta(hours=1))
    assert jobs.mark_missed() == 1
    msg = Message.objects.get(event_type="commitment.missed")
    assert msg.thread.subject == "contract:12" and msg.data["subject"] == "contract:12:milestone:m1"
