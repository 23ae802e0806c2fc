"""The settings jobs run with: those the worker process was started with.

Jobs take ids only, so what they need from the environment (a mail server, a data
directory) comes from here rather than from their messages.
"""

from __future__ import annotations

from saypro.platform.settings import Settings, load_settings

_settings: Settings | None = None


def configure(settings: Settings) -> None:
    global _settings
    _settings = settings


def job_settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = load_settings()
    return _settings
