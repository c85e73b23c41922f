"""The dirty mark cannot be lost: a change marked while the follower is taking its collaboration is evaluated on the
follower's next pass, not a minute later by the sweep.

The interleaving is forced, not timed: the follower's clearing of the mark is intercepted so that the other
transaction's ``mark_dirty`` runs exactly between the follower reading the mark and clearing it, and the change that
transaction made becomes visible only after the follower has evaluated (as when it commits a moment later).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.signals import post_save

from accord.contracts import services as contracts
from accord.contracts.models import Milestone
from accord.incentives import services, triggers
from accord.incentives.models import Booking, Dirty
from tests.incentives.follower import follow_once
from tests.incentives.helpers import collaboration

pytestmark = pytest.mark.django_db

FEE = {"kind": "flat", "id": "fee", "amount": 7_500, "milestones": ["concept"]}


def booked(contract_id: int) -> int:
    return sum(Booking.objects.filter(contract_id=contract_id).values_list("amount", flat=True))


@contextmanager
def marks_muted() -> Iterator[None]:
    """The approval's own mark was already written (inside the follower's step); its save adds no second one."""
    post_save.disconnect(sender=Milestone, dispatch_uid="incentives.milestone")
    try:
        yield
    finally:
        post_save.connect(triggers._milestone_saved, sender=Milestone, dispatch_uid="incentives.milestone")


def test_a_mark_between_the_followers_read_and_its_clear_survives(monkeypatch: pytest.MonkeyPatch) -> None:
    deal, contract, _link = collaboration(FEE)
    concept = contract.milestones.get(key="concept")
    contracts.fund_milestone(deal.brand_as(), concept.pk, key="fund")
    contracts.submit(deal.creator_as(), concept.pk, post_url="https://instagram.com/p/x", caption="Jas #advertentie")
    services.mark_dirty([contract.pk])  # an earlier change: the follower is about to take it
    real_delete = QuerySet.delete
    interleaved: list[int] = []

    def delete(self: QuerySet[Any]) -> tuple[int, dict[str, int]]:
        if self.model is Dirty and not interleaved:
            interleaved.append(contract.pk)
            services.mark_dirty([contract.pk])  # the approval's transaction marks the collaboration now …
        return real_delete(self)

    monkeypatch.setattr(QuerySet, "delete", delete)
    outcomes = services.process_dirty()
    monkeypatch.setattr(QuerySet, "delete", real_delete)
    assert interleaved == [contract.pk]
    assert booked(contract.pk) == 0 and all(o.accrued == 0 for o in outcomes)  # evaluated before the approval
    with marks_muted():
        contracts.approve(deal.brand_as(), concept.pk, key="approve")  # … and commits just after the evaluation
    assert Dirty.objects.filter(contract=contract).exists()  # the mark survived the follower's clear
    follow_once()  # the next pass of the follower, no sweep
    assert booked(contract.pk) == 7_500
    assert not Dirty.objects.exists()


def test_marks_bump_the_generation_and_keep_the_first_times() -> None:
    deal, contract, _link = collaboration(FEE)
    first = deal.campaign.created_at
    services.mark_dirty([contract.pk], first)
    services.mark_dirty([contract.pk, contract.pk], None)
    row = Dirty.objects.get(contract=contract)
    assert (row.generation, row.fact_received_at) == (2, first)
    stale = Dirty(contract_id=contract.pk, generation=1)
    assert not services._take(stale) and Dirty.objects.filter(contract=contract).exists()
    assert services._take(row) and not Dirty.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_clear_waits_for_a_mark_not_yet_committed_and_keeps_it() -> None:
    """Two real transactions: the mark is written but not committed when the follower clears; the follower's
    DELETE waits for the mark's row lock, then sees the new generation and leaves the row."""
    _deal, contract, _link = collaboration(FEE)
    services.mark_dirty([contract.pk])
    read = Dirty.objects.get(contract=contract)  # the follower has read the mark
    marked, commit = threading.Event(), threading.Event()
    taken: list[bool] = []
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with transaction.atomic():
                services.mark_dirty([contract.pk])
                marked.set()
                assert commit.wait(30)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def follower() -> None:
        try:
            taken.append(services._take(read))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer), threading.Thread(target=follower)]
    threads[0].start()
    assert marked.wait(30)
    threads[1].start()
    waiting = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
        "AND query LIKE 'DELETE%%'"
    )
    with connection.cursor() as cursor:
        for _ in range(3_000):  # until the follower's DELETE is blocked on the writer's row lock (a state, not a time)
            cursor.execute(waiting)
            if cursor.fetchone()[0]:
                break
            threading.Event().wait(0.01)
        else:
            raise AssertionError("the follower's clear never waited for the uncommitted mark")
    commit.set()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert taken == [False]
    assert Dirty.objects.get(contract=contract).generation == 2
