"""Which tables hold a municipality's data, read from the live catalog.

The export and the deletion both ask PostgreSQL, not a hand-kept list, so a table added
by any later migration is included automatically: every table in schema ``public`` with
a ``tenant_id`` column is tenant data. Platform-wide tables that carry a ``tenant_id``
(memberships, assignments, the outbox) are listed in ``scopes.py`` and handled apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from saypro.platform.db.scopes import PLATFORM_WIDE_TABLES

TABLES_WITH_TENANT_ID = text(
    """
    select c.relname
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
    where n.nspname = 'public' and c.relkind in ('r', 'p')
    order by c.relname
    """
)
COLUMNS_OF = text(
    """
    select a.attname
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relname = :table and a.attnum > 0 and not a.attisdropped
    order by a.attnum
    """
)

# Columns never exported because they hold a hash of a secret or an encrypted secret
# (docs/privacy.md). The explicit list names the known ones; the patterns catch columns
# added later under the project's naming habits (``*_hash``, ``*_encrypted``, ...).
DENIED_COLUMNS: dict[str, frozenset[str]] = {
    "users": frozenset({"password_hash"}),
}
DENIED_PATTERN = re.compile(
    r"(^|_)(password|secret|token_hash|key_hash|ciphertext|encrypted)($|_)|_hash$"
)
# Hashes that protect integrity rather than secrets: the audit trail's hash chain is
# exported so the municipality can verify its trail outside the platform.
ALLOWED_HASHES: dict[str, frozenset[str]] = {
    "audit_events": frozenset({"hash", "prev_hash"}),
}
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class TableColumns:
    table: str
    columns: tuple[str, ...]
    excluded: tuple[str, ...]


def quote(name: str) -> str:
    """A catalog name as a quoted SQL identifier (names come from the catalog, but are
    still checked, never trusted into SQL text)."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"unexpected table or column name {name!r}")
    return f'"{name}"'


def is_denied(table: str, column: str) -> bool:
    if column in ALLOWED_HASHES.get(table, frozenset()):
        return False
    return column in DENIED_COLUMNS.get(table, frozenset()) or bool(DENIED_PATTERN.search(column))


def tenant_tables(session: Session) -> list[str]:
    """Every tenant-owned table (has ``tenant_id``, not declared platform-wide)."""
    names = session.scalars(TABLES_WITH_TENANT_ID).all()
    return [name for name in names if name not in PLATFORM_WIDE_TABLES]


def all_tables_with_tenant_id(session: Session) -> Sequence[str]:
    return session.scalars(TABLES_WITH_TENANT_ID).all()


def exportable_columns(session: Session, table: str) -> TableColumns:
    columns = session.scalars(COLUMNS_OF, {"table": table}).all()
    return TableColumns(
        table=table,
        columns=tuple(c for c in columns if not is_denied(table, c)),
        excluded=tuple(c for c in columns if is_denied(table, c)),
    )
