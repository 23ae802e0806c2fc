"""Binding a session to one tenant, for the database and for the ORM.

The tenant lives in ``session.info`` and is applied in two places:

* the database: every transaction the session begins runs
  ``set_config('app.tenant_id', :tenant, true)``, a *transaction-local* setting, so a
  pooled connection never carries one tenant into the next transaction and the
  row-level-security policy sees the right tenant even after a commit;
* the ORM: every SELECT, UPDATE and DELETE that touches a tenant-owned model gets
  ``tenant_id = :tenant`` added, and one issued with no tenant bound raises
  :class:`TenantNotBound` instead of silently returning nothing (or everything).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, with_loader_criteria

from saypro.platform.db.base import TenantScoped

TENANT_KEY = "tenant_id"
BIND_TENANT_SQL = text("select set_config('app.tenant_id', :tenant, true)")


class TenantNotBound(RuntimeError):
    """A tenant-owned model was queried on a session with no tenant bound."""


class TenantSession(Session):
    """The session class of every engine: tenant binding is part of the session, not an option."""


def bound_tenant(session: Session | AsyncSession) -> uuid.UUID | None:
    value = session.info.get(TENANT_KEY)
    return value if isinstance(value, uuid.UUID) else None


def require_tenant(session: Session | AsyncSession) -> uuid.UUID:
    tenant = bound_tenant(session)
    if tenant is None:
        raise TenantNotBound("no tenant is bound to this session")
    return tenant


def _apply_setting(connection: Connection, tenant: uuid.UUID | None) -> None:
    connection.execute(BIND_TENANT_SQL, {"tenant": str(tenant) if tenant else ""})


def bind_tenant_sync(session: Session, tenant: uuid.UUID | None) -> None:
    """Bind (or, with ``None``, unbind) the tenant; applies at once to an open transaction."""
    session.info[TENANT_KEY] = tenant
    if session.in_transaction():
        # One engine per session, so the transaction has exactly one connection.
        _apply_setting(session.connection(), tenant)


async def bind_tenant(session: AsyncSession, tenant: uuid.UUID | None) -> None:
    session.info[TENANT_KEY] = tenant
    if session.in_transaction():
        await session.run_sync(lambda sync: bind_tenant_sync(sync, tenant))


@event.listens_for(TenantSession, "after_begin")
def _bind_on_begin(
    session: Session, _transaction: SessionTransaction, connection: Connection
) -> None:
    # Runs for every transaction on every connection the session uses, so the setting
    # is present before the first statement and is gone when the transaction ends.
    _apply_setting(connection, bound_tenant(session))


@event.listens_for(TenantSession, "do_orm_execute")
def _scope_orm_statement(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    tenant = bound_tenant(state.session)
    if tenant is None:
        if _touches_tenant_model(state):
            raise TenantNotBound(
                "a tenant-owned model was queried with no tenant bound; bind one with bind_tenant()"
            )
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tenant,
            include_aliases=True,
            track_closure_variables=False,
        )
    )


def _touches_tenant_model(state: ORMExecuteState) -> bool:
    if state.is_select:
        return any(
            isinstance(mapper.class_, type) and issubclass(mapper.class_, TenantScoped)
            for mapper in state.all_mappers
        )
    mapper = state.bind_mapper
    return mapper is not None and issubclass(mapper.class_, TenantScoped)


@event.listens_for(TenantSession, "before_flush")
def _stamp_tenant_on_new_rows(session: Session, _ctx: Any, _instances: Any) -> None:
    new_rows = [obj for obj in session.new if isinstance(obj, TenantScoped)]
    if not new_rows:
        return
    tenant = require_tenant(session)
    for obj in new_rows:
        if obj.tenant_id is None:
            obj.tenant_id = tenant
        elif obj.tenant_id != tenant:
            raise TenantNotBound("refusing to write a row for another tenant")
