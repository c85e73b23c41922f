"""Every state change of accounts, organizations, memberships, invitations and API keys. One transaction each."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext

from accord.accounts import keys
from accord.accounts.auth import Principal
from accord.accounts.models import ApiKey, Invitation, Membership, Organization, Role, User
from accord.core import audit, clock
from accord.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from accord.core.money import UnknownCurrency, validate_currency
from accord.core.tenancy import get_scoped

SELF_SERVICE_KINDS = (Organization.Kind.BRAND, Organization.Kind.CREATOR)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:60] or "org"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(
            " ".join(exc.messages), code="weak_password", fields={"password": exc.messages}
        ) from None


def _new_org(name: str, kind: str, country: str = "", currency: str = "EUR") -> Organization:
    name = name.strip()
    if not name:
        raise ValidationFailed(gettext("an organization needs a name"), fields={"name": "required"})
    if kind not in Organization.Kind.values:
        raise ValidationFailed(
            gettext("unknown organization kind %(kind)r") % {"kind": kind}, fields={"kind": "invalid"}
        )
    return Organization.objects.create(
        name=name, slug=_unique_slug(name), kind=kind, country=country.upper()[:2], default_currency=currency
    )


def sign_up(
    *,
    email: str,
    password: str,
    name: str,
    organization_name: str,
    kind: str,
    country: str = "",
    currency: str = "EUR",
) -> tuple[User, Organization]:
    """A new person with a new brand or creator organization that they own."""
    email = email.strip().lower()
    if kind not in SELF_SERVICE_KINDS:
        raise ValidationFailed(gettext("sign-up is for brands and creators"), fields={"kind": "invalid"})
    probe = User(email=email, name=name)
    _check_password(password, probe)
    with transaction.atomic():
        if User.objects.filter(email__iexact=email).exists():
            raise Conflict(
                gettext("an account with this e-mail address already exists"),
                code="email_taken",
                fields={"email": "taken"},
            )
        user = User.objects.create_user(email, password, name=name.strip())
        org = _new_org(organization_name, kind, country, currency)
        Membership.objects.create(user=user, organization=org, role=Role.OWNER)
        audit.append(
            "user.signed_up",
            actor_id=user.pk,
            actor_label=user.email,
            organization_id=org.pk,
            target_type="organization",
            target_id=org.pk,
            data={"kind": kind},
        )
    return user, org


def create_organization(user: User, *, name: str, kind: str, country: str = "", currency: str = "EUR") -> Organization:
    if kind not in SELF_SERVICE_KINDS:
        raise PermissionDenied(
            gettext("only brand and creator organizations can be created here"), code="wrong_organization_kind"
        )
    with transaction.atomic():
        org = _new_org(name, kind, country, currency)
        Membership.objects.create(user=user, organization=org, role=Role.OWNER)
        audit.append(
            "organization.created",
            actor_id=user.pk,
            actor_label=user.email,
            organization_id=org.pk,
            target_type="organization",
            target_id=org.pk,
            data={"name": org.name, "kind": kind},
        )
    return org


def update_organization(
    principal: Principal,
    *,
    name: str | None = None,
    country: str | None = None,
    default_currency: str | None = None,
) -> Organization:
    principal.require(Role.ADMIN)
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=principal.org_id)
        changes: dict[str, object] = {}
        if name is not None:
            if not name.strip():
                raise ValidationFailed(gettext("an organization needs a name"), fields={"name": "required"})
            changes["name"] = org.name = name.strip()
        if country is not None:
            changes["country"] = org.country = country.upper()[:2]
        if default_currency is not None:
            try:
                changes["default_currency"] = org.default_currency = validate_currency(default_currency)
            except UnknownCurrency as exc:
                raise ValidationFailed(str(exc), fields={"default_currency": "invalid"}) from None
        org.save()
        principal.audit("organization.updated", "organization", org.pk, changes)
    return org


def create_operator(*, email: str, password: str, name: str = "") -> User:
    """An operator: platform staff who mediate and run payouts. Also a Django admin superuser."""
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            _check_password(password)
            user = User.objects.create_superuser(email, password, name=name)
        else:
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
        org = Organization.objects.filter(kind=Organization.Kind.OPERATOR).order_by("id").first()
        if org is None:
            org = _new_org("Accord Operations", Organization.Kind.OPERATOR)
        Membership.objects.update_or_create(user=user, organization=org, defaults={"role": Role.OWNER})
        audit.append(
            "operator.created",
            actor_id=user.pk,
            actor_label=user.email,
            organization_id=org.pk,
            target_type="user",
            target_id=user.pk,
        )
    return user


# --- members ---------------------------------------------------------------------------------------------------


def _owners_left(org_id: int, excluding: int) -> int:
    return Membership.objects.filter(organization_id=org_id, role=Role.OWNER).exclude(pk=excluding).count()


def change_role(principal: Principal, membership_id: int, role: str) -> Membership:
    principal.require(Role.ADMIN)
    if role not in Role.values:
        raise ValidationFailed(gettext("unknown role %(role)r") % {"role": role}, fields={"role": "invalid"})
    with transaction.atomic():
        m = get_scoped(Membership.objects.select_for_update(), principal.org_id, pk=membership_id)
        if Role.OWNER in (role, m.role) and principal.role != Role.OWNER:
            raise PermissionDenied(gettext("only an owner can grant or take the owner role"))
        if m.role == Role.OWNER and role != Role.OWNER and _owners_left(principal.org_id, m.pk) == 0:
            raise Conflict(gettext("an organization must keep at least one owner"), code="last_owner")
        old, m.role = m.role, role
        m.save(update_fields=["role"])
        principal.audit("membership.role_changed", "membership", m.pk, {"from": old, "to": role})
    return m


def remove_member(principal: Principal, membership_id: int) -> None:
    with transaction.atomic():
        m = get_scoped(Membership.objects.select_for_update(), principal.org_id, pk=membership_id)
        leaving_self = principal.user is not None and m.user_id == principal.user.pk
        if not leaving_self:
            principal.require(Role.ADMIN)
            if m.role == Role.OWNER and principal.role != Role.OWNER:
                raise PermissionDenied(gettext("only an owner can remove an owner"))
        if m.role == Role.OWNER and _owners_left(principal.org_id, m.pk) == 0:
            raise Conflict(gettext("an organization must keep at least one owner"), code="last_owner")
        principal.audit("membership.removed", "membership", m.pk, {"user": m.user_id, "role": m.role})
        m.delete()


# --- invitations -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}/accounts/invitations/{self.token}/"


def invite(principal: Principal, *, email: str, role: str = Role.MEMBER) -> IssuedInvitation:
    principal.require(Role.ADMIN)
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationFailed(gettext("unknown role %(role)r") % {"role": role}, fields={"role": "invalid"})
    if role == Role.OWNER and principal.role != Role.OWNER:
        raise PermissionDenied(gettext("only an owner can invite another owner"))
    with transaction.atomic():
        if Membership.objects.filter(organization_id=principal.org_id, user__email__iexact=email).exists():
            raise Conflict(
                gettext("this person is already a member"), code="already_member", fields={"email": "member"}
            )
        token = secrets.token_urlsafe(32)
        inv = Invitation.objects.create(
            organization_id=principal.org_id,
            email=email,
            role=role,
            token_hash=keys.token_hash(token),
            invited_by=principal.user,
            expires_at=clock.now() + timedelta(days=settings.ACCORD_INVITATION_DAYS),
        )
        principal.audit("invitation.created", "invitation", inv.pk, {"email": email, "role": role})
        issued = IssuedInvitation(inv, token)
        # In the inviter's language: the only one known for someone who has no account yet.
        names = {"org": principal.organization.name, "inviter": principal.label, "role": Role(role).label.lower()}
        subject = gettext("You are invited to %(org)s on Accord") % names
        body = ngettext(
            "%(inviter)s invited you to join %(org)s as %(role)s.\n\nAccept: %(url)s\n\n"
            "The link is valid for %(days)d day.",
            "%(inviter)s invited you to join %(org)s as %(role)s.\n\nAccept: %(url)s\n\n"
            "The link is valid for %(days)d days.",
            settings.ACCORD_INVITATION_DAYS,
        ) % {**names, "url": issued.url, "days": settings.ACCORD_INVITATION_DAYS}
        transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return issued


def revoke_invitation(principal: Principal, invitation_id: int) -> Invitation:
    principal.require(Role.ADMIN)
    with transaction.atomic():
        inv = get_scoped(Invitation.objects.select_for_update(), principal.org_id, pk=invitation_id)
        if inv.status != "pending":
            raise Conflict(
                gettext("the invitation is %(status)s") % {"status": inv.status_label}, code="invitation_not_pending"
            )
        inv.revoked_at = clock.now()
        inv.save(update_fields=["revoked_at"])
        principal.audit("invitation.revoked", "invitation", inv.pk)
    return inv


def find_invitation(token: str) -> Invitation:
    inv = Invitation.objects.select_related("organization").filter(token_hash=keys.token_hash(token)).first()
    if inv is None:
        raise NotFound(gettext("invitation not found"))
    return inv


def accept_invitation(user: User, token: str) -> Membership:
    with transaction.atomic():
        inv = find_invitation(token)
        inv = Invitation.objects.select_for_update().get(pk=inv.pk)
        if inv.status != "pending":
            raise Conflict(
                gettext("the invitation is %(status)s") % {"status": inv.status_label}, code="invitation_not_pending"
            )
        if inv.email.lower() != user.email.lower():
            raise PermissionDenied(
                gettext("this invitation was sent to another e-mail address"), code="invitation_email"
            )
        membership, created = Membership.objects.get_or_create(
            user=user, organization=inv.organization, defaults={"role": inv.role}
        )
        inv.accepted_at, inv.accepted_by = clock.now(), user
        inv.save(update_fields=["accepted_at", "accepted_by"])
        audit.append(
            "invitation.accepted",
            actor_id=user.pk,
            actor_label=user.email,
            organization_id=inv.organization_id,
            target_type="invitation",
            target_id=inv.pk,
            data={"role": membership.role, "new_member": created},
        )
    return membership


# --- API keys --------------------------------------------------------------------------------------------------


def create_api_key(principal: Principal, *, name: str, scope: str = ApiKey.Scope.READ) -> tuple[ApiKey, str]:
    """Returns the key and its token; the token is shown once and only its hash is kept."""
    principal.require(Role.ADMIN)
    principal.require_user()
    if scope not in ApiKey.Scope.values:
        raise ValidationFailed(gettext("unknown scope %(scope)r") % {"scope": scope}, fields={"scope": "invalid"})
    if not name.strip():
        raise ValidationFailed(gettext("an API key needs a name"), fields={"name": "required"})
    token, prefix, key_hash = keys.generate()
    with transaction.atomic():
        key = ApiKey.objects.create(
            organization_id=principal.org_id,
            name=name.strip()[:100],
            prefix=prefix,
            key_hash=key_hash,
            scope=scope,
            created_by=principal.user,
        )
        principal.audit("api_key.created", "api_key", key.pk, {"prefix": prefix, "scope": scope})
    return key, token


def revoke_api_key(principal: Principal, key_id: int) -> ApiKey:
    principal.require(Role.ADMIN)
    with transaction.atomic():
        key = get_scoped(ApiKey.objects.select_for_update(), principal.org_id, pk=key_id)
        if key.revoked_at is None:
            key.revoked_at = clock.now()
            key.save(update_fields=["revoked_at"])
            principal.audit("api_key.revoked", "api_key", key.pk, {"prefix": key.prefix})
    return key
