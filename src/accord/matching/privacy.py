"""Matching's part of an organization's export and erasure: the brand's shortlists."""

from __future__ import annotations

from typing import Any

from accord.accounts.models import Organization
from accord.accounts.privacy_rows import rows
from accord.matching.models import Shortlist, ShortlistEntry


def export(org: Organization) -> dict[str, list[dict[str, Any]]]:
    shortlists = Shortlist.objects.filter(organization=org)
    return {
        "shortlists": rows(shortlists),
        "shortlist_entries": rows(ShortlistEntry.objects.filter(shortlist__in=shortlists)),
    }


def erase(org: Organization) -> None:
    Shortlist.objects.filter(organization=org).delete()
