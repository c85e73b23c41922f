"""Deleting an organization (erasure): refused while money is in flight or owed; otherwise every app erases or
anonymises its personal data in one transaction, while what the law and the other party need stays — ledger
entries (balances unchanged), signed contract versions, invoices and statements, the audit chain (which gets one
more record saying so)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accord.accounts.auth import Principal
from accord.accounts.models import Organization
from accord.accounts.privacy_export import require_owner
from accord.accounts.privacy_rows import modules
from accord.core import clock
from accord.core.errors import Conflict, PermissionDenied, ValidationFailed


def blockers(org: Organization) -> list[dict[str, Any]]:
    """What still has to settle before ``org`` may be deleted, one entry per kind with a code and a count."""
    found: list[dict[str, Any]] = []
    for module in modules():
        check = getattr(module, "blockers", None)
        if check is not None:
            found.extend(check(org))
    return found


def erase(principal: Principal, confirm_name: str) -> Organization:
    """An owner deletes its organization. Repeating it on a deleted organization changes nothing."""
    require_owner(principal)
    org = principal.organization
    if org.deleted_at is not None:
        return org
    if org.kind == Organization.Kind.OPERATOR:
        raise PermissionDenied("the operator organization cannot be deleted", code="operator_not_erasable")
    if confirm_name.strip() != org.name:
        raise ValidationFailed(
            "type the organization's name to confirm", code="confirmation_mismatch", fields={"confirm": "mismatch"}
        )
    with transaction.atomic():
        # Locking the row makes two erasures (or an erasure and a new contract) of one org take turns.
        org = Organization.objects.select_for_update().get(pk=org.pk)
        if org.deleted_at is not None:
            return org
        blocking = blockers(org)
        if blocking:
            raise Conflict(
                "the organization still has money in flight or open obligations: "
                + ", ".join(f"{b['code']} ({b['count']})" for b in blocking),
                code="erasure_blocked",
                fields={"blockers": blocking},
            )
        # The audit record goes first, while the owner still has a name to sign it with.
        principal.audit("organization.erased", "organization", org.pk, {"kind": org.kind})
        # Apps erase in reverse order: accounts (users, members) last, after the others read who belonged.
        for module in reversed(modules()):
            wipe = getattr(module, "erase", None)
            if wipe is not None:
                wipe(org)
        org.refresh_from_db()
        org.deleted_at = clock.now()
        org.save(update_fields=["deleted_at"])
    return org
