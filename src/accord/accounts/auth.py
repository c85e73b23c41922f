"""Who is calling, and for which organization.

A caller is a ``Principal``: a signed-in user acting for one of their organizations (chosen by the
``Accord-Organization`` header, else the session's active organization, else their first), or an API key acting for
its own organization. Write-scoped keys act with the ``member`` role, read-scoped ones as ``viewer``: a leaked key can
never manage members or mint new keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.http import HttpRequest
from django.utils.translation import gettext

from accord.accounts import keys
from accord.accounts.models import ApiKey, Membership, Organization, Role, User, role_at_least
from accord.core import audit, clock
from accord.core.errors import DomainError, NotFound, PermissionDenied

ORG_HEADER = "Accord-Organization"
SESSION_ORG = "accord_organization_id"
_LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    organization: Organization
    role: str
    user: User | None = None
    api_key: ApiKey | None = None

    @property
    def org_id(self) -> int:
        return self.organization.pk

    @property
    def is_operator(self) -> bool:
        return self.organization.kind == Organization.Kind.OPERATOR

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.email
        assert self.api_key is not None
        return f"api-key:{self.api_key.prefix}"

    def require(self, minimum: str) -> None:
        if not role_at_least(self.role, minimum):
            raise PermissionDenied(
                gettext("this needs the %(minimum)s role or higher; you are %(role)s")
                % {"minimum": minimum, "role": self.role},
                fields={"required_role": minimum},
            )

    def require_kind(self, *kinds: str) -> None:
        if self.organization.kind not in kinds:
            raise PermissionDenied(
                gettext("only %(kinds)s organizations can do this") % {"kinds": " or ".join(kinds)},
                code="wrong_organization_kind",
            )

    def require_user(self) -> User:
        if self.user is None:
            raise PermissionDenied(gettext("this needs a signed-in user, not an API key"), code="user_required")
        return self.user

    def audit(
        self,
        action: str,
        target_type: str = "",
        target_id: str | int = "",
        data: dict[str, object] | None = None,
        organization_id: int | None = None,
    ) -> None:
        audit.append(
            action,
            actor_id=self.user.pk if self.user else None,
            actor_label=self.label,
            organization_id=organization_id if organization_id is not None else self.org_id,
            target_type=target_type,
            target_id=target_id,
            data=data,
        )


def api_key_from_request(request: HttpRequest) -> ApiKey | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return authenticate_key(token.strip())


def authenticate_key(token: str) -> ApiKey | None:
    prefix = keys.parse_prefix(token)
    if prefix is None:
        return None
    key = ApiKey.objects.select_related("organization").filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None or not keys.matches(token, key.key_hash):
        return None
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_GRANULARITY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def principal_for_key(key: ApiKey) -> Principal:
    role = Role.MEMBER if key.scope == ApiKey.Scope.WRITE else Role.VIEWER
    return Principal(organization=key.organization, role=role, api_key=key)


def principal_for_user(request: HttpRequest, user: User) -> Principal | None:
    memberships = Membership.objects.select_related("organization").filter(user=user)
    wanted = request.headers.get(ORG_HEADER)
    if wanted is not None:
        if not wanted.isdigit():
            raise DomainError(
                gettext("%(header)s must be an organization id") % {"header": ORG_HEADER},
                code="invalid_organization_header",
            )
        membership = memberships.filter(organization_id=int(wanted)).first()
        if membership is None:
            raise NotFound(gettext("organization not found"))
    else:
        session_org = request.session.get(SESSION_ORG) if hasattr(request, "session") else None
        membership = memberships.filter(organization_id=session_org).first() if session_org else None
        membership = membership or memberships.order_by("id").first()
    if membership is None:
        return None
    return Principal(organization=membership.organization, role=membership.role, user=user)


def resolve(request: HttpRequest) -> Principal | None:
    key = api_key_from_request(request)
    if key is not None:
        return principal_for_key(key)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return principal_for_user(request, user)
    return None


def idempotency_scope(request: HttpRequest) -> str | None:
    """Idempotency keys are stored per acting organization (per user for one who has none yet)."""
    try:
        principal = resolve(request)
    except DomainError:
        return None  # a bad organization header: the API itself answers with the error
    if principal is not None:
        return f"org:{principal.org_id}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None
