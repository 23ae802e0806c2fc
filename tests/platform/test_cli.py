"""The saypro command line, run against the test database as an operator would."""

from __future__ import annotations

import psycopg
import pytest
from click.testing import CliRunner

from saypro.platform.cli.main import cli
from saypro.platform.settings import DatabaseUrls
from tests import servers


@pytest.fixture
def cli_env(db_urls: DatabaseUrls, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db_urls.owner)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("SECRET_KEY", servers.TEST_SECRET_KEY)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")


def test_db_current_and_upgrade_are_idempotent(cli_env: None) -> None:
    runner = CliRunner()
    current = runner.invoke(cli, ["db", "current"])
    assert current.exit_code == 0, current.output
    upgraded = runner.invoke(cli, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert current.output.strip() in upgraded.output


def test_tenant_create_list_and_refuse_duplicates(cli_env: None) -> None:
    runner = CliRunner()
    args = [
        "tenant",
        "create",
        "--name",
        "Drakenstein Local Municipality",
        "--code",
        "WC023",
        "--province",
        "WC",
        "--category",
        "B",
        "--slug",
        "drakenstein-cli",
    ]
    created = runner.invoke(cli, args)
    assert created.exit_code == 0, created.output
    assert "/t/drakenstein-cli/" in created.output
    listed = runner.invoke(cli, ["tenant", "list"])
    assert "drakenstein-cli" in listed.output and "WC023" in listed.output
    duplicate = runner.invoke(cli, [*args[:-1], "drakenstein-again"])
    assert duplicate.exit_code != 0
    assert "demarcation_code" in duplicate.output and "WC023" in duplicate.output
    bad = runner.invoke(
        cli,
        [
            "tenant",
            "create",
            "--name",
            "X Municipality",
            "--code",
            "44",
            "--province",
            "WC",
            "--category",
            "B",
        ],
    )
    assert bad.exit_code != 0 and "demarcation_code" in bad.output


def test_user_create_with_membership(cli_env: None) -> None:
    runner = CliRunner()
    runner.invoke(
        cli,
        [
            "tenant",
            "create",
            "--name",
            "Mangaung Metropolitan Municipality",
            "--code",
            "MAN",
            "--province",
            "FS",
            "--category",
            "A",
            "--slug",
            "mangaung-cli",
        ],
    )
    created = runner.invoke(
        cli,
        [
            "user",
            "create",
            "--email",
            "ict@mangaung.example.org",
            "--name",
            "Neo Mokoena",
            "--tenant",
            "mangaung-cli",
            "--role",
            "tenant_admin",
        ],
        input="a long enough password\na long enough password\n",
    )
    assert created.exit_code == 0, created.output
    again = runner.invoke(
        cli,
        ["user", "create", "--email", "ICT@mangaung.example.org", "--name", "Neo Again"],
        input="a long enough password\na long enough password\n",
    )
    assert again.exit_code != 0 and "already exists" in again.output


def test_missing_configuration_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1/saypro")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    result = CliRunner().invoke(cli, ["db", "current"])
    assert result.exit_code != 0
    assert "SECRET_KEY" in result.output


def test_the_first_platform_admin_is_created_from_the_command_line(
    cli_env: None, db_urls: DatabaseUrls
) -> None:
    address = "first.admin.cli@saypro.example.org"
    result = CliRunner().invoke(
        cli,
        [
            "user",
            "create",
            "--email",
            address,
            "--name",
            "First Admin",
            "--password",
            "a long enough passphrase",
            "--staff-role",
            "platform_admin",
        ],
    )
    assert result.exit_code == 0, result.output
    with psycopg.connect(servers.psycopg_dsn(db_urls.owner)) as conn:
        row = conn.execute("select staff_role from users where email = %s", (address,)).fetchone()
    assert row == ("platform_admin",)
