"""Rollup counters updated on ingest: one multi-row ``INSERT … ON CONFLICT … DO UPDATE SET x = x + excluded.x``.

Increments are gathered per (dimension, key, currency, granularity, bucket) in memory first, so a batch of 10,000
events is a handful of upserts, and rows are written in key order so concurrent writers lock them in the same order
(no deadlocks on PostgreSQL). Both PostgreSQL and SQLite (>= 3.24) speak this upsert. No full rescans, ever.

Keys. Every fact is counted three times: under its campaign (key = campaign id), its creator (key = creator
organization id) and its collaboration. The collaboration key is one string, chosen the same way by every writer
(``collaboration_key``) and asked for by every reader:

- ``contract:<id>`` for a fact of a link (or promo code) made for contract <id> — the contract page tags the links
  and codes it makes so, and one made without a tag while its campaign and creator have exactly one contract is
  tagged with that contract when it is made (``accord.incentives.triggers``). Spend booked for a contract always
  goes here (``contract_key``), whatever its links say;
- the link's own tag when a brand gave it another reference (no contract);
- ``<campaign>:<creator>`` for a fact made for no contract (an untagged link of a pair with no contract, or with
  several): it counts for the campaign and the creator, never for a collaboration's earnings.

A contract reads exactly ``contract:<id>`` (``accord.incentives.services.collaboration_key``), so two contracts of
one creator in one campaign never share a fact or a cent of spend. A conversion takes the key of its link, else of
its promo code, else the pair's.

Currency. A row's money (``revenue``, ``refunded``, ``spend``) is in its ``currency``, part of the unique key: the
campaign's currency (ingest refuses events in another currency, a sale in another currency adds no revenue) unless
the writer names one (spend names its ledger currency). Campaign and collaboration rows therefore have one
currency; a creator with campaigns in EUR and USD has a row of each per bucket, and counters such as clicks are
split the same way. Readers never add two currencies: ``Totals`` raises ``MixedCurrencies``, and ``series`` takes
the ``currency`` to read when the rows hold several.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from accord.campaigns.models import Campaign
from accord.tracking.kpis import Kpis, MixedCurrencies, Totals, kpis
from accord.tracking.models import ROLLUP_COLUMNS, Rollup, collaboration_key, contract_key

__all__ = [
    "MAX_POINTS",
    "Derived",
    "MixedCurrencies",
    "Point",
    "RollupBatch",
    "RollupKey",
    "RollupKeyIn",
    "Series",
    "collaboration_key",
    "contract_key",
    "day_of",
    "derived",
    "hour_of",
    "series",
]

_CHUNK = 200


def hour_of(at: datetime) -> datetime:
    """The UTC hour ``at`` falls in (facts arrive with any offset, e.g. +05:30 from a shop)."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def day_of(at: datetime) -> datetime:
    """The UTC day ``at`` falls in."""
    return at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


# (campaign id, creator id, collaboration key) of the fact being counted; money in the campaign's currency.
RollupKey = tuple[int, int, str]
# The same with the currency the money is in, when the writer knows it (spend: its ledger currency).
RollupKeyIn = tuple[int, int, str, str]


@dataclass(frozen=True, order=True)
class _Key:
    dimension: str
    key: str
    currency: str
    granularity: str
    bucket: datetime


# (campaign, creator, collaboration key, currency or None for the campaign's, granularity, bucket)
_Fact = tuple[int, int, str, str | None, str, datetime]


class RollupBatch:
    def __init__(self) -> None:
        self._facts: dict[_Fact, dict[str, int]] = {}

    def __bool__(self) -> bool:
        return bool(self._facts)

    def add(self, at: datetime, key: RollupKey | RollupKeyIn, sign: int = 1, **counts: int) -> None:
        """Add ``counts`` (ROLLUP_COLUMNS names) at ``at`` to the campaign, creator and collaboration rows, in the
        key's currency (a ``RollupKey`` has none: the campaign's)."""
        campaign_id, creator_id, collaboration, *named = key
        currency = named[0] if named else None
        unknown = set(counts) - set(ROLLUP_COLUMNS)
        if unknown:
            raise ValueError(f"unknown rollup counters: {sorted(unknown)}")
        for granularity, bucket in (
            (Rollup.Granularity.HOUR.value, hour_of(at)),
            (Rollup.Granularity.DAY.value, day_of(at)),
        ):
            row = self._facts.get((campaign_id, creator_id, collaboration, currency, granularity, bucket))
            if row is None:
                row = self._facts[(campaign_id, creator_id, collaboration, currency, granularity, bucket)] = (
                    defaultdict(int)
                )
            for name, value in counts.items():
                row[name] += sign * value

    def _rows(self) -> dict[_Key, tuple[int | None, int | None, dict[str, int]]]:
        """The increments per rollup row: each fact in its campaign, creator and collaboration row, in its currency."""
        unnamed = {fact[0] for fact in self._facts if fact[3] is None}
        currency_of = dict(Campaign.objects.filter(pk__in=unnamed).values_list("pk", "currency")) if unnamed else {}
        rows: dict[_Key, tuple[int | None, int | None, dict[str, int]]] = {}
        for (campaign_id, creator_id, collaboration, named, granularity, bucket), counts in self._facts.items():
            currency = named or currency_of[campaign_id]
            for dimension, name_key, campaign, creator in (
                (Rollup.Dimension.CAMPAIGN.value, str(campaign_id), campaign_id, None),
                (Rollup.Dimension.CREATOR.value, str(creator_id), None, creator_id),
                (Rollup.Dimension.COLLABORATION.value, collaboration, campaign_id, creator_id),
            ):
                k = _Key(dimension, name_key, currency, granularity, bucket)
                row = rows.get(k)
                if row is None:
                    row = rows[k] = (campaign, creator, defaultdict(int))
                for name, value in counts.items():
                    row[2][name] += value
        return rows

    def flush(self) -> int:
        """Write the gathered increments (inside the caller's transaction). Returns the number of rows touched."""
        if not self._facts:
            return 0
        qn = connection.ops.quote_name
        table = qn(Rollup._meta.db_table)
        columns = [
            "dimension", "key", "currency", "granularity", "bucket", "campaign_id", "creator_id", *ROLLUP_COLUMNS
        ]  # fmt: skip
        conflict = ", ".join(qn(c) for c in ("dimension", "key", "currency", "granularity", "bucket"))
        updates = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in ROLLUP_COLUMNS)
        rows: list[tuple[Any, ...]] = [
            (k.dimension, k.key, k.currency, k.granularity, k.bucket, campaign, creator,
             *(int(counts.get(c, 0)) for c in ROLLUP_COLUMNS))
            for k, (campaign, creator, counts) in sorted(self._rows().items())
        ]  # fmt: skip
        head = f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) "
        tail = f" ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # One statement of fixed text with an array per column: psycopg parses it once and caches it, where a
                # VALUES list (a batch of 10,000 events touches some 75 rows x 17 values) is parsed afresh each time.
                types = ("text",) * 4 + ("timestamptz",) + ("bigint",) * (2 + len(ROLLUP_COLUMNS))
                arrays = ", ".join(f"%s::{t}[]" for t in types)
                sql = f"{head}SELECT * FROM unnest({arrays}){tail}"  # noqa: S608 - names are ours
                cursor.execute(sql, [list(c) for c in zip(*rows, strict=True)])
            else:
                adapt = connection.ops.adapt_datetimefield_value
                row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
                for start in range(0, len(rows), _CHUNK):
                    chunk = rows[start : start + _CHUNK]
                    params = [v for r in chunk for v in (*r[:4], adapt(r[4]), *r[5:])]
                    sql = f"{head}VALUES {', '.join([row_sql] * len(chunk))}{tail}"
                    cursor.execute(sql, params)
        self._facts.clear()
        return len(rows)


Derived = Kpis  # the name dashboards import


def derived(row: Any, spend: int | None = None) -> Kpis:
    """The KPIs of one rollup row (its own ``spend`` unless one is given); see ``accord.tracking.kpis``."""
    totals = Totals.of(row)
    if spend is not None:
        totals = replace(totals, spend=spend)
    return kpis(totals)


# -- reading: time series for dashboards and the API ------------------------------------------------------------------

MAX_POINTS = 2_000  # 83 days of hours, 5 years of days


@dataclass(frozen=True)
class Point:
    bucket: datetime
    totals: Totals
    kpis: Kpis


@dataclass(frozen=True)
class Series:
    dimension: str
    keys: tuple[str, ...]
    granularity: str
    since: datetime
    until: datetime
    currency: str  # of every money figure below ("" when the range holds no row)
    points: list[Point]
    totals: Totals
    kpis: Kpis


def _floor(at: datetime, granularity: str) -> datetime:
    return hour_of(at) if granularity == Rollup.Granularity.HOUR else day_of(at)


def series(
    rows: QuerySet[Rollup],
    *,
    dimension: str,
    keys: Iterable[str],
    granularity: str,
    since: datetime,
    until: datetime,
    currency: str | None = None,
) -> Series:
    """Counters and KPIs per bucket from ``since`` (inclusive) to ``until`` (exclusive), empty buckets as zeros.

    ``rows`` is the caller's tenancy-scoped rollup queryset; ``keys`` may name several rollup keys of one dimension,
    which are summed per bucket. Only rows in ``currency`` are read when it is given; without it the rows of the range
    must be in one currency, else ``MixedCurrencies`` (a ``ValueError``) names them. KPIs of the whole range come from
    the summed totals, never from averaging the points' ratios.
    """
    step = timedelta(hours=1) if granularity == Rollup.Granularity.HOUR else timedelta(days=1)
    first, end = _floor(since, granularity), until
    if end <= first:
        raise ValueError("until must be after since")
    if (end - first) / step > MAX_POINTS:
        raise ValueError(f"at most {MAX_POINTS} {granularity} buckets per series")
    keys = tuple(keys)
    selected = rows.filter(
        dimension=dimension, key__in=keys, granularity=granularity, bucket__gte=first, bucket__lt=end
    )
    if currency is not None:
        selected = selected.filter(currency=currency)
    found: dict[datetime, Totals] = {}
    currencies: set[str] = set()
    for row in selected.values("bucket", "currency", *ROLLUP_COLUMNS):
        currencies.add(row["currency"])
        bucket = row["bucket"].astimezone(UTC)
        found[bucket] = found.get(bucket, Totals()) + Totals.of(row)
    if len(currencies) > 1:
        raise MixedCurrencies(currencies)
    named = currency if currency is not None else next(iter(currencies), "")
    zero = Totals(currency=named)
    points: list[Point] = []
    total = zero
    at = first
    while at < end:
        totals = zero + found.get(at, zero)
        points.append(Point(at, totals, kpis(totals)))
        total = total + totals
        at += step
    return Series(dimension, keys, granularity, first, end, named, points, total, kpis(total))
