"""The dirty mark cannot be lost: a change marked while the follower is taking its collaboration is evaluated on the
follower's next pass, not a minute later by the sweep.

The interleaving is forced, not timed: the follower's clearing of the mark is intercepted so that the other
transaction's ``mark_dirty`` runs exactly between the follower reading the mark and clearing it, and the change that
transaction made becomes visible only after the follower has evaluated (as when it commits a moment later).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
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
