"""``accord escrow …``: operator tools for escrow. Imports no Django model at module level."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Campaign escrow: deposits, bank statements, commission unlocks.", no_args_is_help=True)


@app.command("import-statement")
def import_statement(
    path: Annotated[Path, typer.Argument(help="Bank statement CSV: date, amount, currency, reference, bank_ref")],
    operator: Annotated[str, typer.Option(help="E-mail of the operator doing the import (audited)")],
) -> None:
    """Confirm pending manual deposits whose reference and exact amount appear in a bank statement."""
    from accord.cli import setup_django

    setup_django()
    from accord.accounts.auth import Principal
    from accord.accounts.models import Membership, Organization
    from accord.core.errors import DomainError
    from accord.escrow import services
    from accord.escrow.statements import StatementError

    membership = (
        Membership.objects.select_related("organization", "user")
        .filter(user__email__iexact=operator, organization__kind=Organization.Kind.OPERATOR)
        .first()
    )
    if membership is None:
        typer.echo(f"error: {operator} is not an operator", err=True)
        raise typer.Exit(2)
    actor = Principal(organization=membership.organization, role=membership.role, user=membership.user)
    try:
        result = services.import_statement(actor, path.read_text(encoding="utf-8-sig"))
    except (StatementError, DomainError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"confirmed {len(result.confirmed)} deposit(s); {len(result.already)} were already confirmed")
    for line in result.unmatched:
        typer.echo(f"unmatched: {line}")


@app.command("unlock")
def unlock() -> None:
    """Unlock every commission whose lock window has ended (the worker does this every five minutes)."""
    from accord.cli import setup_django

    setup_django()
    from accord.escrow import services

    typer.echo(f"unlocked {services.unlock_matured()} accrual(s)")


@app.callback()
def main() -> None:
    """Campaign escrow."""
