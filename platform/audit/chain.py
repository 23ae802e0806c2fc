"""Verifying a tenant's hash-chained audit log.

Each event's hash covers the previous event's hash and all of its own fields (computed
by the database, see migration 0003). Recomputing the chain finds the first entry that
was altered, removed or inserted out of order since it was written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from saypro.platform.db.tenancy import require_tenant

# Rows in chain order with what each one's hash and predecessor should be.
CHAIN_QUERY = text(
    """
    SELECT a.seq, a.id, a.hash, a.prev_hash,
           lag(a.seq) OVER w AS previous_seq,
           lag(a.hash) OVER w AS previous_hash,
           audit_event_hash(lag(a.hash) OVER w, a) AS expected_hash
    FROM audit_events a
    WHERE a.tenant_id = :tenant
    WINDOW w AS (ORDER BY a.seq)
    ORDER BY a.seq
    """
)


@dataclass(frozen=True)
class BrokenEntry:
    seq: int
    id: uuid.UUID
    reason: str

    def describe(self) -> str:
        return f"entry #{self.seq} ({self.id}): {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    entries: int
    broken: BrokenEntry | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def _problem(
    seq: int,
    previous_seq: int | None,
    prev_hash: bytes | None,
    previous_hash: bytes | None,
    stored: bytes,
    expected: bytes,
) -> str | None:
    if previous_seq is None and seq != 1:
        return f"the chain starts at #{seq}: entries before it are missing"
    if previous_seq is not None and seq != previous_seq + 1:
        return f"entries #{previous_seq + 1} to #{seq - 1} are missing"
    if prev_hash != previous_hash:
        return "does not link to the entry before it"
    if stored != expected:
        return "its content no longer matches its hash (the entry was changed)"
    return None


def verify_chain(
    session: Session, progress: Callable[[int], None] = lambda _n: None
) -> ChainReport:
    """Walk the bound tenant's log in order; ``progress`` is called every 1 000 entries."""
    entries = 0
    rows = session.execute(
        CHAIN_QUERY.execution_options(yield_per=1000), {"tenant": require_tenant(session)}
    )
    for seq, event_id, stored, prev_hash, previous_seq, previous_hash, expected in rows:
        entries += 1
        problem = _problem(
            seq, previous_seq, prev_hash, previous_hash, bytes(stored), bytes(expected)
        )
        if problem is not None:
            return ChainReport(entries=entries, broken=BrokenEntry(seq, event_id, problem))
        if entries % 1000 == 0:
            progress(1000)
    progress(entries % 1000)
    return ChainReport(entries=entries, broken=None)


def count_entries(session: Session) -> int:
    result = session.execute(
        text("SELECT count(*) FROM audit_events WHERE tenant_id = :tenant"),
        {"tenant": require_tenant(session)},
    )
    return int(result.scalar_one())
