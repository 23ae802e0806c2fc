"""saypro serve / worker / scheduler / demo: the long-running processes."""

from __future__ import annotations

import os

import click
import uvicorn

from saypro.platform.cli.admin import runtime_sessions
from saypro.platform.cli.common import services_or_exit, settings_or_exit, wait_for_signal
from saypro.platform.db import migrate
from saypro.platform.demo import DEMO_PASSWORD, MUNICIPALITIES, seed_demo
from saypro.platform.runtime import start_scheduler, start_worker
from saypro.platform.services import Services
from saypro.platform.settings import Settings
from saypro.platform.web.app import create_app


def _export_for_children(settings: Settings, services: Services) -> None:
    # Worker processes of the web server read the same servers from the environment.
    os.environ["DATABASE_URL"] = services.database.runtime
    os.environ["DATABASE_OWNER_URL"] = services.database.owner
    os.environ["REDIS_URL"] = services.redis_url
    os.environ["SECRET_KEY"] = settings.require_secret_key()


def _serve(settings: Settings, services: Services, host: str, port: int, workers: int) -> None:
    if workers > 1:
        _export_for_children(settings, services)
        uvicorn.run(
            "saypro.platform.web.asgi:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            proxy_headers=True,
        )
    else:
        uvicorn.run(
            create_app(settings, services),
            host=host,
            port=port,
            log_config=None,
            proxy_headers=True,
        )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Run the web application (embedded servers are started and migrated when no URLs are set)."""
    settings = settings_or_exit()
    with services_or_exit(settings) as services:
        if settings.uses_embedded_database:
            migrate.upgrade(services.database)
        _serve(settings, services, host, port, workers)


@click.command()
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
def worker(threads: int) -> None:
    """Run jobs and relay the outbox to Redis until interrupted."""
    settings = settings_or_exit()
    with services_or_exit(settings) as services:
        background, _database = start_worker(services, settings=settings, threads=threads)
        click.echo(f"worker running with {threads} threads; Ctrl-C to stop")
        try:
            wait_for_signal()
        finally:
            background.stop()


@click.command()
def scheduler() -> None:
    """Request periodic jobs; several may run, exactly one is active."""
    settings = settings_or_exit()
    with services_or_exit(settings) as services:
        background = start_scheduler(services)
        click.echo("scheduler running (standby until it holds the leader lock); Ctrl-C to stop")
        try:
            wait_for_signal()
        finally:
            background.stop()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def demo(host: str, port: int) -> None:
    """Run everything in one process with two demo municipalities."""
    settings = settings_or_exit()
    with services_or_exit(settings) as services:
        click.echo("migrating the database…")
        migrate.upgrade(services.database)
        with (
            click.progressbar(
                length=len(MUNICIPALITIES), label="seeding demo municipalities"
            ) as bar,
            runtime_sessions(services)() as session,
            session.begin(),
        ):
            logins = seed_demo(session, progress=lambda _name: bar.update(1))
        worker_threads, _database = start_worker(services, settings=settings, threads=2)
        scheduler_thread = start_scheduler(services)
        try:
            click.echo("")
            click.echo(f"SayPro Municipal Platform demo: http://{host}:{port}/")
            click.echo(f"Every demo login uses the password: {DEMO_PASSWORD}")
            for login in logins:
                click.echo(f"  {login.municipality:38} {login.role:20} {login.email}")
            click.echo("Ctrl-C stops the demo and the servers it started.")
            _serve(settings, services, host, port, 1)
        finally:
            scheduler_thread.stop()
            worker_threads.stop()
