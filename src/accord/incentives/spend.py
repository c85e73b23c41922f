"""Spend: the money booked to creators per collaboration, added to tracking's rollups so CPM, CPC, CPA and ROAS exist.

Spend is what left a campaign's escrow for a creator: commission accruals (+), milestone and hourly releases (+,
gross of the platform fee, which the brand paid too) and clawbacks (−). Those movements happen in escrow, contracts,
disputes and here, and tracking must stay money-free (DESIGN §2), so instead of a call beside each movement the
accrual follower reads the ledger's new transactions of those kinds by id, maps each to its collaboration through
the escrow record it belongs to (accrual → incentive booking → contract; release → milestone → contract), and in one
database transaction adds the amounts to the hour and day rollups and writes a ``Spend`` row per ledger transaction.
The row's unique transaction makes it exactly-once, even with two followers; a look-back over the last ``LOOKBACK``
ids catches a transaction that committed after a higher id was seen (PostgreSQL hands out ids before commit), and the
follower's minute sweep looks back ``SWEEP_LOOKBACK`` ids for one that committed later still. It is incremental: each
transaction is added once, and only a bounded window of recent ids is ever read again.

Spend is added in its ledger currency (the campaign's escrow currency), so it lands in the rollup rows of that
currency: a creator with a EUR and a USD campaign has EUR and USD spend apart, never one sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from accord.contracts.models import Milestone
from accord.escrow.models import Accrual, Clawback, EscrowHold
from accord.incentives.models import Booking, Cursor, Spend
from accord.ledger.models import Transaction
from accord.tracking.rollups import RollupBatch, contract_key
from accord.tracking.rollups import collaboration_key as rollup_key

CURSOR = "spend"
KINDS = (Spend.Kind.ACCRUAL.value, Spend.Kind.RELEASE.value, Spend.Kind.CLAWBACK.value)
LOOKBACK = 1_000
SWEEP_LOOKBACK = 100_000
BATCH = 5_000


@dataclass(frozen=True)
class _Source:
    kind: str
    campaign_id: int
    creator_id: int
    contract_id: int | None
    amount: int
    currency: str


def collaboration_key(campaign_id: int, creator_id: int, contract_id: int | None) -> str:
    """The rollup key spend is counted under: its contract's (``contract:<id>``, whatever its links say), else the
    pair's (a release that names no contract)."""
    return contract_key(contract_id) if contract_id is not None else rollup_key(campaign_id, creator_id)


def _milestone_ref(hold: EscrowHold) -> bool:
    return hold.reference_type == "milestone" and hold.reference_id.isdigit()


def _sources(ids: list[int]) -> dict[int, _Source]:
    accruals = {a.transaction_id: a for a in Accrual.objects.filter(transaction_id__in=ids)}
    clawbacks = {c.transaction_id: c for c in Clawback.objects.filter(transaction_id__in=ids).select_related("accrual")}
    releases = {
        int(h.release_transaction_id or 0): h for h in EscrowHold.objects.filter(release_transaction_id__in=ids)
    }
    accrual_ids = [a.pk for a in accruals.values()] + [c.accrual_id for c in clawbacks.values()]
    contract_of_accrual = dict(
        Booking.objects.filter(escrow_accrual_id__in=accrual_ids).values_list("escrow_accrual_id", "contract_id")
    )
    milestone_ids = [int(h.reference_id) for h in releases.values() if _milestone_ref(h)]
    contract_of_milestone = dict(Milestone.objects.filter(pk__in=milestone_ids).values_list("pk", "contract_id"))
    out: dict[int, _Source] = {}
    for tx_id, a in accruals.items():
        contract = contract_of_accrual.get(a.pk)
        out[tx_id] = _Source(Spend.Kind.ACCRUAL, a.campaign_id, a.creator_id, contract, a.amount, a.currency)
    for tx_id, c in clawbacks.items():
        a = c.accrual
        contract = contract_of_accrual.get(a.pk)
        out[tx_id] = _Source(Spend.Kind.CLAWBACK, a.campaign_id, a.creator_id, contract, -c.amount, a.currency)
    for tx_id, h in releases.items():
        contract = contract_of_milestone.get(int(h.reference_id)) if _milestone_ref(h) else None
        out[tx_id] = _Source(Spend.Kind.RELEASE, h.campaign_id, h.creator_id, contract, h.released_amount, h.currency)
    return out


def scan_spend(lookback: int = LOOKBACK) -> int:
    """Add the spend of ledger transactions not counted yet (new ones, and uncounted ones among the last
    ``lookback`` ids before the cursor) to the rollups. Returns how many were counted."""
    cursor, _ = Cursor.objects.get_or_create(name=CURSOR)
    counted = Spend.objects.filter(transaction_id=OuterRef("pk"))
    rows: list[tuple[int, datetime]] = list(
        Transaction.objects.filter(pk__gt=max(cursor.last_id - lookback, 0), kind__in=KINDS)
        .exclude(Exists(counted))
        .order_by("pk")
        .values_list("pk", "created_at")[:BATCH]
    )
    if not rows:
        return 0
    sources = _sources([pk for pk, _ in rows])
    spends: list[Spend] = []
    batch = RollupBatch()
    for pk, at in rows:
        source = sources.get(pk)
        if source is None or source.amount == 0:
            continue  # a transaction of these kinds that no escrow record explains is no creator's spend
        key = collaboration_key(source.campaign_id, source.creator_id, source.contract_id)
        spends.append(
            Spend(
                transaction_id=pk,
                kind=source.kind,
                campaign_id=source.campaign_id,
                creator_id=source.creator_id,
                contract_id=source.contract_id,
                collaboration=key,
                amount=source.amount,
                currency=source.currency,
                booked_at=at,
            )
        )
        batch.add(at, (source.campaign_id, source.creator_id, key, source.currency), spend=source.amount)
    try:
        with transaction.atomic():
            Spend.objects.bulk_create(spends)
            batch.flush()
            Cursor.objects.filter(name=CURSOR, last_id__lt=rows[-1][0]).update(last_id=rows[-1][0])
    except IntegrityError:
        return 0  # another follower counted some of these first; the next scan takes the rest
    return len(spends)
