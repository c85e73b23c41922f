"""``accord incentives …``: follow the tracking facts and accrue within a fraction of a second, or run one pass."""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer

app = typer.Typer(help="Incentive accrual: follow ingest, accrue collaborations, sweep.", no_args_is_help=True)


@app.command()
def follow(
    interval: Annotated[float, typer.Option(help="Seconds between change-feed polls")] = 0.1,
    sweep_every: Annotated[float, typer.Option(help="Seconds between full sweeps")] = 60.0,
) -> None:
    """Accrue right after ingest until interrupted (run next to the web server and the worker)."""
    from accord.cli import setup_django

    setup_django()
    from accord.incentives import services

    typer.echo(f"following tracking facts every {interval}s (Ctrl-C stops)")
    with contextlib.suppress(KeyboardInterrupt):
        services.follow(interval, sweep_every=sweep_every)


@app.command()
def accrue(contract_id: Annotated[int | None, typer.Argument(help="One contract; default: sweep all")] = None) -> None:
    """Evaluate and book now: one contract, or every accruing contract."""
    from accord.cli import setup_django

    setup_django()
    from accord.incentives import services

    if contract_id is not None:
        out = services.accrue_contract(contract_id)
        typer.echo(
            f"contract {contract_id}: accrued {out.accrued}, clawed back {out.clawed_back}, awaiting {out.awaiting}, "
            f"on hold {out.on_hold}, unrecovered {out.unrecovered}{' (' + out.skipped + ')' if out.skipped else ''}"
        )
        return
    services.sweep()
    outcomes = services.process_dirty(limit=100_000)
    typer.echo(f"{len(outcomes)} collaborations evaluated, {sum(o.accrued for o in outcomes)} accrued")
