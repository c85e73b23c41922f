"""``accord payouts …``: run (or resume) payout runs, configure the debtor account, export files, mark results."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Creator payouts: runs, SEPA files, results.", no_args_is_help=True)


@app.command("run")
def run(
    currency: Annotated[list[str] | None, typer.Option(help="Currency (repeatable); default: all with money")] = None,
    day: Annotated[str | None, typer.Option("--date", help="Run date YYYY-MM-DD (default today)")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Creators per batch")] = None,
) -> None:
    """Start or resume today's payout run(s). Safe to run again after a crash: nobody is paid twice."""
    from accord.cli import setup_django

    setup_django()
    from accord.core.errors import DomainError
    from accord.payouts import services

    run_date = date.fromisoformat(day) if day else None
    currencies = currency or services.currencies_with_payables()
    if not currencies:
        typer.echo("no payable balances: nothing to run")
        return
    for code in currencies:
        try:
            result = services.run_payouts(code.upper(), run_date, started_by="cli", batch_size=batch_size)
        except DomainError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(2) from None
        files = ", ".join(f.filename for f in services.files_of_run(result.pk)) or "no file"
        typer.echo(
            f"run {result.pk} {result.currency} {result.run_date}: {result.state}, "
            f"{result.payout_count} payouts, total {result.total_amount} (minor units); {files}"
        )


@app.command("set-debtor")
def set_debtor(
    currency: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    iban: Annotated[str, typer.Option()],
    bic: Annotated[str, typer.Option()] = "",
) -> None:
    """Set the platform bank account that SEPA payout files of ``currency`` debit."""
    from accord.cli import setup_django

    setup_django()
    from accord.core.errors import DomainError
    from accord.payouts import services

    try:
        debtor = services.add_debtor(name=name, iban=iban, bic=bic, currency=currency.upper(), actor_label="cli")
    except DomainError as exc:
        typer.echo(f"error: {exc.message} {exc.fields}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"debtor account {debtor.pk} set for {debtor.currency}")


@app.command("export")
def export(
    file_id: Annotated[int, typer.Argument(help="Payout file id")],
    out: Annotated[Path, typer.Option(help="Where to write the XML")] = Path("."),
) -> None:
    """Write a stored pain.001.001.03 file to disk."""
    from accord.cli import setup_django

    setup_django()
    from accord.payouts.models import PayoutFile

    f = PayoutFile.objects.filter(pk=file_id).first()
    if f is None:
        typer.echo("no such file", err=True)
        raise typer.Exit(1)
    target = out / f.filename if out.is_dir() else out
    target.write_bytes(bytes(f.content))
    typer.echo(f"wrote {target} ({f.payment_count} payments)")


@app.command("mark-file-paid")
def mark_file_paid(file_id: Annotated[int, typer.Argument()]) -> None:
    """The bank executed this file: mark all its processing payouts paid."""
    from accord.cli import setup_django

    setup_django()
    from accord.payouts import services

    typer.echo(f"{services.mark_file_paid('cli', file_id)} payouts marked paid")
