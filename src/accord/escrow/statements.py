"""Parse a bank-statement CSV into credit lines (pure; no models). Columns (header row, any order):
``date, amount, currency, reference, bank_ref`` — amount in major units ("1234.50"); ``reference`` is the
remittance text, searched for a deposit reference; ``bank_ref`` is the bank's unique id of the line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from accord.core.money import Money
from accord.escrow.providers import find_reference

REQUIRED = ("amount", "currency", "reference", "bank_ref")


@dataclass(frozen=True)
class StatementLine:
    line: int
    amount: int
    currency: str
    reference: str | None
    bank_ref: str
    text: str


class StatementError(ValueError):
    pass


def parse_csv(text: str) -> list[StatementLine]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise StatementError(f"missing columns: {', '.join(missing)}")
    lines = []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        try:
            money = Money.parse(row["amount"], row["currency"].upper())
        except (ValueError, ArithmeticError) as exc:
            raise StatementError(f"line {number}: {exc}") from None
        if money.amount <= 0:
            continue  # debits and zero lines are not deposits
        if not row["bank_ref"]:
            raise StatementError(f"line {number}: bank_ref is empty")
        lines.append(
            StatementLine(
                number,
                money.amount,
                money.currency,
                find_reference(row["reference"]),
                row["bank_ref"],
                row["reference"],
            )
        )
    return lines
