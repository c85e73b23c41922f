"""The ledger's public service API: the ONLY functions that write money. Other apps call these, never the models.

Stable API (other apps build on these names; keep them):

``get_account(code, currency, *, owner_id=None, protected=True) -> Account``
    Get-or-create the account ``code`` in ``currency``. ``world`` is always unprotected (it may go negative: it is
    the money outside the platform); every other chart-of-accounts code is protected unless asked otherwise.
``transfer(*, key, kind, currency, legs, memo="", metadata=None) -> Transaction``
    Move money along ``legs`` = ``[(from_code, to_code, amount > 0), ...]`` in one balanced transaction. Missing
    accounts are created (as by ``get_account``). Idempotent by ``key``: a replay with the same content returns the
    first Transaction and moves nothing; the same key with different content raises ``Conflict`` (409,
    code ``idempotency_conflict``). A protected account that would go below its pending holds raises
    ``InsufficientFunds`` (409, code ``insufficient_funds``) and nothing moves.
``hold(*, key, code, currency, amount, expires_at=None, memo="", metadata=None) -> Hold``
    Reserve ``amount`` on an account (pending). Idempotent by ``key`` like ``transfer``.
``post_hold(*, key, hold_id, legs, memo="", metadata=None) -> Transaction``
    ``legs`` = ``[(to_code, amount > 0), ...]``: move ``sum(legs)`` (at most the hold's amount) from the held account
    to those accounts; the rest of the hold is released. Idempotent by ``key`` (the transaction's key).
``void_hold(*, key, hold_id) -> Hold``
    Release a pending hold. Replaying the same key returns the voided hold.
``expire_holds(now=None) -> int``
    Expire every pending hold whose ``expires_at`` has passed; returns how many.
``balances(code, currency) -> Balance(balance, pending_out, available)``
    Read an account's balance (zeros for an account that does not exist yet).

Chart of accounts: ``world``, ``escrow:<campaign_id>``, ``creator:<org_id>:pending``, ``creator:<org_id>:payable``,
``payouts:in_transit``, ``platform:fees``.

Concurrency: every service is one ``transaction.atomic()`` block that locks the accounts it touches with one
``SELECT … FOR NO KEY UPDATE`` ordered by id (holds first, then accounts), so concurrent calls cannot deadlock or
lose an update. Called outside any outer transaction, a deadlock or serialization failure is retried here and never
reaches the caller. On PostgreSQL a deferred constraint trigger also refuses at commit any transaction whose entries
do not sum to zero per currency, and another refuses any UPDATE or DELETE of entries.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from django.db import DatabaseError, IntegrityError, connection, transaction

from accord.core import clock
from accord.core.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from accord.core.money import UnknownCurrency, validate_currency
from accord.ledger.models import Account, Entry, Hold, Transaction

WORLD = "world"
PAYOUTS_IN_TRANSIT = "payouts:in_transit"
PLATFORM_FEES = "platform:fees"


def escrow_code(campaign_id: int) -> str:
    return f"escrow:{campaign_id}"


def creator_pending_code(org_id: int) -> str:
    return f"creator:{org_id}:pending"


def creator_payable_code(org_id: int) -> str:
    return f"creator:{org_id}:payable"


class InsufficientFunds(Conflict):
    code = "insufficient_funds"


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"


@dataclass(frozen=True)
class Balance:
    balance: int
    pending_out: int
    available: int


# -- helpers -------------------------------------------------------------------------------------------------------

P = ParamSpec("P")
R = TypeVar("R")
_RETRY_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
_CREATOR_RE = re.compile(r"^creator:(\d+):(pending|payable)$")


def _retry_on_contention(func: Callable[P, R]) -> Callable[P, R]:
    """Retry a whole service call on deadlock / serialization failure when it owns its transaction."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        attempt = 0
        while True:
            outermost = not connection.in_atomic_block
            try:
                return func(*args, **kwargs)
            except DatabaseError as exc:
                cause = exc.__cause__
                sqlstate = getattr(cause, "sqlstate", None) or getattr(getattr(cause, "diag", None), "sqlstate", None)
                if not outermost or sqlstate not in _RETRY_SQLSTATES or attempt >= 8:
                    raise
                attempt += 1
                time.sleep(0.002 * (2**attempt))

    return wrapper


def _fingerprint(*parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not key or len(key) > 255:
        raise ValidationFailed("an idempotency key of 1 to 255 characters is required", fields={"key": "invalid"})


def _check_code(code: str) -> None:
    if not isinstance(code, str) or not code or len(code) > 120:
        raise ValidationFailed("an account code of 1 to 120 characters is required", fields={"code": "invalid"})


def _check_currency(currency: str) -> None:
    try:
        validate_currency(currency)
    except UnknownCurrency:
        raise ValidationFailed(f"unsupported currency {currency!r}", fields={"currency": "unsupported"}) from None


def _check_text(kind: str, memo: str) -> None:
    if not isinstance(kind, str) or not kind or len(kind) > 40:
        raise ValidationFailed("a transaction kind of 1 to 40 characters is required", fields={"kind": "invalid"})
    if not isinstance(memo, str) or len(memo) > 500:
        raise ValidationFailed("a memo is at most 500 characters", fields={"memo": "too_long"})


def _check_amount(amount: object, what: str = "amount") -> int:
    if type(amount) is not int or amount <= 0:
        raise ValidationFailed(f"{what} must be a positive integer of minor units", fields={what: "invalid"})
    return amount


def _kind_for(code: str) -> str:
    if code == WORLD:
        return Account.Kind.WORLD
    if code.startswith("escrow:"):
        return Account.Kind.ESCROW
    match = _CREATOR_RE.match(code)
    if match:
        return Account.Kind.CREATOR_PENDING if match.group(2) == "pending" else Account.Kind.CREATOR_PAYABLE
    if code == PAYOUTS_IN_TRANSIT:
        return Account.Kind.IN_TRANSIT
    if code == PLATFORM_FEES:
        return Account.Kind.FEES
    return Account.Kind.OTHER


def _can_batch() -> bool:
    """Several statements in one round trip: PostgreSQL with client-side parameter binding (Django's default)."""
    return connection.vendor == "postgresql" and not connection.settings_dict.get("OPTIONS", {}).get(
        "server_side_binding"
    )


def _lock_suffix() -> str:
    return " FOR NO KEY UPDATE" if connection.vendor == "postgresql" else ""


_ACCOUNT = Account._meta.db_table
_TRANSACTION = Transaction._meta.db_table
_ENTRY = Entry._meta.db_table


@dataclass
class _Locked:
    id: int
    code: str
    balance: int
    pending_out: int
    protected: bool


def _locked_sql(where: str) -> str:
    return (
        f"SELECT id, code, balance, pending_out, protected FROM {_ACCOUNT} "  # noqa: S608 (table names are ours)
        f"WHERE {where} ORDER BY id{_lock_suffix()}"
    )


def _by_codes(currency: str, codes: set[str]) -> tuple[str, list[Any]]:
    return f"currency = %s AND code IN ({', '.join(['%s'] * len(codes))})", [currency, *sorted(codes)]


def _rows(cur: Any) -> list[_Locked]:
    return [_Locked(r[0], r[1], r[2], r[3], bool(r[4])) for r in cur.fetchall()]


def _select_locked(where: str, params: Sequence[Any]) -> list[_Locked]:
    with connection.cursor() as cur:
        cur.execute(_locked_sql(where), params)
        return _rows(cur)


def _lock_accounts(currency: str, codes: set[str]) -> dict[str, _Locked]:
    """Lock the accounts ``codes`` (creating missing ones) in id order with one statement; return them by code."""
    where, params = _by_codes(currency, codes)
    rows = _select_locked(where, params)
    if len(rows) < len(codes):
        _create_accounts(currency, codes - {r.code for r in rows})
        rows = _select_locked(where, params)
    return {r.code: r for r in rows}


def _create_accounts(currency: str, codes: set[str]) -> None:
    """Create missing accounts in one statement (a concurrent creator of the same code wins harmlessly)."""
    for code in codes:
        _check_code(code)
    now = clock.now()
    Account.objects.bulk_create(
        [
            Account(code=c, currency=currency, kind=_kind_for(c), protected=c != WORLD, created_at=now)
            for c in sorted(codes)
        ],
        ignore_conflicts=True,
    )


def _check_funds(
    currency: str, locked: dict[str, _Locked], deltas: dict[str, int], pending: dict[str, int]
) -> list[str]:
    """Refuse (InsufficientFunds) before anything is written; return the touched codes in id order.

    A protected account may not end with less balance than its pending holds when it pays out or gets a new hold.
    """
    touched = sorted(set(deltas) | set(pending), key=lambda c: locked[c].id)
    for code in touched:
        acc = locked[code]
        delta, pend = deltas.get(code, 0), pending.get(code, 0)
        if acc.protected and (delta < 0 or pend > 0) and acc.balance + delta < acc.pending_out + pend:
            available = acc.balance - acc.pending_out
            raise InsufficientFunds(
                f"account {code} ({currency}) has {available} available, needs {pend - delta}",
                fields={"account": code, "currency": currency, "available": available, "needed": pend - delta},
            )
    return touched


def _update_sql(locked: dict[str, _Locked], touched: list[str], deltas: dict[str, int], pending: dict[str, int]) -> str:
    """One UPDATE of balances and pending_out for all touched accounts, joined to a VALUES list so it stays linear
    in the number of accounts (integers only, so inlined safely)."""
    rows = [(int(locked[c].id), int(deltas.get(c, 0)), int(pending.get(c, 0))) for c in touched]
    for code in touched:
        locked[code].balance += deltas.get(code, 0)
        locked[code].pending_out += pending.get(code, 0)
    rows = [r for r in rows if r[1] or r[2]]
    if not rows:
        return ""
    values = ", ".join(f"({i}, {d}, {p})" for i, d, p in rows)
    return (
        f"UPDATE {_ACCOUNT} SET balance = {_ACCOUNT}.balance + v.column2, "  # noqa: S608 (ints only)
        f"pending_out = {_ACCOUNT}.pending_out + v.column3 FROM (VALUES {values}) AS v WHERE {_ACCOUNT}.id = v.column1"
    )


def _apply(currency: str, locked: dict[str, _Locked], deltas: dict[str, int], pending: dict[str, int]) -> None:
    """Check funds, then update balances and pending_out of the locked accounts in one statement."""
    touched = _check_funds(currency, locked, deltas, pending)
    sql = _update_sql(locked, touched, deltas, pending)
    if sql:
        with connection.cursor() as cur:
            cur.execute(sql)


def _entries_sql(transaction_id: int, entries: list[tuple[int, int]]) -> str:
    values = ", ".join(f"({int(transaction_id)}, {int(a)}, {int(amount)})" for a, amount in entries)
    return f"INSERT INTO {_ENTRY} (transaction_id, account_id, amount) VALUES {values}"  # noqa: S608 (ints only)


def _insert_entries(transaction_id: int, entries: list[tuple[int, int]]) -> None:
    with connection.cursor() as cur:
        cur.execute(_entries_sql(transaction_id, entries))


def _claim_transaction(
    key: str, kind: str, fingerprint: str, memo: str, metadata: dict[str, Any], now: datetime
) -> int | None:
    """Insert the transaction row unless ``key`` exists; return its id, or None when the key was already used.

    ``ON CONFLICT DO NOTHING`` makes a concurrent call with the same key wait for the first to commit (or roll back)
    instead of failing, so the replay path sees the winner's transaction.
    """
    sql, params = _claim_sql(key, kind, fingerprint, memo, metadata, now)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    return int(row[0]) if row else None


def _claim_sql(
    key: str, kind: str, fingerprint: str, memo: str, metadata: dict[str, Any], now: datetime
) -> tuple[str, list[Any]]:
    meta_sql = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    created = connection.ops.adapt_datetimefield_value(now)
    return (
        f"INSERT INTO {_TRANSACTION} (kind, idempotency_key, fingerprint, created_at, memo, metadata) "  # noqa: S608
        f"VALUES (%s, %s, %s, %s, %s, {meta_sql}) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        [kind, key, fingerprint, created, memo, json.dumps(metadata)],
    )


def _claim_and_lock(
    key: str,
    kind: str,
    fingerprint: str,
    memo: str,
    metadata: dict[str, Any],
    now: datetime,
    currency: str,
    codes: set[str],
) -> tuple[int | None, dict[str, _Locked]]:
    """Claim the key and lock the accounts; on PostgreSQL both in one round trip (two statements, one message).

    With the key already used, nothing is locked (SQLite) or the locks are simply released at commit (PostgreSQL).
    """
    if not _can_batch():
        tx_id = _claim_transaction(key, kind, fingerprint, memo, metadata, now)
        return tx_id, (_lock_accounts(currency, codes) if tx_id is not None else {})
    claim, claim_params = _claim_sql(key, kind, fingerprint, memo, metadata, now)
    where, lock_params = _by_codes(currency, codes)
    with connection.cursor() as cur:
        cur.execute(f"{claim}; {_locked_sql(where)}", [*claim_params, *lock_params])
        row = cur.fetchone()
        cur.nextset()
        rows = _rows(cur)
    if row is None:
        return None, {}
    if len(rows) < len(codes):
        return int(row[0]), _lock_accounts(currency, codes)
    return int(row[0]), {r.code: r for r in rows}


def _replay(key: str, fingerprint: str) -> Transaction:
    existing = Transaction.objects.get(idempotency_key=key)
    if existing.fingerprint != fingerprint:
        raise IdempotencyConflict(
            "this idempotency key was already used for a different ledger transaction", fields={"key": key}
        )
    return existing


# -- accounts ------------------------------------------------------------------------------------------------------


def get_account(code: str, currency: str, *, owner_id: int | None = None, protected: bool = True) -> Account:
    """Get or create the account ``code`` in ``currency`` (``world`` is always unprotected).

    An existing account keeps its owner and protection; ``owner_id`` is set only on creation, or on an account that
    has no owner yet (accounts created implicitly by ``transfer`` have none until someone passes it here).
    """
    _check_code(code)
    _check_currency(currency)
    protected = False if code == WORLD else protected
    account = Account.objects.filter(code=code, currency=currency).first()
    if account is None:
        try:
            with transaction.atomic():
                account = Account.objects.create(
                    code=code,
                    currency=currency,
                    owner_id=owner_id,
                    kind=_kind_for(code),
                    protected=protected,
                )
        except IntegrityError:  # created concurrently
            account = Account.objects.get(code=code, currency=currency)
    if owner_id is not None and account.owner_id is None:
        Account.objects.filter(pk=account.pk, owner__isnull=True).update(owner_id=owner_id)
        account.owner_id = owner_id
    return account


def balances(code: str, currency: str) -> Balance:
    """The account's balance, pending holds and available amount (zeros when the account does not exist)."""
    row = Account.objects.filter(code=code, currency=currency).values_list("balance", "pending_out").first()
    if row is None:
        return Balance(0, 0, 0)
    return Balance(row[0], row[1], row[0] - row[1])


# -- transfers -----------------------------------------------------------------------------------------------------


@_retry_on_contention
def transfer(
    *,
    key: str,
    kind: str,
    currency: str,
    legs: Sequence[tuple[str, str, int]],
    memo: str = "",
    metadata: dict[str, Any] | None = None,
) -> Transaction:
    """Move money along ``legs`` (``(from_code, to_code, amount > 0)``) in one balanced, idempotent transaction."""
    _check_key(key)
    _check_currency(currency)
    _check_text(kind, memo)
    if not legs:
        raise ValidationFailed("a transfer needs at least one leg", fields={"legs": "empty"})
    deltas: dict[str, int] = {}
    norm: list[tuple[str, str, int]] = []
    for leg in legs:
        src, dst, amount = leg
        _check_amount(amount)
        if src == dst:
            raise ValidationFailed(f"a leg cannot move money from {src} to itself", fields={"legs": "same_account"})
        deltas[src] = deltas.get(src, 0) - amount
        deltas[dst] = deltas.get(dst, 0) + amount
        norm.append((src, dst, amount))
    metadata = metadata or {}
    fingerprint = _fingerprint("transfer", kind, currency, norm, memo, metadata)
    now = clock.now()
    with transaction.atomic():
        tx_id, locked = _claim_and_lock(key, kind, fingerprint, memo, metadata, now, currency, set(deltas))
        if tx_id is None:
            return _replay(key, fingerprint)
        touched = _check_funds(currency, locked, deltas, {})
        entries: list[tuple[int, int]] = []
        for src, dst, amount in norm:
            entries += [(locked[src].id, -amount), (locked[dst].id, amount)]
        statements = [_update_sql(locked, touched, deltas, {}), _entries_sql(tx_id, entries)]
        with connection.cursor() as cur:
            if _can_batch():  # balances and entries in one round trip
                cur.execute("; ".join(statements))
            else:
                for sql in statements:
                    cur.execute(sql)
    return _built(tx_id, kind, key, fingerprint, memo, metadata, now)


def _built(
    tx_id: int, kind: str, key: str, fingerprint: str, memo: str, metadata: dict[str, Any], now: datetime
) -> Transaction:
    tx = Transaction(
        id=tx_id, kind=kind, idempotency_key=key, fingerprint=fingerprint, memo=memo, metadata=metadata, created_at=now
    )
    tx._state.adding = False
    tx._state.db = connection.alias
    return tx


# -- holds ---------------------------------------------------------------------------------------------------------


def _lock_hold(hold_id: int) -> Hold:
    """Lock one hold row (only the hold: its account is locked later, in id order with the others)."""
    qs = Hold.objects.select_related("account")
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(no_key=True, of=("self",))
    found = qs.filter(pk=hold_id).first()
    if found is None:
        raise NotFound(f"hold #{hold_id} not found")
    return found


@_retry_on_contention
def hold(
    *,
    key: str,
    code: str,
    currency: str,
    amount: int,
    expires_at: datetime | None = None,
    memo: str = "",
    metadata: dict[str, Any] | None = None,
) -> Hold:
    """Reserve ``amount`` on account ``code`` (pending). Idempotent by ``key``; refuses more than is available."""
    _check_key(key)
    _check_currency(currency)
    _check_amount(amount)
    _check_text("hold", memo)
    metadata = metadata or {}
    fingerprint = _fingerprint("hold", code, currency, amount, expires_at, memo, metadata)
    with transaction.atomic():
        locked = _lock_accounts(currency, {code})
        existing = Hold.objects.filter(idempotency_key=key).first()  # after the lock: a concurrent twin has committed
        if existing is not None:
            if existing.fingerprint != fingerprint:
                raise IdempotencyConflict("this idempotency key was already used for a different hold")
            return existing
        _apply(currency, locked, {}, {code: amount})
        return Hold.objects.create(
            account_id=locked[code].id,
            amount=amount,
            idempotency_key=key,
            fingerprint=fingerprint,
            expires_at=expires_at,
            memo=memo,
            metadata=metadata,
        )


@_retry_on_contention
def post_hold(
    *,
    key: str,
    hold_id: int,
    legs: Sequence[tuple[str, int]],
    memo: str = "",
    metadata: dict[str, Any] | None = None,
    kind: str = "hold_post",
) -> Transaction:
    """Post a pending hold: move ``sum(legs)`` (<= the hold) from the held account to ``legs``' accounts.

    ``legs`` = ``[(to_code, amount > 0), ...]`` in the held account's currency; whatever is not posted is released.
    Idempotent by ``key`` (the resulting transaction's key). Posting a hold that is not pending, or whose expiry has
    passed, raises ``IllegalTransition``.
    """
    _check_key(key)
    _check_text(kind, memo)
    if not legs:
        raise ValidationFailed("posting a hold needs at least one leg; void it instead", fields={"legs": "empty"})
    norm: list[tuple[str, int]] = []
    for dst, amount in legs:
        norm.append((dst, _check_amount(amount)))
    total = sum(a for _, a in norm)
    metadata = metadata or {}
    fingerprint = _fingerprint("post_hold", kind, hold_id, norm, memo, metadata)
    now = clock.now()
    with transaction.atomic():
        if Transaction.objects.filter(idempotency_key=key).exists():
            return _replay(key, fingerprint)
        held = _lock_hold(hold_id)
        if held.status != Hold.Status.PENDING:
            if held.resolution_key == key and held.transaction_id is not None:
                return _replay(key, fingerprint)
            raise IllegalTransition("hold", held.status, "post")
        if held.expires_at is not None and held.expires_at <= now:
            raise IllegalTransition("hold", Hold.Status.EXPIRED, "post")
        if total > held.amount:
            raise ValidationFailed(
                f"cannot post {total}: the hold is {held.amount}", code="exceeds_hold", fields={"amount": total}
            )
        src, currency = held.account.code, held.account.currency
        if any(dst == src for dst, _ in norm):
            raise ValidationFailed("a hold cannot be posted to its own account", fields={"legs": "same_account"})
        tx_id = _claim_transaction(key, kind, fingerprint, memo, metadata, now)
        if tx_id is None:
            return _replay(key, fingerprint)
        locked = _lock_accounts(currency, {src} | {dst for dst, _ in norm})
        deltas: dict[str, int] = {src: -total}
        for dst, amount in norm:
            deltas[dst] = deltas.get(dst, 0) + amount
        _apply(currency, locked, deltas, {src: -held.amount})
        entries = [(locked[src].id, -total)] + [(locked[dst].id, amount) for dst, amount in norm]
        _insert_entries(tx_id, entries)
        Hold.objects.filter(pk=held.pk).update(
            status=Hold.Status.POSTED, posted_amount=total, transaction_id=tx_id, resolution_key=key, resolved_at=now
        )
    return _built(tx_id, kind, key, fingerprint, memo, metadata, now)


@_retry_on_contention
def void_hold(*, key: str, hold_id: int) -> Hold:
    """Release a pending hold. Replaying ``key`` returns the voided hold; any other non-pending hold is illegal."""
    _check_key(key)
    with transaction.atomic():
        held = _lock_hold(hold_id)
        if held.status == Hold.Status.VOIDED and held.resolution_key == key:
            return held
        if held.status != Hold.Status.PENDING:
            raise IllegalTransition("hold", held.status, "void")
        if Hold.objects.filter(resolution_key=key).exists() or Transaction.objects.filter(idempotency_key=key).exists():
            raise IdempotencyConflict("this idempotency key was already used for something else", fields={"key": key})
        code, currency = held.account.code, held.account.currency
        locked = _lock_accounts(currency, {code})
        _apply(currency, locked, {}, {code: -held.amount})
        held.status = Hold.Status.VOIDED
        held.resolution_key = key
        held.resolved_at = clock.now()
        held.save(update_fields=["status", "resolution_key", "resolved_at"])
        return held


def expire_holds(now: datetime | None = None, batch: int = 500) -> int:
    """Expire every pending hold whose ``expires_at`` is at or before ``now``; return how many were expired."""
    moment = now or clock.now()
    done = 0
    while True:
        count = _expire_batch(moment, batch)
        done += count
        if count < batch:
            return done


@_retry_on_contention
def _expire_batch(moment: datetime, batch: int) -> int:
    with transaction.atomic():
        qs = Hold.objects.filter(status=Hold.Status.PENDING, expires_at__lte=moment).order_by("id")
        if connection.vendor == "postgresql":
            qs = qs.select_for_update(no_key=True, skip_locked=True, of=("self",))
        rows = list(qs.values_list("id", "account_id", "amount")[:batch])
        if not rows:
            return 0
        by_account: dict[int, int] = {}
        for _, account_id, amount in rows:
            by_account[account_id] = by_account.get(account_id, 0) + amount
        ids = sorted(by_account)
        _select_locked(f"id IN ({', '.join(['%s'] * len(ids))})", ids)
        cases = " ".join(f"WHEN {int(i)} THEN {int(by_account[i])}" for i in ids)
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE {_ACCOUNT} SET pending_out = pending_out - CASE id {cases} ELSE 0 END "  # noqa: S608 (ints)
                f"WHERE id IN ({', '.join(str(int(i)) for i in ids)})"
            )
        Hold.objects.filter(pk__in=[r[0] for r in rows]).update(status=Hold.Status.EXPIRED, resolved_at=moment)
        return len(rows)
