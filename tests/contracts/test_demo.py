"""``accord contracts demo`` plays the whole collaboration and exits non-zero when an invariant breaks."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from accord.contracts.cli import app
from accord.ledger.verify import Problem

pytestmark = pytest.mark.django_db


def test_demo_runs_clean_and_reports_each_step() -> None:
    result = CliRunner().invoke(app, ["demo", "--configured-db"])
    assert result.exit_code == 0, result.output
    for text in (
        "values conflict",
        "changes:",
        "disclosure MISSING",
        "auto-approval job approved 1",
        "EUR 180.00 released",
        "ledger verify: ok",
        "DEMO OK",
    ):
        assert text in result.output


def test_demo_fails_when_the_ledger_does_not_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("accord.demo.verify", lambda: [Problem("currency_not_zero", "balances in EUR sum to 1")])
    result = CliRunner().invoke(app, ["demo", "--configured-db"])
    assert result.exit_code == 1
    assert "INVARIANT BROKEN: ledger: balances in EUR sum to 1" in result.output
