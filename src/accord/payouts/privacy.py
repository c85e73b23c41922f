"""Payouts' part of an organization's export and erasure: payout methods (bank accounts as ``banking.mask_iban``
shows them everywhere: country, check digits and last four), the schedule and its payouts. An unpaid payout blocks
erasure; erasure removes the bank details, while the payouts and bank files already made stay as records of money
paid."""

from __future__ import annotations

from typing import Any

from accord.accounts.models import Organization
from accord.accounts.privacy_rows import blocker, rows
from accord.core import clock
from accord.payouts.models import Payout, PayoutMethod, PayoutSchedule

UNPAID = [Payout.State.SCHEDULED, Payout.State.PROCESSING, Payout.State.HELD]


def export(org: Organization) -> dict[str, list[dict[str, Any]]]:
    return {
        "methods": rows(PayoutMethod.objects.filter(organization=org), exclude=["iban", "stripe_account_id"]),
        "schedule": rows(PayoutSchedule.objects.filter(organization=org)),
        "payouts": rows(Payout.objects.filter(organization=org)),
    }


def blockers(org: Organization) -> list[dict[str, Any]]:
    count = Payout.objects.filter(organization=org, state__in=UNPAID).count()
    return [blocker("payouts_unpaid", count)] if count else []


def erase(org: Organization) -> None:
    PayoutMethod.objects.filter(organization=org).update(
        account_holder="", iban="", bic="", bank_name="", label="", is_default=False, removed_at=clock.now()
    )
