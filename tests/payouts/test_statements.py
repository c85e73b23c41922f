"""Statements: every ledger line of the creator's accounts in the period, traced to its source, CSV and PDF."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from accord.accounts.models import Organization
from accord.core import clock
from accord.ledger import services as ledger
from accord.payouts import statements
from tests.conftest import make_org

pytestmark = pytest.mark.django_db


def book(key: str, kind: str, legs: list[tuple[str, str, int]], memo: str, **metadata: object) -> None:
    ledger.transfer(key=key, kind=kind, currency="EUR", legs=legs, memo=memo, metadata=metadata)


def test_statement_lines_balances_and_sources() -> None:
    org, _ = make_org(Organization.Kind.CREATOR, name="Zoë Creator")
    other, _ = make_org(Organization.Kind.CREATOR)
    pending, payable = ledger.creator_pending_code(org.pk), ledger.creator_payable_code(org.pk)
    clock.set_now(datetime(2026, 10, 30, 12, tzinfo=UTC))
    book("s-dep", "deposit", [(ledger.WORLD, "escrow:9", 100_000)], "deposit", campaign=9)
    book("s-old", "release", [("escrow:9", payable, 1_000)], "release milestone 1", escrow_hold=1, fee_bps=1000)
    clock.set_now(datetime(2026, 11, 3, 12, tzinfo=UTC))
    book("s-acc", "accrual", [("escrow:9", pending, 5_000)], "commission", accrual=42, campaign=9)
    book("s-claw", "clawback", [(pending, "escrow:9", 1_200)], "order refunded", accrual=42)
    book("s-unl", "unlock", [(pending, payable, 3_800)], "lock window ended", accrual=42)
    book("s-other", "release", [("escrow:9", ledger.creator_payable_code(other.pk), 777)], "someone else")
    clock.set_now(datetime(2026, 12, 2, 12, tzinfo=UTC))
    book("s-late", "release", [("escrow:9", payable, 50)], "after the period")

    st = statements.statement(org.pk, "EUR", date(2026, 11, 1), date(2026, 11, 30))
    assert st.opening == {pending: 0, payable: 1_000}
    assert st.closing == {pending: 0, payable: 4_800}
    assert [(line.kind, line.account, line.amount, line.reference) for line in st.lines] == [
        ("accrual", pending, 5_000, "campaign=9 accrual=42"),
        ("clawback", pending, -1_200, "accrual=42"),
        ("unlock", pending, -3_800, "accrual=42"),
        ("unlock", payable, 3_800, "accrual=42"),
    ]
    rows = list(csv.DictReader(io.StringIO(statements.to_csv(st).decode())))
    assert [r["kind"] for r in rows] == ["opening_balance"] * 2 + ["accrual", "clawback", "unlock", "unlock"] + [
        "closing_balance"
    ] * 2
    assert rows[3]["memo"] == "order refunded" and rows[3]["amount"] == "-12.00"
    pdf = statements.to_pdf(st)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
