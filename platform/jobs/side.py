"""A second session beside a job's own: progress a long job writes there is committed at
once and visible to the page that polls it, while the job's work stays in its one
transaction."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from saypro.platform.db.tenancy import TenantSession, bind_tenant_sync


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


@contextlib.contextmanager
def side_session(session: Session, tenant_id: uuid.UUID, **options: str) -> Iterator[Session]:
    """Another session on the same database and tenant, outside the job's transaction."""
    engine = _engine(session).execution_options(**options) if options else _engine(session)
    with TenantSession(bind=engine, expire_on_commit=False) as side:
        bind_tenant_sync(side, tenant_id)
        yield side
