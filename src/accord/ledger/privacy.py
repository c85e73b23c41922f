"""The ledger's part of an organization's export and erasure: its own accounts and their entries and holds.
Erasure never touches the ledger (it is append-only); money still on the organization's accounts blocks it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q

from accord.accounts.models import Organization
from accord.accounts.privacy_rows import blocker, rows
from accord.ledger import services as ledger
from accord.ledger.models import Account, Entry, Hold, Transaction


def org_accounts(org: Organization) -> Any:
    """The org's accounts: by owner, and by code, since an account ``transfer`` creates implicitly has no owner
    until someone names it."""
    from accord.campaigns.models import Campaign

    codes = [ledger.creator_pending_code(org.pk), ledger.creator_payable_code(org.pk)]
    codes += [ledger.escrow_code(pk) for pk in Campaign.objects.filter(brand=org).values_list("pk", flat=True)]
    return Account.objects.filter(Q(owner=org) | Q(code__in=codes))


def export(org: Organization) -> dict[str, list[dict[str, Any]]]:
    accounts = org_accounts(org)
    entries = Entry.objects.filter(account__in=accounts)
    return {
        "accounts": rows(accounts),
        "entries": rows(entries),
        "transactions": rows(Transaction.objects.filter(pk__in=entries.values("transaction_id"))),
        "holds": rows(Hold.objects.filter(account__in=accounts), exclude=["fingerprint"]),
    }


def blockers(org: Organization) -> list[dict[str, Any]]:
    """Per account kind: money still on it (escrow not refunded, earnings not paid out) or held on it."""
    found = []
    accounts = org_accounts(org)
    # Inside the erasure's transaction: lock them in the ledger's order (by id), so a transfer that lands meanwhile
    # waits for the answer instead of slipping in after the check.
    if transaction.get_connection().in_atomic_block:
        list(accounts.select_for_update().order_by("pk").values_list("pk", flat=True))
    funded = accounts.filter(~Q(balance=0) | ~Q(pending_out=0))
    for kind in sorted(set(funded.values_list("kind", flat=True))):
        of_kind = funded.filter(kind=kind)
        found.append(
            blocker(
                f"balance_{kind}",
                of_kind.count(),
                amounts={a.currency: a.balance for a in of_kind.order_by("currency")},
            )
        )
    holds = Hold.objects.filter(account__in=accounts, status=Hold.Status.PENDING).count()
    if holds:
        found.append(blocker("holds_open", holds))
    return found
