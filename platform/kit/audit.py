"""One audit helper per kind of record: what its actions are called, which fields its
before/after images hold, and the three changes every record has.

Built on :func:`saypro.platform.audit.service.record`, which keeps only the fields that
changed when both images are given, so an update's row lists just the edits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from saypro.platform.audit import service as audit

Image = dict[str, Any]


@dataclass(frozen=True)
class AuditTrail:
    """``action``: the prefix of the actions (``"strategy.objective"`` gives
    ``strategy.objective.created``/``updated``/``deleted``); ``entity_type``: the kind
    of record on the trail; ``fields``: the attributes of the image; ``image``: how to
    take an image instead, when it holds more than attributes (links, codes)."""

    action: str
    entity_type: str
    fields: Sequence[str] = ()
    image: Callable[[Any], Image] | None = None

    def snapshot(self, entity: Any) -> Image:
        """The entity's image as JSON values (take it before changing the entity)."""
        return self.image(entity) if self.image is not None else audit.snapshot(entity, self.fields)

    def record(
        self,
        session: Session | AsyncSession,
        verb: str,
        entity_id: uuid.UUID | None,
        *,
        before: Image | None = None,
        after: Image | None = None,
    ) -> None:
        audit.record(
            session,
            f"{self.action}.{verb}",
            entity_type=self.entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
        )

    def created(self, session: Session | AsyncSession, entity: Any) -> None:
        self.record(session, "created", entity.id, after=self.snapshot(entity))

    def updated(self, session: Session | AsyncSession, entity: Any, before: Image) -> None:
        """Only the fields that differ between ``before`` and now go on the trail; no
        row at all when nothing changed."""
        self.record(session, "updated", entity.id, before=before, after=self.snapshot(entity))

    def deleted(
        self, session: Session | AsyncSession, entity: Any, before: Image | None = None
    ) -> None:
        """Recorded before the delete, with the entity's image (or a fuller one, e.g.
        with the children that go with it)."""
        image = self.snapshot(entity) if before is None else before
        self.record(session, "deleted", entity.id, before=image)


def apply_changes(entity: Any, changes: dict[str, Any]) -> None:
    """Set each changed attribute (a partial update's ``model_dump(exclude_unset=True)``)."""
    for name, value in changes.items():
        setattr(entity, name, value)
