from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.escrow import services as escrow
from accord.escrow.cli import app
from accord.ledger import services as ledger
from tests.escrow.helpers import brand_principal, campaign_for, operator_principal

pytestmark = pytest.mark.django_db


def test_import_statement_command(tmp_path: Path) -> None:
    brand = brand_principal()
    campaign = campaign_for(brand.organization)
    deposit = escrow.start_deposit(brand, campaign_id=campaign.pk, amount=7_500, key="k")
    op = operator_principal()
    statement = tmp_path / "statement.csv"
    statement.write_text(f"date,amount,currency,reference,bank_ref\n2026-03-02,75.00,EUR,{deposit.reference},B-77\n")
    runner = CliRunner()
    assert runner.invoke(app, ["import-statement", str(statement), "--operator", "nobody@x.test"]).exit_code == 2
    result = runner.invoke(app, ["import-statement", str(statement), "--operator", op.user.email])  # type: ignore[union-attr]
    assert result.exit_code == 0, result.output
    assert "confirmed 1 deposit" in result.output
    assert ledger.balances(ledger.escrow_code(campaign.pk), "EUR").balance == 7_500
    assert runner.invoke(app, ["unlock"]).exit_code == 0
