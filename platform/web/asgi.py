"""ASGI entry point for process managers:
``uvicorn --factory saypro.platform.web.asgi:app_from_environment``.

Reads the external servers from the environment (DATABASE_URL, REDIS_URL, …); the
``saypro serve`` command sets those for its workers when it started embedded servers.
"""

from __future__ import annotations

from litestar import Litestar

from saypro.platform.logging import configure_logging
from saypro.platform.services import Services
from saypro.platform.settings import ConfigurationError, DatabaseUrls, load_settings
from saypro.platform.web.app import create_app


def app_from_environment() -> Litestar:
    settings = load_settings()
    if settings.database_url is None or settings.redis_url is None:
        raise ConfigurationError("DATABASE_URL and REDIS_URL are required for the ASGI entry point")
    configure_logging(settings.log_level, settings.log_format)
    owner = settings.database_owner_url
    database = DatabaseUrls.from_url(
        settings,
        settings.database_url.get_secret_value(),
        owner.get_secret_value() if owner else None,
    )
    return create_app(
        settings, Services(database=database, redis_url=settings.redis_url.get_secret_value())
    )
