"""Dispute services: open (freezing exactly the money in question), respond, evidence, mediation, outcome.

Every public service is one ``transaction.atomic()`` block, except ``apply_outcome``, which is deliberately a chain
of small idempotent steps so that a process dying in the middle leaves a state the next run finishes:

1. ``_choose`` records the outcome on the dispute (``decided_at``) — from then on the outcome is fixed;
2. one step per frozen item moves its money through ``accord.escrow.services`` (release with fee, partial release,
   void, or clawback) with a ledger idempotency key derived from the dispute and item ids, and marks the item
   applied in the same transaction;
3. ``_finalize`` marks the dispute resolved, unfreezes the items, settles commitments and tells both sides.

``resume_unapplied`` (run by the deadline job) re-runs 2–3 for any dispute with ``decided_at`` set and no
``applied_at``: a ledger step that already committed replays by its key and moves nothing.

Money moves only through escrow/ledger services. Freezing: a milestone goes through the contracts hook
``mark_disputed`` (funded/submitted → disputed, so no approval, release or auto-approval), its hold stays pending;
an accrual goes through ``escrow.freeze_accrual`` (not unlocked, so never paid out, and not clawed back except by
this dispute's outcome) and ``escrow.unfreeze_accrual`` when the dispute ends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from accord.accounts.auth import Principal
from accord.accounts.models import Membership, Organization, Role
from accord.contracts import services as contract_services
from accord.contracts.models import Contract, Milestone, Submission
from accord.core import clock
from accord.core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from accord.core.money import allocate
from accord.core.tenancy import scoped
from accord.disputes import states
from accord.disputes.models import Dispute, DisputeEvent, Evidence, FrozenItem, Proposal
from accord.escrow import services as escrow
from accord.escrow.models import Accrual, EscrowHold
from accord.ledger.models import Hold
from accord.payouts import services as payouts
from accord.payouts.models import Payout

SYSTEM = "accord"
DISPUTABLE_MILESTONE = ("funded", "submitted", "changes_requested")
FILE_TYPES = ("image/jpeg", "image/png", "image/webp", "video/mp4", "application/pdf", "text/plain", "text/csv")
FILE_MAX_BYTES = 25 * 1024 * 1024

# Test seam: called after each item's ledger step commits (a crash test raises here). Production: no-op.
after_item_step: Callable[[FrozenItem], None] = lambda item: None  # noqa: E731


# -- helpers -------------------------------------------------------------------------------------------------------


def _lock(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.select_for_update(of=("self",)) if connection.vendor == "postgresql" else qs.select_for_update()


def _side(actor: Principal) -> str:
    if actor.is_operator:
        return "operator"
    kind = actor.organization.kind
    if kind == Organization.Kind.BRAND:
        return "brand"
    if kind == Organization.Kind.CREATOR:
        return "creator"
    raise PermissionDenied(gettext("only brands, creators and operators take part in disputes"))


def visible_to(actor: Principal) -> QuerySet[Dispute]:
    """The disputes a caller may see: its own organization's (either side); operators see all."""
    qs = Dispute.objects.select_related("brand", "creator", "mediator")
    if actor.is_operator:
        return qs
    return scoped(qs, actor.org_id, "brand") | scoped(qs, actor.org_id, "creator")


def get_dispute(actor: Principal, dispute_id: int, *, lock: bool = False) -> Dispute:
    actor.require(Role.VIEWER)
    qs = visible_to(actor).filter(pk=dispute_id)
    found = (_lock(Dispute.objects.filter(pk=dispute_id)) if lock else qs).first()
    if found is None or (lock and not qs.exists()):
        raise NotFound(gettext("dispute not found"))
    return found


def _json(data: Any) -> Any:
    """JSON-safe copy (dates and datetimes as ISO strings) for JSONField columns."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _event(dispute: Dispute, kind: str, side: str, label: str, data: dict[str, Any] | None = None, **kw: Any) -> None:
    DisputeEvent.objects.create(dispute=dispute, kind=kind, side=side, actor_label=label, data=_json(data or {}), **kw)


def _publish(event_type: str, dispute: Dispute, label: str, data: dict[str, Any] | None = None) -> None:
    from accord.messaging import events

    events.publish(
        event_type,
        subject=dispute.subject,
        organization_ids=[dispute.brand_id, dispute.creator_id],
        actor_label=label,
        data={
            "dispute_id": dispute.pk,
            "target": f"{dispute.target_type}:{dispute.target_id}",
            "status": dispute.status,
            **(data or {}),
        },
    )


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


@dataclass(frozen=True)
class Target:
    contract: Contract | None
    campaign_id: int
    brand_id: int
    creator_id: int
    currency: str
    event_at: datetime
    holds: list[tuple[EscrowHold, int]]  # (pending escrow hold, milestone id)
    accruals: list[Accrual]
    payouts: list[tuple[Payout, int]] = field(default_factory=list)  # (payout, its money to hold in payable)


def _milestone_event_at(m: Milestone, now: datetime) -> datetime:
    moments = [t for t in (m.funded_at, m.submitted_at) if t is not None]
    reviewed = m.submissions.exclude(reviewed_at=None).order_by("-reviewed_at").values_list("reviewed_at", flat=True)
    moments += [t for t in reviewed[:1] if t is not None]
    due = _end_of(m.due_on)
    if due <= now:
        moments.append(due)
    return max(moments) if moments else now


def _resolve_target(
    actor: Principal, target_type: str, target_id: int, now: datetime, contract_id: int | None = None
) -> Target:
    """Load the disputed object through the caller's organization and list the money it holds."""
    if target_type == "milestone":
        m = Milestone.objects.select_related("contract", "escrow_hold__hold").filter(pk=target_id).first()
        if m is None or m.contract.side_of(actor.org_id) is None:
            raise NotFound(gettext("milestone not found"))
        if m.status not in DISPUTABLE_MILESTONE:
            raise IllegalTransition("milestone", m.status, "dispute")
        eh = m.escrow_hold
        if eh is None or eh.hold.status != Hold.Status.PENDING:
            raise IllegalTransition("milestone", m.status, "dispute (no money is held for it)")
        c = m.contract
        return Target(
            c, c.campaign_id, c.brand_id, c.creator_id, c.currency, _milestone_event_at(m, now), [(eh, m.pk)], []
        )
    if target_type == "accrual":
        a = _lock(Accrual.objects.filter(pk=target_id)).select_related("campaign").first()
        if a is None or actor.org_id not in (a.creator_id, a.campaign.brand_id):
            raise NotFound(gettext("accrual not found"))
        if a.status != Accrual.Status.PENDING or a.remaining <= 0:
            raise IllegalTransition("accrual", a.status, "dispute (only a still-locked accrual can be)")
        latest = Contract.objects.filter(campaign_id=a.campaign_id, creator_id=a.creator_id).order_by("-id").first()
        return Target(latest, a.campaign_id, a.campaign.brand_id, a.creator_id, a.currency, a.created_at, [], [a])
    if target_type == "contract":
        found = Contract.objects.filter(pk=target_id).first()
        if found is None or found.side_of(actor.org_id) is None:
            raise NotFound(gettext("contract not found"))
        c = found
        if c.status not in (Contract.Status.SIGNED, Contract.Status.ACTIVE):
            raise IllegalTransition("contract", c.status, "dispute")
        holds = [
            (m.escrow_hold, m.pk)
            for m in c.milestones.select_related("escrow_hold__hold").filter(status__in=DISPUTABLE_MILESTONE)
            if m.escrow_hold is not None and m.escrow_hold.hold.status == Hold.Status.PENDING
        ]
        accruals = list(
            Accrual.objects.filter(campaign_id=c.campaign_id, creator_id=c.creator_id, status=Accrual.Status.PENDING)
        )
        events = [c.signed_at or c.created_at, c.updated_at]
        events += [_milestone_event_at(m, now) for m in c.milestones.all()]
        return Target(c, c.campaign_id, c.brand_id, c.creator_id, c.currency, max(events), holds, accruals)
    if target_type == "payout":
        return _payout_target(actor, target_id, contract_id)
    raise ValidationFailed(
        gettext("target_type must be one of %(choices)s") % {"choices": ", ".join(states.TARGETS)},
        fields={"target_type": "invalid"},
    )


def _released_to(creator_id: int, campaign_id: int, currency: str) -> int:
    """What the campaign's escrow has paid into the creator's payable money: releases net of fee, and unlocked
    commission (what a payout of that creator may contain from this collaboration)."""
    released = EscrowHold.objects.filter(
        creator_id=creator_id, campaign_id=campaign_id, currency=currency, release_transaction__isnull=False
    ).values_list("released_amount", "fee_amount")
    unlocked = Accrual.objects.filter(
        creator_id=creator_id, campaign_id=campaign_id, currency=currency, status=Accrual.Status.UNLOCKED
    ).values_list("amount", "clawed_back")
    return sum(gross - fee for gross, fee in released) + sum(amount - back for amount, back in unlocked)


def _payout_target(actor: Principal, payout_id: int, contract_id: int | None) -> Target:
    """A payout, for the money of one contract in it: the contract names the brand; the amount in question is the
    payout's, at most what the contract's campaign paid the creator. Only what is still payable can be frozen."""
    if contract_id is None:
        raise ValidationFailed(
            gettext("name the contract whose money the payout pays"), fields={"contract_id": "required"}
        )
    # Not locked here: a payout run locks the creator's payable account before payout rows, and opening does the
    # same (the payable hold, then taking the payout out of its run), so the two cannot deadlock.
    payout = Payout.objects.filter(pk=payout_id).first()
    contract = Contract.objects.filter(pk=contract_id).first()
    if contract is None or contract.side_of(actor.org_id) is None:
        raise NotFound(gettext("contract not found"))
    if payout is None or payout.organization_id != contract.creator_id or payout.currency != contract.currency:
        raise NotFound(gettext("payout not found"))
    if payout.state == Payout.State.HELD:
        raise IllegalTransition("payout", payout.state, "dispute")
    in_question = min(payout.amount, _released_to(contract.creator_id, contract.campaign_id, contract.currency))
    # A payout whose money has not moved is in the payable balance and promised to nobody (it is taken out of its
    # run when the dispute opens); a moved or paid one has left it, so only the creator's free payable money is held.
    amount = min(in_question, escrow.payable_available(contract.creator_id, contract.currency))
    moments = [t for t in (payout.created_at, payout.moved_at, payout.paid_at, payout.failed_at) if t is not None]
    return Target(
        contract,
        contract.campaign_id,
        contract.brand_id,
        contract.creator_id,
        contract.currency,
        max(moments),
        [],
        [],
        [(payout, amount)] if amount > 0 else [],
    )


def _pick_mediator(exclude: int | None = None) -> Any:
    """The operator user with the fewest open disputes to mediate (ties: the earliest account)."""
    user_model = get_user_model()
    ids = Membership.objects.filter(
        organization__kind=Organization.Kind.OPERATOR, role__in=[Role.MEMBER, Role.ADMIN, Role.OWNER]
    ).values_list("user_id", flat=True)
    qs = user_model.objects.filter(pk__in=ids, is_active=True)
    if exclude is not None and qs.exclude(pk=exclude).exists():
        qs = qs.exclude(pk=exclude)
    return (
        qs.annotate(load=Count("mediated_disputes", filter=Q(mediated_disputes__status__in=sorted(states.OPEN_STATES))))
        .order_by("load", "pk")
        .first()
    )


def _commitment_subject(dispute: Dispute) -> str:
    return f"dispute:{dispute.pk}"


# -- evidence attached automatically ------------------------------------------------------------------------------


def _auto_evidence(dispute: Dispute, target: Target) -> None:
    contract = target.contract
    if contract is not None and contract.signed_version_id is not None:
        v = contract.signed_version
        assert v is not None
        Evidence.objects.create(
            dispute=dispute,
            kind=Evidence.Kind.TERMS,
            side="system",
            author_label=SYSTEM,
            title=f"Signed terms, version {v.number}",
            data=_json(
                {"version": v.number, "terms_sha256": v.terms_sha256, "terms": v.terms, "signed_at": v.signed_at}
            ),
        )
    if contract is not None:
        from accord.messaging.models import Message

        messages = list(
            Message.objects.filter(thread__subject=contract.subject)
            .order_by("id")
            .values("id", "kind", "actor_label", "body", "event_type", "created_at")[:500]
        )
        Evidence.objects.create(
            dispute=dispute,
            kind=Evidence.Kind.THREAD,
            side="system",
            author_label=SYSTEM,
            title=f"Message thread {contract.subject} ({len(messages)} messages)",
            data=_json({"subject": contract.subject, "messages": messages}),
        )
        milestone_ids = [mid for _, mid in target.holds]
        subs = Submission.objects.filter(milestone_id__in=milestone_ids).order_by("milestone_id", "round")
        Evidence.objects.create(
            dispute=dispute,
            kind=Evidence.Kind.SUBMISSIONS,
            side="system",
            author_label=SYSTEM,
            title=f"Submissions and their reviews ({subs.count()})",
            data=_json(
                {
                    "submissions": list(
                        subs.values(
                            "milestone_id",
                            "round",
                            "post_url",
                            "caption",
                            "disclosure_ok",
                            "submitted_by",
                            "created_at",
                            "decision",
                            "review_comment",
                            "reviewed_by",
                            "reviewed_at",
                        )
                    )
                }
            ),
        )
    _tracking_evidence(dispute, target)
    if target.accruals:
        Evidence.objects.create(
            dispute=dispute,
            kind=Evidence.Kind.TRACKING,
            side="system",
            author_label=SYSTEM,
            title="Tracking data behind the disputed commission",
            data=_json(
                {
                    "accruals": [
                        {
                            "id": a.pk,
                            "amount": a.amount,
                            "clawed_back": a.clawed_back,
                            "reference": f"{a.reference_type}:{a.reference_id}",
                            "created_at": a.created_at,
                            "ledger_transaction": a.transaction_id,
                        }
                        for a in target.accruals
                    ],
                    "events": _event_counts(target),
                }
            ),
        )
    for p, _amount in target.payouts:
        Evidence.objects.create(
            dispute=dispute,
            kind=Evidence.Kind.LEDGER,
            side="system",
            author_label=SYSTEM,
            title=f"Payout {p.pk}",
            data=_json(
                {
                    "payout": p.pk,
                    "amount": p.amount,
                    "currency": p.currency,
                    "state": p.state,
                    "provider": p.provider,
                    "promised_date": p.promised_date,
                    "moved_at": p.moved_at,
                    "paid_at": p.paid_at,
                    "failed_at": p.failed_at,
                    "failure_reason": p.failure_reason,
                    "reference": p.provider_reference,
                    "paid_by_this_campaign": _released_to(target.creator_id, target.campaign_id, target.currency),
                }
            ),
        )
    Evidence.objects.create(
        dispute=dispute,
        kind=Evidence.Kind.LEDGER,
        side="system",
        author_label=SYSTEM,
        title=f"Money frozen: {dispute.frozen_amount} {dispute.currency} (minor units)",
        data={
            "holds": [{"escrow_hold": eh.pk, "ledger_hold": eh.hold_id, "amount": eh.amount} for eh, _ in target.holds],
            "accruals": [{"accrual": a.pk, "amount": a.remaining} for a in target.accruals],
            "payouts": [{"payout": p.pk, "held_on_payable": amount} for p, amount in target.payouts],
        },
    )


def _event_counts(target: Target) -> list[dict[str, Any]]:
    """The collaboration's tracked events by type, counted and excluded (fraud-flagged) apart."""
    from accord.tracking.models import Event

    rows = (
        Event.objects.filter(campaign_id=target.campaign_id, creator_id=target.creator_id)
        .values("type", "excluded")
        .annotate(n=Count("id"))
        .order_by("type", "excluded")
    )
    return [{"type": r["type"], "excluded": r["excluded"], "count": r["n"]} for r in rows]


def _tracking_evidence(dispute: Dispute, target: Target) -> None:
    """For deliverables and payouts: what the collaboration's posts measured (the latest snapshot of each post,
    excluded ones marked) and its event counts, so the mediator sees the delivery behind the money."""
    if target.accruals and not target.holds and not target.payouts:
        return  # the commission's own tracking evidence says it
    from accord.tracking.models import PostMetricSnapshot

    snapshots = (
        PostMetricSnapshot.objects.filter(campaign_id=target.campaign_id, creator_id=target.creator_id)
        .order_by("platform", "post_id", "-captured_at")
        .values("platform", "post_id", "captured_at", "views", "impressions", "likes", "comments", "excluded")
    )
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for row in snapshots[:2000]:
        latest.setdefault((row["platform"], row["post_id"]), dict(row))
    Evidence.objects.create(
        dispute=dispute,
        kind=Evidence.Kind.TRACKING,
        side="system",
        author_label=SYSTEM,
        title=f"Tracking data of the collaboration ({len(latest)} posts)",
        data=_json(
            {
                "posts": list(latest.values()),
                "events": _event_counts(target),
            }
        ),
    )


# -- opening, answering, evidence ----------------------------------------------------------------------------------


def open_dispute(
    actor: Principal,
    *,
    target_type: str,
    target_id: int,
    reason: str,
    statement: str,
    window_days: int = states.DEFAULT_WINDOW_DAYS,
    contract_id: int | None = None,
) -> Dispute:
    """A party opens a dispute, freezing exactly the money of the target; the other side must answer in 5 days.

    For a payout, ``contract_id`` names the collaboration whose money is in question: a payout not yet moved is
    taken out of its run, and the disputed amount (at most what that contract paid the creator) is held on the
    creator's payable money, so no run pays it until the outcome; for a payout already moved or paid, the same
    amount of the creator's remaining payable money is held (what is left of it, if less)."""
    actor.require(Role.MEMBER)
    side = _side(actor)
    if side == "operator":
        raise PermissionDenied(gettext("operators mediate disputes; a party opens them"))
    if reason not in states.REASONS:
        raise ValidationFailed(
            gettext("reason must be one of %(choices)s") % {"choices": ", ".join(states.REASONS)},
            fields={"reason": "invalid"},
        )
    if not statement.strip():
        raise ValidationFailed(gettext("say what went wrong"), fields={"statement": "required"})
    now = clock.now()
    with transaction.atomic():
        target = _resolve_target(actor, target_type, target_id, now, contract_id)
        version = target.contract.signed_version if target.contract is not None else None
        if version is not None and isinstance(version.terms.get("dispute_window_days"), int):
            window_days = version.terms["dispute_window_days"]  # the contract's own window, where its terms set one
        if now > states.window_closes(target.event_at, window_days):
            raise Conflict(
                gettext("the dispute window closed %(days)s days after %(event)s UTC")
                % {"days": window_days, "event": f"{target.event_at:%Y-%m-%d %H:%M}"},
                code="dispute_window_closed",
                fields={"event_at": target.event_at.isoformat(), "window_days": window_days},
            )
        if not target.holds and not target.accruals and not target.payouts:
            raise Conflict(gettext("no money is held for this: nothing to dispute"), code="nothing_frozen")
        busy = FrozenItem.objects.filter(
            Q(escrow_hold_id__in=[eh.pk for eh, _ in target.holds])
            | Q(accrual_id__in=[a.pk for a in target.accruals])
            | Q(payout_id__in=[p.pk for p, _ in target.payouts]),
            active=True,
        )
        if busy.exists():
            raise Conflict(
                gettext("part of this money is already frozen by another dispute"),
                code="already_disputed",
                fields={"dispute_id": busy.first().dispute_id},  # type: ignore[union-attr]
            )
        frozen = sum(eh.amount for eh, _ in target.holds) + sum(a.remaining for a in target.accruals)
        frozen += sum(amount for _, amount in target.payouts)
        decide_by = now + timedelta(days=states.MAX_DAYS)
        dispute = Dispute.objects.create(
            contract=target.contract,
            campaign_id=target.campaign_id,
            brand_id=target.brand_id,
            creator_id=target.creator_id,
            target_type=target_type,
            target_id=str(target_id),
            opened_by_side=side,
            opened_by_label=actor.label,
            reason=reason,
            statement=statement,
            currency=target.currency,
            frozen_amount=frozen,
            opened_at=now,
            response_due_at=now + timedelta(days=states.RESPONSE_DAYS),
            decide_by=decide_by,
        )
        try:
            with transaction.atomic():  # a concurrent dispute on the same money loses here (partial unique indexes)
                for eh, milestone_id in target.holds:
                    contract_services.mark_disputed(milestone_id, actor_label=actor.label)
                    FrozenItem.objects.create(
                        dispute=dispute, escrow_hold=eh, milestone_id=milestone_id, amount=eh.amount
                    )
                for a in target.accruals:
                    FrozenItem.objects.create(
                        dispute=dispute, accrual=a, amount=a.remaining, original_available_at=a.available_at
                    )
                for payout, amount in target.payouts:
                    held = escrow.hold_payable(
                        creator_org_id=dispute.creator_id,
                        currency=dispute.currency,
                        amount=amount,
                        key=f"disputes:{dispute.pk}:payout:{payout.pk}",
                        memo=f"dispute #{dispute.pk} on payout {payout.pk}",
                    )
                    payouts.hold_out(payout.pk, reason=f"dispute #{dispute.pk}", actor_label=actor.label)
                    FrozenItem.objects.create(dispute=dispute, payout_id=payout.pk, payable_hold=held, amount=amount)
        except IntegrityError:
            raise Conflict(
                gettext("part of this money is already frozen by another dispute"), code="already_disputed"
            ) from None
        for a in target.accruals:
            escrow.freeze_accrual(a.pk)
        Evidence.objects.create(
            dispute=dispute,
            kind=Evidence.Kind.STATEMENT,
            side=side,
            author_label=actor.label,
            title=f"Statement of the {side} ({reason})",
            text=statement,
        )
        _auto_evidence(dispute, target)
        _event(dispute, "opened", side, actor.label, {"reason": reason, "frozen": frozen, "target": target_type})
        respondent = dispute.brand_id if side == "creator" else dispute.creator_id
        _promise(respondent, "dispute_response", dispute, dispute.response_due_at, "response")
        _publish(
            "dispute.opened",
            dispute,
            actor.label,
            {"reason": reason, "frozen": frozen, "currency": dispute.currency, "respond_by": dispute.response_due_at},
        )
        actor.audit("dispute.opened", "dispute", dispute.pk, {"frozen": frozen, "reason": reason})
        return dispute


def _promise(org_id: int, kind: str, dispute: Dispute, due: datetime, suffix: str) -> None:
    from accord.reputation import services as reputation

    reputation.promise(
        owner_org_id=org_id,
        kind=kind,
        subject=_commitment_subject(dispute),
        due_at=due,
        key=f"dispute:{dispute.pk}:{suffix}",
    )


def _party_side(actor: Principal, dispute: Dispute) -> str:
    side = dispute.side_of(actor.org_id)
    if side is None:
        raise NotFound(gettext("dispute not found"))
    return side


def respond(actor: Principal, dispute_id: int, *, statement: str) -> Dispute:
    """The respondent answers (open → in_mediation); a mediator is assigned and must propose within 2 days."""
    actor.require(Role.MEMBER)
    if not statement.strip():
        raise ValidationFailed(gettext("a response needs a statement"), fields={"statement": "required"})
    with transaction.atomic():
        dispute = get_dispute(actor, dispute_id, lock=True)
        side = _party_side(actor, dispute)
        if side != dispute.respondent_side:
            raise PermissionDenied(gettext("only the other side responds to a dispute"), code="not_respondent")
        dispute.status = states.DISPUTE.next(dispute.status, "respond")
        Evidence.objects.create(
            dispute=dispute,
            kind=Evidence.Kind.STATEMENT,
            side=side,
            author_label=actor.label,
            title=f"Response of the {side}",
            text=statement,
        )
        _event(dispute, "responded", side, actor.label)
        from accord.reputation import services as reputation

        reputation.fulfil(subject=_commitment_subject(dispute), kind="dispute_response", at=clock.now())
        _start_mediation(dispute)
        actor.audit("dispute.responded", "dispute", dispute.pk)
        return dispute


def _start_mediation(dispute: Dispute) -> None:
    now = clock.now()
    dispute.mediation_started_at = now
    dispute.proposal_due_at = now + timedelta(days=states.PROPOSAL_DAYS)
    dispute.mediator = _pick_mediator()
    dispute.save(update_fields=["status", "mediation_started_at", "proposal_due_at", "mediator"])
    _event(
        dispute,
        "mediator_assigned" if dispute.mediator else "awaiting_mediator",
        "system",
        SYSTEM,
        {"mediator": dispute.mediator.email if dispute.mediator else None, "propose_by": dispute.proposal_due_at},
    )


def add_evidence(
    actor: Principal, dispute_id: int, *, text: str = "", title: str = "", upload: UploadedFile | None = None
) -> Evidence:
    """A party (or the mediator) adds a statement or a file while the dispute is open."""
    actor.require(Role.MEMBER)
    if not text.strip() and upload is None:
        raise ValidationFailed(gettext("add a statement or a file"), fields={"text": "required"})
    if upload is not None:
        _check_upload(upload)
    with transaction.atomic():
        dispute = get_dispute(actor, dispute_id, lock=True)
        side = "operator" if actor.is_operator else _party_side(actor, dispute)
        if dispute.status not in states.OPEN_STATES:
            raise IllegalTransition("dispute", dispute.status, "add evidence")
        kind = Evidence.Kind.FILE if upload is not None else Evidence.Kind.STATEMENT
        ev = Evidence(
            dispute=dispute,
            kind=kind,
            side=side,
            author_label=actor.label,
            title=(title or (upload.name if upload is not None else "Statement") or "")[:200],
            text=text,
        )
        if upload is not None:
            ev.file.save(upload.name or "evidence", upload, save=False)
        ev.save()
        _event(dispute, "evidence_added", side, actor.label, {"evidence_id": ev.pk, "kind": kind})
        return ev


def _check_upload(upload: UploadedFile) -> None:
    """Allowed type and size, and bytes that look like the type claimed (the client's word is not enough)."""
    from accord.messaging.services import content_matches

    content_type = upload.content_type or ""
    if content_type not in FILE_TYPES:
        raise ValidationFailed(gettext("unsupported file type"), fields={"file": content_type or "unknown"})
    if (upload.size or 0) > FILE_MAX_BYTES:
        raise ValidationFailed(
            gettext("the file is larger than %(mb)s MB") % {"mb": FILE_MAX_BYTES // (1024 * 1024)},
            fields={"file": "too_large"},
        )
    if not upload.size:
        raise ValidationFailed(gettext("the file is empty"), fields={"file": "empty"})
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    if not content_matches(content_type, head):
        raise ValidationFailed(
            gettext("the file is not a valid %(type)s") % {"type": content_type}, fields={"file": "content_mismatch"}
        )


def evidence_file(actor: Principal, dispute_id: int, evidence_id: int) -> Evidence:
    """A file of the dispute's evidence: for its two parties and operators only (``get_dispute`` scopes)."""
    dispute = get_dispute(actor, dispute_id)
    ev = dispute.evidence.filter(pk=evidence_id).exclude(file="").first()
    if ev is None:
        raise NotFound(gettext("evidence file not found"))
    return ev


def withdraw(actor: Principal, dispute_id: int, *, reason: str = "") -> Dispute:
    """The opener withdraws: nothing moves; the money goes back to the contract's normal flow."""
    actor.require(Role.MEMBER)
    with transaction.atomic():
        dispute = get_dispute(actor, dispute_id, lock=True)
        side = _party_side(actor, dispute)
        if side != dispute.opened_by_side:
            raise PermissionDenied(gettext("only the party that opened a dispute withdraws it"), code="not_opener")
        dispute.status = states.DISPUTE.next(dispute.status, "withdraw")
        dispute.resolved_at = clock.now()
        dispute.save(update_fields=["status", "resolved_at"])
        _unfreeze(dispute, outcome=None)
        _cancel_commitments(dispute)
        _event(dispute, "withdrawn", side, actor.label, {"reason": reason})
        _publish("dispute.withdrawn", dispute, actor.label, {"reason": reason})
        actor.audit("dispute.withdrawn", "dispute", dispute.pk)
        return dispute


def _cancel_commitments(dispute: Dispute) -> None:
    from accord.reputation import services as reputation

    reputation.cancel(subject=_commitment_subject(dispute))


def _unfreeze(dispute: Dispute, outcome: str | None) -> None:
    """End the freeze: accruals follow their own lock window again; milestones are handed back to contracts."""
    for item in dispute.items.filter(active=True):
        if item.accrual_id is not None:
            escrow.unfreeze_accrual(item.accrual_id)
        if item.payable_hold_id is not None and item.applied_at is None:  # withdrawn: the money is free again
            escrow.settle_payable_hold(
                hold_id=item.payable_hold_id, campaign_id=dispute.campaign_id, back=0, key=_item_key(dispute, item)
            )
        if item.milestone_id is not None:
            hook = getattr(contract_services, "dispute_settled", None)
            if hook is not None:  # the contracts hook (disputed → released | cancelled | funded), once it exists
                hook(item.milestone_id, outcome=outcome, creator_amount=item.creator_amount, actor_label=SYSTEM)
    dispute.items.filter(active=True).update(active=False)


# -- mediation -----------------------------------------------------------------------------------------------------


def _require_operator(actor: Principal) -> None:
    if not actor.is_operator:
        raise PermissionDenied(gettext("only the platform's mediators do this"), code="operators_only")
    actor.require(Role.MEMBER)


def _check_outcome(dispute: Dispute, outcome: str, creator_amount: int | None, extend_to: date | None) -> None:
    if outcome not in states.OUTCOMES:
        raise ValidationFailed(
            gettext("outcome must be one of %(choices)s") % {"choices": ", ".join(states.OUTCOMES)},
            fields={"outcome": "invalid"},
        )
    if outcome == "split" and (type(creator_amount) is not int or not 0 < creator_amount < dispute.frozen_amount):
        raise ValidationFailed(
            gettext("a split gives the creator between 1 and %(max)s") % {"max": dispute.frozen_amount - 1},
            fields={"creator_amount": "out_of_range"},
        )
    if outcome == "extend" and (extend_to is None or extend_to <= clock.today()):
        raise ValidationFailed(gettext("extend needs a new due date in the future"), fields={"extend_to": "required"})
    if outcome in ("extend", "revise") and dispute.target_type != "milestone":
        raise ValidationFailed(
            gettext("extend and revise apply to a milestone's deliverable"), fields={"outcome": "invalid"}
        )


def propose(
    actor: Principal,
    dispute_id: int,
    *,
    outcome: str,
    creator_amount: int | None = None,
    extend_to: date | None = None,
    note: str = "",
) -> Proposal:
    """The mediator proposes an outcome; both parties have 2 days to accept or reject it."""
    _require_operator(actor)
    with transaction.atomic():
        dispute = get_dispute(actor, dispute_id, lock=True)
        dispute.status = states.DISPUTE.next(dispute.status, "propose")
        _check_outcome(dispute, outcome, creator_amount, extend_to)
        dispute.proposals.filter(status=Proposal.Status.OPEN).update(status=Proposal.Status.SUPERSEDED)
        if dispute.mediator_id is None and actor.user is not None:
            dispute.mediator = actor.user
            dispute.save(update_fields=["mediator"])
        proposal = Proposal.objects.create(
            dispute=dispute,
            number=dispute.proposals.count() + 1,
            outcome=outcome,
            creator_amount=creator_amount if outcome == "split" else None,
            extend_to=extend_to if outcome == "extend" else None,
            note=note,
            proposed_by=actor.label,
            answer_due_at=clock.now() + timedelta(days=states.ANSWER_DAYS),
        )
        data = {"proposal": proposal.number, "outcome": outcome, "creator_amount": creator_amount, "note": note}
        _event(dispute, "proposed", "operator", actor.label, {**data, "extend_to": extend_to})
        _publish("dispute.proposed", dispute, actor.label, {**data, "answer_by": proposal.answer_due_at})
        actor.audit("dispute.proposed", "dispute", dispute.pk, data)
        return proposal


def answer(actor: Principal, dispute_id: int, *, proposal_number: int, accept: bool, key: str = "") -> Proposal:
    """A party accepts or rejects the open proposal. Both accepting resolves the dispute with it."""
    actor.require(Role.MEMBER)
    with transaction.atomic():
        dispute = get_dispute(actor, dispute_id, lock=True)
        side = _party_side(actor, dispute)
        states.DISPUTE.next(dispute.status, "answer")
        proposal = dispute.proposals.filter(number=proposal_number).first()
        if proposal is None:
            raise NotFound(gettext("proposal not found"))
        if proposal.status != Proposal.Status.OPEN:
            raise IllegalTransition("proposal", proposal.status, "answer")
        field = f"{side}_answer"
        if getattr(proposal, field):
            raise Conflict(gettext("you already answered this proposal"), code="already_answered")
        setattr(proposal, field, "accept" if accept else "reject")
        if not accept:
            proposal.status = Proposal.Status.REJECTED
        elif proposal.brand_answer == "accept" and proposal.creator_answer == "accept":
            proposal.status = Proposal.Status.AGREED
        proposal.save(update_fields=[field, "status"])
        _event(dispute, "answered", side, actor.label, {"proposal": proposal.number, "accept": accept})
        actor.audit("dispute.answered", "dispute", dispute.pk, {"proposal": proposal.number, "accept": accept})
        if proposal.status == Proposal.Status.AGREED:
            _choose(
                dispute,
                "agree",
                proposal.outcome,
                proposal.creator_amount,
                proposal.extend_to,
                proposal.note,
                Dispute.Resolution.AGREEMENT,
                actor.label,
            )
    if proposal.status == Proposal.Status.AGREED:
        apply_outcome(dispute.pk)
    return proposal


def decide(
    actor: Principal,
    dispute_id: int,
    *,
    outcome: str,
    creator_amount: int | None = None,
    extend_to: date | None = None,
    note: str = "",
) -> Dispute:
    """The mediator decides (final within the platform) when the parties did not agree."""
    _require_operator(actor)
    with transaction.atomic():
        dispute = get_dispute(actor, dispute_id, lock=True)
        if dispute.decided_at is not None:
            raise IllegalTransition("dispute", "decided", "decide")
        if dispute.proposals.filter(status=Proposal.Status.OPEN).exists():
            raise Conflict(gettext("the parties are still answering the open proposal"), code="proposal_open")
        _check_outcome(dispute, outcome, creator_amount, extend_to)
        _choose(dispute, "decide", outcome, creator_amount, extend_to, note, Dispute.Resolution.DECISION, actor.label)
        actor.audit("dispute.decided", "dispute", dispute.pk, {"outcome": outcome, "creator_amount": creator_amount})
    return apply_outcome(dispute_id)


@dataclass(frozen=True)
class OutcomePreview:
    dispute: Dispute
    outcome: str
    to_creator: int | None  # gross, fee included; None for outcomes that move no money
    to_brand: int | None
    extend_to: date | None


def preview_decision(
    actor: Principal, dispute_id: int, *, outcome: str, creator_amount: int | None = None, extend_to: date | None = None
) -> OutcomePreview:
    """What a decision would do, checked as ``decide`` checks it, before the mediator confirms it (moves nothing)."""
    _require_operator(actor)
    dispute = get_dispute(actor, dispute_id)
    if dispute.decided_at is not None or dispute.status not in states.OPEN_STATES:
        raise IllegalTransition("dispute", dispute.status, "decide")
    _check_outcome(dispute, outcome, creator_amount, extend_to)
    if outcome not in states.MONEY_OUTCOMES:
        return OutcomePreview(dispute, outcome, None, None, extend_to if outcome == "extend" else None)
    split = states.split_for(outcome, dispute.frozen_amount, creator_amount)
    return OutcomePreview(dispute, outcome, split.to_creator, split.to_brand, None)


def add_note(actor: Principal, dispute_id: int, *, text: str) -> DisputeEvent:
    """A mediator note: in the history, visible to operators only."""
    _require_operator(actor)
    if not text.strip():
        raise ValidationFailed(gettext("the note is empty"), fields={"text": "required"})
    with transaction.atomic():
        dispute = get_dispute(actor, dispute_id)
        ev = DisputeEvent.objects.create(
            dispute=dispute, kind="note", side="operator", actor_label=actor.label, data={"text": text}, private=True
        )
        return ev


def history(actor: Principal, dispute_id: int) -> QuerySet[DisputeEvent]:
    dispute = get_dispute(actor, dispute_id)
    qs = dispute.events.order_by("id")
    return qs if actor.is_operator else qs.filter(private=False)


# -- outcome -------------------------------------------------------------------------------------------------------


def _choose(
    dispute: Dispute,
    action: str,
    outcome: str,
    creator_amount: int | None,
    extend_to: date | None,
    note: str,
    resolution: str,
    label: str,
) -> None:
    """Step 1: fix the outcome and each item's share (joins the caller's transaction)."""
    states.DISPUTE.next(dispute.status, action)
    if dispute.decided_at is not None:
        raise IllegalTransition("dispute", "decided", action)
    dispute.outcome, dispute.outcome_note, dispute.resolution = outcome, note, resolution
    dispute.extend_to = extend_to if outcome == "extend" else None
    dispute.decided_at, dispute.decided_by = clock.now(), label
    if outcome in states.MONEY_OUTCOMES:
        split = states.split_for(outcome, dispute.frozen_amount, creator_amount)
        dispute.outcome_creator_amount = split.to_creator
        items = list(dispute.items.filter(active=True).order_by("id"))
        shares = allocate(split.to_creator, [i.amount for i in items]) if split.to_creator else [0] * len(items)
        for item, share in zip(items, shares, strict=True):
            FrozenItem.objects.filter(pk=item.pk).update(creator_amount=share)
    dispute.save(
        update_fields=[
            "outcome",
            "outcome_note",
            "resolution",
            "extend_to",
            "decided_at",
            "decided_by",
            "outcome_creator_amount",
        ]
    )
    _event(
        dispute,
        "decided",
        "operator" if resolution == Dispute.Resolution.DECISION else "system",
        label,
        {"outcome": outcome, "creator_amount": dispute.outcome_creator_amount, "resolution": resolution, "note": note},
    )


def _item_key(dispute: Dispute, item: FrozenItem) -> str:
    return f"disputes:{dispute.pk}:item:{item.pk}"


def _apply_item(dispute: Dispute, item_id: int) -> None:
    """Step 2 for one item: move its money and mark it applied, in one transaction (idempotent by the key)."""
    with transaction.atomic():
        item = _lock(FrozenItem.objects.filter(pk=item_id)).first()
        assert item is not None
        if item.applied_at is not None:
            return
        share = item.creator_amount or 0
        key = _item_key(dispute, item)
        tx_id: int | None = None
        if item.escrow_hold_id is not None:
            if share > 0:
                eh = escrow.release(
                    None, escrow_hold_id=item.escrow_hold_id, key=key, amount=None if share == item.amount else share
                )
                tx_id = eh.release_transaction_id
            else:
                escrow.void_funding(None, escrow_hold_id=item.escrow_hold_id, key=key)
        elif item.payable_hold_id is not None:
            back = item.amount - share
            tx = escrow.settle_payable_hold(
                hold_id=item.payable_hold_id,
                campaign_id=dispute.campaign_id,
                back=back,
                key=key,
                memo=f"dispute #{dispute.pk}: {dispute.outcome}",
            )
            tx_id = tx.pk if tx is not None else None
        elif item.accrual_id is not None:
            back = item.amount - share
            if back > 0:
                clawed = escrow.clawback(
                    accrual_id=item.accrual_id,
                    amount=back,
                    reason=f"dispute #{dispute.pk}: {dispute.outcome}",
                    key=key,
                    while_frozen=True,
                )
                tx_id = clawed.transaction_id
        item.transaction_id, item.applied_at = tx_id, clock.now()
        item.save(update_fields=["transaction", "applied_at"])
    after_item_step(item)


def apply_outcome(dispute_id: int) -> Dispute:
    """Steps 2–3: apply a chosen outcome item by item, then resolve. Safe to re-run after a crash at any point."""
    dispute = Dispute.objects.get(pk=dispute_id)
    if dispute.decided_at is None:
        raise IllegalTransition("dispute", dispute.status, "apply an outcome (none chosen)")
    if dispute.applied_at is not None:
        return dispute
    if dispute.outcome in states.MONEY_OUTCOMES:
        for item_id in dispute.items.filter(applied_at=None).order_by("id").values_list("id", flat=True):
            _apply_item(dispute, item_id)
    return _finalize(dispute_id)


def _finalize(dispute_id: int) -> Dispute:
    """Step 3: resolved, unfrozen, commitments settled, both sides told — once."""
    with transaction.atomic():
        dispute = _lock(Dispute.objects.filter(pk=dispute_id)).first()
        assert dispute is not None
        if dispute.applied_at is not None:
            return dispute
        action = "lapse" if dispute.resolution == Dispute.Resolution.LAPSE else "decide"
        dispute.status = states.DISPUTE.next(dispute.status, "agree" if dispute.status == "in_mediation" else action)
        now = clock.now()
        dispute.applied_at = dispute.resolved_at = now
        dispute.save(update_fields=["status", "applied_at", "resolved_at"])
        _unfreeze(dispute, dispute.outcome)
        _cancel_commitments(dispute)
        if dispute.outcome == "extend" and dispute.extend_to is not None and dispute.contract_id is not None:
            from accord.reputation import services as reputation

            m = Milestone.objects.filter(pk=int(dispute.target_id)).first()
            reputation.promise(
                owner_org_id=dispute.creator_id,
                kind="publish_due",
                subject=f"contract:{dispute.contract_id}:milestone:{m.key if m else dispute.target_id}",
                due_at=_end_of(dispute.extend_to),
                key=f"dispute:{dispute.pk}:extended",
            )
        items = list(dispute.items.values("id", "creator_amount", "amount", "transaction_id"))
        _event(dispute, "resolved", "system", SYSTEM, {"outcome": dispute.outcome, "items": items})
        _publish(
            "dispute.resolved",
            dispute,
            dispute.decided_by or SYSTEM,
            {
                "outcome": dispute.outcome,
                "to_creator": dispute.outcome_creator_amount,
                "to_brand": (dispute.frozen_amount - (dispute.outcome_creator_amount or 0))
                if dispute.outcome in states.MONEY_OUTCOMES
                else None,
                "currency": dispute.currency,
            },
        )
        return dispute


# -- deadlines (the periodic job) ----------------------------------------------------------------------------------


@dataclass
class DeadlineReport:
    lapsed: list[int]
    assigned: list[int]
    reassigned: list[int]
    proposals_lapsed: list[int]
    forced: list[int]
    resumed: list[int]


def enforce_deadlines(now: datetime | None = None) -> DeadlineReport:
    """Every dispute deadline: silence → resolved for the opener; unassigned → a mediator; no proposal in 2 days →
    another mediator; unanswered proposal in 2 days → lapses (the mediator decides); 30 days → the latest proposal
    (else an even split) is applied; an outcome chosen but not applied (a crash) → applied now."""
    moment = now or clock.now()
    report = DeadlineReport([], [], [], [], [], [])
    for d in Dispute.objects.filter(decided_at__isnull=False, applied_at__isnull=True).order_by("id"):
        apply_outcome(d.pk)
        report.resumed.append(d.pk)
    for d in Dispute.objects.filter(status="open", response_due_at__lte=moment, decided_at=None).order_by("id"):
        with transaction.atomic():
            locked = _lock(Dispute.objects.filter(pk=d.pk, status="open", decided_at=None)).first()
            if locked is None:
                continue
            outcome = states.favouring(locked.opened_by_side)
            _choose(locked, "lapse", outcome, None, None, "no response in time", Dispute.Resolution.LAPSE, SYSTEM)
        apply_outcome(d.pk)
        report.lapsed.append(d.pk)
    mediation = Dispute.objects.filter(status="in_mediation", decided_at=None)
    for d in mediation.filter(mediator=None).order_by("id"):
        with transaction.atomic():
            mediator = _pick_mediator()
            if mediator is not None and Dispute.objects.filter(pk=d.pk, mediator=None).update(mediator=mediator):
                _event(d, "mediator_assigned", "system", SYSTEM, {"mediator": mediator.email})
                report.assigned.append(d.pk)
    for d in mediation.filter(proposal_due_at__lte=moment, proposals=None).exclude(mediator=None).order_by("id"):
        with transaction.atomic():
            mediator = _pick_mediator(exclude=d.mediator_id)
            due = moment + timedelta(days=states.PROPOSAL_DAYS)
            Dispute.objects.filter(pk=d.pk).update(mediator=mediator, proposal_due_at=due)
            _event(d, "proposal_overdue", "system", SYSTEM, {"mediator": getattr(mediator, "email", None)})
            report.reassigned.append(d.pk)
    for p in Proposal.objects.filter(status="open", answer_due_at__lte=moment).order_by("id"):
        with transaction.atomic():
            if Proposal.objects.filter(pk=p.pk, status="open").update(status=Proposal.Status.LAPSED):
                _event(p.dispute, "proposal_lapsed", "system", SYSTEM, {"proposal": p.number})
                report.proposals_lapsed.append(p.dispute_id)
    for d in Dispute.objects.filter(status="in_mediation", decided_at=None, decide_by__lte=moment).order_by("id"):
        with transaction.atomic():
            locked = _lock(Dispute.objects.filter(pk=d.pk, decided_at=None)).first()
            if locked is None:
                continue
            locked.proposals.filter(status=Proposal.Status.OPEN).update(status=Proposal.Status.LAPSED)
            last = locked.proposals.order_by("-number").first()
            if last is not None:
                outcome, amount, extend_to = last.outcome, last.creator_amount, last.extend_to
                note = f"30-day limit: proposal {last.number} applied"
            else:
                outcome, amount, extend_to, note = "split", locked.frozen_amount // 2, None, "30-day limit: even split"
                if not 0 < amount < locked.frozen_amount:
                    outcome, amount = "refund", None
            _choose(locked, "decide", outcome, amount, extend_to, note, Dispute.Resolution.DEADLINE, SYSTEM)
        apply_outcome(d.pk)
        report.forced.append(d.pk)
    return report


# -- what a party can dispute ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Disputable:
    target_type: str
    target_id: int
    title: str
    amount: int | None  # a whole contract: everything of it held when the dispute opens
    currency: str


def disputable(actor: Principal, limit: int = 50) -> list[Disputable]:
    """Money of the caller's organization that a dispute could freeze now: held milestones, locked commissions,
    and contracts with either (the window and already-frozen checks happen when opening)."""
    if actor.is_operator:
        return []
    contracts = scoped(Contract.objects.all(), actor.org_id, "brand") | scoped(
        Contract.objects.all(), actor.org_id, "creator"
    )
    contracts = contracts.filter(status__in=[Contract.Status.SIGNED, Contract.Status.ACTIVE])
    frozen_holds = FrozenItem.objects.filter(active=True, escrow_hold__isnull=False).values("escrow_hold_id")
    frozen_accruals = FrozenItem.objects.filter(active=True, accrual__isnull=False).values("accrual_id")
    out: list[Disputable] = []
    milestones = (
        Milestone.objects.filter(contract__in=contracts, status__in=DISPUTABLE_MILESTONE)
        .filter(escrow_hold__hold__status=Hold.Status.PENDING)
        .exclude(escrow_hold_id__in=frozen_holds)
        .select_related("contract")
        .order_by("-id")[:limit]
    )
    for m in milestones:
        out.append(Disputable("milestone", m.pk, f"{m.contract.title}: {m.title}", m.amount, m.currency))
    accruals = (
        Accrual.objects.filter(status=Accrual.Status.PENDING, frozen_at=None)
        .filter(Q(creator_id=actor.org_id) | Q(campaign__brand_id=actor.org_id))
        .exclude(pk__in=frozen_accruals)
        .select_related("campaign")
        .order_by("-id")[:limit]
    )
    for a in accruals:
        out.append(Disputable("accrual", a.pk, f"{a.campaign.name}: #{a.pk}", a.remaining, a.currency))
    for c in contracts.order_by("-id")[:limit]:
        out.append(Disputable("contract", c.pk, c.title, None, c.currency))
    # A creator's own recent payouts. Not a brand's: this list shows amounts, and a payout's amount is the creator's
    # (all brands'); a brand starts from its Payouts page (accord.payouts.brand), which shows none.
    since = clock.now() - timedelta(days=states.DEFAULT_WINDOW_DAYS)
    recent = (
        Payout.objects.filter(organization_id=actor.org_id, created_at__gte=since)
        .exclude(state=Payout.State.HELD)
        .order_by("-id")[:limit]
    )
    for p in recent:
        out.append(Disputable("payout", p.pk, f"#{p.pk} ({p.get_state_display()})", p.amount, p.currency))
    return out


# -- statistics ----------------------------------------------------------------------------------------------------


def statistics(actor: Principal) -> dict[str, Any]:
    """Operators: open count, median and mean time to resolve, outcomes by reason."""
    _require_operator(actor)
    resolved = list(
        Dispute.objects.filter(status="resolved").values_list("reason", "outcome", "opened_at", "resolved_at")
    )
    hours = sorted((r[3] - r[2]).total_seconds() / 3600 for r in resolved if r[3] is not None)
    by_reason: dict[str, dict[str, int]] = {}
    for reason, outcome, _o, _r in resolved:
        by_reason.setdefault(reason, {}).setdefault(outcome, 0)
        by_reason[reason][outcome] += 1
    median = None
    if hours:
        mid = len(hours) // 2
        median = hours[mid] if len(hours) % 2 else (hours[mid - 1] + hours[mid]) / 2
    return {
        "open": Dispute.objects.filter(status__in=sorted(states.OPEN_STATES)).count(),
        "resolved": len(resolved),
        "withdrawn": Dispute.objects.filter(status="withdrawn").count(),
        "median_hours_to_resolve": median,
        "mean_hours_to_resolve": sum(hours) / len(hours) if hours else None,
        "outcomes_by_reason": by_reason,
    }


def queue(actor: Principal) -> list[Dispute]:
    """Operators: the open disputes, most urgent deadline first."""
    _require_operator(actor)
    rows = list(visible_to(actor).filter(status__in=sorted(states.OPEN_STATES)).prefetch_related("proposals"))
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(rows, key=lambda d: (d.next_deadline or far, d.pk))
