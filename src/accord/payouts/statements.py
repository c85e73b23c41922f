"""Creator statements: every ledger line on the creator's accounts in a period, each traced back to its source
(transaction kind, memo and the reference its metadata carries: milestone, accrual, clawback, fee, payout …).

``statement()`` reads; ``to_csv`` / ``to_pdf`` render (PDF with fpdf2, a pure-Python library from PyPI).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext
from fpdf import FPDF

from accord.accounts.models import Organization
from accord.core.errors import ValidationFailed
from accord.core.money import Money
from accord.ledger.models import Entry

MAX_PERIOD_DAYS = 400
# Metadata keys that name where money came from, in the order a reader wants them.
_REFERENCE_KEYS = (
    "payout", "payout_run", "reference_type", "reference_id", "milestone", "milestone_id", "escrow_hold", "fee_bps",
    "contract", "contract_id", "campaign", "campaign_id", "accrual", "accrual_id", "rule", "period", "order",
    "order_id", "clawback", "refund", "deposit", "fee", "hold", "hold_id", "reason", "reference",
)  # fmt: skip


@dataclass(frozen=True)
class Line:
    at: datetime
    transaction_id: int
    kind: str
    account: str
    amount: int
    memo: str
    reference: str


@dataclass(frozen=True)
class Statement:
    organization_id: int
    organization_name: str
    currency: str
    start: date
    end: date  # inclusive
    opening: dict[str, int]  # per account code
    closing: dict[str, int]
    lines: list[Line]


def reference_of(metadata: dict[str, Any] | None, org_id: int) -> str:
    if not metadata:
        return ""
    meta = dict(metadata)
    payouts = meta.pop("payouts", None)
    parts = []
    if isinstance(payouts, dict) and str(org_id) in payouts:
        parts.append(f"payout={payouts[str(org_id)]}")
    for key in _REFERENCE_KEYS:
        if key in meta and meta[key] not in (None, ""):
            parts.append(f"{key}={meta[key]}")
    return " ".join(parts)


def statement(org_id: int, currency: str, start: date, end: date) -> Statement:
    if end < start:
        raise ValidationFailed(gettext("the period ends before it starts"), fields={"end": "before start"})
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(
            gettext("a statement covers at most %(days)s days") % {"days": MAX_PERIOD_DAYS},
            fields={"end": "too long"},
        )
    org = Organization.objects.get(pk=org_id)
    since = datetime.combine(start, time.min, tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    from accord.payouts.services import creator_accounts

    accounts = {a.pk: a.code for a in creator_accounts(org_id).filter(currency=currency).order_by("code")}
    opening = {code: 0 for code in accounts.values()}
    for account_id, total in (
        Entry.objects.filter(account_id__in=accounts, transaction__created_at__lt=since)
        .values_list("account_id")
        .annotate(total=Sum("amount"))
    ):
        opening[accounts[account_id]] = int(total or 0)
    rows = (
        Entry.objects.filter(
            account_id__in=accounts, transaction__created_at__gte=since, transaction__created_at__lt=until
        )
        .select_related("transaction")
        .order_by("transaction__created_at", "transaction_id", "id")
    )
    lines = []
    closing = dict(opening)
    for e in rows:
        code = accounts[e.account_id]
        closing[code] += e.amount
        tx = e.transaction
        lines.append(
            Line(
                at=tx.created_at,
                transaction_id=tx.pk,
                kind=tx.kind,
                account=code,
                amount=e.amount,
                memo=tx.memo,
                reference=reference_of(tx.metadata, org_id),
            )
        )
    return Statement(org_id, org.name, currency, start, end, opening, closing, lines)


def _fmt(amount: int, currency: str) -> str:
    return Money(amount, currency).format().split(" ", 1)[1]


def to_csv(st: Statement) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["date", "transaction", "kind", "account", "amount", "currency", "amount_minor", "memo", "source"])
    for code, amount in st.opening.items():
        w.writerow([st.start.isoformat(), "", "opening_balance", code, _fmt(amount, st.currency), st.currency, amount])
    for line in st.lines:
        w.writerow(
            [
                line.at.isoformat(),
                line.transaction_id,
                line.kind,
                line.account,
                _fmt(line.amount, st.currency),
                st.currency,
                line.amount,
                line.memo,
                line.reference,
            ]
        )
    for code, amount in st.closing.items():
        w.writerow([st.end.isoformat(), "", "closing_balance", code, _fmt(amount, st.currency), st.currency, amount])
    return out.getvalue().encode()


def to_pdf(st: Statement) -> bytes:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _latin(f"Statement - {st.organization_name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, f"{st.currency}, {st.start.isoformat()} to {st.end.isoformat()}", new_x="LMARGIN", new_y="NEXT")
    for label, balances in (("Opening", st.opening), ("Closing", st.closing)):
        text = ", ".join(f"{code}: {_fmt(v, st.currency)}" for code, v in balances.items()) or "no accounts"
        pdf.cell(0, 6, _latin(f"{label} balances: {text}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    headings = ("Date", "Tx", "Kind", "Account", "Amount", "Memo", "Source")
    with pdf.table(
        col_widths=(28, 14, 26, 40, 24, 80, 60),
        text_align=("LEFT", "RIGHT", "LEFT", "LEFT", "RIGHT", "LEFT", "LEFT"),
        first_row_as_headings=True,
    ) as table:
        table.row(headings)
        for line in st.lines:
            table.row(
                (
                    line.at.strftime("%Y-%m-%d %H:%M"),
                    str(line.transaction_id),
                    _latin(line.kind),
                    _latin(line.account),
                    _fmt(line.amount, st.currency),
                    _latin(line.memo[:120]),
                    _latin(line.reference[:80]),
                )
            )
    return bytes(pdf.output())


def _latin(text: str) -> str:
    """The PDF core fonts are Latin-1; transliterate the rest rather than fail."""
    from text_unidecode import unidecode

    return text if all(ord(c) < 256 for c in text) else unidecode(text)
