"""``accord tracking …``: load redirect clicks from the click log into the database."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Tracking: the redirect click log.", no_args_is_help=True)


@app.command("load-clicks")
def load_clicks(
    interval: Annotated[float, typer.Option(help="Seconds between passes over the log")] = 0.1,
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit")] = False,
    directory: Annotated[Path | None, typer.Option(help="Click-log directory (default: <var>/clicklog)")] = None,
    nice: Annotated[int, typer.Option(help="Lower this process's CPU priority by this much (0: as started)")] = 10,
) -> None:
    """Store the clicks the redirect path logged (bots, bursts, counting, rollups), in batches, exactly once."""
    from accord.cli import setup_django

    if nice:
        # The clicks are durable in the log already: under a burst, answering visitors comes first and the loader
        # catches up when the CPU is free (rollups trail by more meanwhile, never lose a click).
        os.nice(nice)
    setup_django()
    from accord.tracking import loader

    if once:
        with loader.exclusive(directory or loader.clicklog.default_directory()):
            typer.echo(f"{loader.load_once(directory)} clicks stored")
        return
    typer.echo(f"loading redirect clicks every {interval}s (Ctrl-C stops)")
    with contextlib.suppress(KeyboardInterrupt):
        loader.follow(directory, interval)


@app.command("serve-redirects")
def serve_redirects(
    host: str = "127.0.0.1",
    port: int = 8001,
    workers: Annotated[int, typer.Option(help="Worker processes (each its own SO_REUSEPORT socket)")] = 2,
    directory: Annotated[Path | None, typer.Option(help="Click-log directory (default: <var>/clicklog)")] = None,
) -> None:
    """Answer GET /t/<code> on a lean HTTP server; each click is on disk before its 302 (run load-clicks beside it)."""
    from accord.cli import setup_django

    setup_django()
    from accord.tracking import edge

    try:
        edge.serve(host, port, workers, directory)
    except OSError as exc:
        typer.echo(f"error: cannot serve on {host}:{port}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None
