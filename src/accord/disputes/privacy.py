"""Disputes' part of an organization's export and erasure: the disputes it is party to, without the mediator's
private notes. An open dispute holds money, so it blocks erasure."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from accord.accounts.models import Organization
from accord.accounts.privacy_rows import blocker, rows
from accord.disputes.models import Dispute, DisputeEvent, Evidence, Proposal

OPEN = [Dispute.Status.OPEN, Dispute.Status.IN_MEDIATION]


def _disputes(org: Organization) -> Any:
    return Dispute.objects.filter(Q(brand=org) | Q(creator=org))


def export(org: Organization) -> dict[str, list[dict[str, Any]]]:
    disputes = _disputes(org)
    return {
        "disputes": rows(disputes, exclude=["mediator"]),
        "evidence": rows(Evidence.objects.filter(dispute__in=disputes)),
        "events": rows(DisputeEvent.objects.filter(dispute__in=disputes, private=False)),
        "proposals": rows(Proposal.objects.filter(dispute__in=disputes)),
    }


def blockers(org: Organization) -> list[dict[str, Any]]:
    count = _disputes(org).filter(status__in=OPEN).count()
    return [blocker("disputes_open", count)] if count else []
