"""``accord creators …``: generate a demo catalog. Django is set up inside each command, never at import."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

app = typer.Typer(help="Creator profiles and the demo catalog.", no_args_is_help=True)


@app.command("seed")
def seed(
    count: Annotated[int, typer.Option("--count", "-n", help="How many creators to generate")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed and count give the same catalog")] = 2026,
) -> None:
    """Generate a realistic, reproducible creator catalog into the database (existing handles are skipped)."""
    from accord.cli import setup_django

    setup_django()
    from rich.progress import Progress

    from accord.creators.generator import seed_demo_creators

    with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task("seeding creators", total=count)
        created = seed_demo_creators(count, seed=seed, progress=lambda n: progress.update(task, completed=n))
    typer.echo(f"{created} creators created ({count - created} already present)")
