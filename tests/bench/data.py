"""Bench data: tenants and strategic objectives bulk-loaded with COPY as the owner role.

Rows are written in a random tenant order (as if each municipality had added its objectives
over time), so one tenant's rows are spread over the heap as they are in production; ids are
UUIDv7 in insertion order, as the application would give them.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import psycopg

from saypro.platform.ids import new_id

PROVINCES = ("EC", "FS", "GP", "KZN", "LP", "MP", "NC", "NW", "WC")
CATEGORIES = ("A", "B", "C")
OBJECTIVE_STATUSES = ("not_started", "on_track", "at_risk", "off_track", "completed", "cancelled")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DESCRIPTION = (
    "Modernise the municipality's ICT services in line with the approved ICT strategy, "
    "with quarterly reporting to council."
)


@dataclass(frozen=True)
class BenchTenant:
    id: uuid.UUID
    slug: str
    name: str
    demarcation_code: str
    province: str
    category: str


ObjectiveRow = tuple[uuid.UUID, uuid.UUID, str, str, str, str]


def _demarcation_code(index: int) -> str:
    # "B" + two letters + three digits: unique for 676 000 tenants, matches ^[A-Z]{2,3}[0-9]{0,3}$.
    block, number = divmod(index, 1000)
    return f"B{LETTERS[block // 26]}{LETTERS[block % 26]}{number:03d}"


def make_tenants(count: int) -> list[BenchTenant]:
    return [
        BenchTenant(
            id=new_id(),
            slug=f"bench-{i}",
            name=f"Bench Local Municipality {i}",
            demarcation_code=_demarcation_code(i),
            province=PROVINCES[i % len(PROVINCES)],
            category=CATEGORIES[i % len(CATEGORIES)],
        )
        for i in range(count)
    ]


def make_objectives(
    tenants: Sequence[BenchTenant], per_tenant: int, rng: random.Random
) -> list[ObjectiveRow]:
    """``per_tenant`` objectives for each tenant, in random tenant order, ids in that order."""
    slots = [(tenant, n) for tenant in tenants for n in range(1, per_tenant + 1)]
    rng.shuffle(slots)
    return [
        (
            tenant.id,
            new_id(),
            f"SO{n}",
            f"Objective {n}: digital services for {tenant.name}",
            DESCRIPTION,
            OBJECTIVE_STATUSES[n % len(OBJECTIVE_STATUSES)],
        )
        for tenant, n in slots
    ]


def copy_tenants(conn: psycopg.Connection, tenants: Iterable[BenchTenant]) -> None:
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY tenants (id, slug, name, demarcation_code, province, category, status) FROM STDIN"
        ) as copy,
    ):
        for t in tenants:
            copy.write_row(
                (t.id, t.slug, t.name, t.demarcation_code, t.province, t.category, "active")
            )


def copy_objectives(conn: psycopg.Connection, rows: Iterable[ObjectiveRow]) -> None:
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY strategy_objectives (tenant_id, id, code, title, description, status) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def load(
    owner_dsn: str, tenants: Sequence[BenchTenant], objectives: Sequence[ObjectiveRow]
) -> None:
    """Load as the owner role (a superuser or the tables' owner) in one transaction."""
    with psycopg.connect(owner_dsn) as conn:
        copy_tenants(conn, tenants)
        copy_objectives(conn, objectives)


def vacuum_analyze(owner_dsn: str) -> None:
    with psycopg.connect(owner_dsn, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) tenants")
        conn.execute("VACUUM (ANALYZE) strategy_objectives")
