"""What every command needs: settings, logging and the servers, with clear failures."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

import click

from saypro.platform.logging import configure_logging
from saypro.platform.services import Services, running_services
from saypro.platform.settings import ConfigurationError, Settings, load_settings


def settings_or_exit() -> Settings:
    try:
        settings = load_settings()
        settings.require_secret_key()
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None
    configure_logging(settings.log_level, settings.log_format)
    return settings


@contextlib.contextmanager
def services_or_exit(settings: Settings) -> Iterator[Services]:
    try:
        with running_services(settings) as services:
            yield services
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None


def wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
