"""Contract services: the only functions that change offers, contracts, milestones, submissions and timesheets.

Each public service is one ``transaction.atomic()`` block. It loads the contract through the caller's organization
(a brand sees its own contracts, a creator its own; anything else is a 404), checks the role, applies the state
machine of ``accord.contracts.states`` (illegal steps raise ``IllegalTransition``), audits, announces the change
through ``_publish`` (messaging) and records promised dates through ``_promise`` / ``_fulfil`` (reputation).
Money moves only through ``accord.escrow.services`` (holds, releases), with idempotency keys derived from the
caller's key and the object, so a retried request never funds or releases twice.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.campaigns.models import Campaign
from accord.campaigns.states import RECRUITING
from accord.contracts import disclosure, states, values
from accord.contracts.models import (
    Contract,
    ContractVersion,
    Milestone,
    Side,
    Signature,
    Submission,
    TimeEntry,
    Timesheet,
)
from accord.contracts.terms import (
    HourlyPlan,
    Terms,
    canonical_dict,
    diff,
    late_payment_owed,
    plan_milestones,
    stored_hash,
    terms_hash,
)
from accord.core import clock
from accord.core.errors import Conflict, DomainError, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from accord.core.money import round_half_even
from accord.core.tenancy import get_scoped, scoped
from accord.escrow import services as escrow
from accord.escrow.models import EscrowHold
from accord.ledger.models import Hold

logger = logging.getLogger("accord.contracts")
DEFAULT_EXPIRY_DAYS = 14
DRAFT_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4", "video/quicktime", "application/pdf")
DRAFT_MAX_BYTES = 50 * 1024 * 1024
SYSTEM = "accord"


# -- integration points (one place each) ---------------------------------------------------------------------------


def _publish(event_type: str, contract: Contract, actor_label: str, data: dict[str, Any] | None = None) -> None:
    """Announce a state change to both parties (thread message, notifications, webhooks)."""
    from accord.messaging import events

    events.publish(
        event_type,
        subject=contract.subject,
        organization_ids=[contract.brand_id, contract.creator_id],
        actor_label=actor_label,
        data={"contract_id": contract.pk, "title": contract.title, "status": contract.status, **(data or {})},
    )


def _promise(owner_org_id: int, kind: str, subject: str, due: date | datetime, key: str) -> None:
    from accord.reputation import services as reputation

    due_at = due if isinstance(due, datetime) else datetime.combine(due, time(23, 59, 59), tzinfo=UTC)
    reputation.promise(owner_org_id=owner_org_id, kind=kind, subject=subject, due_at=due_at, key=key)


def _fulfil(subject: str, kind: str) -> None:
    from accord.reputation import services as reputation

    reputation.fulfil(subject=subject, kind=kind, at=clock.now())


def _cancel_commitments(subject_prefix: str, contract: Contract) -> None:
    from accord.reputation import services as reputation

    reputation.cancel(subject=subject_prefix)
    for key in {m.key for m in contract.milestones.all()}:
        reputation.cancel(subject=f"{subject_prefix}:milestone:{key}")
    for d in _terms(contract).deliverables:
        reputation.cancel(subject=f"{subject_prefix}:deliverable:{d.key}")


def mark_disputed(milestone_id: int, *, actor_label: str) -> Milestone:
    """Hook for the disputes app: a funded or submitted milestone is frozen (no approval, release or auto-approval).

    Joins the caller's transaction; the escrow hold stays pending until the dispute resolves.
    """
    with transaction.atomic():
        milestone = _lock(Milestone.objects.filter(pk=milestone_id)).select_related("contract").first()
        if milestone is None:
            raise NotFound(gettext("milestone not found"))
        milestone.status = states.MILESTONE.next(milestone.status, "dispute")
        milestone.disputed_at = clock.now()
        milestone.save(update_fields=["status", "disputed_at"])
        milestone.submissions.filter(decision=Submission.Decision.PENDING).update(decision=Submission.Decision.DISPUTED)
        _publish("milestone.disputed", milestone.contract, actor_label, {"milestone": milestone.key})
        return milestone


def dispute_settled(
    milestone_id: int, *, outcome: str | None, creator_amount: int | None = None, actor_label: str = SYSTEM
) -> Milestone:
    """Hook for the disputes app once a dispute over a milestone ends; it has already moved the money.

    ``release``/``split``: the milestone is released (for what the escrow hold actually paid); ``refund``: cancelled
    (the hold went back to the campaign); ``extend``/``revise``: back to funded, so the creator delivers again; None
    (the dispute was withdrawn): back to where it was (submitted, with a fresh review window, or funded).
    """
    with transaction.atomic():
        milestone = _lock(Milestone.objects.filter(pk=milestone_id)).select_related("contract").first()
        if milestone is None:
            raise NotFound(gettext("milestone not found"))
        contract = milestone.contract
        now = clock.now()
        fields = ["status"]
        pending = milestone.submissions.filter(decision=Submission.Decision.DISPUTED).order_by("-round").first()
        if outcome in ("release", "split"):
            milestone.status = states.MILESTONE.next(milestone.status, "settle_release")
            held = EscrowHold.objects.filter(pk=milestone.escrow_hold_id).first()
            milestone.released_amount = held.released_amount if held is not None else (creator_amount or 0)
            milestone.released_at = now
            fields += ["released_amount", "released_at"]
        elif outcome == "refund":
            milestone.status = states.MILESTONE.next(milestone.status, "settle_refund")
        elif outcome is None and pending is not None:
            milestone.status = states.MILESTONE.next(milestone.status, "resume_review")
            milestone.review_due_at = now + timedelta(days=_terms(contract).review_window_days)
            pending.decision = Submission.Decision.PENDING
            pending.save(update_fields=["decision"])
            fields.append("review_due_at")
        else:
            milestone.status = states.MILESTONE.next(milestone.status, "resume")
        milestone.save(update_fields=fields)
        _publish(
            "milestone.dispute_settled",
            contract,
            actor_label,
            {"milestone": milestone.key, "outcome": outcome or "withdrawn", "status": milestone.status},
        )
        _maybe_complete(contract, actor_label)
        return milestone


# -- helpers -------------------------------------------------------------------------------------------------------


def _lock(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.select_for_update(of=("self",)) if connection.vendor == "postgresql" else qs.select_for_update()


def side_for(actor: Principal) -> str:
    kind = actor.organization.kind
    if kind == Organization.Kind.BRAND:
        return Side.BRAND
    if kind == Organization.Kind.CREATOR:
        return Side.CREATOR
    raise NotFound(gettext("contract not found"))


def contracts_for(actor: Principal) -> QuerySet[Contract]:
    """The caller's contracts: as the brand or as the creator (operators and others see none here)."""
    kind = actor.organization.kind
    if kind not in (Organization.Kind.BRAND, Organization.Kind.CREATOR):
        return Contract.objects.none()
    return scoped(Contract.objects.all(), actor.org_id, side_for(actor)).select_related("campaign")


def _contract(actor: Principal, contract_id: int, *, lock: bool = False) -> Contract:
    qs = Contract.objects.select_related("campaign", "current_version", "signed_version")
    if lock:
        qs = _lock(qs)
    return get_scoped(qs, actor.org_id, side_for(actor), pk=contract_id)


def get_contract(actor: Principal, contract_id: int) -> Contract:
    return _contract(actor, contract_id)


def _milestone(actor: Principal, milestone_id: int, *, lock: bool = False) -> Milestone:
    qs = Milestone.objects.select_related("contract", "contract__signed_version", "escrow_hold")
    if lock:
        qs = _lock(qs)
    return get_scoped(qs, actor.org_id, f"contract__{side_for(actor)}", pk=milestone_id)


def get_milestone(actor: Principal, milestone_id: int) -> Milestone:
    return _milestone(actor, milestone_id)


def get_submission(actor: Principal, submission_id: int) -> Submission:
    qs = Submission.objects.select_related("milestone", "milestone__contract")
    return get_scoped(qs, actor.org_id, f"milestone__contract__{side_for(actor)}", pk=submission_id)


def _timesheet(actor: Principal, timesheet_id: int, *, lock: bool = False) -> Timesheet:
    qs = Timesheet.objects.select_related("contract", "contract__signed_version")
    if lock:
        qs = _lock(qs)
    return get_scoped(qs, actor.org_id, f"contract__{side_for(actor)}", pk=timesheet_id)


def _require_side(actor: Principal, contract: Contract, side: str, what: str) -> None:
    if contract.side_of(actor.org_id) != side:
        raise PermissionDenied(
            gettext("only the %(side)s can %(what)s") % {"side": Side(side).label.lower(), "what": what},
            code="wrong_party",
        )


def _terms(contract: Contract) -> Terms:
    version = contract.signed_version or contract.current_version
    assert version is not None
    return Terms.model_validate(version.terms)


def _parse(terms: dict[str, Any] | Terms) -> Terms:
    if isinstance(terms, Terms):
        return terms
    try:
        return Terms.model_validate(terms)
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        errors = getattr(exc, "errors", None)
        fields: dict[str, str] = {}
        if callable(errors):
            for err in errors():
                fields[".".join(str(p) for p in err.get("loc", ())) or "terms"] = err.get("msg", "invalid")
        raise ValidationFailed(gettext("the terms are not valid"), code="invalid_terms", fields=fields) from None


def _expiry(days: int | None) -> datetime | None:
    if days is None:
        return None
    if not 1 <= days <= 90:
        raise ValidationFailed(
            gettext("an offer expires after 1 to 90 days"), fields={"expires_in_days": "out_of_range"}
        )
    return clock.now() + timedelta(days=days)


def _check_open(contract: Contract, action: str) -> None:
    """Refuse acting on a negotiation that has lapsed (the expiry job records it as expired)."""
    if contract.expires_at is not None and contract.expires_at <= clock.now():
        raise IllegalTransition("contract", Contract.Status.EXPIRED, action)


def values_conflicts(campaign: Campaign, creator: Organization) -> list[values.Conflict]:
    profile = getattr(creator, "creator_profile", None)
    no_go = list(profile.no_go_categories) if profile is not None else []
    return values.conflicts(no_go, list(campaign.brand_categories or []), campaign.brief_text)


def check_values(campaign: Campaign, creator: Organization) -> None:
    """Block an offer or application when the creator's no-go categories clash with the campaign."""
    found = values_conflicts(campaign, creator)
    if found:
        name = getattr(getattr(creator, "creator_profile", None), "display_name", "") or creator.name
        raise Conflict(
            values.message(found, name),
            code="values_conflict",
            fields={"conflicts": [{"category": c.category, "reason": c.reason} for c in found]},
        )


def _new_version(
    contract: Contract,
    terms: Terms,
    *,
    kind: str,
    side: str,
    actor_label: str,
    message: str,
    expires_at: datetime | None,
    previous: ContractVersion | None,
) -> ContractVersion:
    from accord.reputation import tiers

    terms = tiers.contract_terms(contract, terms)  # the creator's tier benefits, fixed when the contract began
    number = (contract.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return ContractVersion.objects.create(
        contract=contract,
        number=number,
        kind=kind,
        terms=canonical_dict(terms),
        terms_sha256=terms_hash(terms),
        diff=diff(previous.terms if previous is not None else None, terms),
        proposed_by=side,
        proposed_by_label=actor_label,
        message=message,
        expires_at=expires_at,
    )


def _fee_bps(contract: Contract) -> int:
    """The platform fee this contract's releases charge, recorded when it was offered (reputation tiers)."""
    from accord.reputation import tiers

    return tiers.contract_fee_bps(contract)


def _touch(contract: Contract, *fields: str) -> None:
    contract.updated_at = clock.now()
    contract.save(update_fields=[*fields, "updated_at"])


def _other(side: str) -> str:
    return Side.CREATOR if side == Side.BRAND else Side.BRAND


# -- negotiation ---------------------------------------------------------------------------------------------------


def send_offer(
    actor: Principal,
    *,
    campaign_id: int,
    creator_org_id: int,
    terms: dict[str, Any] | Terms,
    message: str = "",
    expires_in_days: int | None = DEFAULT_EXPIRY_DAYS,
    title: str = "",
) -> Contract:
    """A brand invites a creator to its campaign with an offer (draft → offered), after the values check."""
    actor.require_kind(Organization.Kind.BRAND)
    actor.require(Role.MEMBER)
    parsed = _parse(terms)
    with transaction.atomic():
        campaign = get_scoped(Campaign.objects.all(), actor.org_id, "brand", pk=campaign_id)
        if campaign.status not in RECRUITING:
            raise IllegalTransition("campaign", campaign.status, "send offers")
        # An erased creator is gone for new business: it cannot be offered work it could never sign.
        creator = Organization.objects.filter(
            pk=creator_org_id, kind=Organization.Kind.CREATOR, deleted_at__isnull=True
        ).first()
        if creator is None:
            raise NotFound(gettext("creator not found"), fields={"creator_org_id": creator_org_id})
        return _start(
            actor,
            campaign,
            creator,
            parsed,
            Contract.Origin.INVITATION,
            Side.BRAND,
            message,
            _expiry(expires_in_days),
            title,
        )


def apply(
    actor: Principal,
    *,
    campaign_id: int,
    terms: dict[str, Any] | Terms,
    message: str = "",
    expires_in_days: int | None = DEFAULT_EXPIRY_DAYS,
) -> Contract:
    """A creator applies to an open campaign with proposed terms: the same negotiation path as an offer."""
    actor.require_kind(Organization.Kind.CREATOR)
    actor.require(Role.MEMBER)
    parsed = _parse(terms)
    with transaction.atomic():
        campaign = Campaign.objects.filter(
            pk=campaign_id, status=Campaign.Status.OPEN, open_for_applications=True
        ).first()
        if campaign is None:
            raise NotFound(gettext("no open campaign with this id takes applications"))
        if Contract.objects.filter(
            campaign=campaign,
            creator_id=actor.org_id,
            status__in=[Contract.Status.OFFERED, Contract.Status.COUNTERED],
        ).exists():
            raise Conflict(gettext("you already have an open proposal for this campaign"), code="already_applied")
        return _start(
            actor,
            campaign,
            actor.organization,
            parsed,
            Contract.Origin.APPLICATION,
            Side.CREATOR,
            message,
            _expiry(expires_in_days),
            "",
        )


def _start(
    actor: Principal,
    campaign: Campaign,
    creator: Organization,
    terms: Terms,
    origin: str,
    side: str,
    message: str,
    expires_at: datetime | None,
    title: str,
) -> Contract:
    if terms.currency != campaign.currency:
        raise ValidationFailed(
            gettext("the campaign is in %(currency)s; terms must be too") % {"currency": campaign.currency},
            fields={"currency": "mismatch"},
        )
    check_values(campaign, creator)
    now = clock.now()
    contract = Contract.objects.create(
        campaign=campaign,
        brand_id=campaign.brand_id,
        creator=creator,
        origin=origin,
        status=Contract.Status.DRAFT,
        title=title or f"{campaign.name} × {creator.name}",
        currency=campaign.currency,
        created_at=now,
        updated_at=now,
    )
    kind = ContractVersion.Kind.OFFER if side == Side.BRAND else ContractVersion.Kind.APPLICATION
    version = _new_version(
        contract,
        terms,
        kind=kind,
        side=side,
        actor_label=actor.label,
        message=message,
        expires_at=expires_at,
        previous=None,
    )
    contract.status = states.CONTRACT.next(contract.status, "send")
    contract.current_version, contract.awaiting, contract.expires_at = version, _other(side), expires_at
    _touch(contract, "status", "current_version", "awaiting", "expires_at")
    actor.audit(f"contract.{kind}_sent", "contract", contract.pk, {"version": 1, "sha256": version.terms_sha256})
    event = "offer.sent" if side == Side.BRAND else "application.sent"
    _publish(event, contract, actor.label, {"version": 1, "message": message, "total": terms.total})
    return contract


def counter(
    actor: Principal,
    contract_id: int,
    *,
    terms: dict[str, Any] | Terms,
    message: str = "",
    expires_in_days: int | None = DEFAULT_EXPIRY_DAYS,
) -> ContractVersion:
    """The party whose move it is proposes changed terms; the new version records the field-by-field diff."""
    actor.require(Role.MEMBER)
    parsed = _parse(terms)
    with transaction.atomic():
        contract = _contract(actor, contract_id, lock=True)
        side = contract.side_of(actor.org_id) or ""
        states.CONTRACT.next(contract.status, "counter")
        _check_open(contract, "counter")
        if contract.awaiting != side:
            raise Conflict(gettext("it is the other party's move: wait for their answer"), code="not_your_turn")
        if parsed.currency != contract.currency:
            raise ValidationFailed(
                gettext("terms must stay in %(currency)s") % {"currency": contract.currency},
                fields={"currency": "mismatch"},
            )
        previous = contract.current_version
        assert previous is not None
        if terms_hash(parsed) == previous.terms_sha256:
            raise ValidationFailed(gettext("a counter-offer must change something"), code="no_change")
        previous.status = ContractVersion.Status.SUPERSEDED
        previous.save(update_fields=["status"])
        expires_at = _expiry(expires_in_days)
        version = _new_version(
            contract,
            parsed,
            kind=ContractVersion.Kind.COUNTER,
            side=side,
            actor_label=actor.label,
            message=message,
            expires_at=expires_at,
            previous=previous,
        )
        contract.status = states.CONTRACT.next(contract.status, "counter")
        contract.current_version, contract.awaiting, contract.expires_at = version, _other(side), expires_at
        _touch(contract, "status", "current_version", "awaiting", "expires_at")
        actor.audit("contract.countered", "contract", contract.pk, {"version": version.number})
        _publish(
            "offer.countered",
            contract,
            actor.label,
            {"version": version.number, "changes": len(version.diff), "message": message},
        )
        return version


def decline(actor: Principal, contract_id: int, *, reason: str = "") -> Contract:
    """The party a proposal was sent to refuses it. An open amendment is declined without touching the contract."""
    actor.require(Role.MEMBER)
    with transaction.atomic():
        contract = _contract(actor, contract_id, lock=True)
        side = contract.side_of(actor.org_id)
        amendment = _open_amendment(contract)
        if amendment is not None:
            if amendment.proposed_by == side:
                raise Conflict(gettext("you proposed this amendment: withdraw it instead"), code="not_your_turn")
            amendment.status = ContractVersion.Status.DECLINED
            amendment.save(update_fields=["status"])
            contract.current_version, contract.awaiting = contract.signed_version, ""
            _touch(contract, "current_version", "awaiting")
            _publish("contract.amendment_declined", contract, actor.label, {"reason": reason})
            return contract
        states.CONTRACT.next(contract.status, "decline")
        if contract.awaiting != side:
            raise Conflict(gettext("you sent this proposal: withdraw it instead"), code="not_your_turn")
        return _end_negotiation(actor, contract, "decline", ContractVersion.Status.DECLINED, reason, "offer.declined")


def withdraw(actor: Principal, contract_id: int, *, reason: str = "") -> Contract:
    """The party that sent the open proposal (or amendment) takes it back."""
    actor.require(Role.MEMBER)
    with transaction.atomic():
        contract = _contract(actor, contract_id, lock=True)
        side = contract.side_of(actor.org_id)
        amendment = _open_amendment(contract)
        if amendment is not None:
            if amendment.proposed_by != side:
                raise Conflict(
                    gettext("only the party that proposed the amendment can withdraw it"), code="not_your_turn"
                )
            amendment.status = ContractVersion.Status.WITHDRAWN
            amendment.save(update_fields=["status"])
            contract.current_version, contract.awaiting = contract.signed_version, ""
            _touch(contract, "current_version", "awaiting")
            _publish("contract.amendment_withdrawn", contract, actor.label, {"reason": reason})
            return contract
        states.CONTRACT.next(contract.status, "withdraw")
        if contract.awaiting == side:
            raise Conflict(gettext("this proposal was sent to you: decline it instead"), code="not_your_turn")
        return _end_negotiation(
            actor, contract, "withdraw", ContractVersion.Status.WITHDRAWN, reason, "offer.withdrawn"
        )


def _end_negotiation(
    actor: Principal | None, contract: Contract, action: str, version_status: str, reason: str, event: str
) -> Contract:
    contract.status = states.CONTRACT.next(contract.status, action)
    if contract.current_version is not None:
        contract.current_version.status = version_status
        contract.current_version.save(update_fields=["status"])
    contract.awaiting, contract.ended_at, contract.end_reason = "", clock.now(), reason[:500]
    _touch(contract, "status", "awaiting", "ended_at", "end_reason")
    label = actor.label if actor is not None else SYSTEM
    if actor is not None:
        actor.audit(f"contract.{action}", "contract", contract.pk, {"reason": reason})
    _publish(event, contract, label, {"reason": reason})
    return contract


def expire_offers(now: datetime | None = None) -> int:
    """Mark every open proposal past its expiry as expired (the periodic job); returns how many."""
    moment = now or clock.now()
    done = 0
    ids = list(
        Contract.objects.filter(
            status__in=[Contract.Status.OFFERED, Contract.Status.COUNTERED], expires_at__lte=moment
        ).values_list("id", flat=True)[:500]
    )
    for contract_id in ids:
        with transaction.atomic():
            contract = _lock(Contract.objects.filter(pk=contract_id)).select_related("current_version").first()
            if contract is None or not states.CONTRACT.allowed(contract.status, "expire"):
                continue
            if contract.expires_at is None or contract.expires_at > moment:
                continue
            _end_negotiation(
                None, contract, "expire", ContractVersion.Status.EXPIRED, "the offer expired", "offer.expired"
            )
            done += 1
    return done


# -- signing -------------------------------------------------------------------------------------------------------


def hash_ip(ip: str, salt: str) -> str:
    """A salted HMAC of the signer's IP address: the address itself is never stored."""
    key = f"{settings.SECRET_KEY}:{salt}".encode()
    return hmac.new(key, ip.strip().encode(), hashlib.sha256).hexdigest()


def _open_amendment(contract: Contract) -> ContractVersion | None:
    version = contract.current_version
    if (
        version is not None
        and version.kind == ContractVersion.Kind.AMENDMENT
        and version.status == ContractVersion.Status.PROPOSED
    ):
        return version
    return None


def sign(
    actor: Principal,
    contract_id: int,
    *,
    typed_name: str,
    version_number: int,
    terms_sha256: str | None = None,
    ip: str = "",
) -> Signature:
    """Sign the open proposal (or amendment) for the caller's side. The second signature makes it binding.

    ``version_number`` (and optionally ``terms_sha256``) must name the version on the table, so nobody signs terms
    that changed under them. Signing needs a person (not an API key) with at least the admin role.
    """
    user = actor.require_user()
    actor.require(Role.ADMIN)
    typed = " ".join((typed_name or "").split())
    if len(typed) < 2:
        raise ValidationFailed(gettext("type your full name to sign"), fields={"typed_name": "required"})
    with transaction.atomic():
        contract = _contract(actor, contract_id, lock=True)
        side = contract.side_of(actor.org_id) or ""
        version = contract.current_version
        amendment = _open_amendment(contract)
        if amendment is None:
            states.CONTRACT.next(contract.status, "sign")
            _check_open(contract, "sign")
        if version is None or version.status != ContractVersion.Status.PROPOSED:
            raise IllegalTransition("contract", contract.status, "sign")
        if version.number != version_number or (terms_sha256 and terms_sha256 != version.terms_sha256):
            raise Conflict(
                gettext("version %(version_number)s is not the one on the table (v%(number)s is)")
                % {"version_number": version_number, "number": version.number},
                code="stale_version",
                fields={"current_version": version.number, "terms_sha256": version.terms_sha256},
            )
        if stored_hash(version.terms) != version.terms_sha256:  # stored terms must still match their hash
            raise Conflict(gettext("the stored terms do not match their hash"), code="terms_tampered")
        if version.signatures.filter(side=side).exists():
            raise Conflict(gettext("your side has already signed this version"), code="already_signed")
        salt = secrets.token_hex(16) if ip else ""
        signature = Signature.objects.create(
            version=version,
            side=side,
            organization_id=actor.org_id,
            signer=user,
            typed_name=typed,
            signed_at=clock.now(),
            terms_sha256=version.terms_sha256,
            ip_hash=hash_ip(ip, salt) if ip else "",
            ip_salt=salt,
        )
        actor.audit(
            "contract.signed_by",
            "contract",
            contract.pk,
            {"version": version.number, "side": side, "sha256": version.terms_sha256},
        )
        if version.signatures.count() == 2:
            _complete_signing(actor, contract, version)
        else:
            _publish(
                "contract.signature_added",
                contract,
                actor.label,
                {"version": version.number, "side": side, "typed_name": typed},
            )
        return signature


def _complete_signing(actor: Principal, contract: Contract, version: ContractVersion) -> None:
    now = clock.now()
    version.status, version.signed_at = ContractVersion.Status.SIGNED, now
    version.save(update_fields=["status", "signed_at"])
    terms = Terms.model_validate(version.terms)
    if version.kind == ContractVersion.Kind.AMENDMENT:
        previous = contract.signed_version
        contract.signed_version, contract.awaiting = version, ""
        if previous is not None:
            previous.status = ContractVersion.Status.SUPERSEDED
            previous.save(update_fields=["status"])
        _touch(contract, "signed_version", "awaiting")
        _sync_milestones(contract, terms, version.number)
        _publish(
            "contract.amendment_signed",
            contract,
            actor.label,
            {"version": version.number, "sha256": version.terms_sha256},
        )
        return
    contract.status = states.CONTRACT.next(contract.status, "complete_signing")
    contract.signed_version, contract.signed_at, contract.awaiting, contract.expires_at = version, now, "", None
    _touch(contract, "status", "signed_version", "signed_at", "awaiting", "expires_at")
    _sync_milestones(contract, terms, version.number)
    _publish("contract.signed", contract, actor.label, {"version": version.number, "sha256": version.terms_sha256})


def _sync_milestones(contract: Contract, terms: Terms, version_number: int) -> None:
    """Create (or, for an amendment, update) the milestones of the payment plan and promise their dates."""
    existing = {m.key: m for m in contract.milestones.all()}
    planned = plan_milestones(terms)
    keys = {p.key for p in planned}
    for key, dropped in existing.items():
        if key not in keys and dropped.status == Milestone.Status.UNFUNDED:
            dropped.status = states.MILESTONE.next(dropped.status, "cancel")
            dropped.save(update_fields=["status"])
    for position, plan in enumerate(planned):
        milestone = existing.get(plan.key)
        if milestone is None:
            milestone = Milestone.objects.create(
                contract=contract,
                key=plan.key,
                position=position,
                title=plan.title,
                amount=plan.amount,
                currency=contract.currency,
                due_on=plan.due_on,
                deliverables=list(plan.deliverables),
                requires_submission=plan.requires_submission,
                is_hourly_budget=terms.is_hourly,
            )
        elif milestone.status == Milestone.Status.UNFUNDED:
            milestone.title, milestone.amount, milestone.due_on = plan.title, plan.amount, plan.due_on
            milestone.position, milestone.deliverables = position, list(plan.deliverables)
            milestone.requires_submission = plan.requires_submission
            milestone.save(
                update_fields=["title", "amount", "due_on", "position", "deliverables", "requires_submission"]
            )
        else:
            continue
        _promise(
            contract.brand_id,
            "payment_due",
            f"{contract.subject}:milestone:{plan.key}",
            plan.due_on,
            f"{contract.subject}:v{version_number}:milestone:{plan.key}:payment_due",
        )
    for d in terms.deliverables:
        for kind, due in (("concept_due", d.concept_due), ("publish_due", d.publish_due)):
            if due is not None:
                _promise(
                    contract.creator_id,
                    kind,
                    f"{contract.subject}:deliverable:{d.key}",
                    due,
                    f"{contract.subject}:v{version_number}:deliverable:{d.key}:{kind}",
                )


def _validate_amendment(contract: Contract, terms: Terms) -> None:
    current = _terms(contract)
    if terms.currency != contract.currency:
        raise ValidationFailed(
            gettext("terms must stay in %(currency)s") % {"currency": contract.currency},
            fields={"currency": "mismatch"},
        )
    if terms.is_hourly != current.is_hourly:
        raise ValidationFailed(
            gettext("an amendment cannot switch between hourly and fixed payment"), fields={"payment.kind": "locked"}
        )
    planned = {p.key: p for p in plan_milestones(terms)}
    for m in contract.milestones.exclude(status__in=[Milestone.Status.UNFUNDED, Milestone.Status.CANCELLED]):
        plan = planned.get(m.key)
        if plan is None or plan.amount != m.amount:
            raise ValidationFailed(
                gettext("milestone %(key)s is already %(status)s: its amount cannot change")
                % {"key": m.key, "status": m.status},
                fields={f"payment.milestones[{m.key}]": "locked"},
            )


def propose_amendment(
    actor: Principal, contract_id: int, *, terms: dict[str, Any] | Terms, message: str = ""
) -> ContractVersion:
    """Propose new terms for a signed contract: a new version that binds once both parties sign it."""
    actor.require(Role.MEMBER)
    parsed = _parse(terms)
    with transaction.atomic():
        contract = _contract(actor, contract_id, lock=True)
        states.CONTRACT.next(contract.status, "amend")
        if _open_amendment(contract) is not None:
            raise Conflict(gettext("an amendment is already on the table"), code="amendment_pending")
        _validate_amendment(contract, parsed)
        signed = contract.signed_version
        assert signed is not None
        if terms_hash(parsed) == signed.terms_sha256:
            raise ValidationFailed(gettext("an amendment must change something"), code="no_change")
        side = contract.side_of(actor.org_id) or ""
        version = _new_version(
            contract,
            parsed,
            kind=ContractVersion.Kind.AMENDMENT,
            side=side,
            actor_label=actor.label,
            message=message,
            expires_at=None,
            previous=signed,
        )
        contract.current_version, contract.awaiting = version, _other(side)
        _touch(contract, "current_version", "awaiting")
        actor.audit("contract.amendment_proposed", "contract", contract.pk, {"version": version.number})
        _publish("contract.amended", contract, actor.label, {"version": version.number, "changes": len(version.diff)})
        return version


def terminate(actor: Principal, contract_id: int, *, reason: str) -> Contract:
    """End a signed contract early. Refused while money is held for a milestone (release, refund or dispute first)."""
    actor.require(Role.ADMIN)
    if not reason.strip():
        raise ValidationFailed(gettext("say why the contract ends"), fields={"reason": "required"})
    with transaction.atomic():
        contract = _contract(actor, contract_id, lock=True)
        new = states.CONTRACT.next(contract.status, "terminate")
        busy = [m.key for m in contract.milestones.all() if m.status in states.MONEY_OPEN]
        if busy:
            raise Conflict(
                gettext("milestones %(milestones)s still hold escrow: settle them first")
                % {"milestones": ", ".join(busy)},
                code="money_held",
                fields={"milestones": busy},
            )
        for m in contract.milestones.filter(status=Milestone.Status.UNFUNDED):
            m.status = states.MILESTONE.next(m.status, "cancel")
            m.save(update_fields=["status"])
        amendment = _open_amendment(contract)
        if amendment is not None:
            amendment.status = ContractVersion.Status.WITHDRAWN
            amendment.save(update_fields=["status"])
            contract.current_version = contract.signed_version
        contract.awaiting = ""
        _cancel_commitments(contract.subject, contract)
        contract.status, contract.ended_at, contract.end_reason = new, clock.now(), reason[:500]
        _touch(contract, "status", "ended_at", "end_reason", "current_version", "awaiting")
        actor.audit("contract.terminated", "contract", contract.pk, {"reason": reason})
        _publish("contract.terminated", contract, actor.label, {"reason": reason})
        return contract


def _maybe_complete(contract: Contract, actor_label: str) -> None:
    statuses = set(contract.milestones.values_list("status", flat=True))
    if contract.status == Contract.Status.ACTIVE and statuses and statuses <= {"released", "cancelled"}:
        contract.status = states.CONTRACT.next(contract.status, "complete")
        contract.ended_at = clock.now()
        _touch(contract, "status", "ended_at")
        _publish("contract.completed", contract, actor_label)


# -- milestones ----------------------------------------------------------------------------------------------------


def fund_milestone(actor: Principal, milestone_id: int, *, key: str) -> Milestone:
    """The brand places an escrow hold for the milestone (unfunded → funded); the creator sees it before starting.

    Idempotent by ``key``: replaying the call that funded it returns the milestone and moves nothing.
    """
    actor.require(Role.MEMBER)
    if not key:
        raise ValidationFailed(gettext("an idempotency key is required to fund"), fields={"key": "required"})
    with transaction.atomic():
        milestone = _milestone(actor, milestone_id, lock=True)
        contract = milestone.contract
        _require_side(actor, contract, Side.BRAND, gettext("fund milestones"))
        ledger_key = f"contracts:milestone:{milestone.pk}:fund:{key}"
        if (
            milestone.escrow_hold is not None
            and milestone.escrow_hold.hold.idempotency_key == f"escrow:fund:{ledger_key}"
        ):
            return milestone
        if contract.status not in (Contract.Status.SIGNED, Contract.Status.ACTIVE):
            raise IllegalTransition("contract", contract.status, "fund milestones")
        milestone.status = states.MILESTONE.next(milestone.status, "fund")
        held = escrow.fund_hold(
            actor,
            campaign_id=contract.campaign_id,
            creator_org_id=contract.creator_id,
            amount=milestone.amount,
            reference_type="milestone",
            reference_id=milestone.pk,
            key=ledger_key,
            fee_bps=_fee_bps(contract),
        )
        milestone.escrow_hold, milestone.funded_at = held, clock.now()
        milestone.save(update_fields=["status", "escrow_hold", "funded_at"])
        _fulfil(f"{contract.subject}:milestone:{milestone.key}", "payment_due")
        if contract.status == Contract.Status.SIGNED:
            contract.status = states.CONTRACT.next(contract.status, "activate")
            _touch(contract, "status")
            _publish("contract.activated", contract, actor.label)
        actor.audit("milestone.funded", "milestone", milestone.pk, {"amount": milestone.amount, "hold": held.pk})
        _publish(
            "milestone.funded",
            contract,
            actor.label,
            {"milestone": milestone.key, "amount": milestone.amount, "currency": milestone.currency},
        )
        return milestone


def check_draft_file(upload: UploadedFile) -> None:
    allowed = tuple(getattr(settings, "ACCORD_DRAFT_TYPES", DRAFT_TYPES))
    limit = int(getattr(settings, "ACCORD_DRAFT_MAX_BYTES", DRAFT_MAX_BYTES))
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    if content_type not in allowed:
        raise ValidationFailed(
            gettext("draft files must be one of %(allowed)s; got %(type)s")
            % {"allowed": ", ".join(allowed), "type": content_type or "unknown"},
            fields={"draft_file": "type_not_allowed"},
        )
    if (upload.size or 0) > limit:
        raise ValidationFailed(
            gettext("the draft file is %(size)s bytes; the limit is %(limit)s") % {"size": upload.size, "limit": limit},
            fields={"draft_file": "too_large"},
        )
    if not upload.size:
        raise ValidationFailed(gettext("the draft file is empty"), fields={"draft_file": "empty"})


def disclosure_for(contract: Contract, caption: str) -> disclosure.DisclosureResult:
    terms = _terms(contract)
    country = terms.disclosure_country or contract.creator.country or None
    return disclosure.check(caption, country, getattr(settings, "ACCORD_AD_DISCLOSURES", None))


def submit(
    actor: Principal,
    milestone_id: int,
    *,
    post_url: str = "",
    caption: str = "",
    draft_file: UploadedFile | None = None,
) -> Submission:
    """The creator hands in work (funded or changes_requested → submitted); the caption's ad disclosure is checked."""
    actor.require(Role.MEMBER)
    if not post_url and draft_file is None:
        raise ValidationFailed(gettext("submit a post URL, a draft file, or both"), fields={"post_url": "required"})
    if post_url and not post_url.startswith(("https://", "http://")):
        raise ValidationFailed(gettext("the post URL must be http(s)"), fields={"post_url": "invalid"})
    if draft_file is not None:
        check_draft_file(draft_file)
    with transaction.atomic():
        milestone = _milestone(actor, milestone_id, lock=True)
        contract = milestone.contract
        _require_side(actor, contract, Side.CREATOR, gettext("submit work"))
        if not milestone.requires_submission:
            raise IllegalTransition("milestone", f"{milestone.status} (no deliverable)", "submit")
        milestone.status = states.MILESTONE.next(milestone.status, "submit")
        terms = _terms(contract)
        check = disclosure_for(contract, caption)
        now = clock.now()
        round_no = milestone.submissions.count() + 1
        submission = Submission(
            milestone=milestone,
            round=round_no,
            post_url=post_url,
            caption=caption,
            disclosure_ok=check.ok,
            disclosure_found=check.found,
            disclosure_accepted=check.accepted,
            disclosure_country=check.country or "",
            submitted_by=actor.label,
            created_at=now,
        )
        if draft_file is not None:
            submission.draft_content_type = draft_file.content_type or ""
            submission.draft_size = draft_file.size or 0
            submission.draft_file.save(draft_file.name or "draft", draft_file, save=False)
        submission.save()
        milestone.submitted_at = now
        milestone.review_due_at = now + timedelta(days=terms.review_window_days)
        milestone.save(update_fields=["status", "submitted_at", "review_due_at"])
        for key in milestone.deliverables:
            _fulfil(f"{contract.subject}:deliverable:{key}", "publish_due" if post_url else "concept_due")
        _promise(
            contract.brand_id,
            "review_due",
            f"{contract.subject}:milestone:{milestone.key}",
            milestone.review_due_at,
            f"{contract.subject}:milestone:{milestone.key}:review:{round_no}",
        )
        actor.audit("milestone.submitted", "milestone", milestone.pk, {"round": round_no, "disclosure": check.ok})
        _publish(
            "milestone.submitted",
            contract,
            actor.label,
            {
                "milestone": milestone.key,
                "round": round_no,
                "post_url": post_url,
                "disclosure_ok": check.ok,
                "disclosure": check.message,
                "review_due_at": milestone.review_due_at.isoformat(),
            },
        )
        return submission


def _latest_submission(milestone: Milestone) -> Submission | None:
    return milestone.submissions.order_by("-round").first()


def approve(actor: Principal | None, milestone_id: int, *, key: str, comment: str = "") -> Milestone:
    """The brand approves the work (or, with ``actor`` None, the review window lapsed) and the hold is released.

    A milestone that needs no deliverable (the upfront share) is approved straight from funded. When the terms
    require an ad disclosure, the brand cannot approve a caption without one (the creator resubmits instead).
    """
    if actor is not None:
        actor.require(Role.MEMBER)
    if not key:
        raise ValidationFailed(gettext("an idempotency key is required to release money"), fields={"key": "required"})
    with transaction.atomic():
        if actor is None:
            found = _lock(Milestone.objects.filter(pk=milestone_id)).select_related("contract").first()
            if found is None:
                raise NotFound(gettext("milestone not found"))
            milestone = found
        else:
            milestone = _milestone(actor, milestone_id, lock=True)
            _require_side(actor, milestone.contract, Side.BRAND, gettext("approve work"))
        contract = milestone.contract
        release_key = f"contracts:milestone:{milestone.pk}:release:{key}"
        if milestone.status == Milestone.Status.RELEASED and milestone.escrow_hold is not None:
            tx = milestone.escrow_hold.release_transaction
            if tx is not None and tx.idempotency_key == f"escrow:release:{release_key}":
                return milestone  # a replay of the approval that released it
        if milestone.is_hourly_budget:
            raise IllegalTransition("milestone", "an hourly budget", "approve (approve timesheets instead)")
        if milestone.status == Milestone.Status.FUNDED and not milestone.requires_submission:
            action = "approve_without_submission"
        else:
            action = "approve" if actor is not None else "auto_approve"
        milestone.status = states.MILESTONE.next(milestone.status, action)
        submission = _latest_submission(milestone)
        terms = _terms(contract)
        if actor is not None and submission is not None and terms.require_disclosure and not submission.disclosure_ok:
            raise Conflict(
                gettext("the caption has no ad disclosure, which these terms require: request changes instead"),
                code="disclosure_missing",
                fields={"accepted": submission.disclosure_accepted},
            )
        now = clock.now()
        label = actor.label if actor is not None else SYSTEM
        milestone.approved_at, milestone.approved_by, milestone.auto_approved = now, label, actor is None
        if submission is not None and submission.decision == Submission.Decision.PENDING:
            submission.decision = Submission.Decision.APPROVED if actor else Submission.Decision.AUTO_APPROVED
            submission.review_comment, submission.reviewed_by, submission.reviewed_at = comment, label, now
            submission.save(update_fields=["decision", "review_comment", "reviewed_by", "reviewed_at"])
            if actor is not None:  # silence is not a review: the brand's review commitment is left to be missed
                _fulfil(f"{contract.subject}:milestone:{milestone.key}", "review_due")
        _publish(
            "milestone.auto_approved" if actor is None else "milestone.approved",
            contract,
            label,
            {"milestone": milestone.key, "comment": comment},
        )
        _release(actor, milestone, release_key, label)
        if actor is not None:
            actor.audit("milestone.approved", "milestone", milestone.pk, {"released": milestone.released_amount})
        _maybe_complete(contract, label)
        return milestone


def _release(actor: Principal | None, milestone: Milestone, key: str, label: str) -> None:
    if milestone.escrow_hold is None:
        raise IllegalTransition("milestone", "unfunded", "release")
    held = escrow.release(actor, escrow_hold_id=milestone.escrow_hold.pk, key=key)
    milestone.status = states.MILESTONE.next(milestone.status, "release")
    milestone.released_amount, milestone.released_at = held.released_amount, clock.now()
    milestone.escrow_hold = held
    milestone.save(
        update_fields=[
            "status",
            "approved_at",
            "approved_by",
            "auto_approved",
            "released_amount",
            "released_at",
            "escrow_hold",
        ]
    )
    _publish(
        "milestone.released",
        milestone.contract,
        label,
        {
            "milestone": milestone.key,
            "gross": held.released_amount,
            "fee": held.fee_amount,
            "net": held.released_amount - held.fee_amount,
            "currency": milestone.currency,
        },
    )


def request_changes(actor: Principal, milestone_id: int, *, comment: str) -> Milestone:
    """The brand asks for changes (submitted → changes_requested), at most the agreed number of rounds."""
    actor.require(Role.MEMBER)
    if not comment.strip():
        raise ValidationFailed(gettext("say what should change"), fields={"comment": "required"})
    with transaction.atomic():
        milestone = _milestone(actor, milestone_id, lock=True)
        contract = milestone.contract
        _require_side(actor, contract, Side.BRAND, gettext("request changes"))
        new = states.MILESTONE.next(milestone.status, "request_changes")
        rounds = _terms(contract).max_change_rounds
        if milestone.rounds_used >= rounds:
            raise Conflict(
                gettext("all %(rounds)s agreed change rounds are used: approve, or open a dispute")
                % {"rounds": rounds},
                code="change_rounds_exhausted",
                fields={"max_change_rounds": rounds},
            )
        submission = _latest_submission(milestone)
        if submission is not None:
            submission.decision = Submission.Decision.CHANGES_REQUESTED
            submission.review_comment, submission.reviewed_by, submission.reviewed_at = (
                comment,
                actor.label,
                clock.now(),
            )
            submission.save(update_fields=["decision", "review_comment", "reviewed_by", "reviewed_at"])
        milestone.status, milestone.rounds_used, milestone.review_due_at = new, milestone.rounds_used + 1, None
        milestone.save(update_fields=["status", "rounds_used", "review_due_at"])
        _fulfil(f"{contract.subject}:milestone:{milestone.key}", "review_due")
        actor.audit("milestone.changes_requested", "milestone", milestone.pk, {"round": milestone.rounds_used})
        _publish(
            "milestone.changes_requested",
            contract,
            actor.label,
            {
                "milestone": milestone.key,
                "comment": comment,
                "round": milestone.rounds_used,
                "rounds_left": rounds - milestone.rounds_used,
            },
        )
        return milestone


def auto_approve_due(now: datetime | None = None) -> list[int]:
    """Approve (and release) every submitted milestone whose review window passed without an answer."""
    moment = now or clock.now()
    due = list(
        Milestone.objects.filter(status=Milestone.Status.SUBMITTED, review_due_at__lte=moment)
        .order_by("id")
        .values_list("id", flat=True)[:500]
    )
    done = []
    for milestone_id in due:
        try:
            milestone = approve(None, milestone_id, key="auto-approval")
        except DomainError as exc:  # the brand answered (or a dispute froze it) in the meantime: skip it
            logger.info("auto-approval of milestone %s skipped: %s", milestone_id, exc.message)
            continue
        if milestone.auto_approved:
            done.append(milestone_id)
    return done


def flag_overdue(today: date | None = None) -> list[int]:
    """Flag, once, every milestone whose due date passed while the creator still owes the work; tell both sides."""
    day = today or clock.today()
    flagged = []
    qs = Milestone.objects.filter(
        status__in=sorted(states.AWAITING_CREATOR),
        due_on__lt=day,
        overdue_flagged_at__isnull=True,
        contract__status__in=[Contract.Status.SIGNED, Contract.Status.ACTIVE],
    ).select_related("contract")
    for milestone in qs.order_by("id")[:500]:
        with transaction.atomic():
            updated = Milestone.objects.filter(pk=milestone.pk, overdue_flagged_at__isnull=True).update(
                overdue_flagged_at=clock.now()
            )
            if updated:
                _publish(
                    "milestone.overdue",
                    milestone.contract,
                    SYSTEM,
                    {"milestone": milestone.key, "due_on": milestone.due_on.isoformat(), "status": milestone.status},
                )
                flagged.append(milestone.pk)
    return flagged


# -- time tracking -------------------------------------------------------------------------------------------------


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _hourly(contract: Contract) -> HourlyPlan:
    payment = _terms(contract).payment
    if not isinstance(payment, HourlyPlan):
        raise Conflict(gettext("time is tracked only on hourly contracts"), code="not_hourly")
    return payment


def log_time(
    actor: Principal,
    contract_id: int,
    *,
    work_date: date,
    minutes: int,
    note: str = "",
    deliverable: str = "",
) -> TimeEntry:
    """The creator logs time on an hourly contract; it lands in that week's timesheet (open or queried)."""
    actor.require(Role.MEMBER)
    if not 1 <= minutes <= 1440:
        raise ValidationFailed(gettext("minutes must be between 1 and 1440"), fields={"minutes": "out_of_range"})
    if work_date > clock.today():
        raise ValidationFailed(gettext("time cannot be logged in the future"), fields={"work_date": "future"})
    with transaction.atomic():
        contract = _contract(actor, contract_id, lock=True)
        _require_side(actor, contract, Side.CREATOR, gettext("log time"))
        if contract.status not in (Contract.Status.SIGNED, Contract.Status.ACTIVE):
            raise IllegalTransition("contract", contract.status, "log time")
        _hourly(contract)
        if deliverable and deliverable not in {d.key for d in _terms(contract).deliverables}:
            raise ValidationFailed(
                gettext("unknown deliverable %(deliverable)r") % {"deliverable": deliverable},
                fields={"deliverable": "unknown"},
            )
        sheet, _ = Timesheet.objects.get_or_create(contract=contract, week_start=week_start(work_date))
        states.TIMESHEET.next(sheet.status, "log")
        entry = TimeEntry.objects.create(
            contract=contract,
            timesheet=sheet,
            work_date=work_date,
            minutes=minutes,
            note=note[:500],
            deliverable=deliverable,
            created_by=actor.label,
        )
        sheet.minutes = sheet.entries.aggregate(total=Sum("minutes"))["total"] or 0
        sheet.save(update_fields=["minutes"])
        return entry


def submit_timesheet(actor: Principal, timesheet_id: int) -> Timesheet:
    actor.require(Role.MEMBER)
    with transaction.atomic():
        sheet = _timesheet(actor, timesheet_id, lock=True)
        _require_side(actor, sheet.contract, Side.CREATOR, gettext("submit timesheets"))
        sheet.status = states.TIMESHEET.next(sheet.status, "submit")
        if sheet.minutes <= 0:
            raise ValidationFailed(gettext("an empty timesheet cannot be submitted"), fields={"minutes": "empty"})
        sheet.submitted_at = clock.now()
        sheet.save(update_fields=["status", "submitted_at"])
        actor.audit("timesheet.submitted", "timesheet", sheet.pk, {"minutes": sheet.minutes})
        _publish(
            "timesheet.submitted",
            sheet.contract,
            actor.label,
            {"week": sheet.week_start.isoformat(), "minutes": sheet.minutes},
        )
        return sheet


def query_timesheet(actor: Principal, timesheet_id: int, *, comment: str) -> Timesheet:
    actor.require(Role.MEMBER)
    if not comment.strip():
        raise ValidationFailed(gettext("say what is unclear"), fields={"comment": "required"})
    with transaction.atomic():
        sheet = _timesheet(actor, timesheet_id, lock=True)
        _require_side(actor, sheet.contract, Side.BRAND, gettext("query timesheets"))
        sheet.status = states.TIMESHEET.next(sheet.status, "query")
        sheet.query_comment = comment
        sheet.save(update_fields=["status", "query_comment"])
        _publish(
            "timesheet.queried", sheet.contract, actor.label, {"week": sheet.week_start.isoformat(), "comment": comment}
        )
        return sheet


def timesheet_amount(minutes: int, rate: int, remaining: int) -> int:
    """Approved time × hourly rate, rounded once half-even, capped by what is left of the contract's cap."""
    return max(0, min(round_half_even(Decimal(minutes) * Decimal(rate) / Decimal(60)), remaining))


def approve_timesheet(actor: Principal, timesheet_id: int, *, key: str) -> Timesheet:
    """The brand approves a week: approved time × rate (capped) is released from the funded hourly budget.

    The budget's escrow hold is posted for this week's amount and the rest is held again at once, so what is left of
    the cap stays reserved for the creator.
    """
    actor.require(Role.MEMBER)
    if not key:
        raise ValidationFailed(gettext("an idempotency key is required to release money"), fields={"key": "required"})
    with transaction.atomic():
        sheet = _timesheet(actor, timesheet_id, lock=True)
        contract = sheet.contract
        _require_side(actor, contract, Side.BRAND, gettext("approve timesheets"))
        release_key = f"contracts:timesheet:{sheet.pk}:release:{key}"
        if sheet.status == Timesheet.Status.APPROVED and sheet.approved_by and sheet.escrow_hold is not None:
            tx = sheet.escrow_hold.release_transaction
            if tx is not None and tx.idempotency_key == f"escrow:release:{release_key}":
                return sheet
        new = states.TIMESHEET.next(sheet.status, "approve")
        plan = _hourly(contract)
        budget = _lock(contract.milestones.filter(is_hourly_budget=True)).select_related("escrow_hold").first()
        if budget is None or budget.status != Milestone.Status.FUNDED or budget.escrow_hold is None:
            raise Conflict(gettext("fund the hourly budget before approving time"), code="budget_not_funded")
        held = budget.escrow_hold
        remaining = held.amount if held.hold.status == Hold.Status.PENDING else 0
        amount = timesheet_amount(sheet.minutes, plan.rate, remaining)
        now = clock.now()
        sheet.status, sheet.approved_at, sheet.approved_by, sheet.amount = new, now, actor.label, amount
        if amount > 0:
            released = escrow.release(actor, escrow_hold_id=held.pk, key=release_key, amount=amount)
            sheet.escrow_hold = released
            budget.released_amount += amount
            rest = held.amount - amount
            if rest > 0:
                budget.escrow_hold = escrow.fund_hold(
                    actor,
                    campaign_id=contract.campaign_id,
                    creator_org_id=contract.creator_id,
                    amount=rest,
                    reference_type="milestone",
                    reference_id=budget.pk,
                    key=f"contracts:milestone:{budget.pk}:rehold:{sheet.pk}:{key}",
                    fee_bps=_fee_bps(contract),
                )
            else:
                budget.status = states.MILESTONE.next(budget.status, "approve_without_submission")
                budget.status = states.MILESTONE.next(budget.status, "release")
                budget.approved_at = budget.released_at = now
                budget.approved_by = actor.label
            budget.save(
                update_fields=["escrow_hold", "released_amount", "status", "approved_at", "released_at", "approved_by"]
            )
        sheet.save(update_fields=["status", "approved_at", "approved_by", "amount", "escrow_hold"])
        actor.audit("timesheet.approved", "timesheet", sheet.pk, {"minutes": sheet.minutes, "amount": amount})
        _publish(
            "timesheet.approved",
            contract,
            actor.label,
            {
                "week": sheet.week_start.isoformat(),
                "minutes": sheet.minutes,
                "amount": amount,
                "capped": amount < round_half_even(Decimal(sheet.minutes) * Decimal(plan.rate) / Decimal(60)),
            },
        )
        if amount > 0:
            _publish(
                "milestone.released",
                contract,
                actor.label,
                {"milestone": budget.key, "gross": amount, "timesheet": sheet.pk},
            )
        _maybe_complete(contract, actor.label)
        return sheet


def late_payment_for(milestone: Milestone) -> int:
    """Late-payment interest or fee owed on a milestone: funded after its due date, or still unfunded past it."""
    if milestone.status == Milestone.Status.CANCELLED:
        return 0
    paid_on = milestone.funded_at.date() if milestone.funded_at is not None else clock.today()
    terms = _terms(milestone.contract)
    return late_payment_owed(terms.late_payment, milestone.amount, milestone.due_on, paid_on)


def finish_hourly(actor: Principal, contract_id: int, *, key: str) -> Milestone:
    """The brand ends the hourly work: the unused budget hold is voided (back to the campaign's free escrow), the
    budget counts as released for what was paid, and the contract completes. Refused while time awaits a decision."""
    actor.require(Role.MEMBER)
    if not key:
        raise ValidationFailed(gettext("an idempotency key is required"), fields={"key": "required"})
    with transaction.atomic():
        contract = _contract(actor, contract_id, lock=True)
        _require_side(actor, contract, Side.BRAND, gettext("finish hourly work"))
        _hourly(contract)
        budget = _lock(contract.milestones.filter(is_hourly_budget=True)).select_related("escrow_hold").first()
        if budget is None:
            raise NotFound(gettext("this contract has no hourly budget"))
        budget.status = states.MILESTONE.next(budget.status, "close_budget")
        waiting = [
            str(t.week_start)
            for t in contract.timesheets.exclude(status=Timesheet.Status.APPROVED)
            if t.status != Timesheet.Status.OPEN or t.minutes > 0
        ]
        if waiting:
            raise Conflict(
                gettext("timesheets of the weeks %(weeks)s still wait: submit and approve or query them first")
                % {"weeks": ", ".join(waiting)},
                code="timesheets_pending",
                fields={"weeks": waiting},
            )
        assert budget.escrow_hold is not None
        unused = budget.escrow_hold.amount if budget.escrow_hold.hold.status == Hold.Status.PENDING else 0
        if unused:
            escrow.void_funding(
                actor, escrow_hold_id=budget.escrow_hold.pk, key=f"contracts:milestone:{budget.pk}:finish:{key}"
            )
        budget.approved_at = budget.released_at = clock.now()
        budget.approved_by = actor.label
        budget.save(update_fields=["status", "approved_at", "released_at", "approved_by"])
        actor.audit(
            "contract.hourly_finished", "contract", contract.pk, {"paid": budget.released_amount, "returned": unused}
        )
        _publish(
            "contract.hourly_finished",
            contract,
            actor.label,
            {"paid": budget.released_amount, "returned_to_escrow": unused},
        )
        _maybe_complete(contract, actor.label)
        return budget


@dataclass(frozen=True)
class MoneySummary:
    currency: str
    total: int
    funded: int
    released: int


def money_summary(contract: Contract) -> MoneySummary:
    rows = list(contract.milestones.exclude(status=Milestone.Status.CANCELLED))
    total = sum(m.amount for m in rows)
    funded = sum(m.amount - m.released_amount for m in rows if m.status in states.MONEY_OPEN)
    released = sum(m.released_amount for m in rows)
    return MoneySummary(contract.currency, total, funded, released)


def inbox(actor: Principal) -> QuerySet[Contract]:
    """Open proposals (offers, counters, amendments) waiting for the caller's side."""
    if actor.organization.kind not in (Organization.Kind.BRAND, Organization.Kind.CREATOR):
        return Contract.objects.none()
    return (
        contracts_for(actor)
        .filter(awaiting=side_for(actor))
        .filter(
            Q(status__in=[Contract.Status.OFFERED, Contract.Status.COUNTERED])
            | Q(current_version__kind=ContractVersion.Kind.AMENDMENT, current_version__status="proposed")
        )
    )


def values_check(actor: Principal, *, campaign_id: int, creator_org_id: int | None = None) -> list[values.Conflict]:
    """Preview the values check: a brand for one of its campaigns and a creator, a creator for itself."""
    if actor.organization.kind == Organization.Kind.CREATOR:
        # A creator may check campaigns open for applications, and those it already has an offer from.
        visible = Q(status=Campaign.Status.OPEN, open_for_applications=True) | Q(contracts__creator_id=actor.org_id)
        campaign = Campaign.objects.filter(visible, pk=campaign_id).distinct().first()
        if campaign is None:
            raise NotFound(gettext("campaign not found"))
        return values_conflicts(campaign, actor.organization)
    actor.require_kind(Organization.Kind.BRAND)
    campaign = get_scoped(Campaign.objects.all(), actor.org_id, "brand", pk=campaign_id)
    creator = None
    if creator_org_id is not None:
        creator = Organization.objects.filter(pk=creator_org_id, kind=Organization.Kind.CREATOR).first()
    if creator is None:
        raise NotFound(gettext("creator not found"), fields={"creator_org_id": creator_org_id})
    return values_conflicts(campaign, creator)
