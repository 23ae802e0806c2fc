"""One transaction per request: committed on success, rolled back on an error status or
an exception, whatever hooks a route adds."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant, bind_tenant_sync
from saypro.platform.errors import Conflict
from saypro.platform.identity.guards import public
from saypro.platform.identity.models import User
from saypro.platform.services import Services
from saypro.platform.settings import DatabaseUrls, Settings
from saypro.platform.web.app import create_app
from saypro.platform.web.forms import attempt
from saypro.tenants.strategy.models import Objective
from tests.asyncio_runner import run_in_own_loop
from tests.conftest import BASE_URL
from tests.factories import TenantRef


def _add_user(session: AsyncSession, email: str) -> None:
    session.add(User(email=email, full_name="Transaction Probe", password_hash=None))


async def _pass_through(response: Response[Any]) -> Response[Any]:
    return response


@get("/probe/own-hook/{email:str}", after_request=_pass_through, **public())
async def write_with_own_hook(
    email: FromPath[str], db_session: NamedDependency[AsyncSession]
) -> dict[str, str]:
    _add_user(db_session, email)
    return {"written": email}


@get("/probe/error-status/{email:str}", **public())
async def write_then_answer_409(
    email: FromPath[str], db_session: NamedDependency[AsyncSession]
) -> Response[dict[str, str]]:
    _add_user(db_session, email)
    await db_session.flush()
    return Response({"detail": "refused"}, status_code=409)


@post("/probe/raise/{email:str}", exclude_from_csrf=True, **public())
async def write_then_raise(email: FromPath[str], db_session: NamedDependency[AsyncSession]) -> None:
    _add_user(db_session, email)
    await db_session.flush()
    raise RuntimeError("boom after a write")


def _exists(database: Database, email: str) -> bool:
    with database.sync_sessions() as session:
        return session.scalar(select(User.id).where(User.email == email)) is not None


def _client(settings: Settings, services: Services) -> TestClient[Any]:
    app = create_app(settings, services)
    for handler in (write_with_own_hook, write_then_answer_409, write_then_raise):
        app.register(handler)
    return TestClient(app, base_url=BASE_URL)


def test_commit_survives_a_route_that_replaces_the_after_request_hook(
    settings: Settings, services: Services, database: Database
) -> None:
    email = f"hook-{secrets.token_hex(4)}@example.org"
    with _client(settings, services) as client:
        assert client.get(f"/probe/own-hook/{email}").status_code == 200
    assert _exists(database, email)


def test_error_status_rolls_back(
    settings: Settings, services: Services, database: Database
) -> None:
    email = f"status-{secrets.token_hex(4)}@example.org"
    with _client(settings, services) as client:
        assert client.get(f"/probe/error-status/{email}").status_code == 409
    assert not _exists(database, email)


def test_exception_rolls_back(settings: Settings, services: Services, database: Database) -> None:
    email = f"raise-{secrets.token_hex(4)}@example.org"
    with _client(settings, services) as client:
        response = client.post(f"/probe/raise/{email}")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert not _exists(database, email)


def test_attempt_undoes_the_writes_of_a_refused_call(
    db_urls: DatabaseUrls, database: Database, tenant_a: TenantRef
) -> None:
    async def scenario() -> tuple[object, dict[str, str]]:
        own = Database.connect(db_urls.runtime, pool_size=1)  # engines belong to one event loop
        try:
            async with own.async_sessions() as session:
                await bind_tenant(session, tenant_a.id)

                async def write_then_refuse() -> None:
                    session.add(Objective(code="HALF", title="Half written"))
                    await session.flush()
                    raise Conflict("refused after writing", field="code")

                outcome = await attempt(session, write_then_refuse)
                session.add(Objective(code="KEPT", title="Written after the refusal"))
                await session.commit()
                return outcome
        finally:
            await own.dispose()

    outcome = run_in_own_loop(scenario())
    assert outcome == (None, {"code": "refused after writing"})
    with database.sync_sessions() as sync:
        bind_tenant_sync(sync, tenant_a.id)
        assert sorted(sync.scalars(select(Objective.code)).all()) == ["KEPT"]
