"""Batch event ingestion (``POST /api/v1/events``): up to 10,000 events a call, each validated on its own.

Semantics: invalid events are reported one by one (index, code, message) and valid ones still land; events are
idempotent by ``id`` (or, without one, a hash of the event); rollups move on ingest, by the new events only; two
batches racing over the same ids store each once.

Speed (bench/tracking.py measures it against a plain ``COPY`` of the same rows): a JSON array is decoded in one go
by msgspec into typed events (``_Event``); what that refuses is checked event by event, by ``_plain_event`` for the
plain shape and by the Pydantic model ``EventIn`` for the rest (same errors, same coercions). Timestamps are parsed
once per distinct value; one query finds the batch's links. On PostgreSQL the rows stream into one binary ``COPY``
while the events are still being checked, so the server inserts and indexes as Python validates (a unique
violation — a replay or a racing batch — falls back to a staged ``INSERT … ON CONFLICT DO NOTHING``). No per-event
object is kept but the row, a tuple of plain values that the garbage collector stops tracking: 10,000 more tracked
objects a batch would set off full collections. Rollups are summed per (rollup key, hour, counter) and written by
one aggregated upsert per rollup row (``RollupBatch``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, cast

import msgspec
import orjson
from django.db import connection, transaction
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.core import clock
from accord.core.errors import ValidationFailed
from accord.core.tenancy import scoped
from accord.tracking import fraud
from accord.tracking.models import Click, Event, FraudFlag, TrackingLink, collaboration_key
from accord.tracking.rollups import RollupBatch, RollupKeyIn, hour_of

MAX_BATCH = 10_000
EVENT_COUNTERS = {"click": "clicks", "impression": "impressions", "view": "views", "engagement": "engagements"}


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str | None = Field(None, min_length=1, max_length=128)
    type: Literal["click", "impression", "view", "engagement", "conversion", "refund"]
    link: str = Field(..., min_length=1, max_length=32, description="Code of the tracking link")
    click_id: str | None = Field(None, max_length=32)
    occurred_at: datetime | None = None
    quantity: int = Field(1, ge=1, le=1_000_000_000)
    amount: int = Field(0, ge=0, le=10**13, description="Commission base, minor units (conversion and refund)")
    currency: str | None = Field(None, min_length=3, max_length=3)
    order_id: str | None = Field(None, max_length=128)


@dataclass
class IngestError:
    index: int
    code: str
    message: str


@dataclass
class IngestResult:
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[IngestError] = field(default_factory=list)


@dataclass(frozen=True)
class _Unparseable:
    head: str


class _Event(msgspec.Struct, forbid_unknown_fields=True):
    """``EventIn`` for msgspec: decodes and checks a whole batch in C. What it refuses (or may read differently:
    numbers as text, other time formats) sends the batch down the per-event path, where ``EventIn`` decides."""

    type: Literal["click", "impression", "view", "engagement", "conversion", "refund"]
    link: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)] | None = None
    click_id: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    occurred_at: datetime | None = None
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000)] = 1
    amount: Annotated[int, msgspec.Meta(ge=0, le=10**13)] = 0
    currency: Annotated[str, msgspec.Meta(min_length=3, max_length=3)] | None = None
    order_id: Annotated[str, msgspec.Meta(max_length=128)] | None = None


_DECODE_BATCH = msgspec.json.Decoder(list[_Event])


class TypedBatch(list[Any]):
    """A JSON array whose every event decoded as ``_Event``; keeps the body for events that need their raw form."""

    def __init__(self, events: list[_Event], body: bytes) -> None:
        super().__init__(events)
        self.body = body
        self._raw: list[Any] | None = None

    def raw(self, index: int) -> dict[str, Any]:
        if self._raw is None:
            self._raw = orjson.loads(self.body)
        return self._raw[index]


def _loads(data: bytes) -> Any:
    """orjson; the standard library where orjson refuses (invalid UTF-8, NaN, huge integers) decides instead."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data.decode("utf-8", errors="replace"))


def parse_batch(body: bytes, content_type: str = "") -> list[Any]:
    """A JSON array, or NDJSON (one JSON object per line) when the content type says so (``application/x-ndjson``,
    ``application/jsonl``). Unparseable NDJSON lines become per-event errors."""
    if not body.strip():
        raise ValidationFailed("the batch is empty", code="empty_batch")
    if "ndjson" not in content_type and "jsonl" not in content_type:
        try:
            typed = _DECODE_BATCH.decode(body)
        except (msgspec.ValidationError, msgspec.DecodeError):
            pass
        else:
            if len(typed) > MAX_BATCH:
                raise ValidationFailed(f"at most {MAX_BATCH} events per batch", code="batch_too_large")
            if typed:
                return TypedBatch(typed, body)
        try:
            items = _loads(body)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(f"the body is not valid JSON: {exc.msg}", code="invalid_json") from None
        if not isinstance(items, list):
            raise ValidationFailed("expected a JSON array of events", code="invalid_json")
    else:
        items = []
        for line in body.splitlines():
            if not line.strip():
                continue
            try:
                items.append(_loads(line))
            except json.JSONDecodeError:
                items.append(_Unparseable(line[:80].decode("utf-8", errors="replace")))
    if len(items) > MAX_BATCH:
        raise ValidationFailed(f"at most {MAX_BATCH} events per batch", code="batch_too_large")
    if not items:
        raise ValidationFailed("the batch is empty", code="empty_batch")
    return items


def _derived_id(raw: dict[str, Any]) -> str:
    return "h:" + hashlib.sha256(json.dumps(raw, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:64]


# --- validation ------------------------------------------------------------------------------------------------------

_KEYS = frozenset(EventIn.model_fields)
_TYPES = frozenset(("click", "impression", "view", "engagement", "conversion", "refund"))
# NUL and lone surrogates: text neither PostgreSQL nor SQLite (UTF-8) can store.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?(?:Z|[+-]\d\d:\d\d)\Z")

# (id, type, link code, click id, occurred_at: ISO text / datetime / None, quantity, amount, currency, order id)
_Fields = tuple[str | None, str, str, str | None, str | datetime | None, int, int, str | None, str | None]


def _text(value: Any, low: int, high: int) -> bool:
    """A string within the length limits that Pydantic's whitespace stripping would leave as it is."""
    return type(value) is str and low <= len(value) <= high and (not value or value.strip() == value)


def _plain_event(raw: dict[str, Any]) -> _Fields | None:
    """The fields of an event of the plain shape, checked as ``EventIn`` would; None sends it to ``EventIn``."""
    if not _KEYS.issuperset(raw):
        return None
    get = raw.get
    type_, link, id_ = get("type"), get("link"), get("id")
    click_id, occurred, currency, order_id = get("click_id"), get("occurred_at"), get("currency"), get("order_id")
    quantity, amount = get("quantity", 1), get("amount", 0)
    if (
        type(type_) is not str
        or type_ not in _TYPES
        or not _text(link, 1, 32)
        or not (id_ is None or _text(id_, 1, 128))
        or not (click_id is None or _text(click_id, 0, 32))
        or not (currency is None or _text(currency, 3, 3))
        or not (order_id is None or _text(order_id, 0, 128))
        or type(quantity) is not int
        or not 1 <= quantity <= 1_000_000_000
        or type(amount) is not int
        or not 0 <= amount <= 10**13
        or not (occurred is None or (type(occurred) is str and _TIME_RE.match(occurred)))
    ):
        return None
    return cast(_Fields, (id_, type_, link, click_id, occurred, quantity, amount, currency, order_id))


def _general(index: int, raw: dict[str, Any], errors: list[IngestError]) -> _Fields | None:
    """The general case, through Pydantic; None (with the event's error added) when it is invalid."""
    try:
        e = EventIn.model_validate(raw)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "event"
        errors.append(IngestError(index, "invalid_event", f"{where}: {first['msg']}"))
        return None
    return (e.id, e.type, e.link, e.click_id, e.occurred_at, e.quantity, e.amount, e.currency, e.order_id)


def _checked(items: Sequence[Any], errors: list[IngestError]) -> Iterator[tuple[int, _Fields, Any]]:
    """The events whose fields pass ``EventIn``'s checks, as (index, fields, what a derived id is the hash of: the
    raw event, the ``TypedBatch`` it is in, or None when it has an id); the others are added to ``errors``."""
    if isinstance(items, TypedBatch):
        for index, e in enumerate(items):
            id_, link, click_id, currency, order_id = e.id, e.link, e.click_id, e.currency, e.order_id
            if (
                link.strip() != link
                or (id_ is not None and id_.strip() != id_)
                or (click_id is not None and click_id.strip() != click_id)
                or (currency is not None and currency.strip() != currency)
                or (order_id is not None and order_id.strip() != order_id)
            ):  # EventIn strips whitespace: let it decide this one
                raw = items.raw(index)
                fields = _general(index, raw, errors)
                if fields is not None:
                    yield index, fields, raw
                continue
            fields = (id_, e.type, link, click_id, e.occurred_at, e.quantity, e.amount, currency, order_id)
            yield index, fields, items if id_ is None else None
        return
    for index, raw in enumerate(items):
        if type(raw) is not dict:
            if isinstance(raw, _Unparseable):
                errors.append(IngestError(index, "invalid_json", f"line is not JSON: {raw.head!r}"))
            else:
                errors.append(IngestError(index, "invalid_event", "an event is a JSON object"))
            continue
        fields = _plain_event(raw) or _general(index, raw, errors)
        if fields is not None:
            yield index, fields, raw


# --- ingest ----------------------------------------------------------------------------------------------------------

# (organization, external id, type, link, campaign, creator, click ref, occurred_at, received_at, quantity, amount,
# currency, order ref, excluded): a row of the events table.
_Row = tuple[int, str, str, int, int, int, str, datetime, datetime, int, int, str, str, bool]
# A tracking link as the ingest needs it: (pk, campaign, creator, campaign currency, rollup key with that currency).
_Link = tuple[int, int, int, str, RollupKeyIn]


def ingest_events(p: Principal, items: Sequence[Any]) -> IngestResult:
    """Validate each event, insert the valid ones idempotently by id, update rollups for the new ones only."""
    p.require(Role.MEMBER)
    p.require_kind(Organization.Kind.BRAND)
    if len(items) > MAX_BATCH:
        raise ValidationFailed(f"at most {MAX_BATCH} events per batch", code="batch_too_large")
    result = IngestResult(received=len(items))
    errors = result.errors
    events: Iterable[tuple[int, _Fields, Any]]
    if isinstance(items, TypedBatch):
        # The decoded batch is cheap to read twice: here for the lookups, then checked event by event while the rows
        # stream to the database, so no per-event object is kept but the row.
        events = _checked(items, errors)
        codes = {e.link.strip() for e in items}
        refs = {e.click_id.strip() for e in items if e.click_id and e.type == "conversion"}
    else:
        events = list(_checked(items, errors))
        codes = {f[2] for _, f, _ in events}
        refs = {f[3] for _, f, _ in events if f[3] and f[1] == "conversion"}
    # Text the database cannot hold names no link and no click (and could not be sent in a query).
    codes = {c for c in codes if not _UNSTORABLE.search(c)}
    refs = {r for r in refs if not _UNSTORABLE.search(r)}

    org_id = p.org_id
    links: dict[str, _Link] = {
        code: (
            pk,
            campaign,
            creator,
            currency,
            (campaign, creator, collaboration_key(campaign, creator, collaboration), currency),
        )
        for code, pk, campaign, creator, collaboration, currency in scoped(
            TrackingLink.objects.all(), org_id, "campaign__brand"
        )
        .filter(code__in=codes)
        .values_list("code", "pk", "campaign_id", "creator_id", "collaboration", "campaign__currency")
    }
    known_clicks = (
        set(
            scoped(Click.objects.all(), org_id, "link__campaign__brand")
            .filter(click_id__in=refs, excluded=False)
            .values_list("click_id", "link_id")
        )
        if refs
        else set()
    )
    # JSON writes NUL and lone surrogates inside strings only as escapes: a body without a backslash holds no text
    # that cannot be stored.
    storable = isinstance(items, TypedBatch) and b"\\" not in items.body
    batch = _Batch(org_id, clock.now(), links, known_clicks, errors, storable)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            rows, inserted = _insert_events_pg(org_id, batch.rows(events))
        else:
            rows = list(batch.rows(events))
            inserted = _insert_events(rows)
        if len(inserted) != len(rows):  # some were stored already: count the new ones only
            new = set(inserted)
            batch.recount(r for r in rows if r[1] in new)
        flagged = [e for e in inserted if e in batch.flags] if batch.flags else []
        if flagged:
            pks = dict(
                Event.objects.filter(organization_id=org_id, external_id__in=flagged).values_list("external_id", "id")
            )
            FraudFlag.objects.bulk_create(
                [
                    FraudFlag(
                        target_type=FraudFlag.Target.EVENT,
                        target_id=pks[e],
                        rule=FraudFlag.Rule.NO_CLICK,
                        reason=batch.flags[e][0],
                        campaign_id=batch.flags[e][1],
                        creator_id=batch.flags[e][2],
                        created_at=batch.now,
                    )
                    for e in flagged
                ],
                ignore_conflicts=True,
            )
        batch.rollups().flush()
    result.accepted = len(inserted)
    result.duplicates = batch.duplicates + len(rows) - len(inserted)
    result.rejected = len(errors)
    errors.sort(key=lambda e: e.index)
    return result


_TIME_ERRORS = {"naive_time": "occurred_at needs a UTC offset", "future_event": "occurred_at is in the future"}


class _Batch:
    """Turns checked events into rows of the events table (one at a time, as they are sent) and sums the rollup
    increments of the rows that count."""

    def __init__(
        self,
        org_id: int,
        now: datetime,
        links: dict[str, _Link],
        known_clicks: set[tuple[str, int]],
        errors: list[IngestError],
        storable: bool,
    ) -> None:
        self.org_id, self.now, self.links, self.known_clicks = org_id, now, links, known_clicks
        self.errors, self.storable = errors, storable
        self.duplicates = 0  # repeats of an id within the batch
        self.flags: dict[str, tuple[str, int, int]] = {}  # external id → (fraud reason, campaign, creator)
        # (rollup key, hour, counter) → increment
        self.sums: dict[tuple[RollupKeyIn, datetime, str], int] = {}

    def rows(self, events: Iterable[tuple[int, _Fields, Any]]) -> Iterator[_Row]:
        """The row of each event that is valid and not a repeat within the batch; the others become errors."""
        org_id, now, links, known_clicks, errors, sums = (
            self.org_id, self.now, self.links, self.known_clicks, self.errors, self.sums
        )  # fmt: skip
        latest = now + timedelta(minutes=5)
        times: dict[str | datetime | None, tuple[datetime, datetime] | str] = {}
        seen: set[str] = set()
        for index, (id_, type_, code, click_id, occurred, quantity, amount, currency, order_id), raw in events:
            link = links.get(code)
            if link is None:
                errors.append(IngestError(index, "unknown_link", f"no tracking link {code!r} of yours"))
                continue
            when = times.get(occurred)
            if when is None:
                try:
                    when = times[occurred] = _when(occurred, now, latest)
                except ValueError as exc:  # shaped like a timestamp, but no such time (month 13, hour 25, …)
                    when = times[occurred] = f"occurred_at: {exc}"
            if type(when) is str:
                code_ = when if when in _TIME_ERRORS else "invalid_event"
                errors.append(IngestError(index, code_, _TIME_ERRORS.get(when, when)))
                continue
            at, hour = when  # type: ignore[misc]
            pk, campaign, creator, campaign_currency, key = link
            if type_ in EVENT_COUNTERS:
                amount = 0
            else:  # conversion or refund
                if (currency or campaign_currency).upper() != campaign_currency:
                    errors.append(
                        IngestError(index, "currency_mismatch", f"the campaign counts in {campaign_currency}")
                    )
                    continue
                quantity = 1
                if type_ == "refund":
                    amount = -amount
            external_id = id_ or _derived_id(raw.raw(index) if isinstance(raw, TypedBatch) else raw)
            if external_id in seen:
                self.duplicates += 1
                continue
            if not self.storable and (
                _UNSTORABLE.search(external_id)
                or (click_id and _UNSTORABLE.search(click_id))
                or (order_id and _UNSTORABLE.search(order_id))
            ):
                errors.append(
                    IngestError(index, "invalid_event", "text fields may not hold NUL characters or lone surrogates")
                )
                continue
            seen.add(external_id)
            # The brand reports a conversion for the link (its own attribution); a click id it names must be real.
            reason = (
                fraud.no_click(has_code=False, has_click=(click_id, pk) in known_clicks)
                if click_id and type_ == "conversion"
                else None
            )
            if reason is None:
                _tally(sums, key, hour, type_, quantity, amount)
            else:
                self.flags[external_id] = (reason, campaign, creator)
            yield (
                org_id, external_id, type_, pk, campaign, creator, click_id or "", at, now, quantity, amount,
                campaign_currency if amount else "", order_id or "", reason is not None,
            )  # fmt: skip

    def recount(self, rows: Iterable[_Row]) -> None:
        """Sum the increments of these rows only (the batch's rows that turned out to be new)."""
        keys = {link[0]: link[4] for link in self.links.values()}
        self.sums = {}
        for r in rows:
            if not r[13]:
                _tally(self.sums, keys[r[3]], hour_of(r[7]), r[2], r[9], r[10])

    def rollups(self) -> RollupBatch:
        per_hour: dict[tuple[RollupKeyIn, datetime], dict[str, int]] = {}
        for (key, hour, counter), value in self.sums.items():
            per_hour.setdefault((key, hour), {})[counter] = value
        batch = RollupBatch()
        for (key, hour), counts in per_hour.items():
            batch.add(hour, key, **counts)
        return batch


def _tally(
    sums: dict[tuple[RollupKeyIn, datetime, str], int],
    key: RollupKeyIn,
    hour: datetime,
    type_: str,
    quantity: int,
    amount: int,
) -> None:
    """Add one event's rollup counters (``amount`` negative for refunds) to ``sums``."""
    counter = EVENT_COUNTERS.get(type_)
    if counter is not None:
        k = (key, hour, counter)
        sums[k] = sums.get(k, 0) + quantity
        return
    count, total, amount = (
        ("conversions", "revenue", amount) if type_ == "conversion" else ("refunds", "refunded", -amount)
    )
    k, t = (key, hour, count), (key, hour, total)
    sums[k] = sums.get(k, 0) + 1
    sums[t] = sums.get(t, 0) + amount


def _when(occurred: str | datetime | None, now: datetime, latest: datetime) -> tuple[datetime, datetime] | str:
    """(UTC time, its hour) of an event time, or the error code."""
    at = now if occurred is None else datetime.fromisoformat(occurred) if isinstance(occurred, str) else occurred
    if at.tzinfo is None:
        return "naive_time"
    if at > latest:
        return "future_event"
    at = at.astimezone(UTC)
    return (at, at.replace(minute=0, second=0, microsecond=0))


def event_counts(type_: str, quantity: int, amount: int) -> dict[str, int]:
    """Rollup counters of one event (``amount`` negative for refunds)."""
    if type_ in EVENT_COUNTERS:
        return {EVENT_COUNTERS[type_]: quantity}
    if type_ == "conversion":
        return {"conversions": 1, "revenue": abs(amount)}
    return {"refunds": 1, "refunded": abs(amount)}


_COLUMNS = (
    "organization_id", "external_id", "type", "link_id", "campaign_id", "creator_id", "click_ref", "occurred_at",
    "received_at", "quantity", "amount", "currency", "order_ref", "excluded",
)  # fmt: skip
_PG_TYPES = (
    "bigint", "text", "text", "bigint", "bigint", "bigint", "text", "timestamptz", "timestamptz", "bigint", "bigint",
    "text", "text", "boolean",
)  # fmt: skip
_STAGE = "tracking_event_stage"
_LOCK_CLASS = 0x45564E54  # pg_advisory_xact_lock(class, organization): "EVNT"


def _insert_events_pg(org_id: int, rows: Iterable[_Row]) -> tuple[list[_Row], list[str]]:
    """(the rows, the external ids of those inserted): a binary COPY straight into the table (PostgreSQL's fastest
    way in), fed row by row as they are made, so the server indexes while the events are still being checked.

    When any id is stored already (a replay, a retried or a concurrent batch) the COPY fails on the unique index and
    is rolled back to a savepoint; then the rows go through a session-local staging table and one ``INSERT … SELECT
    … ON CONFLICT DO NOTHING``. Batches of one organization take turns (a transaction-level advisory lock): two of
    them inserting the same ids in different orders would otherwise wait on each other, and PostgreSQL would fail
    one with a deadlock; they would queue on the same rollup rows at the end anyway. Runs on the caller's connection
    and transaction (a plain psycopg cursor, since Django's bind parameters client-side). The staging table lives
    as long as the session: use session pooling, not transaction pooling.
    """
    import psycopg

    cols = ", ".join(_COLUMNS)
    table = Event._meta.db_table
    sent: list[_Row] = []
    with psycopg.Cursor(connection.connection) as raw:
        raw.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, org_id % 2**31])
        try:
            with transaction.atomic(), raw.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(_PG_TYPES)
                for row in rows:
                    sent.append(row)
                    copy.write_row(row)
            return sent, [r[1] for r in sent]
        except psycopg.errors.UniqueViolation:
            sent.extend(rows)  # the server says so at the end; should it say so sooner, the rest is still checked
        defs = ", ".join(f"{c} {t}" for c, t in zip(_COLUMNS, _PG_TYPES, strict=True))
        raw.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} ({defs})")
        raw.execute(f"TRUNCATE {_STAGE}")
        with raw.copy(f"COPY {_STAGE} ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(_PG_TYPES)
            for row in sent:
                copy.write_row(row)
        raw.execute(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {_STAGE} "  # noqa: S608
            "ON CONFLICT (organization_id, external_id) DO NOTHING RETURNING external_id"
        )
        return sent, [r[0] for r in raw.fetchall()]


def _insert_events(rows: list[_Row]) -> list[str]:
    """Insert the rows whose (organization, external id) is new; returns the external ids that were inserted."""
    if not rows:
        return []
    qn = connection.ops.quote_name
    table = qn(Event._meta.db_table)
    cols = ", ".join(qn(c) for c in _COLUMNS)
    conflict = f"ON CONFLICT ({qn('organization_id')}, {qn('external_id')}) DO NOTHING"
    adapt = connection.ops.adapt_datetimefield_value
    row_sql = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    out: list[str] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            part = rows[start : start + 500]
            params: list[Any] = []
            for r in part:
                params.extend((*r[:7], adapt(r[7]), adapt(r[8]), *r[9:]))
            cursor.execute(
                f"INSERT INTO {table} ({cols}) VALUES {', '.join([row_sql] * len(part))} {conflict} "  # noqa: S608
                f"RETURNING {qn('external_id')}",
                params,
            )
            out.extend(r[0] for r in cursor.fetchall())
    return out
