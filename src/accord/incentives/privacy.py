"""Incentives' part of an organization's export: the performance pay booked on its contracts (each accrual or
clawback with the rule and period that produced it) and the spend booked on its campaigns."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from accord.accounts.models import Organization
from accord.accounts.privacy_rows import rows
from accord.incentives.models import Booking, Position, Spend


def export(org: Organization) -> dict[str, list[dict[str, Any]]]:
    party = Q(contract__brand=org) | Q(contract__creator=org)
    return {
        "positions": rows(Position.objects.filter(party)),
        "bookings": rows(Booking.objects.filter(Q(creator=org) | Q(brand=org))),
        "spend": rows(Spend.objects.filter(Q(creator=org) | Q(campaign__brand=org))),
    }
