"""Configuration, read once from the environment at start-up.

A missing or invalid variable stops start-up with a message that names it. Secrets are
held as ``SecretStr`` so they never show up in a repr, a log line or a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

RUNTIME_ROLE_DEFAULT = "saypro_app"


class ConfigurationError(RuntimeError):
    """Raised when the environment does not describe a runnable configuration."""


def _normalise_postgres_url(value: str, variable: str) -> str:
    try:
        url = make_url(value)
    except Exception as exc:
        raise ValueError(f"{variable} is not a database URL") from exc
    if url.get_backend_name() not in {"postgresql", "postgres"}:
        raise ValueError(f"{variable} must be a postgresql:// URL")
    if not url.database:
        raise ValueError(f"{variable} must name a database")
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


class Settings(BaseSettings):
    """Every setting the processes read. See the table in README.md."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    database_url: SecretStr | None = Field(default=None, alias="DATABASE_URL")
    database_owner_url: SecretStr | None = Field(default=None, alias="DATABASE_OWNER_URL")
    database_runtime_role: str = Field(
        default=RUNTIME_ROLE_DEFAULT,
        alias="DATABASE_RUNTIME_ROLE",
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
    )
    redis_url: SecretStr | None = Field(default=None, alias="REDIS_URL")
    secret_key: SecretStr | None = Field(default=None, alias="SECRET_KEY", min_length=32)
    data_dir: Path = Field(default=Path(".saypro-data"), alias="SAYPRO_DATA_DIR")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="LOG_LEVEL"
    )
    log_format: Literal["json", "console"] = Field(default="json", alias="LOG_FORMAT")
    db_pool_size: int = Field(default=10, ge=1, le=200, alias="DB_POOL_SIZE")
    session_idle_minutes: int = Field(default=120, ge=5, le=24 * 60, alias="SESSION_IDLE_MINUTES")
    session_absolute_hours: int = Field(
        default=12, ge=1, le=24 * 30, alias="SESSION_ABSOLUTE_HOURS"
    )
    login_attempts_per_minute: int = Field(
        default=10, ge=1, le=100_000, alias="LOGIN_ATTEMPTS_PER_MINUTE"
    )
    # Per client address and hour: municipal sign-ups, and password-reset requests.
    signups_per_hour: int = Field(default=5, ge=1, le=100_000, alias="SIGNUPS_PER_HOUR")
    password_resets_per_hour: int = Field(
        default=10, ge=1, le=100_000, alias="PASSWORD_RESETS_PER_HOUR"
    )
    # Per client address and minute: the public performance dashboards (pages and JSON).
    public_requests_per_minute: int = Field(
        default=120, ge=1, le=100_000, alias="PUBLIC_REQUESTS_PER_MINUTE"
    )
    # How long the link in an invitation to join a municipality works.
    invitation_ttl_days: int = Field(default=7, ge=1, le=90, alias="INVITATION_TTL_DAYS")
    # Links in emails start with this; without it, with the address the request came to.
    public_base_url: str | None = Field(
        default=None, alias="PUBLIC_BASE_URL", pattern=r"^https?://[^/\s]+$"
    )
    # Without SMTP_HOST, mail is saved as .eml files under SAYPRO_DATA_DIR/mail (demo).
    smtp_host: str | None = Field(default=None, alias="SMTP_HOST")
    smtp_port: int = Field(default=587, ge=1, le=65535, alias="SMTP_PORT")
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="starttls", alias="SMTP_SECURITY"
    )
    smtp_username: str | None = Field(default=None, alias="SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(default=None, alias="SMTP_PASSWORD")
    mail_from: str = Field(
        default="SayPro Municipal Platform <no-reply@saypro.online>",
        alias="MAIL_FROM",
        min_length=3,
    )
    # Privacy (docs/privacy.md): how long a finished tenant export may be downloaded, and
    # how long a closed municipality can be reopened before its data is deleted.
    export_retention_hours: int = Field(
        default=72, ge=1, le=24 * 90, alias="EXPORT_RETENTION_HOURS"
    )
    tenant_deletion_grace_days: int = Field(
        default=30, ge=1, le=3650, alias="TENANT_DELETION_GRACE_DAYS"
    )
    # Largest evidence file a KPI report may carry (docs/kpis.md).
    evidence_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, le=50 * 1024 * 1024, alias="EVIDENCE_MAX_BYTES"
    )
    # Largest CSV or XLSX file a KPI import accepts (docs/kpi-imports.md).
    import_max_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024, le=200 * 1024 * 1024, alias="IMPORT_MAX_BYTES"
    )

    @field_validator("database_url", "database_owner_url")
    @classmethod
    def _check_postgres(cls, value: SecretStr | None, info: object) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        name = getattr(info, "field_name", "DATABASE_URL").upper()
        return SecretStr(_normalise_postgres_url(value.get_secret_value(), name))

    @field_validator("redis_url")
    @classmethod
    def _check_redis(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not value.get_secret_value().startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("REDIS_URL must start with redis://, rediss:// or unix://")
        return value

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None

    @property
    def uses_embedded_redis(self) -> bool:
        return self.redis_url is None

    def require_secret_key(self) -> str:
        """The signing key; with the embedded defaults a key is kept in the data directory."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        if not self.uses_embedded_database:
            raise ConfigurationError("SECRET_KEY is required when DATABASE_URL is set")
        key_file = self.data_dir / "secret_key"
        if not key_file.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


class DatabaseUrls:
    """The owner URL (migrations) and the runtime URL (the application's RLS-bound role).

    With a single URL the owner is that URL's role and the runtime role is derived from it:
    same server and database, user ``DATABASE_RUNTIME_ROLE`` with a password derived from
    SECRET_KEY. ``saypro db upgrade`` then creates that role itself.
    """

    def __init__(self, owner: str, runtime: str, runtime_password: str | None) -> None:
        self.owner = owner
        self.runtime = runtime
        self.runtime_password = runtime_password

    @property
    def runtime_role(self) -> str:
        return make_url(self.runtime).username or RUNTIME_ROLE_DEFAULT

    @classmethod
    def from_url(cls, settings: Settings, url: str, owner_url: str | None = None) -> DatabaseUrls:
        if owner_url is not None:
            return cls(owner=owner_url, runtime=url, runtime_password=None)
        password = derive_runtime_password(settings.require_secret_key(), url)
        runtime: URL = make_url(url).set(username=settings.database_runtime_role, password=password)
        return cls(
            owner=url,
            runtime=runtime.render_as_string(hide_password=False),
            runtime_password=password,
        )


def derive_runtime_password(secret_key: str, owner_url: str) -> str:
    """A stable password for the derived runtime role, never stored or logged."""
    target = make_url(owner_url)
    material = f"runtime-role:{target.host}:{target.port}:{target.database}".encode()
    return hmac.new(secret_key.encode(), material, hashlib.sha256).hexdigest()


def load_settings() -> Settings:
    """Read the environment, turning validation errors into one message per variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            variable = str(error["loc"][0]).upper() if error["loc"] else "configuration"
            problems.append(f"{variable}: {error['msg']}")
        raise ConfigurationError("invalid configuration: " + "; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
