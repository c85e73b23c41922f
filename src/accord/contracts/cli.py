"""``accord contracts …``: the collaboration demo and the contract jobs, by hand."""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Annotated

import typer

app = typer.Typer(help="Campaign contracts: offers, signatures, milestones, time.", no_args_is_help=True)


@app.command()
def demo(
    configured_db: Annotated[
        bool, typer.Option("--configured-db", help="Use the configured database instead of a fresh temporary one")
    ] = False,
) -> None:
    """Run a complete collaboration through the services and print a report; exit 1 if an invariant breaks."""
    if not configured_db:
        # A fresh SQLite database in a temporary directory: the demo never touches real data.
        os.environ["ACCORD_VAR_DIR"] = tempfile.mkdtemp(prefix="accord-demo-")
        os.environ.pop("ACCORD_DATABASE_URL", None)
    from accord.cli import setup_django

    setup_django()
    from django.core.management import call_command

    from accord import demo as demo_module

    if not configured_db:
        typer.echo(f"fresh database in {os.environ['ACCORD_VAR_DIR']}", err=True)
        call_command("migrate", "--no-input", "-v", "0")
    problems = demo_module.run(typer.echo)
    if problems:
        for problem in problems:
            typer.echo(f"invariant broken: {problem}", err=True)
        raise typer.Exit(1)
    sys.stdout.flush()


@app.command("run-jobs")
def run_jobs() -> None:
    """Run the contract jobs once now: expire offers, flag passed deadlines, auto-approve silent reviews."""
    from accord.cli import setup_django

    setup_django()
    from accord.contracts import services

    typer.echo(f"expired offers: {services.expire_offers()}")
    typer.echo(f"deadlines flagged: {len(services.flag_overdue())}")
    typer.echo(f"auto-approved milestones: {len(services.auto_approve_due())}")
