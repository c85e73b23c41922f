"""Transition tables through the services: every (state, action) pair of the contract, milestone and timesheet
machines is tried on a real object; a pair the machine does not list is refused with IllegalTransition, a listed one
is not (it may still be refused for another, named reason)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from accord.contracts import services
from accord.contracts.models import Contract, Milestone, Timesheet
from accord.contracts.states import CONTRACT, MILESTONE, TIMESHEET, Machine
from accord.core import clock
from accord.core.errors import DomainError, IllegalTransition
from tests.contracts.helpers import Deal, hourly_terms, make_deal, signed_contract, terms

pytestmark = pytest.mark.django_db


def _check(machine: Machine, state: str, action: str, call: Callable[[], object]) -> None:
    if machine.allowed(state, action):
        try:
            call()
        except IllegalTransition as exc:  # pragma: no cover - a failure message
            pytest.fail(f"{machine.entity} {state} → {action} is allowed but was refused: {exc.message}")
        except DomainError:
            pass  # allowed by the machine, refused for a named business reason (turn, funds, …)
    else:
        with pytest.raises(IllegalTransition) as caught:
            call()
        assert caught.value.code == "illegal_transition"


CONTRACT_ACTIONS: dict[str, Callable[[Deal, Contract], object]] = {
    "counter": lambda d, c: services.counter(d.creator_as(), c.pk, terms=terms(max_change_rounds=5)),
    "sign": lambda d, c: services.sign(d.creator_as(), c.pk, typed_name="Cas Creator", version_number=1),
    "decline": lambda d, c: services.decline(d.creator_as(), c.pk),
    "withdraw": lambda d, c: services.withdraw(d.brand_as(), c.pk),
    "amend": lambda d, c: services.propose_amendment(d.brand_as(), c.pk, terms=terms(max_change_rounds=5)),
    "terminate": lambda d, c: services.terminate(d.brand_as(), c.pk, reason="test"),
}


@pytest.mark.parametrize("state", CONTRACT.states)
def test_contract_table(state: str) -> None:
    deal = make_deal(deposit=0)
    for action, call in CONTRACT_ACTIONS.items():
        contract = services.send_offer(
            deal.brand_as(), campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, terms=terms()
        )
        signed = state in ("signed", "active", "completed", "terminated")
        Contract.objects.filter(pk=contract.pk).update(
            status=state, signed_version=contract.current_version if signed else None
        )
        contract.refresh_from_db()
        _check(CONTRACT, state, action, lambda: call(deal, contract))  # noqa: B023 - called at once


MILESTONE_ACTIONS: dict[str, Callable[[Deal, Milestone], object]] = {
    "fund": lambda d, m: services.fund_milestone(d.brand_as(), m.pk, key=f"table-{m.status}"),
    "submit": lambda d, m: services.submit(d.creator_as(), m.pk, post_url="https://x.test/p", caption="#ad"),
    "approve": lambda d, m: services.approve(d.brand_as(), m.pk, key=f"table-{m.status}"),
    "request_changes": lambda d, m: services.request_changes(d.brand_as(), m.pk, comment="again"),
}


@pytest.mark.parametrize("state", MILESTONE.states)
def test_milestone_table(state: str) -> None:
    deal = make_deal(deposit=2_000_000)
    for action, call in MILESTONE_ACTIONS.items():
        contract = signed_contract(deal, terms(require_disclosure=False))
        milestone = contract.milestones.get(key="concept")
        services.fund_milestone(deal.brand_as(), milestone.pk, key="setup")
        Milestone.objects.filter(pk=milestone.pk).update(status=state)
        milestone.refresh_from_db()
        _check(MILESTONE, state, action, lambda: call(deal, milestone))  # noqa: B023 - called at once


TIMESHEET_ACTIONS: dict[str, Callable[[Deal, Timesheet], object]] = {
    "log": lambda d, t: services.log_time(d.creator_as(), t.contract_id, work_date=t.week_start, minutes=15),
    "submit": lambda d, t: services.submit_timesheet(d.creator_as(), t.pk),
    "approve": lambda d, t: services.approve_timesheet(d.brand_as(), t.pk, key=f"table-{t.status}"),
    "query": lambda d, t: services.query_timesheet(d.brand_as(), t.pk, comment="why?"),
}


@pytest.mark.parametrize("state", TIMESHEET.states)
def test_timesheet_table(state: str) -> None:
    deal = make_deal()
    contract = signed_contract(deal, hourly_terms(rate=6_000, cap=100_000))
    services.fund_milestone(deal.brand_as(), contract.milestones.get().pk, key="budget")
    for n, (action, call) in enumerate(TIMESHEET_ACTIONS.items()):
        day = clock.today() - timedelta(days=7 * (n + 1))
        sheet = Timesheet.objects.get(
            pk=services.log_time(deal.creator_as(), contract.pk, work_date=day, minutes=60).timesheet_id
        )
        Timesheet.objects.filter(pk=sheet.pk).update(status=state)
        sheet.refresh_from_db()
        _check(TIMESHEET, state, action, lambda: call(deal, sheet))  # noqa: B023 - called at once
