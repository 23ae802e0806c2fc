"""Configuration: read once from the environment, clear errors, secrets never shown."""

from __future__ import annotations

import logging

import pytest

from saypro.platform.logging import configure_logging
from saypro.platform.settings import ConfigurationError, DatabaseUrls, Settings, load_settings

SECRET = "s3cret-value-that-must-never-be-logged-0123456789"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DATABASE_URL",
        "DATABASE_OWNER_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "LOG_LEVEL",
        "DB_POOL_SIZE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/saypro"),
        ("DATABASE_URL", "postgresql://localhost"),
        ("REDIS_URL", "http://localhost:6379"),
        ("SECRET_KEY", "too-short"),
        ("LOG_LEVEL", "LOUD"),
        ("DB_POOL_SIZE", "zero"),
    ],
)
def test_invalid_values_stop_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=variable):
        load_settings()


def test_secret_key_is_required_with_external_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.internal/saypro")
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_settings().require_secret_key()


def test_embedded_defaults_keep_a_generated_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("SAYPRO_DATA_DIR", str(tmp_path))
    first = load_settings().require_secret_key()
    assert len(first) >= 32
    assert load_settings().require_secret_key() == first


def test_single_url_derives_the_runtime_role(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres:{SECRET}@db.internal:5432/saypro")
    monkeypatch.setenv("SECRET_KEY", SECRET)
    settings = load_settings()
    urls = DatabaseUrls.from_url(settings, settings.database_url.get_secret_value())  # type: ignore[union-attr]
    assert urls.runtime_role == "saypro_app"
    assert urls.runtime.startswith("postgresql+psycopg://saypro_app:")
    assert urls.owner.startswith("postgresql+psycopg://postgres:")


def test_secrets_are_hidden_in_repr_and_logs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres:{SECRET}@db.internal/saypro")
    monkeypatch.setenv("SECRET_KEY", SECRET)
    settings = load_settings()
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())
    configure_logging("INFO", "json")
    import structlog

    structlog.get_logger("test").info(
        "configured",
        database_url=settings.database_url.get_secret_value(),  # type: ignore[union-attr]
        password=SECRET,
        settings=repr(settings),
    )
    logging.getLogger("stdlib").info("stdlib line with secret_key=%s", "[kept out by callers]")
    configure_logging("WARNING", "json")
    assert SECRET not in capsys.readouterr().err


def test_settings_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", SECRET)
    settings = Settings()
    monkeypatch.setenv("SECRET_KEY", "changed-after-start-up-" + "y" * 20)
    assert settings.require_secret_key() == SECRET
