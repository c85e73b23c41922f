"""Accounts' part of an organization's export and erasure: the organization, its people, invitations, API keys
and the audit records about it."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.models import Session

from accord.accounts.models import ApiKey, DataExport, Invitation, Membership, Organization, User
from accord.accounts.privacy_export import expire
from accord.accounts.privacy_rows import rows
from accord.core import clock
from accord.core.models import AuditRecord


def export(org: Organization) -> dict[str, list[dict[str, Any]]]:
    members = Membership.objects.filter(organization=org).select_related("user").order_by("pk")
    return {
        "organization": rows(Organization.objects.filter(pk=org.pk)),
        "members": [
            {
                "id": m.pk,
                "user_id": m.user_id,
                "email": m.user.email,
                "name": m.user.name,
                "role": m.role,
                "language": m.user.language,
                "joined_at": m.created_at,
                "last_login": m.user.last_login,
            }
            for m in members
        ],
        "invitations": rows(Invitation.objects.filter(organization=org), exclude=["token_hash"]),
        "api_keys": rows(ApiKey.objects.filter(organization=org), exclude=["key_hash"]),
        "data_exports": rows(DataExport.objects.filter(organization=org), exclude=["path"]),
        "audit": rows(AuditRecord.objects.filter(organization_id=org.pk)),
    }


def _anonymise(user: User) -> None:
    user.email = f"erased-user-{user.pk}@erased.invalid"
    user.name = ""
    user.is_active = False
    user.set_unusable_password()  # a new password hash also ends the sessions signed with the old one
    user.save(update_fields=["email", "name", "is_active", "password"])


def _end_sessions(user_ids: set[int]) -> None:
    """Sessions are signed with the password hash, so changing it already logs people out; deleting them too
    leaves nothing behind (the database backend is the only one that can be searched)."""
    wanted = {str(pk) for pk in user_ids}
    for session in Session.objects.filter(expire_date__gt=clock.now()).iterator():
        if session.get_decoded().get("_auth_user_id") in wanted:
            session.delete()


def erase(org: Organization) -> None:
    now = clock.now()
    ApiKey.objects.filter(organization=org, revoked_at__isnull=True).update(revoked_at=now)
    for invitation in Invitation.objects.filter(organization=org):
        invitation.email = f"erased-invitation-{invitation.pk}@erased.invalid"
        if invitation.accepted_at is None and invitation.revoked_at is None:
            invitation.revoked_at = now
        invitation.save(update_fields=["email", "revoked_at"])
    user_ids = set(Membership.objects.filter(organization=org).values_list("user_id", flat=True))
    elsewhere = set(
        Membership.objects.filter(user_id__in=user_ids, organization__deleted_at__isnull=True)
        .exclude(organization=org)
        .values_list("user_id", flat=True)
    )
    gone = user_ids - elsewhere
    for user in User.objects.filter(pk__in=gone):
        _anonymise(user)
    Membership.objects.filter(organization=org).delete()
    for export in DataExport.objects.filter(organization=org).exclude(path=""):
        expire(export)
    _end_sessions(gone)
    org.name = f"Deleted organization #{org.pk}"
    org.slug = f"deleted-{org.pk}"
    org.country = ""
    org.save(update_fields=["name", "slug", "country"])
