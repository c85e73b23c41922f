"""Whole-ledger consistency checks, each one aggregate SQL query (no per-row Python).

``verify()`` returns a list of ``Problem``; empty means the ledger is consistent:
- every transaction's entries sum to zero per currency;
- the sum of all balances per currency is zero;
- every account's balance equals the sum of its entries;
- no protected account is negative, nor below its pending holds;
- every account's ``pending_out`` equals the sum of its pending holds;
- no hold is both posted and voided (a posted hold has exactly one posting transaction, a voided/expired none,
  and nothing is posted beyond the hold's amount).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from accord.ledger.models import Account, Entry, Hold, Transaction

# Table names are fixed by the app label; the checks are plain SQL that runs on SQLite and PostgreSQL alike.
LIMIT = 20  # problems reported per check


@dataclass(frozen=True)
class Problem:
    check: str
    message: str


_CHECKS: list[tuple[str, str, str]] = [
    (
        "transaction_unbalanced",
        "SELECT e.transaction_id, a.currency, SUM(e.amount) FROM ledger_entry e "
        "JOIN ledger_account a ON a.id = e.account_id "
        "GROUP BY e.transaction_id, a.currency HAVING SUM(e.amount) <> 0 ORDER BY e.transaction_id",
        "transaction #{0} does not balance in {1}: its entries sum to {2}",
    ),
    (
        "currency_not_zero",
        "SELECT currency, SUM(balance) FROM ledger_account GROUP BY currency "
        "HAVING SUM(balance) <> 0 ORDER BY currency",
        "balances in {0} sum to {1}, not 0",
    ),
    (
        "balance_mismatch",
        "SELECT a.id, a.code, a.currency, a.balance, COALESCE(s.total, 0) FROM ledger_account a "
        "LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_entry GROUP BY account_id) s "
        "ON s.account_id = a.id "
        "WHERE a.balance <> COALESCE(s.total, 0) ORDER BY a.id",
        "account #{0} {1} [{2}] has balance {3} but its entries sum to {4}",
    ),
    (
        "protected_negative",
        "SELECT id, code, currency, balance, pending_out FROM ledger_account "
        "WHERE protected = %s AND (balance < 0 OR balance < pending_out) ORDER BY id",
        "protected account #{0} {1} [{2}] is below zero: balance {3}, pending holds {4}",
    ),
    (
        "pending_out_mismatch",
        "SELECT a.id, a.code, a.currency, a.pending_out, COALESCE(h.total, 0) FROM ledger_account a "
        "LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_hold WHERE status = 'pending' "
        "GROUP BY account_id) h "
        "ON h.account_id = a.id WHERE a.pending_out <> COALESCE(h.total, 0) ORDER BY a.id",
        "account #{0} {1} [{2}] has pending_out {3} but its pending holds sum to {4}",
    ),
    (
        "hold_inconsistent",
        "SELECT h.id, h.status, h.amount, h.posted_amount, h.transaction_id FROM ledger_hold h "
        "WHERE (h.status = 'posted' AND (h.transaction_id IS NULL OR h.posted_amount <= 0)) "
        "OR (h.status <> 'posted' AND (h.transaction_id IS NOT NULL OR h.posted_amount <> 0)) "
        "OR h.posted_amount > h.amount OR h.status NOT IN ('pending', 'posted', 'voided', 'expired') ORDER BY h.id",
        "hold #{0} is {1} (amount {2}) yet has posted {3} in transaction {4}: posted and voided at once",
    ),
    (
        "hold_post_mismatch",
        "SELECT h.id, h.posted_amount, COALESCE(SUM(e.amount), 0) FROM ledger_hold h "
        "LEFT JOIN ledger_entry e ON e.transaction_id = h.transaction_id AND e.account_id = h.account_id "
        "WHERE h.status = 'posted' GROUP BY h.id, h.posted_amount "
        "HAVING COALESCE(SUM(e.amount), 0) <> -h.posted_amount ORDER BY h.id",
        "posted hold #{0} says {1} was posted but its transaction moved {2} from the held account",
    ),
]


def verify() -> list[Problem]:
    problems: list[Problem] = []
    with connection.cursor() as cur:
        for check, sql, template in _CHECKS:
            params = [True] if "%s" in sql else []
            cur.execute(f"{sql} LIMIT {LIMIT + 1}", params)
            rows = cur.fetchall()
            for row in rows[:LIMIT]:
                problems.append(Problem(check, template.format(*row)))
            if len(rows) > LIMIT:
                problems.append(Problem(check, f"… and more {check} problems"))
    return problems


def totals() -> dict[str, int]:
    """Counts shown by ``accord ledger verify`` when everything is fine."""
    return {
        "accounts": Account.objects.count(),
        "transactions": Transaction.objects.count(),
        "entries": Entry.objects.count(),
        "holds": Hold.objects.count(),
    }
