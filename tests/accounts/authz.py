from __future__ import annotations

from typing import Any

from accord.accounts import privacy_export, services
from accord.accounts.auth import Principal
from accord.accounts.models import ApiKey, Invitation, Membership, Organization, Role
from tests.authz import Expect, World, by_role, everyone, operator_only
from tests.conftest import add_member
from tests.contracts.lazy import LazyId


def build(world: World) -> None:
    brand = world.brand
    world.ids["member_id"] = Membership.objects.get(organization=brand, user=world.brand_users["viewer"]).pk
    world.ids["removable_member_id"] = Membership.objects.get(
        organization=brand, user=add_member(brand, Role.MEMBER)
    ).pk
    owner = Principal(organization=brand, role=Role.OWNER, user=world.brand_users["owner"])
    world.ids["invitation_id"] = services.invite(owner, email="invitee@example.test").invitation.pk
    key, _ = services.create_api_key(owner, name="ci", scope=ApiKey.Scope.WRITE)
    world.ids["key_id"] = key.pk
    world.ids["org_id"] = brand.pk
    # Built only by the routes that name it: a ZIP for every cell of the whole matrix would slow it down.
    world.ids["export_id"] = LazyId(
        world, "data_export", "export_id", lambda w: {"export_id": privacy_export.request_export(owner)[0].pk}
    )


def _erasure_body(world: World, principal: str) -> dict[str, Any]:
    """The caller's own organization name: the owner's confirmation is right, so only the role decides."""
    _user, org = world.user_for(principal, "brand")
    return {"confirm": org.name if org is not None else ""}


def _accept_body(world: World, principal: str) -> dict[str, Any]:
    """An invitation addressed to whoever calls, into a third organization, so every signed-in caller may accept."""
    user, _org = world.user_for(principal, "brand")
    email = user.email if user is not None else "nobody@example.test"
    third = world.ids.get("_third_org")
    if third is None:
        third = Organization.objects.create(name="Third", slug="third-org", kind="brand")
        world.ids["_third_owner"] = add_member(third, Role.OWNER)
        world.ids["_third_org"] = third
    inviter = Principal(organization=third, role=Role.OWNER, user=world.ids["_third_owner"])
    Invitation.objects.filter(organization=third, email=email).delete()
    return {"token": services.invite(inviter, email=email).token}


_admin_only = {"viewer": 403, "member": 403}

MATRIX: dict[str, Expect] = {
    "GET /api/v1/me": everyone(),
    "GET /api/v1/organizations": everyone(),
    "POST /api/v1/organizations": everyone(201, body={"name": "Another brand", "kind": "brand"}),
    "GET /api/v1/organization": everyone(),
    "PATCH /api/v1/organization": by_role("admin", body={"country": "NL"}),
    "GET /api/v1/members": by_role("viewer"),
    "GET /api/v1/members/{member_id}": by_role("viewer", scoped=True),
    "PATCH /api/v1/members/{member_id}": by_role("admin", body={"role": "member"}, scoped=True),
    "DELETE /api/v1/members/{member_id}": by_role("admin", 204, scoped=True).with_ids(member_id="removable_member_id"),
    "GET /api/v1/invitations": by_role("admin"),
    "POST /api/v1/invitations": by_role("admin", 201, body={"email": "new.person@example.test", "role": "viewer"}),
    "DELETE /api/v1/invitations/{invitation_id}": by_role("admin", scoped=True),
    "POST /api/v1/invitations/accept": everyone(200, body=_accept_body),
    "GET /api/v1/api-keys": by_role("admin"),
    "POST /api/v1/api-keys": by_role("admin", 201, body={"name": "server", "scope": "read"}),
    "DELETE /api/v1/api-keys/{key_id}": by_role("admin", scoped=True),
    "POST /api/v1/organization/exports": by_role("owner", 201),
    "GET /api/v1/organization/exports/{export_id}": by_role("owner", scoped=True),
    "GET /api/v1/organization/exports/{export_id}/download": by_role("owner", scoped=True),
    "POST /api/v1/organization/erasure": by_role(
        "owner", 409, body=_erasure_body, headers={"Idempotency-Key": "erase-1"}, other_tenant=200, operator=403
    ),
    "GET /api/v1/operator/organizations": operator_only(),
    "GET /api/v1/operator/organizations/{org_id}": operator_only(),
}
