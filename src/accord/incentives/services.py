"""Accrual: turn a collaboration's tracked facts into money, incrementally and idempotently (DESIGN §3, §5).

For a contract whose signed terms carry ``compensation`` rules, ``accrue_contract`` evaluates the terms on the
collaboration's daily rollups (which already exclude fraud-flagged facts) plus approved milestones and hours, and
books per (rule, period) only the difference from what is already booked:

- more earned → ``escrow.accrue`` (``escrow:<campaign> → creator:<org>:pending``, locked until ``available_at``), at
  most what the escrow has available; the rest waits as ``awaiting_funds`` and the brand is asked to top up;
- less earned (refunds) → ``escrow.clawback`` from the position's still-locked accruals, only with evidence (the
  refund facts), within the contract's clawback cap; what cannot be clawed back stays ``unrecovered`` and is offset
  against future earnings of that position (the next accrual books only target − booked);
- facts excluded by fraud flags are evaluated separately: what they would earn is shown ``on_hold`` with the flag
  reasons, and accrues by itself once an operator clears the flag (tracking restores the rollups).

Every booking is a ``Booking`` row with a unique (position, seq), the ledger transaction, the KPI value, the
threshold and the evidence (a query reference over the facts, plus refund and flag ids), so every cent explains
itself. Runs after ingest through a change feed (``scan_changes`` reads new tracking facts by id and marks their
collaborations ``Dirty``; ``process_dirty`` books them); ``follow`` loops both every ~0.1 s.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Q, QuerySet, Sum

from accord.accounts.auth import Principal
from accord.accounts.models import Organization
from accord.contracts.models import Contract, Milestone, TimeEntry, Timesheet
from accord.core import clock
from accord.core.errors import NotFound, PermissionDenied, ValidationFailed
from accord.escrow import services as escrow
from accord.escrow.models import Accrual
from accord.incentives import rules
from accord.incentives.models import Booking, Cursor, Dirty, Position, State
from accord.incentives.spend import SWEEP_LOOKBACK, scan_spend
from accord.ledger import services as ledger
from accord.tracking.kpis import Totals
from accord.tracking.models import ROLLUP_COLUMNS, Click, Conversion, Event, FraudFlag, PostMetricSnapshot, Rollup
from accord.tracking.rollups import Series, contract_key, series

logger = logging.getLogger("accord.incentives")

ACCRUING = (Contract.Status.SIGNED, Contract.Status.ACTIVE, Contract.Status.COMPLETED)
TOPUP_EVERY = timedelta(hours=24)
EVIDENCE_IDS = 200  # ids listed inline per booking; the query reference covers the rest


def _lock(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.select_for_update() if connection.vendor == "postgresql" else qs


# -- terms and metrics ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    terms: rules.CompensationTerms
    lock_days: int  # the contract's commission lock window


def plan_for(contract: Contract) -> Plan | None:
    """The compensation rules in force (the signed version), or None when the contract has none."""
    version = contract.signed_version
    if version is None:
        return None
    data = version.terms or {}
    comp = data.get("compensation")
    if not comp:
        return None
    terms = rules.CompensationTerms.model_validate(comp)
    if terms.starts_on is None:
        start = (contract.signed_at or contract.created_at).date()
        terms = terms.model_copy(update={"starts_on": start})
    return Plan(terms=terms, lock_days=int(data.get("commission_lock_days", 30)))


def escrow_lock_days(rule_lock: int, contract_lock: int) -> int:
    """The escrow lock window for a rule: the longer of the rule's and the contract's, rounded up to a window
    escrow supports (at most its longest, 90 days)."""
    wanted = max(rule_lock, contract_lock)
    for window in escrow.LOCK_WINDOWS_DAYS:
        if window >= wanted:
            return window
    return escrow.LOCK_WINDOWS_DAYS[-1]


def collaboration_key(contract: Contract) -> str:
    """The one rollup key of this collaboration (the rule: ``accord.tracking.rollups``)."""
    return contract_key(contract.pk)


# Contracts that never came about: a link or code made while they are the pair's only one is not made for them.
NEVER_IN_FORCE = (Contract.Status.DECLINED, Contract.Status.WITHDRAWN, Contract.Status.EXPIRED)


def tag_for(campaign_id: int, creator_id: int, tag: str = "") -> str:
    """The collaboration tag a new tracking link or promo code of a campaign and creator gets: a bare contract id of
    theirs becomes ``contract:<id>``; no tag names their contract when they have exactly one (the usual case: the
    link is made for the collaboration the brand has with this creator); else the tag as given (with none, the
    link counts for the campaign and the creator only — with two contracts nobody can tell whose it is)."""
    contracts = Contract.objects.filter(campaign_id=campaign_id, creator_id=creator_id)
    if tag.isdigit() and contracts.filter(pk=int(tag)).exists():
        return contract_key(int(tag))
    if tag:
        return tag
    ids = list(contracts.exclude(status__in=NEVER_IN_FORCE).values_list("pk", flat=True)[:2])
    return contract_key(ids[0]) if len(ids) == 1 else ""


def of_collaboration(contract: Contract, model: type[Event | Conversion | PostMetricSnapshot]) -> Q:
    """Which facts of ``model`` are this collaboration's: those counted under its rollup key (a link made for it;
    for a conversion without a link, a promo code made for it)."""
    tag = collaboration_key(contract)
    pair = Q(campaign_id=contract.campaign_id, creator_id=contract.creator_id)
    if model is Conversion:
        return pair & (Q(link__collaboration=tag) | Q(link=None, promo_code__collaboration=tag))
    return pair & Q(link__collaboration=tag)


_COUNTER_TO_KPI = {
    "clicks": "clicks",
    "unique_clicks": "unique_clicks",
    "impressions": "impressions",
    "views": "views",
    "engagements": "engagements",
    "conversions": "conversions",
    "refunds": "refunded_conversions",
    "revenue": "revenue",
    "refunded": "refunded",
}


def _day(at: datetime) -> date:
    return at.date()


def facts_metrics(contract: Contract) -> tuple[dict[date, dict[str, Any]], datetime | None]:
    """Daily KPI increments of the collaboration from rollups (flag-excluded facts are not in them)."""
    days: dict[date, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    rows = Rollup.objects.filter(
        dimension=Rollup.Dimension.COLLABORATION,
        granularity=Rollup.Granularity.DAY,
        campaign_id=contract.campaign_id,
        creator_id=contract.creator_id,
        key=collaboration_key(contract),
        currency=contract.currency,
    ).values("bucket", *_COUNTER_TO_KPI)
    for row in rows:
        bucket = days[_day(row["bucket"])]
        for counter, kpi in _COUNTER_TO_KPI.items():
            bucket[kpi] += int(row[counter] or 0)
    for entry in TimeEntry.objects.filter(contract=contract, timesheet__status=Timesheet.Status.APPROVED).values(
        "work_date", "minutes"
    ):
        days[entry["work_date"]]["hours"] += Decimal(entry["minutes"]) / 60
    return days, None


def _metrics(days: dict[date, dict[str, Any]], contract: Contract) -> rules.Metrics:
    milestones = Milestone.objects.filter(
        contract=contract, status__in=(Milestone.Status.APPROVED, Milestone.Status.RELEASED)
    ).values_list("key", "approved_at")
    return rules.Metrics(
        days=[
            rules.DayMetrics(day=d, **{k: (max(v, 0) if k != "hours" else v) for k, v in values.items()})
            for d, values in sorted(days.items())
        ],
        milestones_approved=[key for key, _ in milestones],
        milestones_approved_on={key: at.date() for key, at in milestones if at is not None},
    )


def flagged_increments(contract: Contract) -> tuple[dict[date, dict[str, int]], list[dict[str, Any]]]:
    """What the flag-excluded facts of this collaboration would add, per day, and the active flags on its facts
    (not those of another contract of the same campaign and creator)."""
    active = FraudFlag.objects.filter(campaign_id=contract.campaign_id, creator_id=contract.creator_id, excluded=True)
    flags: list[dict[str, Any]] = [
        dict(f) for f in active.order_by("id").values("id", "rule", "reason", "target_type", "target_id")[:EVIDENCE_IDS]
    ]
    extra: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if not flags:
        return extra, flags
    by_type: dict[str, set[int]] = defaultdict(set)
    for f in flags:
        by_type[f["target_type"]].add(int(f["target_id"]))
    tag = collaboration_key(contract)
    targets: tuple[tuple[str, QuerySet[Any]], ...] = (
        (FraudFlag.Target.EVENT, Event.objects.filter(of_collaboration(contract, Event))),
        (FraudFlag.Target.CONVERSION, Conversion.objects.filter(of_collaboration(contract, Conversion))),
        (FraudFlag.Target.SNAPSHOT, PostMetricSnapshot.objects.filter(of_collaboration(contract, PostMetricSnapshot))),
        (FraudFlag.Target.CLICK, Click.objects.filter(link__collaboration=tag)),
    )
    for target, facts in targets:
        if by_type.get(target):
            by_type[target] = set(facts.filter(pk__in=by_type[target]).values_list("pk", flat=True))
    flags = [f for f in flags if int(f["target_id"]) in by_type.get(f["target_type"], set())]
    if not flags:
        return extra, flags
    events = Event.objects.filter(of_collaboration(contract, Event), excluded=True)
    for ev in events.filter(pk__in=by_type.get(FraudFlag.Target.EVENT, set())).values(
        "type", "quantity", "amount", "occurred_at"
    ):
        bucket = extra[_day(ev["occurred_at"])]
        if ev["type"] == "conversion":
            bucket["conversions"] += 1
            bucket["revenue"] += abs(ev["amount"])
        elif ev["type"] == "refund":
            bucket["refunded_conversions"] += 1
            bucket["refunded"] += abs(ev["amount"])
        elif ev["type"] in ("view", "impression", "engagement", "click"):
            name = {"view": "views", "impression": "impressions", "engagement": "engagements", "click": "clicks"}
            bucket[name[ev["type"]]] += ev["quantity"]
    conv_ids = by_type.get(FraudFlag.Target.CONVERSION, set())
    for conv in (
        Conversion.objects.filter(Q(pk__in=conv_ids) | Q(order__conversions__pk__in=conv_ids))
        .filter(of_collaboration(contract, Conversion), excluded=True)
        .distinct()
        .values("kind", "base", "occurred_at")
    ):
        bucket = extra[_day(conv["occurred_at"])]
        if conv["kind"] == Conversion.Kind.SALE:
            bucket["conversions"] += 1
            bucket["revenue"] += conv["base"]
        else:
            bucket["refunded_conversions"] += 1
            bucket["refunded"] += -conv["base"]
    for snap in PostMetricSnapshot.objects.filter(
        of_collaboration(contract, PostMetricSnapshot),
        pk__in=by_type.get(FraudFlag.Target.SNAPSHOT, set()),
        excluded=True,
    ).values("views_delta", "impressions_delta", "engagements_delta", "captured_at"):
        bucket = extra[_day(snap["captured_at"])]
        bucket["views"] += max(snap["views_delta"], 0)
        bucket["impressions"] += max(snap["impressions_delta"], 0)
        bucket["engagements"] += max(snap["engagements_delta"], 0)
    return extra, flags


def period_range(key: str, start: date | None) -> tuple[date | None, date | None]:
    """The days a period key covers (inclusive), None where open."""
    try:
        if key == "all":
            return start, None
        if "-W" in key:
            year, week = key.split("-W")
            first = date.fromisocalendar(int(year), int(week), 1)
            return first, first + timedelta(days=6)
        parts = key.split("-")
        if len(parts) == 2:
            first = date(int(parts[0]), int(parts[1]), 1)
            nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
            return first, nxt - timedelta(days=1)
        day = date.fromisoformat(key)
        return day, day
    except ValueError:
        return None, None


_KPI_FACTS: dict[str, tuple[str, ...]] = {
    "views": ("view",),
    "impressions": ("impression",),
    "engagements": ("engagement",),
    "clicks": ("click",),
    "unique_clicks": ("click",),
    "conversions": ("conversion",),
    "conversions_net": ("conversion", "refund"),
    "refunded_conversions": ("refund",),
    "revenue": ("conversion",),
    "revenue_net": ("conversion", "refund"),
    "refunded": ("refund",),
}


def evidence_query(contract: Contract, line: rules.Line, start: date | None) -> dict[str, Any]:
    """A reference that selects the facts behind a line (tracking events, conversions, snapshots, hours)."""
    first, last = period_range(line.period, start)
    if line.kind == "tiered_bonus":
        first = start  # tiers are reached on the cumulative KPI since the start
    return {
        "campaign": contract.campaign_id,
        "creator": contract.creator_id,
        "collaboration_key": collaboration_key(contract),
        "kpi": line.kpi,
        "fact_types": list(_KPI_FACTS.get(line.kpi or "", ())),
        "from": first.isoformat() if first else None,
        "to": last.isoformat() if last else None,
        "excluded": False,
    }


def _refund_evidence(contract: Contract, first: date | None, last: date | None) -> dict[str, list[int]]:
    """Ids of the refunds of this collaboration in a period: a clawback's required evidence."""
    conv = Conversion.objects.filter(
        of_collaboration(contract, Conversion), kind=Conversion.Kind.REFUND, excluded=False
    )
    ev = Event.objects.filter(of_collaboration(contract, Event), type=Event.Type.REFUND, excluded=False)
    if first is not None:
        conv, ev = conv.filter(occurred_at__date__gte=first), ev.filter(occurred_at__date__gte=first)
    if last is not None:
        conv, ev = conv.filter(occurred_at__date__lte=last), ev.filter(occurred_at__date__lte=last)
    return {
        "refund_conversions": list(conv.order_by("-id").values_list("id", flat=True)[:EVIDENCE_IDS]),
        "refund_events": list(ev.order_by("-id").values_list("id", flat=True)[:EVIDENCE_IDS]),
    }


# -- accrual -------------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    contract_id: int
    accrued: int = 0
    clawed_back: int = 0
    awaiting: int = 0
    unrecovered: int = 0
    on_hold: int = 0
    bookings: list[int] = field(default_factory=list)
    skipped: str = ""


def _state(contract: Contract) -> State:
    state, _ = State.objects.get_or_create(
        contract=contract,
        defaults={
            "campaign_id": contract.campaign_id,
            "brand_id": contract.brand_id,
            "creator_id": contract.creator_id,
            "currency": contract.currency,
        },
    )
    return state


def clawback_cap(state: State) -> int:
    """The most a contract may ever have clawed back: its own cap if set, else everything accrued on it."""
    return state.accrued if state.clawback_cap is None else min(state.clawback_cap, state.accrued)


def accrue_contract(contract_id: int, *, fact_received_at: datetime | None = None) -> Outcome:
    """Evaluate one collaboration and book the differences. Idempotent: a second run with the same facts books
    nothing. One database transaction, with the collaboration's state row locked."""
    out = Outcome(contract_id)
    contract = Contract.objects.select_related("signed_version").filter(pk=contract_id).first()
    if contract is None:
        raise NotFound("contract not found")
    plan = plan_for(contract)
    if plan is None or contract.status not in ACCRUING:
        out.skipped = "no compensation rules in force" if plan is None else f"contract is {contract.status}"
        return out
    with transaction.atomic():
        _state(contract)
        state = _lock(State.objects.filter(contract=contract)).get()
        days, _ = facts_metrics(contract)
        metrics = _metrics(days, contract)
        evaluation = rules.evaluate(plan.terms, metrics)
        extra, flags = flagged_increments(contract)
        held_by: dict[tuple[str, str], int] = {}
        if extra:
            merged: dict[date, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
            for source in (days, extra):
                for d, values in source.items():
                    for k, v in values.items():
                        merged[d][k] += v
            with_flags = rules.evaluate(plan.terms, _metrics(merged, contract))
            for line in with_flags.lines:
                held_by[(line.rule_id, line.period)] = held_by.get((line.rule_id, line.period), 0) + line.amount
            for line in evaluation.lines:
                key = (line.rule_id, line.period)
                held_by[key] = held_by.get(key, 0) - line.amount
        start = plan.terms.starts_on
        available = ledger.balances(ledger.escrow_code(contract.campaign_id), contract.currency).available
        positions = (
            {(p.rule_id, p.period): p for p in Position.objects.filter(contract=contract).select_for_update()}
            if connection.vendor == "postgresql"
            else {(p.rule_id, p.period): p for p in Position.objects.filter(contract=contract)}
        )
        seen: set[tuple[str, str]] = set()
        now = clock.now()
        prepared: list[tuple[rules.Line, Position, int, dict[str, Any]]] = []
        for line in evaluation.lines:
            key = (line.rule_id, line.period)
            seen.add(key)
            position = positions.get(key)
            if position is None:
                if line.amount == 0 and held_by.get(key, 0) <= 0:
                    continue
                position = Position.objects.create(
                    contract=contract, rule_id=line.rule_id, kind=line.kind, period=line.period
                )
                positions[key] = position
            rule = next(r for r in plan.terms.rules if r.id == line.rule_id)
            lock = escrow_lock_days(rule.lock_days, plan.lock_days)
            position.target = line.amount
            position.capped = line.capped
            position.kpi = line.kpi or ""
            position.kpi_value = line.kpi_value
            position.threshold = line.threshold
            position.lock_days = lock
            position.on_hold = max(held_by.get(key, 0), 0)
            position.hold_reasons = [f"{f['rule']}: {f['reason']}"[:300] for f in flags] if position.on_hold else []
            position.awaiting = 0
            position.status = Position.Status.BOOKED
            prepared.append((line, position, lock, evidence_query(contract, line, start)))
        # Money follows each rule's total: a period that earns less (refunds) first nets against the rule's other
        # periods, and only what the rule as a whole is over-booked is clawed back; a period that earns more books
        # only what the rule as a whole is under-booked. That makes one run a fixed point (a second books nothing).
        rule_target: dict[str, int] = defaultdict(int)
        for line in evaluation.lines:
            rule_target[line.rule_id] += line.amount
        booked_by_rule: dict[str, int] = defaultdict(int)
        for p in positions.values():
            booked_by_rule[p.rule_id] += p.booked
        # Clawbacks first, so escrow they return is seen by this run's accruals.
        for line, position, _lock_days, evidence in prepared:
            over = booked_by_rule[line.rule_id] - rule_target[line.rule_id]
            need = min(position.booked - line.amount, over)
            if need > 0:
                done = _claw_back(state, contract, position, line, need, evidence, fact_received_at, out)
                booked_by_rule[line.rule_id] -= done
                available += done
        # Accruals: bounded by the rule's own total, its cap and the terms cap on what is *booked* (refunds that
        # could not be clawed back free no room), and by the escrow available (the rest awaits a top-up).
        booked_total = sum(booked_by_rule.values())
        caps = {r.id: r.cap for r in plan.terms.rules}
        for line, position, lock, evidence in prepared:
            delta = line.amount - position.booked
            if delta <= 0:
                continue
            room = min(delta, rule_target[line.rule_id] - booked_by_rule[line.rule_id])
            rule_cap = caps.get(line.rule_id)
            if rule_cap is not None:
                room = min(room, rule_cap - booked_by_rule[line.rule_id])
            if plan.terms.cap is not None:
                room = min(room, plan.terms.cap - booked_total)
            room = max(room, 0)
            amount = min(room, max(available, 0))
            if amount > 0:
                booking = _book_accrual(contract, position, line, amount, lock, evidence, fact_received_at)
                if booking is None:
                    amount = 0
                else:
                    available -= amount
                    booked_by_rule[line.rule_id] += amount
                    booked_total += amount
                    out.accrued += amount
                    out.bookings.append(booking.pk)
            position.awaiting = room - amount
            if room < delta:
                position.capped = True
        for _line, position, _lock_days, _evidence in prepared:
            if position.awaiting:
                position.status = Position.Status.AWAITING_FUNDS
            elif position.booked > position.target:
                position.status = Position.Status.UNRECOVERED
            position.updated_at = now
            position.save()
        for key, position in positions.items():
            if key not in seen and (position.awaiting or position.on_hold):
                position.awaiting = position.on_hold = 0
                position.save(update_fields=["awaiting", "on_hold"])
        totals = Position.objects.filter(contract=contract).values_list("awaiting", "on_hold", "booked", "target")
        out.awaiting = sum(t[0] for t in totals)
        out.on_hold = sum(t[1] for t in totals)
        out.unrecovered = sum(max(t[2] - t[3], 0) for t in totals)
        previous = state.status
        state.awaiting, state.on_hold = out.awaiting, out.on_hold
        state.status = State.Status.AWAITING_FUNDS if out.awaiting else State.Status.OK
        state.evaluations += 1
        state.evaluated_at = now
        if state.status == State.Status.AWAITING_FUNDS and (
            previous != State.Status.AWAITING_FUNDS
            or state.topup_requested_at is None
            or state.topup_requested_at + TOPUP_EVERY <= now
        ):
            state.topup_requested_at = now
            _ask_for_topup(contract, out.awaiting)
        state.save(update_fields=["awaiting", "on_hold", "status", "evaluations", "evaluated_at", "topup_requested_at"])
    return out


def _book_accrual(
    contract: Contract,
    position: Position,
    line: rules.Line,
    amount: int,
    lock_days: int,
    evidence: dict[str, Any],
    fact_received_at: datetime | None,
) -> Booking | None:
    seq = position.bookings.count() + 1
    key = f"incentives:{contract.pk}:{position.rule_id}:{position.period}:{seq}"
    try:
        with transaction.atomic():
            accrual = escrow.accrue(
                campaign_id=contract.campaign_id,
                creator_org_id=contract.creator_id,
                amount=amount,
                key=key,
                lock_days=lock_days,
                reference_type="incentive",
                reference_id=f"{contract.pk}:{position.rule_id}:{position.period}"[:64],
            )
    except ledger.InsufficientFunds:
        return None  # another collaboration of the campaign took the escrow first: this waits for a top-up
    booking = Booking.objects.create(
        position=position,
        contract=contract,
        creator_id=contract.creator_id,
        brand_id=contract.brand_id,
        seq=seq,
        kind=Booking.Kind.ACCRUAL,
        reason=Booking.Reason.EARNED,
        amount=amount,
        currency=contract.currency,
        target_before=position.booked,
        target_after=line.amount,
        kpi=line.kpi or "",
        kpi_value=line.kpi_value,
        threshold=line.threshold,
        evidence={"query": evidence, "capped": line.capped},
        escrow_accrual=accrual,
        transaction_id=accrual.transaction_id,
        available_at=accrual.available_at,
        fact_received_at=fact_received_at,
    )
    position.booked += amount
    State.objects.filter(contract=contract).update(accrued=F("accrued") + amount)
    return booking


def _claw_back(
    state: State,
    contract: Contract,
    position: Position,
    line: rules.Line,
    need: int,
    evidence: dict[str, Any],
    fact_received_at: datetime | None,
    out: Outcome,
) -> int:
    """Claw back up to ``need`` from the position's still-locked accruals, with refund evidence, within the cap."""
    first, last = period_range(line.period, None)
    proof = _refund_evidence(contract, first, last)
    if not proof["refund_conversions"] and not proof["refund_events"]:
        return 0  # no evidence, no clawback: the difference stays unrecovered (offset against future earnings)
    state.refresh_from_db(fields=["accrued", "clawed_back", "clawback_cap"])
    room = clawback_cap(state) - state.clawed_back
    now = clock.now()
    done = 0
    sources = (
        Accrual.objects.filter(
            incentive_booking__contract=contract,
            incentive_booking__position__rule_id=position.rule_id,
            status=Accrual.Status.PENDING,
            available_at__gt=now,
            frozen_at=None,  # a dispute holds it until its outcome
        )
        .order_by("-id")
        .values_list("id", "amount", "clawed_back")
    )
    for accrual_id, amount, clawed in sources:
        take = min(need - done, amount - clawed, room - done)
        if take <= 0:
            break
        seq = position.bookings.count() + 1
        key = f"incentives:{contract.pk}:{position.rule_id}:{position.period}:{seq}"
        reason = f"refund: {line.kind} {position.rule_id} {position.period} now earns {line.amount}"
        row = escrow.clawback(accrual_id=accrual_id, amount=take, reason=reason, key=key)
        booking = Booking.objects.create(
            position=position,
            contract=contract,
            creator_id=contract.creator_id,
            brand_id=contract.brand_id,
            seq=seq,
            kind=Booking.Kind.CLAWBACK,
            reason=Booking.Reason.REFUND,
            amount=-take,
            currency=contract.currency,
            target_before=position.booked,
            target_after=line.amount,
            kpi=line.kpi or "",
            kpi_value=line.kpi_value,
            threshold=line.threshold,
            evidence={"query": evidence, "refunds": proof, "from_accrual": accrual_id},
            escrow_clawback=row,
            transaction_id=row.transaction_id,
            fact_received_at=fact_received_at,
        )
        position.booked -= take
        done += take
        out.clawed_back += take
        out.bookings.append(booking.pk)
    if done:
        State.objects.filter(pk=state.pk).update(clawed_back=F("clawed_back") + done)
        state.clawed_back += done
    return done


def _ask_for_topup(contract: Contract, missing: int) -> None:
    from accord.messaging.events import publish

    publish(
        "incentives.topup_needed",
        subject=contract.subject,
        organization_ids=[contract.brand_id, contract.creator_id],
        actor_label="accord",
        data={
            "title": contract.title,
            "contract": contract.pk,
            "campaign": contract.campaign_id,
            "missing": missing,
            "currency": contract.currency,
            "message": "Earned commission is waiting for escrow: please top up the campaign escrow.",
        },
    )


def set_clawback_cap(actor: Principal, *, contract_id: int, cap: int | None) -> State:
    """Operators set the most that may ever be clawed back on a contract (None: up to what was accrued)."""
    if not actor.is_operator:
        raise PermissionDenied("only operators set clawback caps")
    if cap is not None and (type(cap) is not int or cap < 0):
        raise ValidationFailed("cap must be a non-negative integer of minor units", fields={"cap": "invalid"})
    contract = Contract.objects.filter(pk=contract_id).first()
    if contract is None:
        raise NotFound("contract not found")
    with transaction.atomic():
        _state(contract)
        state = _lock(State.objects.filter(contract=contract)).get()
        state.clawback_cap = cap
        state.save(update_fields=["clawback_cap"])
        actor.audit("incentives.clawback_cap", "contract", contract.pk, {"cap": cap}, contract.brand_id)
    return state


def claw_back_for_fraud(actor: Principal, *, booking_id: int, flag_id: int, key: str) -> Booking:
    """An operator confirms fraud behind an accrual: claw it back (still locked only), citing the fraud flag."""
    if not actor.is_operator:
        raise PermissionDenied("only operators claw back for fraud")
    booking = Booking.objects.select_related("position", "contract", "escrow_accrual").filter(pk=booking_id).first()
    if booking is None or booking.kind != Booking.Kind.ACCRUAL or booking.escrow_accrual is None:
        raise NotFound("accrual booking not found")
    contract = booking.contract
    flag = FraudFlag.objects.filter(
        pk=flag_id, campaign_id=contract.campaign_id, creator_id=contract.creator_id
    ).first()
    if flag is None:
        raise ValidationFailed("a fraud clawback needs a fraud flag of this collaboration", code="evidence_required")
    with transaction.atomic():
        state = _lock(State.objects.filter(contract=contract)).get()
        position = _lock(Position.objects.filter(pk=booking.position_id)).get()
        existing = Booking.objects.filter(position=position, evidence__key=key).first()
        if existing is not None:
            return existing
        accrual = booking.escrow_accrual
        accrual.refresh_from_db()
        if accrual.status != Accrual.Status.PENDING or accrual.available_at <= clock.now():
            raise ValidationFailed("only an accrual still in its lock window can be clawed back", code="lock_ended")
        room = clawback_cap(state) - state.clawed_back
        take = min(accrual.remaining, room)
        if take <= 0:
            raise ValidationFailed("the contract's clawback cap is reached", code="clawback_cap_reached")
        seq = position.bookings.count() + 1
        row = escrow.clawback(
            accrual_id=accrual.pk,
            amount=take,
            reason=f"fraud: {flag.rule}: {flag.reason}"[:500],
            key=f"incentives:{contract.pk}:{position.rule_id}:{position.period}:{seq}",
        )
        out = Booking.objects.create(
            position=position,
            contract=contract,
            creator_id=contract.creator_id,
            brand_id=contract.brand_id,
            seq=seq,
            kind=Booking.Kind.CLAWBACK,
            reason=Booking.Reason.FRAUD,
            amount=-take,
            currency=contract.currency,
            target_before=position.booked,
            target_after=position.booked - take,
            kpi=booking.kpi,
            kpi_value=booking.kpi_value,
            threshold=booking.threshold,
            evidence={
                "query": booking.evidence.get("query"),
                "fraud_flag": flag.pk,
                "key": key,
                "from_accrual": accrual.pk,
                "reason": flag.reason,
            },
            escrow_clawback=row,
            transaction_id=row.transaction_id,
        )
        position.booked -= take
        position.save(update_fields=["booked"])
        state.clawed_back += take
        state.save(update_fields=["clawed_back"])
        actor.audit(
            "incentives.fraud_clawback", "booking", out.pk, {"amount": take, "flag": flag.pk}, contract.brand_id
        )
        return out


# -- change feed: facts → dirty collaborations → accrual -----------------------------------------------------------

_FEEDS: list[tuple[str, Any, str]] = [
    ("event", Event, "received_at"),
    ("conversion", Conversion, "received_at"),
    ("snapshot", PostMetricSnapshot, "created_at"),
    ("flag", FraudFlag, "created_at"),
]
FEED_BATCH = 50_000
_MARK_CHUNK = 500


def mark_dirty(contract_ids: Iterable[int], fact_received_at: datetime | None = None) -> int:
    """Mark collaborations for re-evaluation (in the caller's transaction). A row that is there already gets its
    ``generation`` bumped rather than being left as it is, so a follower that read the old generation keeps the row
    when it clears it (``_take``): a mark is never lost to a follower taking the collaboration at the same moment.
    The oldest ``marked_at`` and ``fact_received_at`` stay (order and latency are counted from the first mark)."""
    ids = sorted(set(contract_ids))  # rows locked in one order by every writer: no deadlocks on PostgreSQL
    if not ids:
        return 0
    qn = connection.ops.quote_name
    table = qn(Dirty._meta.db_table)
    when = connection.ops.adapt_datetimefield_value(clock.now())
    received = connection.ops.adapt_datetimefield_value(fact_received_at)
    upsert = (
        f" ON CONFLICT (contract_id) DO UPDATE SET generation = {table}.generation + 1, "
        f"fact_received_at = COALESCE({table}.fact_received_at, excluded.fact_received_at)"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(ids), _MARK_CHUNK):
            chunk = ids[start : start + _MARK_CHUNK]
            cursor.execute(
                f"INSERT INTO {table} (contract_id, marked_at, fact_received_at, generation) VALUES "  # noqa: S608
                + ", ".join(["(%s, %s, %s, 1)"] * len(chunk))
                + upsert,
                [v for i in chunk for v in (i, when, received)],
            )
    return len(ids)


def _take(dirty: Dirty) -> bool:
    """Clear the mark if it is still the generation read (compare-and-delete); False when it was marked again since
    (it stays for the next pass) or another follower took it."""
    deleted, _ = Dirty.objects.filter(contract_id=dirty.contract_id, generation=dirty.generation).delete()
    return bool(deleted)


def contracts_for_pairs(pairs: set[tuple[int, int]]) -> list[int]:
    if not pairs:
        return []
    q = Q()
    for campaign_id, creator_id in pairs:
        q |= Q(campaign_id=campaign_id, creator_id=creator_id)
    return list(Contract.objects.filter(q, status__in=ACCRUING).values_list("pk", flat=True))


def scan_changes() -> int:
    """Read tracking facts added since the last scan (by id) and mark their collaborations dirty; also mark
    collaborations waiting for escrow whose campaign escrow now has money available. Returns how many marked."""
    marked = 0
    for name, model, received in _FEEDS:
        cursor, _ = Cursor.objects.get_or_create(name=name)
        rows = list(
            model.objects.filter(pk__gt=cursor.last_id)
            .order_by("pk")
            .values_list("pk", "campaign_id", "creator_id", received)[:FEED_BATCH]
        )
        if not rows:
            continue
        pairs = {(r[1], r[2]) for r in rows if r[1] is not None and r[2] is not None}
        newest = max(r[3] for r in rows)
        marked += mark_dirty(contracts_for_pairs(pairs), newest)
        Cursor.objects.filter(name=name, last_id=cursor.last_id).update(last_id=rows[-1][0], updated_at=clock.now())
    for state in State.objects.filter(status=State.Status.AWAITING_FUNDS).only(
        "contract_id", "campaign_id", "currency"
    ):
        if ledger.balances(ledger.escrow_code(state.campaign_id), state.currency).available > 0:
            marked += mark_dirty([state.contract_id])
    return marked


def sweep() -> int:
    """Mark every accruing contract with compensation rules dirty: catches what the id feed cannot see (facts
    committed out of id order, changes made with queryset updates); and count spend committed far out of order."""
    ids = [
        c.pk
        for c in Contract.objects.filter(status__in=ACCRUING).select_related("signed_version")
        if plan_for(c) is not None
    ]
    scan_spend(lookback=SWEEP_LOOKBACK)
    return mark_dirty(ids)


def process_dirty(limit: int = 100) -> list[Outcome]:
    """Evaluate and book the dirty collaborations (oldest first)."""
    outcomes = []
    for dirty in list(Dirty.objects.order_by("marked_at", "contract_id")[:limit]):
        if not _take(dirty):
            continue  # marked again since it was read (the next pass takes it), or another follower took it
        try:
            outcomes.append(accrue_contract(dirty.contract_id, fact_received_at=dirty.fact_received_at))
        except IntegrityError:
            mark_dirty([dirty.contract_id], dirty.fact_received_at)  # a concurrent booking won: evaluate again
        except Exception:
            logger.exception("accrual of contract %s failed", dirty.contract_id)
    return outcomes


def run_once() -> list[Outcome]:
    scan_changes()
    outcomes = process_dirty()
    try:
        scan_spend()  # after booking, so this pass's accruals reach the rollups' spend in the same pass
    except Exception:
        logger.exception("counting spend failed; the next pass retries")  # accrual must not stop with it
    return outcomes


def follow(interval: float = 0.1, *, stop: Callable[[], bool] | None = None, sweep_every: float = 60.0) -> None:
    """Keep accruals within a fraction of a second of ingest: scan, book, sleep ``interval``; sweep now and then."""
    last_sweep = 0.0
    while stop is None or not stop():
        started = time.monotonic()
        if started - last_sweep >= sweep_every:
            sweep()
            last_sweep = started
        run_once()
        time.sleep(max(interval - (time.monotonic() - started), 0.0))


# -- reading -------------------------------------------------------------------------------------------------------


def visible_contract(p: Principal, contract_id: int) -> Contract:
    """The contract if the caller is its brand, its creator or an operator; else 404."""
    contract = Contract.objects.select_related("signed_version", "current_version").filter(pk=contract_id).first()
    if contract is None or not (p.is_operator or p.org_id in (contract.brand_id, contract.creator_id)):
        raise NotFound("contract not found")
    return contract


def bookings_for(p: Principal, contract_id: int | None = None) -> QuerySet[Booking]:
    qs = Booking.objects.select_related("position", "escrow_accrual", "contract").order_by("-id")
    if contract_id is not None:
        visible_contract(p, contract_id)
        qs = qs.filter(contract_id=contract_id)
    if p.is_operator:
        return qs
    if p.organization.kind == Organization.Kind.BRAND:
        return qs.filter(brand_id=p.org_id)
    return qs.filter(creator_id=p.org_id)


def facts_behind(booking: Booking, limit: int = 100) -> list[dict[str, Any]]:
    """The tracking facts a booking's evidence query selects (newest first): its collaboration's, of its KPI's
    types, in its period."""
    query = (booking.evidence or {}).get("query") or {}
    types = query.get("fact_types") or []
    contract = booking.contract
    out: list[dict[str, Any]] = []
    events = Event.objects.filter(of_collaboration(contract, Event), type__in=types, excluded=False)
    conversions = Conversion.objects.filter(of_collaboration(contract, Conversion), excluded=False)
    if not any(t in ("conversion", "refund") for t in types):
        conversions = conversions.none()
    elif "conversion" not in types:
        conversions = conversions.filter(kind=Conversion.Kind.REFUND)
    elif "refund" not in types:
        conversions = conversions.filter(kind=Conversion.Kind.SALE)
    for name, lookup in (("from", "gte"), ("to", "lte")):
        if query.get(name):
            day = date.fromisoformat(query[name])
            events = events.filter(**{f"occurred_at__date__{lookup}": day})
            conversions = conversions.filter(**{f"occurred_at__date__{lookup}": day})
    for e in events.order_by("-id")[:limit].values("id", "external_id", "type", "quantity", "amount", "occurred_at"):
        out.append({"source": "event", **e})
    for c in conversions.order_by("-id")[:limit].values("id", "external_id", "kind", "base", "occurred_at"):
        out.append(
            {
                "source": "conversion",
                "id": c["id"],
                "external_id": c["external_id"],
                "type": c["kind"],
                "quantity": 1,
                "amount": c["base"],
                "occurred_at": c["occurred_at"],
            }
        )
    out.sort(key=lambda r: r["occurred_at"], reverse=True)
    return out[:limit]


@dataclass(frozen=True)
class Live:
    contract_id: int
    currency: str
    status: str
    accrued: int
    clawed_back: int
    net: int
    awaiting: int
    on_hold: int
    pending: int  # net accruals still in their lock window
    evaluated_at: datetime | None
    last_booking_id: int | None
    positions: list[Position]


def live(p: Principal, contract_id: int) -> Live:
    """What both sides see of a collaboration's incentives right now (read by the dashboards every second)."""
    contract = visible_contract(p, contract_id)
    state = State.objects.filter(contract=contract).first()
    positions = list(Position.objects.filter(contract=contract).order_by("rule_id", "period"))
    pending = Accrual.objects.filter(incentive_booking__contract=contract, status=Accrual.Status.PENDING).values_list(
        "amount", "clawed_back"
    )
    last = Booking.objects.filter(contract=contract).aggregate(m=Max("id"))["m"]
    return Live(
        contract_id=contract.pk,
        currency=contract.currency,
        status=state.status if state else State.Status.OK,
        accrued=state.accrued if state else 0,
        clawed_back=state.clawed_back if state else 0,
        net=state.net if state else 0,
        awaiting=state.awaiting if state else 0,
        on_hold=state.on_hold if state else 0,
        pending=sum(a - c for a, c in pending),
        evaluated_at=state.evaluated_at if state else None,
        last_booking_id=last,
        positions=positions,
    )


def forecast_for(
    p: Principal, contract_id: int, scenarios: list[rules.Scenario] | None = None
) -> tuple[Contract, rules.CompensationTerms | None, list[rules.ForecastRow]]:
    """The forecast of a contract's compensation (the signed terms, else the open offer's) at ``scenarios``
    (default: three levels derived from the rules' own KPIs)."""
    contract = visible_contract(p, contract_id)
    version = contract.signed_version or contract.current_version
    comp = (version.terms or {}).get("compensation") if version is not None else None
    if not comp:
        return contract, None, []
    terms = rules.CompensationTerms.model_validate(comp)
    chosen = scenarios or default_scenarios(terms)
    return contract, terms, rules.forecast(terms, chosen)


def default_scenarios(terms: rules.CompensationTerms) -> list[rules.Scenario]:
    """Low / expected / high KPI levels for the KPIs the rules use (tier thresholds set the scale when present)."""
    base: dict[str, Decimal] = {}
    for rule in terms.rules:
        if isinstance(rule, rules.TieredBonusRule):
            base[rule.kpi] = max(base.get(rule.kpi, Decimal(0)), rule.tiers[-1].threshold)
        elif isinstance(rule, rules.CpmRule):
            base.setdefault(rule.kpi, Decimal(100_000))
        elif isinstance(rule, rules.CpcRule):
            base.setdefault(rule.kpi, Decimal(2_000))
        elif isinstance(rule, rules.CpaRule):
            base.setdefault("conversions", Decimal(100))
        elif isinstance(rule, rules.RevenueShareRule):
            base.setdefault("revenue", Decimal(1_000_000))
        elif isinstance(rule, rules.HourlyRule):
            base.setdefault("hours", Decimal(20))
    milestones = sum(1 for r in terms.rules if isinstance(r, rules.FlatRule))
    out = []
    for name, factor in (("low", Decimal("0.25")), ("expected", Decimal("0.6")), ("high", Decimal("1.2"))):
        out.append(
            rules.Scenario(
                name=name,
                kpis={k: (v * factor).to_integral_value() for k, v in base.items()},  # type: ignore[misc]
                milestones=milestones * (0 if name == "low" else 1),
                days=30,
            )
        )
    return out


def actual_kpis(contract: Contract) -> dict[str, Decimal]:
    """The collaboration's KPI totals so far (net of flags), for 'actuals' next to the forecast."""
    days, _ = facts_metrics(contract)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for values in days.values():
        for k, v in values.items():
            totals[k] += Decimal(v)
    totals["revenue_net"] = totals["revenue"] - totals["refunded"]
    totals["conversions_net"] = totals["conversions"] - totals["refunded_conversions"]
    return dict(totals)


PERFORMANCE_DAYS = 30


def performance(
    contract: Contract,
    *,
    granularity: str = Rollup.Granularity.DAY,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Series:
    """The collaboration's counters, spend and KPIs (CPM, CPC, CPA, ROAS …) per day (or hour) from its rollups, in
    the contract's currency, by default over the last ``PERFORMANCE_DAYS``: what both sides see next to the
    earnings. Callers have checked the contract is theirs (``visible_contract``)."""
    end = until or clock.now()
    start = since or end - timedelta(days=PERFORMANCE_DAYS - 1)
    rows = Rollup.objects.filter(campaign_id=contract.campaign_id, creator_id=contract.creator_id)
    return series(
        rows,
        dimension=Rollup.Dimension.COLLABORATION,
        keys=[collaboration_key(contract)],
        granularity=granularity,
        since=start,
        until=end,
        currency=contract.currency,
    )


def performance_totals(contracts: Iterable[Contract]) -> dict[int, Totals]:
    """All-time counters and spend per collaboration (in its contract's currency) for a list of them, in one read of
    their daily rollups."""
    owner = {(c.campaign_id, c.creator_id, collaboration_key(c), c.currency): c.pk for c in contracts}
    if not owner:
        return {}
    rows = (
        Rollup.objects.filter(
            dimension=Rollup.Dimension.COLLABORATION,
            granularity=Rollup.Granularity.DAY,
            key__in={k for _, _, k, _ in owner},
            campaign_id__in={c for c, _, _, _ in owner},
        )
        .values("campaign_id", "creator_id", "key", "currency")
        .annotate(**{c: Sum(c) for c in ROLLUP_COLUMNS})
    )
    totals: dict[int, Totals] = {}
    for row in rows:
        contract_id = owner.get((row["campaign_id"], row["creator_id"], row["key"], row["currency"]))
        if contract_id is not None:
            totals[contract_id] = Totals.of(row)
    return totals
