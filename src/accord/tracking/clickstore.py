"""Store redirect clicks in batches: the one place that decides bot, burst and counted, and rolls clicks up.

Both click paths end here: the Django view (``services.record_click``, one click, before its 302) and the click-log
loader (``accord.tracking.loader``, thousands of clicks a batch from the fast redirect path's log). A batch is one
transaction and a handful of statements, whatever its size:

1. click ids already stored are skipped (a re-loaded log segment stores nothing twice);
2. bots (by user agent) are stored, not counted, and rolled up as ``bot_clicks``;
3. burst: a click whose link and IP hash saw ``fraud.DEFAULT.burst_clicks`` non-bot clicks within the burst window
   before it (stored ones, from one indexed query, plus earlier ones of the batch) is stored excluded and flagged;
4. counted: the first click per (link, visitor, UTC hour) — earlier in the batch, or already stored, loses. The
   partial unique index ``click_counted_once_per_hour`` still decides between concurrent writers: rows go in with
   ``ON CONFLICT DO NOTHING`` and a counted row that lost that race is stored again as not counted;
5. rollups: one aggregated upsert per (dimension, key, bucket) through ``RollupBatch``.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.dispatch import Signal

from accord.core import clock
from accord.tracking import fraud
from accord.tracking.models import Click, FraudFlag, TrackingLink, collaboration_key
from accord.tracking.rollups import RollupBatch

_COLUMNS = (
    "click_id", "link_id", "at", "hour", "ip_hash", "visitor_hash", "user_agent", "referrer", "country", "is_bot",
    "counted", "excluded",
)  # fmt: skip
_CHUNK = 500


# Sent inside the storing transaction with ``pairs`` (campaign id, creator id) whose counted clicks changed and
# ``newest`` (the latest click time): clicks come in by bulk insert, which sends no ``post_save``; incentives listens
# so CPC accruals follow within its loop's interval.
clicks_stored = Signal()


class ClickRecord(NamedTuple):
    """What a redirect knows about a click; hashes only, never the IP (a tuple: made once per redirect)."""

    click_id: str
    link_id: int
    at: datetime
    ip_hash: str
    visitor_hash: str
    user_agent: str = ""
    referrer: str = ""
    country: str = ""

    def to_row(self) -> list[Any]:
        """The click-log form (JSON array; time as integer microseconds since the epoch, UTC)."""
        micros = int(self.at.timestamp()) * 1_000_000 + self.at.microsecond
        return [
            self.click_id,
            self.link_id,
            micros,
            self.ip_hash,
            self.visitor_hash,
            self.user_agent,
            self.referrer,
            self.country,
        ]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> ClickRecord:
        click_id, link_id, micros, ip_hash, visitor_hash, user_agent, referrer, country = row
        at = datetime.fromtimestamp(micros // 1_000_000, UTC).replace(microsecond=micros % 1_000_000)
        return cls(str(click_id), int(link_id), at, ip_hash, visitor_hash, user_agent, referrer, country)


@dataclass
class StoredClick:
    record: ClickRecord
    pk: int
    is_bot: bool
    counted: bool
    burst: str | None


def normalize_country(value: str) -> str:
    return value.upper() if len(value) == 2 and value.isalpha() and value.isascii() else ""


def store_clicks(records: Sequence[ClickRecord]) -> list[StoredClick]:
    """Store the clicks not stored yet (by click id) with their counting, flags and rollups; one transaction.

    Returns the clicks this call stored, in the order given (a click stored before is not returned)."""
    from accord.tracking.services import is_bot

    if not records:
        return []
    with transaction.atomic():
        ids = [r.click_id for r in records]
        known = {row[0] for row in _select("click_id", [("click_id", ids)])}
        fresh: dict[str, ClickRecord] = {}
        for r in records:
            if r.click_id not in known and r.click_id not in fresh:
                fresh[r.click_id] = r
        if not fresh:
            return []
        links = {
            pk: (campaign, creator, collaboration_key(campaign, creator, collaboration))
            for pk, campaign, creator, collaboration in TrackingLink.objects.filter(
                pk__in={r.link_id for r in fresh.values()}
            ).values_list("pk", "campaign_id", "creator_id", "collaboration")
        }
        # Links are never deleted; a record naming none is corrupt and must not block the ones after it.
        batch = sorted((r for r in fresh.values() if r.link_id in links), key=lambda r: r.at)
        bots = {r.click_id for r in batch if is_bot(r.user_agent)}
        humans = [r for r in batch if r.click_id not in bots]
        bursts = _bursts(humans)
        counted = _first_per_visitor_hour([r for r in humans if r.click_id not in bursts])
        rows = [_row(r, r.click_id in bots, r.click_id in counted, r.click_id in bursts) for r in batch]
        stored = _insert(rows)
        lost = [r for r in rows if r[10] and r[0] not in stored]
        if lost:  # another writer counted this visitor this hour between our check and our insert
            stored.update(_insert([(*row[:10], False, row[11]) for row in lost]))
            for row in lost:
                counted.discard(row[0])
        out: list[StoredClick] = []
        rollup = RollupBatch()
        per_hour: dict[tuple[int, datetime], list[int]] = {}
        flags = []
        now = clock.now()
        for r in batch:
            pk = stored.get(r.click_id)
            if pk is None:
                continue  # a concurrent loader stored this click id first
            link = links[r.link_id]
            item = StoredClick(r, pk, r.click_id in bots, r.click_id in counted, bursts.get(r.click_id))
            out.append(item)
            if item.burst is not None:
                flags.append(
                    FraudFlag(
                        target_type=FraudFlag.Target.CLICK,
                        target_id=pk,
                        rule=FraudFlag.Rule.CLICK_BURST,
                        reason=item.burst,
                        campaign_id=link[0],
                        creator_id=link[1],
                        created_at=now,
                    )
                )
            else:
                counts = per_hour.setdefault((r.link_id, _hour(r.at)), [0, 0, 0])
                if item.is_bot:
                    counts[2] += 1
                else:
                    counts[0] += 1
                    counts[1] += item.counted
        if flags:
            FraudFlag.objects.bulk_create(flags, ignore_conflicts=True)
        for (link_id, hour), (clicks, unique, bot_clicks) in per_hour.items():
            rollup.add(hour, links[link_id], clicks=clicks, unique_clicks=unique, bot_clicks=bot_clicks)
        rollup.flush()
        if out:
            clicks_stored.send(
                sender=Click,
                pairs={links[s.record.link_id][:2] for s in out if not s.is_bot and s.burst is None},
                newest=max(s.record.at for s in out),
            )
    order = {cid: i for i, cid in enumerate(ids)}
    out.sort(key=lambda s: order[s.record.click_id])
    return out


def _hour(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _row(r: ClickRecord, bot: bool, counted: bool, burst: bool) -> tuple[Any, ...]:
    return (
        r.click_id,
        r.link_id,
        r.at,
        _hour(r.at),
        r.ip_hash,
        r.visitor_hash,
        r.user_agent[:512],
        r.referrer[:1024],
        normalize_country(r.country),
        bot,
        counted,
        burst,
    )


def _bursts(humans: list[ClickRecord]) -> dict[str, str]:
    """Click id → burst reason, for the clicks (in time order) that exceed the burst rule."""
    if not humans:
        return {}
    window = fraud.DEFAULT.burst_window
    pairs = {(r.link_id, r.ip_hash) for r in humans}
    earlier: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    stored = _select(
        "link_id, ip_hash, at",
        [("link_id", {p[0] for p in pairs}), ("ip_hash", {p[1] for p in pairs})],
        "at >= %s AND at <= %s AND NOT is_bot",
        [humans[0].at - window, humans[-1].at],
    )
    for link_id, ip_hash, at in stored:
        if isinstance(at, str):  # SQLite hands raw text back to a plain cursor
            at = datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        if (link_id, ip_hash) in pairs:
            earlier[(link_id, ip_hash)].append(at)
    for times in earlier.values():
        times.sort()
    out: dict[str, str] = {}
    for r in humans:
        times = earlier[(r.link_id, r.ip_hash)]
        recent = bisect.bisect_right(times, r.at) - bisect.bisect_left(times, r.at - window)
        reason = fraud.click_burst(recent)
        if reason is not None:
            out[r.click_id] = reason
        bisect.insort(times, r.at)
    return out


def _first_per_visitor_hour(candidates: list[ClickRecord]) -> set[str]:
    """Click ids that are the first counted click of their (link, visitor, hour), not counted in the database yet."""
    if not candidates:
        return set()
    keys = {(r.link_id, r.visitor_hash, _hour(r.at)) for r in candidates}
    taken = set()
    for link_id, visitor, hour in _counted_keys(keys):
        if isinstance(hour, str):
            hour = datetime.fromisoformat(hour)
        taken.add((link_id, visitor, hour if hour.tzinfo else hour.replace(tzinfo=UTC)))
    out = set()
    for r in candidates:
        key = (r.link_id, r.visitor_hash, _hour(r.at))
        if key not in taken:
            taken.add(key)
            out.add(r.click_id)
    return out


def _counted_keys(keys: set[tuple[int, str, datetime]]) -> list[Any]:
    """The (link, visitor, hour) keys among ``keys`` that have a counted click in the database."""
    if connection.vendor != "postgresql":
        return _select(
            "link_id, visitor_hash, hour",
            [("link_id", {k[0] for k in keys}), ("visitor_hash", {k[1] for k in keys}), ("hour", {k[2] for k in keys})],
            "counted",
        )
    # One probe of the counted-once index per key (the LIMIT in LATERAL keeps it a nested loop): three independent
    # ANY lists let the planner scan every counted click of the link instead — 10x slower on a 900k-click table.
    links, visitors, hours = zip(*keys, strict=True)
    sql = (
        "SELECT k.link_id, k.visitor_hash, k.hour "  # noqa: S608 - the table name is ours
        "FROM unnest(%s::bigint[], %s::varchar[], %s::timestamptz[]) AS k(link_id, visitor_hash, hour) "
        f"CROSS JOIN LATERAL (SELECT 1 FROM {Click._meta.db_table} c WHERE c.link_id = k.link_id "
        "AND c.visitor_hash = k.visitor_hash AND c.hour = k.hour AND c.counted LIMIT 1) AS hit"
    )
    return _pg_fetch(sql, [list(links), list(visitors), list(hours)])


def _pg_fetch(sql: str, params: Sequence[Any]) -> list[Any]:
    """Run ``sql`` with server-side binding of binary parameters: Django's client-side binding quotes every element
    of a 5,000-string array through a regular expression, which cost a loader batch more than the query."""
    import psycopg

    with psycopg.Cursor(connection.connection) as raw:
        raw.execute(sql, params, binary=True)
        return list(raw.fetchall())


def _select(columns: str, any_of: list[tuple[str, Any]], where: str = "", params: Sequence[Any] = ()) -> list[Any]:
    """``SELECT columns FROM the click table WHERE column IN values AND … AND where``: one array parameter per
    column on PostgreSQL (thousands of placeholders cost more to bind than the query takes to run)."""
    parts: list[str] = []
    values: list[Any] = []
    pg = connection.vendor == "postgresql"
    adapt = connection.ops.adapt_datetimefield_value
    for column, items in any_of:
        items = [adapt(v) if isinstance(v, datetime) else v for v in items]
        if pg:
            parts.append(f"{column} = ANY(%s)")
            values.append(items)
        else:
            parts.append(f"{column} IN ({', '.join(['%s'] * len(items))})")
            values.extend(items)
    if where:
        parts.append(where)
        values.extend(adapt(v) if isinstance(v, datetime) else v for v in params)
    sql = f"SELECT {columns} FROM {Click._meta.db_table} WHERE {' AND '.join(parts)}"  # noqa: S608 - names are ours
    if pg:
        return _pg_fetch(sql, values)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return list(cursor.fetchall())


_PG_TYPES = (
    "varchar(32)", "bigint", "timestamptz", "timestamptz", "varchar(64)", "varchar(64)", "varchar(512)",
    "varchar(1024)", "varchar(2)", "boolean", "boolean", "boolean",
)  # fmt: skip
_STAGE = "tracking_click_stage"


def _insert(rows: list[tuple[Any, ...]]) -> dict[str, int]:
    """INSERT … ON CONFLICT DO NOTHING (any unique constraint: click id, or counted once per hour); stored ids.

    PostgreSQL: the rows are COPied into a session-local staging table emptied at commit, then moved with one
    ``INSERT … SELECT``."""
    if connection.vendor != "postgresql":
        return _insert_values(rows)
    import psycopg

    cols = ", ".join(_COLUMNS)
    defs = ", ".join(f"{c} {t}" for c, t in zip(_COLUMNS, _PG_TYPES, strict=True))
    with psycopg.Cursor(connection.connection) as raw:
        raw.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} ({defs}) ON COMMIT DELETE ROWS")
        raw.execute(f"TRUNCATE {_STAGE}")
        with raw.copy(f"COPY {_STAGE} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        raw.execute(
            f"INSERT INTO {Click._meta.db_table} ({cols}) SELECT {cols} FROM {_STAGE} "  # noqa: S608
            "ON CONFLICT DO NOTHING RETURNING click_id, id"
        )
        return {cid: int(pk) for cid, pk in raw.fetchall()}


def _insert_values(rows: list[tuple[Any, ...]]) -> dict[str, int]:
    qn = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    row_sql = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    out: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _CHUNK):
            part = rows[start : start + _CHUNK]
            params: list[Any] = []
            for r in part:
                params.extend((r[0], r[1], adapt(r[2]), adapt(r[3]), *r[4:]))
            cursor.execute(
                f"INSERT INTO {qn(Click._meta.db_table)} ({', '.join(qn(c) for c in _COLUMNS)}) "  # noqa: S608
                f"VALUES {', '.join([row_sql] * len(part))} ON CONFLICT DO NOTHING "
                f"RETURNING {qn('click_id')}, {qn('id')}",
                params,
            )
            out.update((cid, int(pk)) for cid, pk in cursor.fetchall())
    return out
