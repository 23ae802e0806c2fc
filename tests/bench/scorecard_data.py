"""Scorecard bench data, generated inside PostgreSQL (INSERT … SELECT over generate_series)
as the owner role: strategic objectives with initiatives, quarterly indicators linked to
them, and five financial years of approved targets and reported actuals.

Targets and actuals are written one (year, period) at a time across all tenants, as
quarterly reporting fills a real database: one tenant's rows are spread over the heap in
as many places as it has reporting rounds. About 3% of actuals say "information not
available" and 5% of ended periods are not reported at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class Size:
    indicators: int
    objectives: int
    initiatives_per_objective: int


SETUP = """
CREATE TEMP TABLE bench_sizes (
    tenant_id uuid PRIMARY KEY, indicators int, objectives int, initiatives int
)
"""

OBJECTIVES = """
INSERT INTO strategy_objectives (tenant_id, id, code, title, description, status)
SELECT s.tenant_id, gen_random_uuid(), 'SO' || o,
       'Objective ' || o || ': connected, reliable municipal ICT services',
       'Modernise the municipality''s ICT services in line with the approved ICT strategy.',
       'on_track'::objective_status
FROM bench_sizes s, generate_series(1, s.objectives) o
"""

INITIATIVES = """
INSERT INTO strategy_initiatives
    (tenant_id, id, objective_id, title, description, phase, status, weight, percent_complete)
SELECT o.tenant_id, gen_random_uuid(), o.id, 'Initiative ' || i || ' of ' || o.code, '',
       'implementation'::programme_phase, 'in_progress'::initiative_status, 1 + i % 3, 50
FROM strategy_objectives o JOIN bench_sizes s USING (tenant_id), generate_series(1, s.initiatives) i
"""

INDICATORS = """
INSERT INTO kpi_indicators (tenant_id, id, code, name, definition, unit, decimal_places,
    direction, frequency, target_type, calculation, data_source, thresholds)
SELECT s.tenant_id, gen_random_uuid(), 'ICT' || lpad(n::text, 3, '0'),
       'Indicator ' || n || ' of the ICT scorecard', 'How it is measured', 'number'::kpi_unit, 0,
       (CASE WHEN n % 5 = 0 THEN 'lower_is_better' ELSE 'higher_is_better' END)::kpi_direction,
       'quarterly'::kpi_frequency,
       (CASE n % 3 WHEN 0 THEN 'cumulative' WHEN 1 THEN 'per_period' ELSE 'carry_over' END)
           ::kpi_target_type,
       'manual'::kpi_calculation, 'Quarterly ICT report', '{}'::jsonb
FROM bench_sizes s, generate_series(1, s.indicators) n
"""

# Nine in ten indicators measure an objective (weights 1-3); every third of those also an
# initiative of it; the rest are linked to nothing (the scorecard's "Unlinked" group).
NUMBERED = "(SELECT tenant_id, id, substr(code, 4)::int AS n FROM kpi_indicators)"
OBJECTIVE_LINKS = f"""
INSERT INTO kpi_indicator_objectives (tenant_id, id, indicator_id, objective_id, weight)
SELECT i.tenant_id, gen_random_uuid(), i.id, o.id, 1 + i.n % 3
FROM {NUMBERED} i JOIN bench_sizes s USING (tenant_id)
JOIN strategy_objectives o
  ON o.tenant_id = i.tenant_id AND o.code = 'SO' || ((i.n - 1) % s.objectives + 1)
WHERE i.n <= s.indicators * 9 / 10
"""
INITIATIVE_LINKS = f"""
INSERT INTO kpi_indicator_initiatives (tenant_id, id, indicator_id, initiative_id)
SELECT i.tenant_id, gen_random_uuid(), i.id, x.id
FROM {NUMBERED} i JOIN bench_sizes s USING (tenant_id)
JOIN strategy_initiatives x
  ON x.tenant_id = i.tenant_id
 AND x.title = 'Initiative ' || (i.n % s.initiatives + 1) || ' of SO' || ((i.n - 1) % s.objectives + 1)
WHERE i.n <= s.indicators * 9 / 10 AND i.n % 3 = 0 AND s.initiatives > 0
"""

# Executed with parameters: the modulo operator is written %%.
BASE = "10 * (substr(code, 4)::int %% 7 + 1)"
TARGETS = f"""
INSERT INTO kpi_targets (tenant_id, id, indicator_id, financial_year, period, value, approved_at)
SELECT tenant_id, gen_random_uuid(), id, %(year)s, %(period)s,
       CASE WHEN %(period)s = 0 AND target_type = 'cumulative' THEN 4 * {BASE} ELSE {BASE} END,
       now()
FROM kpi_indicators
"""
ACTUALS = f"""
INSERT INTO kpi_actuals (tenant_id, id, indicator_id, financial_year, period, value, flag, note,
    state)
SELECT tenant_id, gen_random_uuid(), id, %(year)s, %(period)s,
       CASE WHEN r < 0.03 THEN NULL ELSE round(base * (0.7 + r * 0.5)) END,
       CASE WHEN r < 0.03 THEN 'information_not_available'::kpi_actual_flag END,
       'From the quarterly ICT report', 'approved'::kpi_actual_state
FROM (SELECT tenant_id, id, random() AS r, {BASE} AS base FROM kpi_indicators) i
WHERE r < 0.95
"""


def generate(
    owner_dsn: str,
    sizes: Mapping[uuid.UUID, Size],
    years: Sequence[int],
    reported: Sequence[tuple[int, int]],
) -> dict[str, int]:
    """Objectives, initiatives, indicators and links for each tenant of ``sizes``; targets
    for every quarter of ``years``; actuals for the ``reported`` (year, quarter) pairs.
    Returns the row count of each table."""
    with psycopg.connect(owner_dsn) as conn:
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = superuser.fetchone()
        if row and row[0]:
            # The rows are consistent by construction: skip the foreign-key triggers, which
            # take most of the load time (a superuser only; the owner role checks them).
            conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute(SETUP)
        with conn.cursor() as cur, cur.copy("COPY bench_sizes FROM STDIN") as copy:
            for tenant_id, size in sizes.items():
                copy.write_row(
                    (tenant_id, size.indicators, size.objectives, size.initiatives_per_objective)
                )
        for statement in (OBJECTIVES, INITIATIVES, INDICATORS, OBJECTIVE_LINKS, INITIATIVE_LINKS):
            conn.execute(statement)
        for year in years:
            for period in range(5):
                conn.execute(TARGETS, {"year": year, "period": period})
        for year, period in reported:
            conn.execute(ACTUALS, {"year": year, "period": period})
        counts = {}
        for table in (
            "strategy_objectives",
            "strategy_initiatives",
            "kpi_indicators",
            "kpi_indicator_objectives",
            "kpi_indicator_initiatives",
            "kpi_targets",
            "kpi_actuals",
        ):
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts[table] = int(row[0]) if row else 0
    return counts


def vacuum_analyze(owner_dsn: str) -> None:
    with psycopg.connect(owner_dsn, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
