"""`insure run | web | worker | beat | migrate | seed | create-user | relay | claims backtest`."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from typing import Any

import click

from insure.auth.tables import ROLES
from insure.settings import get_settings


def _run(coro: Any, name: str = "") -> Any:
    async def wrapped() -> Any:
        from insure import clock_store, db

        await db.start_pool()
        try:
            if name != "migrate":
                await clock_store.refresh(force=True)
            return await coro
        finally:
            await db.close_pool()

    return asyncio.run(wrapped())


@click.group()
def main() -> None:
    """Insure: online insurance sales and claims."""


async def _migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    for app in ("insure", "products", "claims"):
        result = await run_forwards(app_name=app)
        if not result.success:
            raise click.ClickException(f"migrations of {app} failed: {result.message}")


@main.command()
def migrate() -> None:
    """Apply database migrations (SQLite or PostgreSQL, from DATABASE_URL)."""
    _run(_migrate(), "migrate")
    click.echo("migrate: database is up to date")


@main.command()
def seed() -> None:
    """Load the demo data set (fixed Faker seed; safe to run twice)."""
    from insure.seed import seed as run_seed

    _run(run_seed())


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(list(ROLES)), required=True)
@click.option("--password", envvar="INSURE_PASSWORD", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(email: str, name: str, role: str, password: str) -> None:
    """Create a staff (or customer) account. The password comes from INSURE_PASSWORD or a prompt."""
    from insure.auth.services import create_staff
    from insure.errors import ValidationFailed

    try:
        user = _run(create_staff(email, name, role, password))
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(f"{e.field}: {e.code}" for e in exc.errors)) from exc
    click.echo(f"created {user['role']} {user['email']} (id {user['id']})")


@main.group()
def products() -> None:
    """The product catalog."""


@products.command("check")
def products_check() -> None:
    """Load and validate every catalog file; exit 1 naming the file and field of the first problem."""
    from products.catalog import CatalogError
    from products.services import catalog as load

    try:
        catalog = load()
    except CatalogError as exc:
        raise click.ClickException(str(exc)) from exc
    from insure import clock

    on_sale = catalog.products(clock.today())
    insurers = {p.insurer_code for p in on_sale}
    click.echo(f"catalog OK: {len(on_sale)} products on sale today from {len(insurers)} insurers")
    for p in on_sale:
        click.echo(f"  {p.code:<20} v{p.version}  {p.type:<26} {p.insurer_code:<14} {','.join(p.channels)}")


def _dividends() -> click.Group:
    from insure.accounts.cli import dividends

    return dividends


main.add_command(_dividends())


@main.group()
def claims() -> None:
    """Claims: the rules of the automated workflow."""


@claims.command("backtest")
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False, exists=True), help="a candidate rule set (TOML)")
@click.option("--all", "every_claim", is_flag=True, help="list every claim, not only those whose decision changes")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@click.option("--limit", type=int, default=None, help="only the most recent N claims")
def claims_backtest(rules_file: str | None, every_claim: bool, as_json: bool, limit: int | None) -> None:
    """Run the current (or a candidate) rule set over the historic claims; show the decisions that would change.
    Changes nothing."""
    from claims.backtest_cli import backtest

    try:
        click.echo(_run(backtest(rules_file, every_claim=every_claim, as_json=as_json, limit=limit)))
    except ValueError as exc:  # claims.ruleset.RulesetError: the file and field at fault
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="uvicorn worker processes")
def web(host: str, port: int, workers: int) -> None:
    """Serve the web pages and the API with uvicorn."""
    import uvicorn

    uvicorn.run(
        "insure.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        **forwarded_headers(get_settings().trusted_proxies),
    )


def forwarded_headers(trusted_proxies: tuple[str, ...]) -> dict[str, Any]:
    """uvicorn's options for X-Forwarded-For/-Proto: honoured only from the proxies in TRUSTED_PROXIES.
    uvicorn's own default trusts 127.0.0.1, which let any local client (or a proxy that passes the header
    on) claim any address and so dodge the per-address log-in budget."""
    if not trusted_proxies:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(trusted_proxies)}


@main.command()
@click.option("--queues", default="claims,documents,payments,default", show_default=True)
@click.option("--concurrency", default=2, show_default=True, type=int)
@click.option("--loglevel", default="INFO", show_default=True)
def worker(queues: str, concurrency: int, loglevel: str) -> None:
    """A Celery worker process for the named queues."""
    from insure.worker import celery_app

    celery_app.worker_main(
        [
            "worker",
            "-Q",
            queues,
            "-c",
            str(concurrency),
            "--loglevel",
            loglevel,
            "--without-gossip",
            "--without-mingle",
        ]
    )


@main.command()
@click.option("--loglevel", default="INFO", show_default=True)
def beat(loglevel: str) -> None:
    """The Celery beat scheduler (outbox relay, reconciler). Run exactly one."""
    from insure.worker import celery_app

    schedule = get_settings().var_dir / "celerybeat-schedule"
    schedule.parent.mkdir(parents=True, exist_ok=True)
    celery_app.start(["beat", "--schedule", str(schedule), "--loglevel", loglevel])


def _preflight() -> None:
    from insure.documents import PdfEngineMissing, wkhtmltopdf_path

    try:
        wkhtmltopdf_path()
    except PdfEngineMissing as exc:
        click.secho(f"warning: {exc}; policy schedules will wait until it is installed", fg="yellow")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def run(host: str, port: int) -> None:
    """Everything on one machine: migrate, seed, then web + worker + beat until Ctrl-C."""
    from insure.seed import DEMO_PASSWORD
    from insure.seed import seed as run_seed

    _preflight()
    _run(_migrate(), "migrate")
    logins = _run(run_seed())
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    # Both signals set explicitly, whatever the inherited disposition: a background job of a non-interactive
    # shell starts with SIGINT ignored, and Ctrl-C or `kill -INT` must still stop web, worker and beat.
    # Installed before the children start, so they begin with the default SIGINT action, not an ignored one.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    me = [sys.executable, "-m", "insure"]
    procs = {
        "web": subprocess.Popen([*me, "web", "--host", host, "--port", str(port)]),
        "worker": subprocess.Popen([*me, "worker", "--loglevel", "WARNING"]),
        "beat": subprocess.Popen([*me, "beat", "--loglevel", "WARNING"]),
    }
    click.secho(f"\nInsure is running at http://{host}:{port}/  (API docs: http://{host}:{port}/schema)", bold=True)
    click.echo(f"Demo logins (password {DEMO_PASSWORD}):")
    for login in logins:
        click.echo(f"  {login.role:<12} {login.email}")
    click.echo("Press Ctrl-C to stop.\n")
    while not stopping:
        for name, proc in procs.items():
            if proc.poll() is not None:
                click.secho(f"{name} exited with code {proc.returncode}; stopping", fg="red")
                stopping = True
        time.sleep(0.5)
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
    click.echo("stopped")
    os._exit(0)
