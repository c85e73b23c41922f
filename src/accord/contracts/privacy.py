"""Contracts' part of an organization's export and erasure: its contracts with every version and signature,
milestones, submissions and time. Signed versions are the counterparty's copy too, so erasure keeps them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from accord.accounts.models import Organization
from accord.accounts.privacy_rows import blocker, rows
from accord.contracts.models import Contract, ContractVersion, Milestone, Signature, Submission, TimeEntry, Timesheet

OPEN = [Contract.Status.OFFERED, Contract.Status.COUNTERED, Contract.Status.SIGNED, Contract.Status.ACTIVE]


def _contracts(org: Organization) -> Any:
    return Contract.objects.filter(Q(brand=org) | Q(creator=org))


def export(org: Organization) -> dict[str, list[dict[str, Any]]]:
    contracts = _contracts(org)
    return {
        "contracts": rows(contracts),
        "versions": rows(ContractVersion.objects.filter(contract__in=contracts)),
        "signatures": rows(Signature.objects.filter(version__contract__in=contracts)),
        "milestones": rows(Milestone.objects.filter(contract__in=contracts)),
        "submissions": rows(Submission.objects.filter(milestone__contract__in=contracts)),
        "timesheets": rows(Timesheet.objects.filter(contract__in=contracts)),
        "time_entries": rows(TimeEntry.objects.filter(contract__in=contracts)),
    }


def blockers(org: Organization) -> list[dict[str, Any]]:
    count = _contracts(org).filter(status__in=OPEN).count()
    return [blocker("contracts_open", count)] if count else []
