"""Recording audit events in the same transaction as the change they describe.

Who is acting comes from the session (:func:`set_actor`, done once per request by the
tenant dependency; jobs act as the system), so services only say what changed.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from saypro.platform.audit.models import AuditEvent

ACTOR_KEY = "audit_actor"
SYSTEM = "system"


class Actor:
    def __init__(
        self,
        user_id: uuid.UUID | None,
        name: str,
        request_id: str | None = None,
        ip_address: str | None = None,
    ) -> None:
        self.user_id = user_id
        self.name = name
        self.request_id = request_id
        self.ip_address = ip_address


def set_actor(session: Session | AsyncSession, actor: Actor) -> None:
    session.info[ACTOR_KEY] = actor


def _json_safe(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(entity: object, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of ``entity`` as JSON values (before/after images)."""
    return {name: _json_safe(getattr(entity, name)) for name in fields}


def record(
    session: Session | AsyncSession,
    action: str,
    *,
    entity_type: str,
    entity_id: uuid.UUID | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add an audit event to the session's transaction (the tenant comes from the binding)."""
    actor = session.info.get(ACTOR_KEY)
    if not isinstance(actor, Actor):
        actor = Actor(user_id=None, name=SYSTEM)
    if before is not None and after is not None:
        # Keep only what changed, so the trail reads as a list of edits.
        changed = {key for key in after if before.get(key) != after.get(key)}
        before = {key: before.get(key) for key in changed}
        after = {key: after[key] for key in changed}
        if not changed:
            return
    session.add(
        AuditEvent(
            actor_id=actor.user_id,
            actor_name=actor.name,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
            request_id=actor.request_id,
            ip_address=actor.ip_address,
        )
    )
