"""Escrow's part of an organization's export: deposits, holds, accruals, clawbacks and refunds on its side."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from accord.accounts.models import Organization
from accord.accounts.privacy_rows import blocker, rows
from accord.escrow.models import Accrual, Clawback, Deposit, EscrowHold, FeeOverride, Refund


def export(org: Organization) -> dict[str, list[dict[str, Any]]]:
    accruals = Accrual.objects.filter(Q(creator=org) | Q(campaign__brand=org))
    return {
        "fee_override": rows(FeeOverride.objects.filter(organization=org)),
        "deposits": rows(Deposit.objects.filter(brand=org)),
        "holds": rows(EscrowHold.objects.filter(Q(creator=org) | Q(campaign__brand=org))),
        "accruals": rows(accruals),
        "clawbacks": rows(Clawback.objects.filter(accrual__in=accruals)),
        "refunds": rows(Refund.objects.filter(campaign__brand=org)),
    }


def blockers(org: Organization) -> list[dict[str, Any]]:
    count = Deposit.objects.filter(brand=org, status=Deposit.Status.PENDING).count()
    return [blocker("deposits_pending", count)] if count else []
