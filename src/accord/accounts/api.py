from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from accord.accounts import privacy_erasure, privacy_export, services
from accord.accounts.auth import Principal
from accord.accounts.models import ApiKey, Invitation, Membership, Organization, Role
from accord.core.errors import NotFound, PermissionDenied
from accord.core.idempotency import require_key
from accord.core.pagination import CursorPagination
from accord.core.schemas import ERRORS, responses
from accord.core.tenancy import get_scoped, scoped

router = Router(tags=["accounts"])


def principal(request: HttpRequest) -> Principal:
    auth = request.auth  # type: ignore[attr-defined]
    assert isinstance(auth, Principal)
    return auth


class OrganizationOut(Schema):
    id: int
    name: str
    slug: str
    kind: str
    country: str
    default_currency: str
    created_at: datetime


class MeOut(Schema):
    user_id: int | None
    email: str | None
    name: str | None
    api_key: str | None = Field(None, description="Prefix of the API key used, when authenticated by key")
    organization: OrganizationOut
    role: str


class MembershipOut(Schema):
    id: int
    user_id: int
    email: str = Field(..., alias="user.email")
    name: str = Field(..., alias="user.name")
    role: str
    created_at: datetime


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    status: str
    created_at: datetime
    expires_at: datetime


class InvitationCreated(InvitationOut):
    accept_url: str


class ApiKeyOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    token: str = Field(..., description="Shown once; store it now. Only its hash is kept.")


class OrganizationIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: Organization.Kind
    country: str = Field("", max_length=2)
    default_currency: str = Field("EUR", min_length=3, max_length=3)


class OrganizationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    country: str | None = Field(None, max_length=2)
    default_currency: str | None = Field(None, min_length=3, max_length=3)


class RoleIn(Schema):
    role: Role


class InvitationIn(Schema):
    email: str = Field(..., max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: Role = Role.MEMBER


class AcceptIn(Schema):
    token: str = Field(..., min_length=1, max_length=200)


class ApiKeyIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    scope: ApiKey.Scope = ApiKey.Scope.READ


@router.get("/me", response=responses(MeOut), summary="Who am I, and for which organization")
def me(request: HttpRequest) -> MeOut:
    p = principal(request)
    return MeOut(
        user_id=p.user.pk if p.user else None,
        email=p.user.email if p.user else None,
        name=p.user.name if p.user else None,
        api_key=p.api_key.prefix if p.api_key else None,
        organization=OrganizationOut.from_orm(p.organization),
        role=p.role,
    )


@router.get("/organizations", response=responses(list[OrganizationOut]), summary="Organizations I belong to")
@paginate(CursorPagination)
def list_organizations(request: HttpRequest) -> object:
    p = principal(request)
    if p.user is None:
        return Organization.objects.filter(pk=p.org_id)
    return Organization.objects.filter(memberships__user=p.user)


@router.post("/organizations", response=responses(OrganizationOut, 201), summary="Create a brand or creator org")
def create_organization(request: HttpRequest, payload: OrganizationIn) -> Status:
    user = principal(request).require_user()
    org = services.create_organization(
        user,
        name=payload.name,
        kind=payload.kind,
        country=payload.country,
        currency=payload.default_currency.upper(),
    )
    return Status(201, org)


@router.get("/organization", response=responses(OrganizationOut), summary="The acting organization")
def get_organization(request: HttpRequest) -> Organization:
    return principal(request).organization


@router.patch("/organization", response=responses(OrganizationOut), summary="Update the acting organization")
def update_organization(request: HttpRequest, payload: OrganizationPatch) -> Organization:
    return services.update_organization(principal(request), **payload.dict(exclude_unset=True))


@router.get("/members", response=responses(list[MembershipOut]), summary="Members of the acting organization")
@paginate(CursorPagination)
def list_members(request: HttpRequest) -> object:
    return scoped(Membership.objects.select_related("user"), principal(request).org_id)


@router.get("/members/{member_id}", response=responses(MembershipOut))
def get_member(request: HttpRequest, member_id: int) -> Membership:
    return get_scoped(Membership.objects.select_related("user"), principal(request).org_id, pk=member_id)


@router.patch("/members/{member_id}", response=responses(MembershipOut), summary="Change a member's role")
def change_role(request: HttpRequest, member_id: int, payload: RoleIn) -> Membership:
    services.change_role(principal(request), member_id, payload.role)
    return get_member(request, member_id)


@router.delete("/members/{member_id}", response={204: None, **ERRORS}, summary="Remove a member (or leave)")
def remove_member(request: HttpRequest, member_id: int) -> Status:
    services.remove_member(principal(request), member_id)
    return Status(204, None)


@router.get("/invitations", response=responses(list[InvitationOut]))
@paginate(CursorPagination)
def list_invitations(request: HttpRequest) -> object:
    p = principal(request)
    p.require(Role.ADMIN)
    return scoped(Invitation.objects.all(), p.org_id)


@router.post("/invitations", response=responses(InvitationCreated, 201), summary="Invite someone by e-mail")
def create_invitation(request: HttpRequest, payload: InvitationIn) -> Status:
    issued = services.invite(principal(request), email=payload.email, role=payload.role)
    inv = issued.invitation
    return Status(
        201,
        InvitationCreated(
            id=inv.pk,
            email=inv.email,
            role=inv.role,
            status=inv.status,
            created_at=inv.created_at,
            expires_at=inv.expires_at,
            accept_url=issued.url,
        ),
    )


@router.post("/invitations/accept", response=responses(MembershipOut), summary="Accept an invitation")
def accept_invitation(request: HttpRequest, payload: AcceptIn) -> Membership:
    user = principal(request).require_user()
    membership = services.accept_invitation(user, payload.token)
    return Membership.objects.select_related("user").get(pk=membership.pk)


@router.delete("/invitations/{invitation_id}", response=responses(InvitationOut), summary="Revoke an invitation")
def revoke_invitation(request: HttpRequest, invitation_id: int) -> Invitation:
    return services.revoke_invitation(principal(request), invitation_id)


@router.get("/api-keys", response=responses(list[ApiKeyOut]))
@paginate(CursorPagination)
def list_api_keys(request: HttpRequest) -> object:
    p = principal(request)
    p.require(Role.ADMIN)
    return scoped(ApiKey.objects.all(), p.org_id)


@router.post("/api-keys", response=responses(ApiKeyCreated, 201), summary="Create an API key (shown once)")
def create_api_key(request: HttpRequest, payload: ApiKeyIn) -> Status:
    key, token = services.create_api_key(principal(request), name=payload.name, scope=payload.scope)
    return Status(
        201,
        ApiKeyCreated(
            id=key.pk,
            name=key.name,
            prefix=key.prefix,
            scope=key.scope,
            token=token,
            created_at=key.created_at,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
        ),
    )


@router.delete("/api-keys/{key_id}", response=responses(ApiKeyOut), summary="Revoke an API key")
def revoke_api_key(request: HttpRequest, key_id: int) -> ApiKey:
    return services.revoke_api_key(principal(request), key_id)


# --- operator ----------------------------------------------------------------------------------------------------


def _operator(request: HttpRequest) -> Principal:
    p = principal(request)
    if not p.is_operator:
        raise PermissionDenied("operators only", code="operator_only")
    return p


@router.get(
    "/operator/organizations",
    response=responses(list[OrganizationOut]),
    tags=["operator"],
    summary="All organizations (operators)",
)
@paginate(CursorPagination)
def operator_organizations(request: HttpRequest, kind: Organization.Kind | None = None) -> object:
    _operator(request)
    qs = Organization.objects.all()
    return qs.filter(kind=kind) if kind else qs


@router.get(
    "/operator/organizations/{org_id}",
    response=responses(OrganizationOut),
    tags=["operator"],
    summary="One organization of any tenant (operators; audited)",
)
def operator_organization(request: HttpRequest, org_id: int) -> Organization:
    p = _operator(request)
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        raise NotFound("organization not found")
    p.audit("operator.viewed_organization", "organization", org.pk, organization_id=org.pk)
    return org


# -- your data: export and erasure (accounts.privacy_export / privacy_erasure) ------------------------------------


class DataExportOut(Schema):
    id: int
    state: str
    size: int
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime
    background: bool = Field(False, description="Built by the background worker; poll until state is ready")
    download_url: str | None = None


class ErasureIn(Schema):
    confirm: str = Field(..., description="The organization's name, typed to confirm")


class ErasureOut(Schema):
    id: int
    deleted_at: datetime | None


def _export_out(export: Any, background: bool = False) -> DataExportOut:
    url = f"/api/v1/organization/exports/{export.pk}/download" if export.state == "ready" else None
    return DataExportOut(
        id=export.pk,
        state=export.state,
        size=export.size,
        created_at=export.created_at,
        finished_at=export.finished_at,
        expires_at=export.expires_at,
        background=background,
        download_url=url,
    )


@router.post(
    "/organization/exports",
    response=responses(DataExportOut, 201),
    summary="Export everything Accord holds about the organization (owners; a ZIP of JSON files)",
)
def create_data_export(request: HttpRequest) -> Status:
    export, background = privacy_export.request_export(principal(request))
    return Status(201, _export_out(export, background))


@router.get("/organization/exports/{export_id}", response=responses(DataExportOut), summary="An export's state")
def get_data_export(request: HttpRequest, export_id: int) -> DataExportOut:
    return _export_out(privacy_export.get_export(principal(request), export_id))


@router.get(
    "/organization/exports/{export_id}/download",
    response={200: None, **ERRORS},
    summary="Download a ready export (owners, until it expires)",
    openapi_extra={"responses": {200: {"description": "application/zip"}}},
)
def download_data_export(request: HttpRequest, export_id: int) -> HttpResponse:
    name, content = privacy_export.content(principal(request), export_id)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post(
    "/organization/erasure",
    response=responses(ErasureOut),
    summary="Delete the organization and erase its personal data (owners; Idempotency-Key required)",
)
def erase_organization(request: HttpRequest, payload: ErasureIn) -> ErasureOut:
    require_key(request)
    org = privacy_erasure.erase(principal(request), payload.confirm)
    return ErasureOut(id=org.pk, deleted_at=org.deleted_at)
