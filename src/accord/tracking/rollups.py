"""Rollup counters updated on ingest: one multi-row ``INSERT … ON CONFLICT … DO UPDATE SET x = x + excluded.x``.

Increments are gathered per (dimension, key, granularity, bucket) in memory first, so a batch of 10,000 events is a
handful of upserts, and rows are written in key order so concurrent writers lock them in the same order (no
deadlocks on PostgreSQL). Both PostgreSQL and SQLite (>= 3.24) speak this upsert. No full rescans, ever.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from accord.tracking.kpis import Kpis, Totals, kpis
from accord.tracking.models import ROLLUP_COLUMNS, Rollup

_CHUNK = 200


def hour_of(at: datetime) -> datetime:
    """The UTC hour ``at`` falls in (facts arrive with any offset, e.g. +05:30 from a shop)."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def day_of(at: datetime) -> datetime:
    """The UTC day ``at`` falls in."""
    return at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


# (campaign id, creator id, collaboration key) of the fact being counted.
RollupKey = tuple[int, int, str]


@dataclass(frozen=True, order=True)
class _Key:
    dimension: str
    key: str
    granularity: str
    bucket: datetime


class RollupBatch:
    def __init__(self) -> None:
        self._rows: dict[_Key, tuple[int | None, int | None, dict[str, int]]] = {}

    def __bool__(self) -> bool:
        return bool(self._rows)

    def add(self, at: datetime, key: RollupKey, sign: int = 1, **counts: int) -> None:
        """Add ``counts`` (ROLLUP_COLUMNS names) at ``at`` to the campaign, creator and collaboration rows."""
        campaign_id, creator_id, collaboration = key
        unknown = set(counts) - set(ROLLUP_COLUMNS)
        if unknown:
            raise ValueError(f"unknown rollup counters: {sorted(unknown)}")
        targets = (
            (Rollup.Dimension.CAMPAIGN.value, str(campaign_id), campaign_id, None),
            (Rollup.Dimension.CREATOR.value, str(creator_id), None, creator_id),
            (Rollup.Dimension.COLLABORATION.value, collaboration, campaign_id, creator_id),
        )
        for granularity, bucket in (
            (Rollup.Granularity.HOUR.value, hour_of(at)),
            (Rollup.Granularity.DAY.value, day_of(at)),
        ):
            for dimension, name_key, campaign, creator in targets:
                k = _Key(dimension, name_key, granularity, bucket)
                row = self._rows.get(k)
                if row is None:
                    row = (campaign, creator, defaultdict(int))
                    self._rows[k] = row
                for name, value in counts.items():
                    row[2][name] += sign * value

    def flush(self) -> int:
        """Write the gathered increments (inside the caller's transaction). Returns the number of rows touched."""
        if not self._rows:
            return 0
        qn = connection.ops.quote_name
        table = qn(Rollup._meta.db_table)
        columns = ["dimension", "key", "granularity", "bucket", "campaign_id", "creator_id", *ROLLUP_COLUMNS]
        conflict = ", ".join(qn(c) for c in ("dimension", "key", "granularity", "bucket"))
        updates = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in ROLLUP_COLUMNS)
        row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
        items = sorted(self._rows.items())
        touched = 0
        with connection.cursor() as cursor:
            for start in range(0, len(items), _CHUNK):
                chunk = items[start : start + _CHUNK]
                params: list[Any] = []
                for k, (campaign, creator, counts) in chunk:
                    params.extend(
                        [
                            k.dimension,
                            k.key,
                            k.granularity,
                            connection.ops.adapt_datetimefield_value(k.bucket),
                            campaign,
                            creator,
                        ]
                    )
                    params.extend(int(counts.get(c, 0)) for c in ROLLUP_COLUMNS)
                sql = (
                    f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) VALUES "  # noqa: S608 - names are ours
                    f"{', '.join([row_sql] * len(chunk))} ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
                )
                cursor.execute(sql, params)
                touched += len(chunk)
        self._rows.clear()
        return touched


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
) -> Series:
    """Counters and KPIs per bucket from ``since`` (inclusive) to ``until`` (exclusive), empty buckets as zeros.

    ``rows`` is the caller's tenancy-scoped rollup queryset; ``keys`` may name several rollup keys (a collaboration
    counted under its contract tag and under its pair), which are summed per bucket. KPIs of the whole range come
    from the summed totals, never from averaging the points' ratios.
    """
    step = timedelta(hours=1) if granularity == Rollup.Granularity.HOUR else timedelta(days=1)
    first, end = _floor(since, granularity), until
    if end <= first:
        raise ValueError("until must be after since")
    if (end - first) / step > MAX_POINTS:
        raise ValueError(f"at most {MAX_POINTS} {granularity} buckets per series")
    keys = tuple(keys)
    found: dict[datetime, Totals] = {}
    for row in rows.filter(
        dimension=dimension, key__in=keys, granularity=granularity, bucket__gte=first, bucket__lt=end
    ).values("bucket", *ROLLUP_COLUMNS):
        bucket = row["bucket"].astimezone(UTC)
        found[bucket] = found.get(bucket, Totals()) + Totals.of(row)
    points: list[Point] = []
    total = Totals()
    at = first
    while at < end:
        totals = found.get(at, Totals())
        points.append(Point(at, totals, kpis(totals)))
        total = total + totals
        at += step
    return Series(dimension, keys, granularity, first, end, points, total, kpis(total))
