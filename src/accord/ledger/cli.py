"""``accord ledger …``: consistency checks over the whole ledger. Imports no Django model at module level."""

from __future__ import annotations

import typer

app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)


@app.command()
def verify() -> None:
    """Check every ledger invariant with aggregate SQL; exit 1 naming each problem found."""
    from accord.cli import setup_django

    setup_django()
    from accord.ledger.verify import totals
    from accord.ledger.verify import verify as run_checks

    problems = run_checks()
    if problems:
        for problem in problems:
            typer.echo(f"LEDGER PROBLEM [{problem.check}] {problem.message}", err=True)
        typer.echo(f"ledger verify FAILED: {len(problems)} problem(s)", err=True)
        raise typer.Exit(1)
    counts = totals()
    typer.echo("ledger ok: " + ", ".join(f"{n} {what}" for what, n in counts.items()))


@app.callback()
def main() -> None:
    """The double-entry ledger."""
