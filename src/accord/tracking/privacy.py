"""Tracking's part of an organization's export and erasure: its tracking links, promo codes, shop integrations
(never their secrets), conversions and rollups. Erasure switches its links, codes and integrations off; clicks
carry only salted hashes, so they stay for the other party's figures."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from accord.accounts.models import Organization
from accord.accounts.privacy_rows import rows
from accord.tracking import redirect
from accord.tracking.models import Conversion, Integration, PromoCode, Rollup, TrackingLink


def export(org: Organization) -> dict[str, list[dict[str, Any]]]:
    links = TrackingLink.objects.filter(Q(creator=org) | Q(campaign__brand=org))
    return {
        "links": rows(links),
        "promo_codes": rows(PromoCode.objects.filter(Q(creator=org) | Q(brand=org))),
        "integrations": rows(Integration.objects.filter(brand=org), exclude=["secret"]),
        "conversions": rows(Conversion.objects.filter(Q(creator=org) | Q(campaign__brand=org))),
        "rollups": rows(Rollup.objects.filter(Q(creator=org) | Q(campaign__brand=org))),
    }


def erase(org: Organization) -> None:
    TrackingLink.objects.filter(Q(creator=org) | Q(campaign__brand=org)).update(active=False)
    redirect.links.drop(redirect.ALL)  # a bulk update sends no signals: every redirect process forgets its links
    redirect.announce(redirect.ALL)
    PromoCode.objects.filter(Q(creator=org) | Q(brand=org)).update(active=False)
    Integration.objects.filter(brand=org).update(active=False)
