"""Escrow services: deposit, hold, release (fee split off), refund, accrue, unlock, claw back. Money moves only
through ``accord.ledger.services``; each function here is one database transaction and is idempotent by its key.

Flows (DESIGN.md §3): deposit ``world → escrow:<campaign>`` (booked when the provider confirms receipt); funding =
a ledger hold on the escrow; release = post the hold to ``creator:<org>:payable`` and ``platform:fees``; refund
``escrow → world``; accrual ``escrow → creator:<org>:pending`` until ``available_at``; unlock ``pending → payable``;
clawback ``pending → escrow`` with a reason.

``actor`` is the calling ``Principal`` for human actions, or None for system callers (jobs, other services, bank
statement imports). Ledger idempotency keys are namespaced here (``escrow:<action>:…``) so they cannot collide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.campaigns.models import Campaign
from accord.core import clock
from accord.core.errors import Conflict, DomainError, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from accord.core.money import round_half_even
from accord.core.tenancy import get_scoped
from accord.escrow import stripe_provider
from accord.escrow.models import Accrual, Clawback, Deposit, EscrowHold, FeeOverride, Refund
from accord.escrow.providers import ManualProvider, PaymentProvider
from accord.escrow.statements import parse_csv
from accord.ledger import services as ledger
from accord.ledger.models import Account, Hold, Transaction

DEFAULT_FEE_BPS = 1000  # 10 %, when settings.ACCORD_PLATFORM_FEE_BPS is not set
LOCK_WINDOWS_DAYS = (0, 7, 14, 30, 60, 90)


def providers() -> dict[str, PaymentProvider]:
    out: dict[str, PaymentProvider] = {
        "manual": ManualProvider(
            account_holder=getattr(settings, "ACCORD_ESCROW_ACCOUNT_HOLDER", "Accord escrow"),
            iban=getattr(settings, "ACCORD_ESCROW_IBAN", ""),
            bic=getattr(settings, "ACCORD_ESCROW_BIC", ""),
        )
    }
    card = stripe_provider.configured()
    if card is not None:
        out[card.name] = card
    return out


# -- helpers -------------------------------------------------------------------------------------------------------


def _positive(amount: object, field: str = "amount") -> int:
    if type(amount) is not int or amount <= 0:
        raise ValidationFailed(
            gettext("%(field)s must be a positive integer of minor units") % {"field": field}, fields={field: "invalid"}
        )
    return amount


def _key(key: str) -> str:
    if not isinstance(key, str) or not key or len(key) > 200:
        raise ValidationFailed(
            gettext("an idempotency key of 1 to 200 characters is required"), fields={"key": "invalid"}
        )
    return key


def _campaign(campaign_id: int) -> Campaign:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(gettext("campaign not found"))
    return campaign


def _brand_campaign(actor: Principal | None, campaign_id: int, minimum: str = Role.MEMBER) -> Campaign:
    """The campaign, if ``actor`` (None = system) may move its escrow: its brand (role ≥ minimum) or an operator."""
    if actor is None or actor.is_operator:
        return _campaign(campaign_id)
    actor.require_kind(Organization.Kind.BRAND)
    campaign = get_scoped(Campaign.objects.all(), actor.org_id, "brand", pk=campaign_id)
    actor.require(minimum)
    return campaign


def _creator(org_id: int) -> Organization:
    org = Organization.objects.filter(pk=org_id, kind=Organization.Kind.CREATOR).first()
    if org is None:
        raise NotFound(gettext("creator organization not found"), fields={"creator_org_id": org_id})
    return org


def fee_bps_for(creator_org_id: int, brand_org_id: int | None = None, default: int | None = None) -> int:
    """The platform fee in basis points: the creator's override, else the brand's, else ``default`` (a creator
    tier's fee for a new contract), else the platform default."""
    ids = [creator_org_id] + ([brand_org_id] if brand_org_id is not None else [])
    overrides = dict(FeeOverride.objects.filter(organization_id__in=ids).values_list("organization_id", "fee_bps"))
    for org_id in ids:
        if org_id in overrides:
            return int(overrides[org_id])
    return default if default is not None else platform_fee_bps()


def platform_fee_bps() -> int:
    """The platform's configured fee, for organizations without an override."""
    return int(getattr(settings, "ACCORD_PLATFORM_FEE_BPS", DEFAULT_FEE_BPS))


def split_fee(amount: int, fee_bps: int) -> tuple[int, int]:
    """(net to creator, fee) for a gross ``amount``: the fee rounded once, half-even; the parts sum to ``amount``."""
    fee = round_half_even(Decimal(amount) * Decimal(fee_bps) / Decimal(10_000))
    return amount - fee, fee


def set_fee_override(actor: Principal, *, organization_id: int, fee_bps: int | None, note: str = "") -> None:
    """Operators set (or, with None, remove) an organization's platform fee. Accounts are never edited for this."""
    if not actor.is_operator:
        raise PermissionDenied(gettext("only operators set platform fees"))
    with transaction.atomic():
        if fee_bps is None:
            FeeOverride.objects.filter(organization_id=organization_id).delete()
        else:
            if not 0 <= fee_bps <= 10_000:
                raise ValidationFailed(
                    gettext("fee_bps must be between 0 and 10000"), fields={"fee_bps": "out_of_range"}
                )
            FeeOverride.objects.update_or_create(
                organization_id=organization_id, defaults={"fee_bps": fee_bps, "note": note}
            )
        actor.audit("escrow.fee_override", "organization", organization_id, {"fee_bps": fee_bps, "note": note})


def _lock(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.select_for_update(of=("self",)) if connection.vendor == "postgresql" else qs


# -- deposits ------------------------------------------------------------------------------------------------------


def start_deposit(actor: Principal, *, campaign_id: int, amount: int, key: str, provider: str = "manual") -> Deposit:
    """A brand announces a deposit into its campaign's escrow; returns the pending Deposit with its reference.

    Idempotent per brand and ``key``: a replay returns the same deposit; different content is a 409.
    """
    _key(key)
    _positive(amount)
    campaign = _brand_campaign(actor, campaign_id)
    chosen = providers().get(provider)
    if chosen is None:
        raise ValidationFailed(
            gettext("unknown payment provider %(provider)r") % {"provider": provider}, fields={"provider": "unknown"}
        )
    with transaction.atomic():
        existing = Deposit.objects.filter(brand_id=campaign.brand_id, idempotency_key=key).first()
        if existing is not None:
            if (existing.campaign_id, existing.amount, existing.provider) != (campaign.pk, amount, provider):
                raise Conflict(
                    gettext("this idempotency key was already used for another deposit"), code="idempotency_conflict"
                )
            deposit = existing
        else:
            deposit = _create_deposit(actor, chosen, campaign, amount, key)
    if isinstance(chosen, stripe_provider.CheckoutProvider):
        deposit = _open_checkout(chosen, deposit)
    return deposit


def _create_deposit(actor: Principal, chosen: PaymentProvider, campaign: Campaign, amount: int, key: str) -> Deposit:
    """Create the pending deposit row (inside the caller's transaction) with a reference no other deposit uses."""
    for _ in range(5):
        start = chosen.start_deposit(amount=amount, currency=campaign.currency, campaign_id=campaign.pk)
        if not Deposit.objects.filter(reference=start.reference).exists():
            break
    deposit = Deposit.objects.create(
        campaign=campaign,
        brand_id=campaign.brand_id,
        amount=amount,
        currency=campaign.currency,
        provider=chosen.name,
        reference=start.reference,
        idempotency_key=key,
    )
    actor.audit("escrow.deposit_started", "deposit", deposit.pk, {"amount": amount, "reference": deposit.reference})
    return deposit


def _open_checkout(chosen: stripe_provider.CheckoutProvider, deposit: Deposit) -> Deposit:
    """Open the provider's payment for a pending deposit, once; outside any transaction (it calls the provider).

    A replay of the deposit request (same key) after a provider outage asks again with the same provider-side
    idempotency key, so the provider answers with the same payment instead of opening a second one.
    """
    if deposit.provider_ref or deposit.status != Deposit.Status.PENDING:
        return deposit
    try:
        opened = chosen.open_checkout(
            deposit_id=deposit.pk,
            reference=deposit.reference,
            amount=deposit.amount,
            currency=deposit.currency,
            campaign_id=deposit.campaign_id,
        )
    except stripe_provider.ProviderUnavailable as exc:
        raise DomainError(
            gettext("the payment provider is unavailable, try again with the same Idempotency-Key: %(error)s")
            % {"error": exc},
            code="payment_provider_unavailable",
            status=503,
        ) from None
    except stripe_provider.ProviderRefused as exc:
        with transaction.atomic():
            row = _lock(Deposit.objects.filter(pk=deposit.pk)).get()
            if row.status == Deposit.Status.PENDING and not row.provider_ref:
                row.status, row.failure_reason = Deposit.Status.FAILED, str(exc)[:500]
                row.save(update_fields=["status", "failure_reason"])
        raise ValidationFailed(
            gettext("the payment provider refused the deposit: %(error)s") % {"error": exc}, code="payment_refused"
        ) from None
    with transaction.atomic():
        row = _lock(Deposit.objects.filter(pk=deposit.pk)).get()
        if not row.provider_ref:
            row.provider_ref, row.checkout_secret = opened.provider_ref, opened.client_secret
            row.save(update_fields=["provider_ref", "checkout_secret"])
        return row


def deposit_instructions(deposit: Deposit) -> dict[str, str]:
    provider = providers().get(deposit.provider)
    base = {"reference": deposit.reference}
    if isinstance(provider, ManualProvider):
        base.update(method="bank_transfer", account_holder=provider.account_holder)
        if provider.iban:
            base["iban"] = provider.iban
    elif deposit.provider == "stripe":
        base["method"] = "card"
        if deposit.provider_ref:
            base["payment_intent"] = deposit.provider_ref
        if deposit.checkout_secret and deposit.status in (Deposit.Status.PENDING, Deposit.Status.FAILED):
            base["client_secret"] = deposit.checkout_secret  # only the paying brand sees its own deposits
        if deposit.failure_reason:
            base["failure_reason"] = deposit.failure_reason
    return base


def confirm_deposit(
    actor: Principal | None, *, deposit_id: int, provider_ref: str | None = None, source: str = "statement-import"
) -> Deposit:
    """Record receipt of a deposit (operator, statement import, provider webhook) and book ``world → escrow``.

    Confirming a confirmed deposit again returns it unchanged (nothing moves twice); a cancelled one is illegal. A
    failed card attempt may still be followed by a successful one (the payer retries), so failed → confirmed is legal.
    ``source`` names a system confirmer (``actor`` None) in ``confirmed_by``.
    """
    if actor is not None and not actor.is_operator:
        raise PermissionDenied(gettext("only operators confirm deposits"))
    with transaction.atomic():
        deposit = _lock(Deposit.objects.filter(pk=deposit_id)).first()
        if deposit is None:
            raise NotFound(gettext("deposit not found"))
        if deposit.status == Deposit.Status.CONFIRMED:
            return deposit
        if deposit.status not in (Deposit.Status.PENDING, Deposit.Status.FAILED):
            raise IllegalTransition("deposit", deposit.status, "confirm")
        ledger.get_account(ledger.escrow_code(deposit.campaign_id), deposit.currency, owner_id=deposit.brand_id)
        tx = ledger.transfer(
            key=f"escrow:deposit:{deposit.pk}",
            kind="deposit",
            currency=deposit.currency,
            legs=[(ledger.WORLD, ledger.escrow_code(deposit.campaign_id), deposit.amount)],
            memo=f"deposit {deposit.reference}",
            metadata={"deposit": deposit.pk, "campaign": deposit.campaign_id},
        )
        deposit.status = Deposit.Status.CONFIRMED
        deposit.transaction_id = tx.pk
        deposit.confirmed_at = clock.now()
        deposit.confirmed_by = actor.label if actor is not None else source[:200]
        deposit.provider_ref = provider_ref or deposit.provider_ref or None
        deposit.failure_reason = ""
        fields = ["status", "transaction", "confirmed_at", "confirmed_by", "provider_ref", "failure_reason"]
        try:
            with transaction.atomic():
                deposit.save(update_fields=fields)
        except IntegrityError:
            raise Conflict(
                gettext("this bank reference already confirmed another deposit"), code="duplicate_provider_ref"
            ) from None
        if actor is not None:
            actor.audit("escrow.deposit_confirmed", "deposit", deposit.pk, {"amount": deposit.amount}, deposit.brand_id)
        return deposit


def fail_deposit(*, deposit_id: int, reason: str) -> Deposit:
    """A provider reports a failed payment attempt: a pending deposit becomes failed (nothing moves).

    A confirmed or cancelled deposit is left as it is (a late failure report cannot undo money that arrived);
    a failed one keeps failing with the newest reason.
    """
    with transaction.atomic():
        deposit = _lock(Deposit.objects.filter(pk=deposit_id)).first()
        if deposit is None:
            raise NotFound(gettext("deposit not found"))
        if deposit.status in (Deposit.Status.PENDING, Deposit.Status.FAILED):
            deposit.status, deposit.failure_reason = Deposit.Status.FAILED, reason[:500]
            deposit.save(update_fields=["status", "failure_reason"])
        return deposit


@dataclass(frozen=True)
class ImportResult:
    confirmed: list[int]
    already: list[int]
    unmatched: list[str]  # "line N: why"


def import_statement(actor: Principal, csv_text: str) -> ImportResult:
    """Confirm the pending deposits whose reference and exact amount appear in a bank-statement CSV.

    Safe to import the same statement twice: a line's ``bank_ref`` confirms at most one deposit, once.
    """
    if not actor.is_operator:
        raise PermissionDenied(gettext("only operators import bank statements"))
    confirmed, already, unmatched = [], [], []
    for line in parse_csv(csv_text):
        deposit = Deposit.objects.filter(reference=line.reference).first() if line.reference else None
        if deposit is None:
            unmatched.append(f"line {line.line}: no deposit reference in {line.text!r}")
            continue
        if (deposit.amount, deposit.currency) != (line.amount, line.currency):
            unmatched.append(f"line {line.line}: {deposit.reference} expects {deposit.amount} {deposit.currency}")
            continue
        if deposit.status == Deposit.Status.CONFIRMED:
            already.append(deposit.pk)
            continue
        confirm_deposit(None, deposit_id=deposit.pk, provider_ref=line.bank_ref)
        confirmed.append(deposit.pk)
    actor.audit("escrow.statement_imported", data={"confirmed": confirmed, "unmatched": len(unmatched)})
    return ImportResult(confirmed, already, unmatched)


# -- holds and releases --------------------------------------------------------------------------------------------


def fund_hold(
    actor: Principal | None,
    *,
    campaign_id: int,
    creator_org_id: int,
    amount: int,
    reference_type: str,
    reference_id: str | int,
    key: str,
    expires_at: datetime | None = None,
    fee_bps: int | None = None,
) -> EscrowHold:
    """Reserve ``amount`` of the campaign's escrow for a creator against a reference (e.g. a milestone).

    ``fee_bps`` fixes the platform fee its release charges (a contract's own fee); without it the fee is the one
    ``fee_bps_for`` gives at release."""
    _key(key)
    _positive(amount)
    if fee_bps is not None and not 0 <= fee_bps <= 10_000:
        raise ValidationFailed(gettext("fee_bps must be between 0 and 10000"), fields={"fee_bps": "out_of_range"})
    if not reference_type:
        raise ValidationFailed(gettext("reference_type is required"), fields={"reference_type": "required"})
    campaign = _brand_campaign(actor, campaign_id)
    _creator(creator_org_id)
    with transaction.atomic():
        held = ledger.hold(
            key=f"escrow:fund:{key}",
            code=ledger.escrow_code(campaign.pk),
            currency=campaign.currency,
            amount=amount,
            expires_at=expires_at,
            memo=f"{reference_type} {reference_id}",
            metadata={"creator": creator_org_id, "reference_type": reference_type, "reference_id": str(reference_id)},
        )
        escrow_hold, _ = EscrowHold.objects.get_or_create(
            hold=held,
            defaults={
                "campaign": campaign,
                "creator_id": creator_org_id,
                "reference_type": reference_type,
                "reference_id": str(reference_id),
                "amount": amount,
                "currency": campaign.currency,
                "fee_bps": fee_bps,
            },
        )
        return escrow_hold


def release(actor: Principal | None, *, escrow_hold_id: int, key: str, amount: int | None = None) -> EscrowHold:
    """Post a funded hold (all of it, or ``amount`` of it) to the creator; the platform fee goes to ``platform:fees``.

    The rest of a partial release returns to the campaign's available escrow. A replay with the same key returns the
    released hold; releasing a hold that is no longer pending is an illegal transition.
    """
    _key(key)
    ledger_key = f"escrow:release:{key}"
    with transaction.atomic():
        eh = _lock(EscrowHold.objects.filter(pk=escrow_hold_id)).select_related("hold", "campaign").first()
        if eh is None:
            raise NotFound(gettext("escrow hold not found"))
        _brand_campaign(actor, eh.campaign_id)
        gross = eh.amount if amount is None else _positive(amount)
        if eh.release_transaction_id is not None:
            posted = Transaction.objects.get(pk=eh.release_transaction_id)
            if posted.idempotency_key == ledger_key and (amount is None or amount == eh.released_amount):
                return eh
            raise IllegalTransition("escrow hold", eh.hold.status, "release")
        if eh.hold.status != Hold.Status.PENDING:
            raise IllegalTransition("escrow hold", eh.hold.status, "release")
        bps = eh.fee_bps if eh.fee_bps is not None else fee_bps_for(eh.creator_id, eh.campaign.brand_id)
        net, fee = split_fee(gross, bps)
        legs = [(ledger.creator_payable_code(eh.creator_id), net)] if net else []
        if fee:
            legs.append((ledger.PLATFORM_FEES, fee))
        ledger.get_account(ledger.creator_payable_code(eh.creator_id), eh.currency, owner_id=eh.creator_id)
        tx = ledger.post_hold(
            key=ledger_key,
            hold_id=eh.hold_id,
            legs=legs,
            kind="release",
            memo=f"release {eh.reference_type} {eh.reference_id}",
            metadata={"escrow_hold": eh.pk, "fee_bps": bps, "creator": eh.creator_id},
        )
        eh.released_amount, eh.fee_amount, eh.fee_bps, eh.release_transaction_id = gross, fee, bps, tx.pk
        eh.save(update_fields=["released_amount", "fee_amount", "fee_bps", "release_transaction"])
        eh.hold.refresh_from_db()
        return eh


def void_funding(actor: Principal | None, *, escrow_hold_id: int, key: str) -> EscrowHold:
    """Release a funded hold back to the campaign's available escrow (nothing is paid)."""
    _key(key)
    with transaction.atomic():
        eh = EscrowHold.objects.filter(pk=escrow_hold_id).select_related("hold").first()
        if eh is None:
            raise NotFound(gettext("escrow hold not found"))
        _brand_campaign(actor, eh.campaign_id)
        eh.hold = ledger.void_hold(key=f"escrow:void:{key}", hold_id=eh.hold_id)
        return eh


def refund(actor: Principal | None, *, campaign_id: int, amount: int, key: str, reason: str = "") -> Refund:
    """Return unused (available, not held) escrow to the brand: ``escrow:<campaign> → world``."""
    _key(key)
    _positive(amount)
    campaign = _brand_campaign(actor, campaign_id, Role.ADMIN)
    with transaction.atomic():
        tx = ledger.transfer(
            key=f"escrow:refund:{key}",
            kind="refund",
            currency=campaign.currency,
            legs=[(ledger.escrow_code(campaign.pk), ledger.WORLD, amount)],
            memo=reason[:500],
            metadata={"campaign": campaign.pk},
        )
        refund_row, _ = Refund.objects.get_or_create(
            transaction_id=tx.pk,
            defaults={"campaign": campaign, "amount": amount, "currency": campaign.currency, "reason": reason[:500]},
        )
        if actor is not None:
            actor.audit("escrow.refund", "campaign", campaign.pk, {"amount": amount}, campaign.brand_id)
        return refund_row


# -- commissions: accrual, unlock, clawback ------------------------------------------------------------------------


def accrue(
    *,
    campaign_id: int,
    creator_org_id: int,
    amount: int,
    key: str,
    lock_days: int = 0,
    reference_type: str = "",
    reference_id: str | int = "",
) -> Accrual:
    """Book earned commission ``escrow:<campaign> → creator:<org>:pending``; it unlocks after ``lock_days``."""
    _key(key)
    _positive(amount)
    if lock_days not in LOCK_WINDOWS_DAYS:
        raise ValidationFailed(
            gettext("lock_days must be one of %(windows)s") % {"windows": LOCK_WINDOWS_DAYS},
            fields={"lock_days": "invalid"},
        )
    campaign = _campaign(campaign_id)
    _creator(creator_org_id)
    with transaction.atomic():
        existing = Accrual.objects.filter(transaction__idempotency_key=f"escrow:accrue:{key}").first()
        available_at = existing.available_at if existing is not None else clock.now() + timedelta(days=lock_days)
        pending = ledger.creator_pending_code(creator_org_id)
        ledger.get_account(pending, campaign.currency, owner_id=creator_org_id)
        tx = ledger.transfer(
            key=f"escrow:accrue:{key}",
            kind="accrual",
            currency=campaign.currency,
            legs=[(ledger.escrow_code(campaign.pk), pending, amount)],
            memo=f"commission {reference_type} {reference_id}".strip(),
            metadata={
                "campaign": campaign.pk,
                "creator": creator_org_id,
                "lock_days": lock_days,
                "reference_type": reference_type,
                "reference_id": str(reference_id),
            },
        )
        accrual, _ = Accrual.objects.get_or_create(
            transaction_id=tx.pk,
            defaults={
                "campaign": campaign,
                "creator_id": creator_org_id,
                "amount": amount,
                "currency": campaign.currency,
                "available_at": available_at,
                "reference_type": reference_type,
                "reference_id": str(reference_id),
            },
        )
        return accrual


def unlock_accrual(accrual_id: int, now: datetime | None = None) -> Accrual:
    """Move a matured accrual's remaining amount ``pending → payable`` (once; a second call changes nothing)."""
    moment = now or clock.now()
    with transaction.atomic():
        accrual = _lock(Accrual.objects.filter(pk=accrual_id)).first()
        if accrual is None:
            raise NotFound(gettext("accrual not found"))
        if accrual.status != Accrual.Status.PENDING:
            return accrual
        if accrual.frozen_at is not None:
            raise IllegalTransition("accrual", "frozen", "unlock")
        if accrual.available_at > moment:
            raise IllegalTransition("accrual", "locked", "unlock")
        if accrual.remaining > 0:
            payable = ledger.creator_payable_code(accrual.creator_id)
            ledger.get_account(payable, accrual.currency, owner_id=accrual.creator_id)
            tx = ledger.transfer(
                key=f"escrow:unlock:{accrual.pk}",
                kind="unlock",
                currency=accrual.currency,
                legs=[(ledger.creator_pending_code(accrual.creator_id), payable, accrual.remaining)],
                memo=f"unlock accrual #{accrual.pk}",
                metadata={"accrual": accrual.pk},
            )
            accrual.unlock_transaction_id = tx.pk
            accrual.status = Accrual.Status.UNLOCKED
        else:
            accrual.status = Accrual.Status.REVERSED
        accrual.unlocked_at = moment
        accrual.save(update_fields=["unlock_transaction", "status", "unlocked_at"])
        return accrual


def unlock_matured(now: datetime | None = None) -> int:
    """Unlock every pending accrual whose lock window has ended; returns how many were unlocked."""
    moment = now or clock.now()
    ids = list(
        Accrual.objects.filter(status=Accrual.Status.PENDING, available_at__lte=moment, frozen_at=None)
        .order_by("id")
        .values_list("id", flat=True)
    )
    done = 0
    for accrual_id in ids:
        if unlock_accrual(accrual_id, moment).status == Accrual.Status.UNLOCKED:
            done += 1
    return done


def freeze_accrual(accrual_id: int) -> Accrual:
    """Stop a still-locked accrual where it is while a dispute decides it: until ``unfreeze_accrual`` it is not
    unlocked (so never paid out) and not clawed back, except by the dispute's own outcome. Its ``available_at`` is
    left alone, so unfreezing needs no memory of it. Freezing a frozen accrual changes nothing."""
    with transaction.atomic():
        accrual = _lock(Accrual.objects.filter(pk=accrual_id)).first()
        if accrual is None:
            raise NotFound(gettext("accrual not found"))
        if accrual.status != Accrual.Status.PENDING:
            raise IllegalTransition("accrual", accrual.status, "freeze")
        if accrual.frozen_at is None:
            accrual.frozen_at = clock.now()
            accrual.save(update_fields=["frozen_at"])
        return accrual


def unfreeze_accrual(accrual_id: int) -> Accrual:
    """End a freeze: the accrual's own lock window applies again (a matured one unlocks on the next job run)."""
    with transaction.atomic():
        accrual = _lock(Accrual.objects.filter(pk=accrual_id)).first()
        if accrual is None:
            raise NotFound(gettext("accrual not found"))
        if accrual.frozen_at is not None:
            accrual.frozen_at = None
            accrual.save(update_fields=["frozen_at"])
        return accrual


def clawback(*, accrual_id: int, amount: int, reason: str, key: str, while_frozen: bool = False) -> Clawback:
    """Return part of a still-locked accrual ``creator:<org>:pending → escrow:<campaign>``, saying why.

    A frozen accrual is clawed back only by the outcome of the dispute that froze it (``while_frozen``)."""
    _key(key)
    _positive(amount)
    if not reason.strip():
        raise ValidationFailed(gettext("a clawback needs a reason"), fields={"reason": "required"})
    ledger_key = f"escrow:clawback:{key}"
    with transaction.atomic():
        accrual = _lock(Accrual.objects.filter(pk=accrual_id)).first()
        if accrual is None:
            raise NotFound(gettext("accrual not found"))
        legs = [(ledger.creator_pending_code(accrual.creator_id), ledger.escrow_code(accrual.campaign_id), amount)]

        def book() -> Transaction:
            return ledger.transfer(
                key=ledger_key,
                kind="clawback",
                currency=accrual.currency,
                legs=legs,
                memo=reason[:500],
                metadata={"accrual": accrual.pk},
            )

        existing = Clawback.objects.filter(transaction__idempotency_key=ledger_key).first()
        if existing is not None:
            book()  # a replay moves nothing; different content raises 409
            return existing
        if accrual.status != Accrual.Status.PENDING:
            raise IllegalTransition("accrual", accrual.status, "claw back")
        if accrual.frozen_at is not None and not while_frozen:
            raise Conflict(gettext("a dispute has frozen this accrual until its outcome"), code="accrual_frozen")
        if amount > accrual.remaining:
            raise ValidationFailed(
                gettext("only %(remaining)s of this accrual can be clawed back") % {"remaining": accrual.remaining},
                code="exceeds_accrual",
            )
        tx = book()
        row = Clawback.objects.create(accrual=accrual, amount=amount, reason=reason[:500], transaction_id=tx.pk)
        accrual.clawed_back += amount
        if accrual.remaining == 0:
            accrual.status = Accrual.Status.REVERSED
        accrual.save(update_fields=["clawed_back", "status"])
        return row


# -- payable money frozen by a dispute -----------------------------------------------------------------------------


def payable_available(creator_org_id: int, currency: str) -> int:
    """What of a creator's payable balance is free (not held and not promised to a payout already)."""
    acc = Account.objects.filter(code=ledger.creator_payable_code(creator_org_id), currency=currency).first()
    return max(0, acc.balance - acc.pending_out) if acc is not None else 0


def hold_payable(*, creator_org_id: int, currency: str, amount: int, key: str, memo: str = "") -> Hold:
    """Freeze ``amount`` of a creator's payable money (a dispute about money already released or paid out): a
    ledger hold on ``creator:<org>:payable``, so no payout run selects it until ``settle_payable_hold``."""
    _key(key)
    _positive(amount)
    code = ledger.creator_payable_code(creator_org_id)
    return ledger.hold(
        key=f"escrow:payable-hold:{key}",
        code=code,
        currency=currency,
        amount=amount,
        memo=memo[:500],
        metadata={"creator": creator_org_id},
    )


def settle_payable_hold(*, hold_id: int, campaign_id: int, back: int, key: str, memo: str = "") -> Transaction | None:
    """End a payable freeze: ``back`` returns ``creator:<org>:payable → escrow:<campaign>`` (the brand's), the rest
    is free to pay out again. Idempotent by ``key``."""
    _key(key)
    if back > 0:
        return ledger.post_hold(
            key=f"escrow:payable-back:{key}",
            hold_id=hold_id,
            legs=[(ledger.escrow_code(campaign_id), back)],
            kind="clawback",
            memo=memo[:500],
            metadata={"campaign": campaign_id},
        )
    ledger.void_hold(key=f"escrow:payable-release:{key}", hold_id=hold_id)
    return None


# -- what each side sees -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatorSummary:
    campaign_id: int
    campaign_name: str
    currency: str
    funded: int  # reserved for this creator (still held or already released)
    held: int  # reserved, not yet released
    released: int  # released to the creator, net of the platform fee
    pending: int  # commission earned, still in its lock window
    payable: int  # earned and free to pay out (releases + unlocked commission)


def _sum(qs: QuerySet[Any], expr: Any) -> int:
    return int(qs.aggregate(total=Coalesce(Sum(expr), 0))["total"])


def creator_summary(creator_org_id: int, campaign_id: int | None = None) -> list[CreatorSummary]:
    """Per campaign, what a creator can see of the money meant for them."""
    holds = EscrowHold.objects.filter(creator_id=creator_org_id)
    accruals = Accrual.objects.filter(creator_id=creator_org_id)
    if campaign_id is not None:
        holds, accruals = holds.filter(campaign_id=campaign_id), accruals.filter(campaign_id=campaign_id)
    campaign_ids = set(holds.values_list("campaign_id", flat=True)) | set(
        accruals.values_list("campaign_id", flat=True)
    )
    out = []
    for campaign in Campaign.objects.filter(pk__in=campaign_ids).order_by("id"):
        h = holds.filter(campaign_id=campaign.pk)
        a = accruals.filter(campaign_id=campaign.pk)
        held = _sum(h.filter(hold__status=Hold.Status.PENDING), "amount")
        released_gross = _sum(h.filter(hold__status=Hold.Status.POSTED), "released_amount")
        fees = _sum(h.filter(hold__status=Hold.Status.POSTED), "fee_amount")
        pending = _sum(a.filter(status=Accrual.Status.PENDING), "amount") - _sum(
            a.filter(status=Accrual.Status.PENDING), "clawed_back"
        )
        unlocked = _sum(a.filter(status=Accrual.Status.UNLOCKED), "amount") - _sum(
            a.filter(status=Accrual.Status.UNLOCKED), "clawed_back"
        )
        out.append(
            CreatorSummary(
                campaign_id=campaign.pk,
                campaign_name=campaign.name,
                currency=campaign.currency,
                funded=held + released_gross,
                held=held,
                released=released_gross - fees,
                pending=pending,
                payable=released_gross - fees + unlocked,
            )
        )
    return out


@dataclass(frozen=True)
class CampaignEscrow:
    campaign_id: int
    currency: str
    balance: int  # in escrow now
    held: int  # reserved by pending holds
    available: int  # free to hold, accrue or refund
    deposited: int  # confirmed deposits
    awaiting: int  # announced deposits not yet received
    released: int  # gross releases (fees included)
    fees: int
    accrued: int  # commission net of clawbacks
    refunded: int


def campaign_escrow(campaign: Campaign) -> CampaignEscrow:
    bal = ledger.balances(ledger.escrow_code(campaign.pk), campaign.currency)
    deposits = Deposit.objects.filter(campaign=campaign)
    posted = EscrowHold.objects.filter(campaign=campaign, hold__status=Hold.Status.POSTED)
    accruals = Accrual.objects.filter(campaign=campaign)
    return CampaignEscrow(
        campaign_id=campaign.pk,
        currency=campaign.currency,
        balance=bal.balance,
        held=bal.pending_out,
        available=bal.available,
        deposited=_sum(deposits.filter(status=Deposit.Status.CONFIRMED), "amount"),
        awaiting=_sum(deposits.filter(status=Deposit.Status.PENDING), "amount"),
        released=_sum(posted, "released_amount"),
        fees=_sum(posted, "fee_amount"),
        accrued=_sum(accruals, "amount") - _sum(accruals, "clawed_back"),
        refunded=_sum(Refund.objects.filter(campaign=campaign), "amount"),
    )


def creator_balances(creator_org_id: int) -> list[dict[str, Any]]:
    """The creator's ledger balances per currency: pending (locked) and payable."""
    rows = Account.objects.filter(
        Q(code=ledger.creator_pending_code(creator_org_id)) | Q(code=ledger.creator_payable_code(creator_org_id))
    ).values_list("code", "currency", "balance")
    by_currency: dict[str, dict[str, Any]] = {}
    for code, currency, balance in rows:
        entry = by_currency.setdefault(currency, {"currency": currency, "pending": 0, "payable": 0})
        entry["pending" if code.endswith(":pending") else "payable"] = balance
    return [by_currency[c] for c in sorted(by_currency)]
