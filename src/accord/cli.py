"""The ``accord`` command: serve, worker, migrate, seed, audit, createoperator, and each app's sub-commands."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
from typing import Annotated

import typer

app = typer.Typer(help="Accord: influencer marketing with escrow.", no_args_is_help=True)
audit_app = typer.Typer(help="The append-only audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

# Apps that contribute a ``cli.py`` with ``app`` (a Typer) become ``accord <name> …``.
CLI_APPS = [
    "ledger",
    "escrow",
    "payouts",
    "tracking",
    "incentives",
    "matching",
    "creators",
    "contracts",
    "disputes",
    "reputation",
]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    import django

    django.setup()


def _manage(*args: str) -> None:
    setup_django()
    from django.core.management import call_command

    call_command(*args)


@app.command()
def migrate() -> None:
    """Apply database migrations."""
    _manage("migrate", "--no-input", "-v", "1")


@app.command()
def seed(
    creators: Annotated[int, typer.Option(help="How many demo creators")] = 300,
    force: Annotated[bool, typer.Option(help="Seed even if demo data exists")] = False,
) -> None:
    """Load realistic demo data once (brands, creators, campaigns, an operator) and print the log-ins."""
    setup_django()
    from accord import seed as seeding

    seeding.run(creators=creators, force=force)


@app.command()
def createoperator(
    email: Annotated[str, typer.Option(prompt=True)],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    name: str = "",
) -> None:
    """Create (or promote) a platform operator who can mediate, run payouts and use the operator console."""
    setup_django()
    from accord.accounts.services import create_operator
    from accord.core.errors import DomainError

    try:
        user = create_operator(email=email, password=password, name=name)
    except DomainError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"operator {user.email} is ready")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the hash chain; exit 1 naming the first record that was altered, removed or inserted."""
    setup_django()
    from rich.progress import Progress

    from accord.core.audit import AuditProblem, verify
    from accord.core.models import AuditRecord

    total = AuditRecord.objects.count()
    with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task("verifying audit chain", total=total)
        for item in verify():
            if isinstance(item, AuditProblem):
                typer.echo(f"audit chain BROKEN at record #{item.seq} (id {item.record_id}): {item.reason}", err=True)
                raise typer.Exit(1)
            progress.update(task, completed=item)
    typer.echo(f"audit chain ok: {total} records")


@app.command()
def worker(
    interval: Annotated[float, typer.Option(help="Seconds between polls")] = 1.0,
) -> None:
    """Run background tasks and the periodic scheduler until interrupted."""
    setup_django()
    from accord.core.worker import run_worker

    run_worker(interval=interval)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="Web worker processes")] = 2,
    with_worker: Annotated[bool, typer.Option(help="Also run the background worker")] = True,
    redirect_port: Annotated[
        int, typer.Option(help="Port of the lean /t/<code> server (accord tracking serve-redirects); 0: none")
    ] = 8001,
    redirect_workers: Annotated[int, typer.Option(help="Its worker processes")] = 2,
) -> None:
    """Serve the web app and API with granian, the /t/ redirect server, the click loader and the background worker;
    Ctrl-C stops all."""
    setup_django()
    from django.core.management import call_command

    call_command("collectstatic", "--no-input", "-v", "0")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "accord.settings"}
    # granian (Rust HTTP) with ASGI: a redirect waiting for the click log's shared disk sync is a future on the event
    # loop, not a blocked thread (bench/tracking.py measured it against WSGI threads and gunicorn); "asginl" as
    # Django's ASGI handler has no lifespan.
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "granian",
                "--interface",
                "asginl",
                "--host",
                host,
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--no-ws",
                "--access-log",
                "--workers-kill-timeout",
                "5",
                "accord.asgi:application",
            ],
            env=env,
        ),
        # Redirect clicks wait in the local click log until this stores them (counting, fraud, rollups).
        subprocess.Popen([sys.executable, "-m", "accord.cli", "tracking", "load-clicks"], env=env),
    ]
    if redirect_port:
        # /t/ on a server of its own (accord.tracking.edge): route /t/ or the tracking host to it in production;
        # the main port's ASGI front answers /t/ too, for a single-port setup.
        redirects = ["tracking", "serve-redirects", "--host", host, "--port", str(redirect_port)]
        redirects += ["--workers", str(redirect_workers)]
        procs.append(subprocess.Popen([sys.executable, "-m", "accord.cli", *redirects], env=env))
    if with_worker:
        procs.append(subprocess.Popen([sys.executable, "-m", "accord.cli", "worker"], env=env))
        # Accrues pay-for-performance within a second of ingest (the worker's 1 s job is the fallback).
        procs.append(subprocess.Popen([sys.executable, "-m", "accord.cli", "incentives", "follow"], env=env))
    typer.echo(f"Accord is serving http://{host}:{port}/ (Ctrl-C stops)")
    if redirect_port:
        typer.echo(f"tracking links are answered on http://{host}:{redirect_port}/t/<code> too")

    def stop(signum: int, frame: object) -> None:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    # A shell starting us in the background ignores SIGINT; Ctrl-C must still stop everything.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop(signal.SIGTERM, None)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    typer.echo("stopped")


def _register_app_clis() -> None:
    for name in CLI_APPS:
        try:
            module = importlib.import_module(f"accord.{name}.cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"accord.{name}.cli":
                raise
            continue
        app.add_typer(module.app, name=name)


_register_app_clis()


def _register_demo() -> None:
    from accord.contracts.cli import demo  # imports no Django model at load time

    app.command("demo", help="Play a complete collaboration on a fresh database (same as `accord contracts demo`).")(
        demo
    )


_register_demo()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
