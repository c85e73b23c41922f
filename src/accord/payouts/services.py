"""Payout services: the only functions that change payout state. Money moves only through ``accord.ledger.services``.

A payout run (one per currency and day) is a sequence of resumable steps, each committed in its own database
transactions and keyed by ids, so a run killed at any moment (``kill -9``) and started again continues where it
stopped and pays no creator twice:

1. **select** (batches): creators whose schedule is due and whose payable balance reaches their threshold get a
   ``scheduled`` Payout (unique per run and creator) and their schedule's slot is marked served, in one transaction.
2. **move** (batches): one multi-leg ledger transfer ``creator:<org>:payable → payouts:in_transit`` per batch, keyed
   by the batch's payout ids, committed together with the payouts becoming ``processing``.
3. **submit**: SEPA file per debtor account (manual provider) or one Stripe Transfer per payout (keyed by payout id);
   each result is recorded in its own transaction.
4. **finish** when nothing is left to select, move or submit.

Paying (``in_transit → world``) and failing (``in_transit → payable``, with the reason) are idempotent per payout.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.core import audit, clock
from accord.core.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from accord.core.models import AuditRecord
from accord.core.money import exponent, validate_currency
from accord.core.tenancy import get_scoped, scoped
from accord.ledger import services as ledger
from accord.ledger.models import Account
from accord.payouts import banking
from accord.payouts import schedule as cal
from accord.payouts.models import DebtorAccount, Payout, PayoutFile, PayoutMethod, PayoutRun, PayoutSchedule
from accord.payouts.providers import PayoutItem, PayoutProvider, Submission, default_providers

logger = logging.getLogger("accord.payouts")

# Legs per ledger transfer when moving a batch: the ledger checks each transaction's balance per entry at commit,
# so very large transfers cost more per leg than several medium ones committed together.
MOVE_LEGS = int(os.environ.get("ACCORD_PAYOUTS_LEGS", "500"))
PROVIDER_FOR_METHOD = {PayoutMethod.Kind.SEPA: "manual", PayoutMethod.Kind.STRIPE: "stripe"}
# Test hook for the crash-safety test: ACCORD_PAYOUTS_HANG_AT="<step>:<n>" makes the run print "HANG <step>:<n>"
# and sleep when it reaches that point, so a test can kill -9 it there. Never set in production.
_HANG_ENV = "ACCORD_PAYOUTS_HANG_AT"


def default_threshold(currency: str) -> int:
    """10 major units (EUR 10.00, JPY 10): the minimum payout unless the creator sets another."""
    return 10 * 10 ** exponent(currency)


def _checkpoint(step: str, n: int) -> None:
    wanted = os.environ.get(_HANG_ENV)
    if wanted and wanted == f"{step}:{n}":
        sys.stdout.write(f"HANG {step}:{n}\n")
        sys.stdout.flush()
        while True:  # pragma: no cover - killed by the test
            time.sleep(60)


def _creator_principal(principal: Principal, minimum: str) -> None:
    principal.require_kind(Organization.Kind.CREATOR)
    principal.require(minimum)


# -- payout methods ------------------------------------------------------------------------------------------------


def methods_of(org_id: int) -> QuerySet[PayoutMethod]:
    return scoped(PayoutMethod.objects.filter(removed_at__isnull=True), org_id)


def add_method(
    principal: Principal,
    *,
    kind: str,
    account_holder: str = "",
    iban: str = "",
    bic: str = "",
    stripe_account_id: str = "",
    label: str = "",
    make_default: bool = False,
) -> PayoutMethod:
    _creator_principal(principal, Role.ADMIN)
    method = PayoutMethod(organization_id=principal.org_id, kind=kind, label=label.strip()[:100])
    if kind == PayoutMethod.Kind.SEPA:
        details = banking.validate_sepa(account_holder, iban, bic)
        method.account_holder = details.account_holder
        method.iban = details.iban
        method.iban_masked = details.iban_masked
        method.bic = details.bic
        method.bank_name = details.bank_name
    elif kind == PayoutMethod.Kind.STRIPE:
        method.stripe_account_id = banking.validate_stripe_account(stripe_account_id)
    else:
        raise ValidationFailed(gettext("unknown payout method kind"), fields={"kind": "must be sepa or stripe"})
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=principal.org_id).first()
        has_default = methods_of(principal.org_id).filter(is_default=True).exists()
        if make_default and has_default:
            methods_of(principal.org_id).filter(is_default=True).update(is_default=False)
        method.is_default = make_default or not has_default
        method.save()
        principal.audit(
            "payouts.method_added",
            "payout_method",
            method.pk,
            {"kind": kind, "account": method.iban_masked or method.stripe_account_id, "default": method.is_default},
        )
    return method


def update_method(
    principal: Principal, method_id: int, *, label: str | None = None, make_default: bool | None = None
) -> PayoutMethod:
    _creator_principal(principal, Role.ADMIN)
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=principal.org_id).first()
        method = get_scoped(methods_of(principal.org_id), principal.org_id, pk=method_id)
        if label is not None:
            method.label = label.strip()[:100]
        if make_default:
            methods_of(principal.org_id).filter(is_default=True).exclude(pk=method.pk).update(is_default=False)
            method.is_default = True
        elif make_default is False and method.is_default:
            raise ValidationFailed(
                gettext("make another method the default instead"),
                code="default_required",
                fields={"is_default": "required"},
            )
        method.save()
        principal.audit("payouts.method_updated", "payout_method", method.pk, {"default": method.is_default})
    return method


def remove_method(principal: Principal, method_id: int) -> PayoutMethod:
    """Soft-delete (payouts keep pointing at the method they used); the oldest remaining method becomes default."""
    _creator_principal(principal, Role.ADMIN)
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=principal.org_id).first()
        method = get_scoped(methods_of(principal.org_id), principal.org_id, pk=method_id)
        if Payout.objects.filter(method=method, state__in=[Payout.State.SCHEDULED, Payout.State.PROCESSING]).exists():
            raise Conflict(gettext("a payout to this method is in progress"), code="method_in_use")
        was_default = method.is_default
        method.removed_at = clock.now()
        method.is_default = False
        method.save(update_fields=["removed_at", "is_default"])
        if was_default:
            successor = methods_of(principal.org_id).order_by("id").first()
            if successor is not None:
                PayoutMethod.objects.filter(pk=successor.pk).update(is_default=True)
        principal.audit("payouts.method_removed", "payout_method", method.pk)
    return method


# -- schedules -----------------------------------------------------------------------------------------------------


def schedule_for(org_id: int) -> PayoutSchedule:
    """The creator's schedule; an unsaved default (monthly on the 1st, from today) when none was set."""
    found = PayoutSchedule.objects.filter(organization_id=org_id).first()
    return found or PayoutSchedule(organization_id=org_id, effective_from=clock.today())


def set_schedule(
    principal: Principal,
    *,
    frequency: str,
    weekday: int = 0,
    day_of_month: int = 1,
    biweekly_parity: int = 0,
    thresholds: dict[str, int] | None = None,
) -> PayoutSchedule:
    _creator_principal(principal, Role.ADMIN)
    try:
        spec = cal.ScheduleSpec(cal.Frequency(frequency), weekday, day_of_month, biweekly_parity)
    except ValueError as exc:
        raise ValidationFailed(str(exc), fields={"schedule": str(exc)}) from None
    clean: dict[str, int] = {}
    for currency, amount in (thresholds or {}).items():
        try:
            validate_currency(currency)
        except ValueError:
            raise ValidationFailed(
                gettext("unsupported currency %(currency)s") % {"currency": currency}, fields={"thresholds": currency}
            ) from None
        if type(amount) is not int or amount < 0:
            raise ValidationFailed(gettext("thresholds are non-negative minor units"), fields={"thresholds": currency})
        clean[currency] = amount
    with transaction.atomic():
        sched = PayoutSchedule.objects.select_for_update().filter(organization_id=principal.org_id).first()
        if sched is None:
            sched = PayoutSchedule(organization_id=principal.org_id, effective_from=clock.today())
        changed = (sched.frequency, sched.weekday, sched.day_of_month, sched.biweekly_parity) != (
            spec.frequency.value,
            spec.weekday,
            spec.day_of_month,
            spec.biweekly_parity,
        )
        sched.frequency = spec.frequency.value
        sched.weekday, sched.day_of_month, sched.biweekly_parity = spec.weekday, spec.day_of_month, spec.biweekly_parity
        sched.thresholds = clean
        if changed and sched.pk is not None:
            # A new calendar promises nothing retroactively: only slots from today on count.
            sched.effective_from = clock.today()
            sched.deferred_slot = None
        sched.updated_at = clock.now()
        sched.save()
        principal.audit(
            "payouts.schedule_set",
            "payout_schedule",
            sched.pk,
            {"frequency": sched.frequency, "weekday": weekday, "day_of_month": day_of_month, "thresholds": clean},
        )
    return sched


_MORE_OFTEN: dict[str, int] = {"monthly": 0, "biweekly": 1, "weekly": 2}  # on demand: only by the creator's choice


def offer_frequency(org_id: int, frequency: str, *, reason: str) -> PayoutSchedule | None:
    """A creator tier's payout frequency, applied when a new contract starts: a creator who never chose a schedule
    (no row, or only the default a run created) and is paid less often gets ``frequency`` from today on. A schedule
    the creator chose is never changed; returns the schedule when it changed."""
    if frequency not in _MORE_OFTEN:
        return None
    with transaction.atomic():
        sched = PayoutSchedule.objects.select_for_update().filter(organization_id=org_id).first()
        chosen = sched is not None and (
            AuditRecord.objects.filter(
                organization_id=org_id, action="payouts.schedule_set", target_type="payout_schedule"
            ).exists()
        )
        current = sched.frequency if sched is not None else PayoutSchedule.Frequency.MONTHLY  # the model default
        if chosen or _MORE_OFTEN.get(current, 99) >= _MORE_OFTEN[frequency]:
            return None
        sched = sched or PayoutSchedule(organization_id=org_id)
        sched.frequency, sched.effective_from, sched.deferred_slot = frequency, clock.today(), None
        sched.updated_at = clock.now()
        sched.save()
        audit.append(
            "payouts.schedule_tier_benefit",
            actor_label="accord",
            organization_id=org_id,
            target_type="payout_schedule",
            target_id=sched.pk,
            data={"frequency": frequency, "reason": reason[:200]},
        )
        return sched


def request_payout(principal: Principal) -> PayoutSchedule:
    """On-demand creators ask to be paid in the next run (runs are daily)."""
    _creator_principal(principal, Role.ADMIN)
    with transaction.atomic():
        sched = PayoutSchedule.objects.select_for_update().filter(organization_id=principal.org_id).first()
        if sched is None or sched.frequency != PayoutSchedule.Frequency.ON_DEMAND:
            raise Conflict(gettext("only on-demand schedules take payout requests"), code="not_on_demand")
        if sched.on_demand_requested_at is None:
            sched.on_demand_requested_at = clock.now()
            sched.save(update_fields=["on_demand_requested_at"])
            principal.audit("payouts.requested", "payout_schedule", sched.pk)
    return sched


def threshold_of(sched: PayoutSchedule, currency: str) -> int:
    value = (sched.thresholds or {}).get(currency)
    return int(value) if value is not None else default_threshold(currency)


@dataclass(frozen=True)
class Expected:
    currency: str
    available: int
    threshold: int
    slot_date: date | None
    promised_date: date | None
    amount: int  # what the next payout will be if nothing changes (0 when below the threshold or no method)
    reason: str  # "" when a payout is expected


def expected_payouts(org_id: int) -> list[Expected]:
    """For each currency the creator holds: the next payout date, promised date and amount as things stand now."""
    sched = schedule_for(org_id)
    today = clock.today()
    has_method = methods_of(org_id).filter(is_default=True).exists()
    rows = Account.objects.filter(code=ledger.creator_payable_code(org_id)).order_by("currency")
    out = []
    for acc in rows:
        available = acc.balance - acc.pending_out
        threshold = threshold_of(sched, acc.currency)
        if sched.frequency == PayoutSchedule.Frequency.ON_DEMAND:
            slot: date | None = today if sched.on_demand_requested_at else None
            promised = cal.promised_date(slot) if slot else None
        else:
            nxt = cal.next_payout_date(sched.spec, today, sched.last_served_slot, sched.effective_from)
            slot, promised = nxt if nxt else (None, None)
        reason = ""
        if not has_method:
            reason = "no_payout_method"
        elif available <= 0 or available < threshold:
            reason = "below_threshold"
        elif slot is None:
            reason = "not_requested"
        out.append(Expected(acc.currency, available, threshold, slot, promised, 0 if reason else available, reason))
    return out


# -- runs ----------------------------------------------------------------------------------------------------------


def _run_for(currency: str, run_date: date, started_by: str) -> PayoutRun:
    validate_currency(currency)
    run = PayoutRun.objects.filter(currency=currency, run_date=run_date).first()
    if run is not None:
        return run
    try:
        with transaction.atomic():
            run = PayoutRun.objects.create(currency=currency, run_date=run_date, started_by=started_by[:200])
            audit.append(
                "payouts.run_started",
                actor_label=started_by[:200],
                target_type="payout_run",
                target_id=run.pk,
                data={"currency": currency, "run_date": run_date.isoformat()},
            )
            return run
    except IntegrityError:
        return PayoutRun.objects.get(currency=currency, run_date=run_date)


def _select(run: PayoutRun, batch_size: int) -> None:
    """Create the run's scheduled payouts, batch by batch (keyset over the creators' payable accounts)."""
    today = run.run_date
    # Payable accounts are found by kind and code (``creator:<org>:payable``): accounts the ledger creates
    # implicitly carry no owner, so the organization id is read from the code.
    base = Account.objects.filter(
        kind=Account.Kind.CREATOR_PAYABLE, currency=run.currency, balance__gt=F("pending_out")
    )
    after = 0
    n = 0
    while True:
        chunk = list(
            base.filter(id__gt=after).order_by("id").values_list("id", "code", "balance", "pending_out")[:batch_size]
        )
        if not chunk:
            return
        after = chunk[-1][0]
        rows = [(org, balance, pending) for _, code, balance, pending in chunk if (org := _org_of(code)) is not None]
        owners = [r[0] for r in rows]
        with transaction.atomic():
            fields = (
                "organization_id", "id", "frequency", "weekday", "day_of_month", "biweekly_parity", "thresholds",
                "effective_from", "last_served_slot", "deferred_slot", "on_demand_requested_at",
            )  # fmt: skip
            locked = PayoutSchedule.objects.select_for_update().filter(organization_id__in=owners).order_by("id")
            schedules = {row[0]: row for row in locked.values_list(*fields)}
            missing = [o for o in owners if o not in schedules]
            if missing:
                # Creators who never chose a schedule get the default, effective from today (nothing retroactive).
                PayoutSchedule.objects.bulk_create(
                    [PayoutSchedule(organization_id=o, effective_from=today) for o in missing], ignore_conflicts=True
                )
                created = PayoutSchedule.objects.select_for_update().filter(organization_id__in=missing).order_by("id")
                schedules.update({row[0]: row for row in created.values_list(*fields)})
            methods = {
                org: (method_id, kind)
                for org, method_id, kind in PayoutMethod.objects.filter(
                    organization_id__in=owners, is_default=True, removed_at__isnull=True
                ).values_list("organization_id", "id", "kind")
            }
            new: list[tuple[Any, ...]] = []
            served: dict[date, list[int]] = defaultdict(list)
            deferred: dict[date, list[int]] = defaultdict(list)
            on_demand_served: list[int] = []
            now = clock.now()
            specs: dict[tuple[str, int, int, int], cal.ScheduleSpec] = {}
            # A creator served by this run already has last_served_slot == slot (or a cleared on-demand request):
            # it was written in the same transaction as the payout, under the schedule's row lock, so a resumed or
            # concurrent run skips it. The unique (run, creator) constraint is the backstop.
            for owner, balance, pending in rows:
                _, sched_id, freq, weekday, dom, parity, thresholds, effective, last_served, deferred_slot, asked = (
                    schedules[owner]
                )
                if freq == PayoutSchedule.Frequency.ON_DEMAND:
                    slot = today if asked is not None else None
                else:
                    key = (freq, weekday, dom, parity)
                    spec = specs.get(key) or specs.setdefault(key, cal.ScheduleSpec(cal.Frequency(freq), *key[1:]))
                    slot = cal.due_slot(spec, today, last_served, effective)
                if slot is None:
                    continue
                amount = balance - pending
                method = methods.get(owner)
                threshold = (thresholds or {}).get(run.currency)
                minimum = int(threshold) if threshold is not None else default_threshold(run.currency)
                if amount < minimum or method is None:
                    if freq != PayoutSchedule.Frequency.ON_DEMAND and deferred_slot != slot:
                        deferred[slot].append(sched_id)
                    continue
                # Promised from the slot, unless an earlier run already found this slot below the threshold (then
                # the creator crossed it later and is promised from today).
                base_day = today if deferred_slot == slot else slot
                provider = PROVIDER_FOR_METHOD[PayoutMethod.Kind(method[1])]
                promised = cal.promised_date(base_day)
                new.append((run.pk, owner, method[0], provider, run.currency, amount, slot, promised, now))
                if freq == PayoutSchedule.Frequency.ON_DEMAND:
                    on_demand_served.append(sched_id)
                else:
                    served[slot].append(sched_id)
            _insert_payouts(new)
            for slot, ids in served.items():
                PayoutSchedule.objects.filter(pk__in=ids).update(last_served_slot=slot)
            for slot, ids in deferred.items():
                PayoutSchedule.objects.filter(pk__in=ids).update(deferred_slot=slot)
            if on_demand_served:
                PayoutSchedule.objects.filter(pk__in=on_demand_served).update(on_demand_requested_at=None)
            _checkpoint("select-uncommitted", n)
        n += 1
        _checkpoint("select", n)


_PAYOUT_COLUMNS = (
    "run_id", "organization_id", "method_id", "provider", "currency", "amount", "slot_date", "promised_date",
    "created_at", "state", "failure_reason", "days_late", "provider_reference",
)  # fmt: skip


def _insert_payouts(rows: list[tuple[Any, ...]]) -> None:
    """Insert scheduled payouts in bulk: COPY on PostgreSQL (100k rows in about a second), bulk_create elsewhere."""
    if not rows:
        return
    tail = (Payout.State.SCHEDULED, "", 0, "")
    if connection.vendor == "postgresql":
        table = Payout._meta.db_table
        sql = f"COPY {table} ({', '.join(_PAYOUT_COLUMNS)}) FROM STDIN"
        with connection.cursor() as cur, cur.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row + tail)
        return
    Payout.objects.bulk_create(
        [Payout(**dict(zip(_PAYOUT_COLUMNS, row + tail, strict=True))) for row in rows], batch_size=500
    )


def _org_of(code: str) -> int | None:
    parts = code.split(":")
    if len(parts) == 3 and parts[0] == "creator" and parts[1].isdigit() and parts[2] == "payable":
        return int(parts[1])
    return None


def creator_accounts(org_id: int) -> QuerySet[Account]:
    """The creator's ledger accounts (pending, payable, …), by owner or by their ``creator:<org>:`` code."""
    return Account.objects.filter(Q(owner_id=org_id) | Q(code__startswith=f"creator:{org_id}:"))


def _batch_key(run: PayoutRun, ids: Sequence[int]) -> str:
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
    return f"payouts:move:run{run.pk}:{ids[0]}-{ids[-1]}:{len(ids)}:{digest}"


def _move(run: PayoutRun, batch_size: int) -> None:
    """Move every scheduled payout's money to in transit: multi-leg ledger transfers, one commit per batch."""
    n = 0
    while True:
        batch = list(
            Payout.objects.filter(run=run, state=Payout.State.SCHEDULED)
            .order_by("id")
            .values_list("id", "organization_id", "amount")[:batch_size]
        )
        if not batch:
            return
        try:
            with transaction.atomic():
                # One multi-leg transfer per chunk of payouts, all committed together with the state change.
                for start in range(0, len(batch), MOVE_LEGS):
                    chunk = batch[start : start + MOVE_LEGS]
                    ids = [b[0] for b in chunk]
                    tx = ledger.transfer(
                        key=_batch_key(run, ids),
                        kind="payout",
                        currency=run.currency,
                        legs=[
                            (ledger.creator_payable_code(org), ledger.PAYOUTS_IN_TRANSIT, amt) for _, org, amt in chunk
                        ],
                        memo=f"payout run {run.pk} ({run.run_date.isoformat()}): {len(ids)} payouts",
                        metadata={"payout_run": run.pk, "payouts": {str(org): pid for pid, org, _ in chunk}},
                    )
                    moved = Payout.objects.filter(pk__in=ids, state=Payout.State.SCHEDULED).update(
                        state=Payout.State.PROCESSING, moved_at=clock.now(), move_transaction_id=tx.pk
                    )
                    if moved != len(ids) and not _moved_by(ids, tx.pk):
                        # Not a replay of the transfer that moved them: roll this batch back (its money included).
                        raise Conflict(
                            gettext("payouts changed while their money was moving; run again"), code="payout_race"
                        )
                _checkpoint("move-uncommitted", n)
        except ledger.InsufficientFunds:
            # Some balance changed since selection: move the batch payout by payout, failing the ones short of funds.
            for pid, org, amt in batch:
                _move_one(run, pid, org, amt)
        n += 1
        _checkpoint("move", n)


def _moved_by(ids: list[int], transaction_id: int) -> bool:
    """True when every payout in ``ids`` was moved by ledger transaction ``transaction_id`` (a replayed transfer)."""
    return Payout.objects.filter(pk__in=ids, move_transaction_id=transaction_id).count() == len(ids)


def _move_one(run: PayoutRun, payout_id: int, org_id: int, amount: int) -> None:
    try:
        with transaction.atomic():
            tx = ledger.transfer(
                key=f"payout:{payout_id}:move",
                kind="payout",
                currency=run.currency,
                legs=[(ledger.creator_payable_code(org_id), ledger.PAYOUTS_IN_TRANSIT, amount)],
                memo=f"payout {payout_id}",
                metadata={"payout_run": run.pk, "payout": payout_id},
            )
            moved = Payout.objects.filter(pk=payout_id, state=Payout.State.SCHEDULED).update(
                state=Payout.State.PROCESSING, moved_at=clock.now(), move_transaction_id=tx.pk
            )
            if not moved and not _moved_by([payout_id], tx.pk):
                raise Conflict(gettext("the payout changed while its money was moving; run again"), code="payout_race")
    except ledger.InsufficientFunds as exc:
        now = clock.now()
        Payout.objects.filter(pk=payout_id, state=Payout.State.SCHEDULED).update(
            state=Payout.State.FAILED, failed_at=now, failure_reason=f"not moved: {exc.message}"[:500]
        )


def _unsubmitted(run: PayoutRun) -> QuerySet[Payout]:
    return Payout.objects.filter(
        run=run, state=Payout.State.PROCESSING, submitted_at__isnull=True, file__isnull=True
    ).order_by("id")


_ITEM_FIELDS = (
    "id", "organization_id", "amount", "currency", "slot_date", "method__account_holder", "method__iban",
    "method__bic", "method__stripe_account_id",
)  # fmt: skip


RANGE_UPDATE_MIN = 1000


class _Superseded(Exception):
    """Another runner recorded these payouts first; this submission's result is discarded."""


def _submit(run: PayoutRun, providers: dict[str, PayoutProvider]) -> None:
    n = 0
    for name in sorted(set(_unsubmitted(run).values_list("provider", flat=True).distinct())):
        provider = providers[name]
        items = [PayoutItem(*row) for row in _unsubmitted(run).filter(provider=name).values_list(*_ITEM_FIELDS)]
        for submission in provider.submit(run, items):
            try:
                _record(run, name, submission)
            except _Superseded:
                logger.warning("payout run %s: a concurrent runner already recorded %s", run.pk, name)
            n += 1
            _checkpoint("submit", n)


def _record(run: PayoutRun, provider: str, sub: Submission) -> None:
    """Persist one provider answer in one transaction (the run row is locked so runners cannot both record)."""
    now = clock.now()
    with transaction.atomic():
        PayoutRun.objects.select_for_update().filter(pk=run.pk).first()
        if sub.status == "retry":
            logger.warning("payouts %s of run %s: %s", sub.payout_ids, run.pk, sub.reason)
            return
        if sub.status == "failed":
            for pid in sub.payout_ids:
                _fail(pid, sub.reason, actor_label="provider")
            return
        record = None
        if sub.file is not None:
            f = sub.file.bank_file
            record = PayoutFile.objects.create(
                run=run,
                debtor_id=sub.file.debtor_id,
                currency=run.currency,
                message_id=f.message_id,
                filename=sub.file.filename,
                content=f.content,
                sha256=f.sha256,
                payment_count=f.payment_count,
                control_sum=f.control_sum,
            )
        ids = sorted(sub.payout_ids)
        pending = Payout.objects.filter(
            run=run, provider=provider, state=Payout.State.PROCESSING, submitted_at__isnull=True, file__isnull=True
        )
        # A big file covers an id range: one UPDATE over the range instead of a 100k-long IN list. The count check
        # below refuses the file if the range holds any payout of this provider that the file does not list.
        big = len(ids) > RANGE_UPDATE_MIN
        pending = pending.filter(pk__gte=ids[0], pk__lte=ids[-1]) if big else pending.filter(pk__in=ids)
        updated = pending.update(file=record, submitted_at=now, provider_reference=sub.reference[:255])
        if updated != len(ids):
            # A file must list exactly payouts that no other file lists: otherwise discard it (rolls back).
            raise _Superseded()
        if sub.status == "paid":
            for pid in sub.payout_ids:
                _settle(pid, reference=sub.reference)


def _finish(run: PayoutRun) -> bool:
    if Payout.objects.filter(run=run, state=Payout.State.SCHEDULED).exists() or _unsubmitted(run).exists():
        return False
    with transaction.atomic():
        stats = Payout.objects.filter(run=run).exclude(state__in=[Payout.State.FAILED, Payout.State.HELD])
        total = sum(stats.values_list("amount", flat=True))
        PayoutRun.objects.filter(pk=run.pk).exclude(state=PayoutRun.State.DONE).update(
            state=PayoutRun.State.DONE, finished_at=clock.now(), payout_count=stats.count(), total_amount=total
        )
        audit.append(
            "payouts.run_finished",
            actor_label=run.started_by,
            target_type="payout_run",
            target_id=run.pk,
            data={"payouts": stats.count(), "total": total, "currency": run.currency},
        )
    return True


def run_payouts(
    currency: str,
    run_date: date | None = None,
    *,
    started_by: str = "system",
    batch_size: int | None = None,
    providers: dict[str, PayoutProvider] | None = None,
) -> PayoutRun:
    """Start (or resume) the payout run of ``currency`` for ``run_date`` (default today) and take it as far as it
    goes. Safe to call any number of times, concurrently or after a crash: every step is keyed by ids."""
    run_date = run_date or clock.today()
    batch = batch_size or settings.ACCORD_PAYOUTS_BATCH
    run = _run_for(currency, run_date, started_by)
    if run.state == PayoutRun.State.OPEN:
        _select(run, batch)
        _move(run, batch)
        PayoutRun.objects.filter(pk=run.pk, state=PayoutRun.State.OPEN).update(state=PayoutRun.State.SUBMITTING)
        run.state = PayoutRun.State.SUBMITTING
    if run.state == PayoutRun.State.SUBMITTING:
        _move(run, batch)  # a concurrent runner may have left scheduled payouts behind
        _submit(run, providers or default_providers())
        _finish(run)
    run.refresh_from_db()
    return run


def currencies_with_payables() -> list[str]:
    return sorted(
        set(
            Account.objects.filter(kind=Account.Kind.CREATOR_PAYABLE, balance__gt=F("pending_out"))
            .values_list("currency", flat=True)
            .distinct()
        )
    )


def run_all(run_date: date | None = None, *, started_by: str = "system") -> list[PayoutRun]:
    """The scheduled job: today's run for every currency with payable money, plus unfinished runs of earlier days."""
    runs = []
    for currency in currencies_with_payables():
        runs.append(run_payouts(currency, run_date, started_by=started_by))
    for stale in PayoutRun.objects.exclude(state=PayoutRun.State.DONE).exclude(pk__in=[r.pk for r in runs]):
        runs.append(run_payouts(stale.currency, stale.run_date, started_by=started_by))
    return runs


def operator_run(principal: Principal, currency: str, run_date: date | None = None) -> PayoutRun:
    _require_operator(principal)
    run = run_payouts(currency, run_date, started_by=principal.label)
    principal.audit("payouts.run", "payout_run", run.pk, {"currency": currency, "state": run.state})
    return run


def inline_max() -> int:
    """Up to this many creators with payable money, an operator's run finishes within the request; above, the
    worker runs it and the run page shows its progress."""
    return int(settings.ACCORD_PAYOUTS_INLINE_MAX)


def start_operator_run(principal: Principal, currency: str, run_date: date | None = None) -> tuple[PayoutRun, bool]:
    """An operator starts today's run of ``currency``: small runs finish here; big ones are handed to the background
    worker after this transaction commits (the run row exists at once, so its page can follow the progress).
    Returns (run, whether it runs in the background)."""
    _require_operator(principal)
    run_date = run_date or clock.today()
    candidates = Account.objects.filter(
        kind=Account.Kind.CREATOR_PAYABLE, currency=currency, balance__gt=F("pending_out")
    ).count()
    if candidates <= inline_max():
        return operator_run(principal, currency, run_date), False
    from accord.payouts import tasks

    with transaction.atomic():
        run = _run_for(currency, run_date, principal.label)
        principal.audit(
            "payouts.run", "payout_run", run.pk, {"currency": currency, "state": run.state, "background": True}
        )
        if run.state != PayoutRun.State.DONE:
            args = (currency, run_date.isoformat(), principal.label)
            transaction.on_commit(lambda: tasks.run_payouts.enqueue(*args))
    return run, run.state != PayoutRun.State.DONE


# -- paid / failed -------------------------------------------------------------------------------------------------


def _require_operator(principal: Principal) -> None:
    if not principal.is_operator:
        from accord.core.errors import PermissionDenied

        raise PermissionDenied(gettext("operators only"), code="operator_only")
    principal.require(Role.MEMBER)


def _lock_payout(payout_id: int) -> Payout:
    payout = Payout.objects.select_for_update().filter(pk=payout_id).first()
    if payout is None:
        raise NotFound(gettext("payout not found"))
    return payout


def _settle(payout_id: int, *, reference: str = "", at: datetime | None = None) -> Payout:
    """processing → paid: in_transit → world. Idempotent (a paid payout is returned as is)."""
    with transaction.atomic():
        payout = _lock_payout(payout_id)
        if payout.state == Payout.State.PAID:
            return payout
        if payout.state != Payout.State.PROCESSING:
            raise IllegalTransition("payout", payout.state, "mark paid")
        tx = ledger.transfer(
            key=f"payout:{payout.pk}:paid",
            kind="payout_paid",
            currency=payout.currency,
            legs=[(ledger.PAYOUTS_IN_TRANSIT, ledger.WORLD, payout.amount)],
            memo=f"payout {payout.pk} paid",
            metadata={"payout": payout.pk, "organization": payout.organization_id, "reference": reference[:255]},
        )
        now = at or clock.now()
        payout.state = Payout.State.PAID
        payout.paid_at = now
        payout.settle_transaction_id = tx.pk
        payout.days_late = cal.days_late(payout.promised_date, now.date(), now.date())
        if reference and not payout.provider_reference:
            payout.provider_reference = reference[:255]
        if payout.submitted_at is None:
            payout.submitted_at = now
        payout.save()
    return payout


def _fail(payout_id: int, reason: str, *, actor_label: str) -> Payout:
    """scheduled|processing → failed; money in transit returns to the creator's payable. Idempotent."""
    reason = reason.strip()[:500] or "failed"
    with transaction.atomic():
        payout = _lock_payout(payout_id)
        if payout.state == Payout.State.FAILED:
            return payout
        if payout.state == Payout.State.PAID:
            raise IllegalTransition("payout", payout.state, "mark failed")
        if payout.state == Payout.State.PROCESSING:
            tx = ledger.transfer(
                key=f"payout:{payout.pk}:failed",
                kind="payout_failed",
                currency=payout.currency,
                legs=[(ledger.PAYOUTS_IN_TRANSIT, ledger.creator_payable_code(payout.organization_id), payout.amount)],
                memo=f"payout {payout.pk} failed: {reason}"[:500],
                metadata={"payout": payout.pk, "reason": reason, "by": actor_label},
            )
            payout.settle_transaction_id = tx.pk
        now = clock.now()
        payout.state = Payout.State.FAILED
        payout.failed_at = now
        payout.failure_reason = reason
        payout.days_late = cal.days_late(payout.promised_date, None, now.date())
        payout.save()
    return payout


def hold_out(payout_id: int, *, reason: str, actor_label: str) -> bool:
    """Take a payout whose money has not moved yet out of its run (a dispute about that money): it is never moved
    or submitted, and the creator's payable balance stays where it is for a later run, less what the dispute holds
    there (``escrow.hold_payable``). False when the run already moved it (then only the payable hold applies)."""
    with transaction.atomic():
        held = Payout.objects.filter(pk=payout_id, state=Payout.State.SCHEDULED).update(
            state=Payout.State.HELD, failed_at=clock.now(), failure_reason=reason[:500]
        )
        if held:
            audit.append(
                "payouts.held_out",
                actor_label=actor_label[:200],
                target_type="payout",
                target_id=payout_id,
                data={"reason": reason[:500]},
            )
        return bool(held)


def mark_paid(principal: Principal, payout_id: int, *, reference: str = "") -> Payout:
    _require_operator(principal)
    with transaction.atomic():
        payout = _settle(payout_id, reference=reference)
        principal.audit(
            "payouts.marked_paid",
            "payout",
            payout.pk,
            {"reference": reference, "days_late": payout.days_late},
            organization_id=payout.organization_id,
        )
    return payout


def mark_failed(principal: Principal, payout_id: int, *, reason: str) -> Payout:
    _require_operator(principal)
    if not reason.strip():
        raise ValidationFailed(gettext("say why the payout failed"), fields={"reason": "required"})
    with transaction.atomic():
        payout = _fail(payout_id, reason, actor_label=principal.label)
        principal.audit(
            "payouts.marked_failed", "payout", payout.pk, {"reason": reason}, organization_id=payout.organization_id
        )
    return payout


def mark_file_paid(actor_label: str, file_id: int) -> int:
    """Bank confirmed a whole SEPA file: every payout of it still processing is paid. Returns how many."""
    pending = Payout.objects.filter(file_id=file_id, state=Payout.State.PROCESSING)
    ids = list(pending.order_by("id").values_list("id", flat=True))
    for pid in ids:
        _settle(pid, reference=f"file:{file_id}")
    audit.append("payouts.file_paid", actor_label=actor_label, target_type="payout_file", target_id=file_id)
    return len(ids)


# -- queries -------------------------------------------------------------------------------------------------------


def payouts_of(org_id: int) -> QuerySet[Payout]:
    return scoped(Payout.objects.select_related("method"), org_id)


def late_payouts(today: date | None = None) -> QuerySet[Payout]:
    today = today or clock.today()
    return Payout.objects.filter(
        Q(days_late__gt=0) | Q(state__in=[Payout.State.SCHEDULED, Payout.State.PROCESSING], promised_date__lt=today)
    )


def add_debtor(*, name: str, iban: str, bic: str, currency: str, actor_label: str = "system") -> DebtorAccount:
    details = banking.validate_sepa(name, iban, bic)
    validate_currency(currency)
    with transaction.atomic():
        DebtorAccount.objects.filter(currency=currency, active=True).update(active=False)
        debtor = DebtorAccount.objects.create(
            name=details.account_holder, iban=details.iban, bic=details.bic, currency=currency
        )
        audit.append(
            "payouts.debtor_set",
            actor_label=actor_label,
            target_type="debtor_account",
            target_id=debtor.pk,
            data={"currency": currency, "iban": details.iban_masked},
        )
    return debtor


def files_of_run(run_id: int) -> Iterable[PayoutFile]:
    return PayoutFile.objects.filter(run_id=run_id).defer("content")
