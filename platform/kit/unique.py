"""A unique rule of a tenant table, stated once: the index that enforces it, the column,
the columns it is unique within, and the message a taken value gets. The repository's
check and the race on flush both answer with that message on that field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unique:
    """``index``: the unique index's name (as the migration creates it, e.g.
    ``uq_strategy_objectives_tenant_code``); ``column``: the attribute compared without
    regard to case; ``within``: the attributes it is unique within besides the tenant
    (e.g. ``("framework_id",)``); ``message``: a format string with ``{value}``;
    ``field``: the form/API field the error names (the column unless given)."""

    index: str
    column: str
    message: str
    within: tuple[str, ...] = ()
    field: str | None = None

    @property
    def field_name(self) -> str:
        return self.field or self.column

    def message_for(self, value: str) -> str:
        return self.message.format(value=value)
