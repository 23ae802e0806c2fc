"""Writing a checked import in the caller's one transaction.

Actuals go in bulk: the rows are COPYed into a temporary table and merged into
``kpi_actuals`` by one INSERT … ON CONFLICT, which also refuses (by changing fewer rows
than expected) an actual that was submitted or approved after the rows were checked.
Indicators are few (a workspace's list) and go through the ORM with the audit events the
indicator and target services record."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from psycopg import Connection
from sqlalchemy.orm import Session

from saypro.platform.audit import service as audit
from saypro.platform.db.tenancy import require_tenant
from saypro.platform.errors import Conflict
from saypro.platform.ids import new_id
from saypro.tenants.kpis import service
from saypro.tenants.kpis.imports.checks import ActualRow, IndicatorRow
from saypro.tenants.kpis.models import ActualState, Indicator, Target

STAGING = """
CREATE TEMPORARY TABLE kpi_import_actuals (
    id uuid, indicator_id uuid, financial_year smallint, period smallint,
    value numeric(20, 4), flag text, note text, deviation_reason text, corrective_measure text
) ON COMMIT DROP
"""
MERGE = """
INSERT INTO kpi_actuals AS a (
    tenant_id, id, indicator_id, financial_year, period, value, flag, note, state,
    deviation_reason, corrective_measure, reported_by, submitted_by, submitted_at
)
SELECT %(tenant)s::uuid, s.id, s.indicator_id, s.financial_year, s.period, s.value,
       s.flag::kpi_actual_flag, s.note, %(state)s::kpi_actual_state, s.deviation_reason,
       s.corrective_measure, %(user)s::uuid,
       CASE WHEN %(submit)s THEN %(user)s::uuid END, CASE WHEN %(submit)s THEN now() END
FROM kpi_import_actuals AS s
ON CONFLICT (tenant_id, indicator_id, financial_year, period) DO UPDATE SET
    value = EXCLUDED.value,
    flag = EXCLUDED.flag,
    note = EXCLUDED.note,
    deviation_reason = EXCLUDED.deviation_reason,
    corrective_measure = EXCLUDED.corrective_measure,
    reported_by = EXCLUDED.reported_by,
    state = CASE WHEN %(submit)s THEN EXCLUDED.state ELSE a.state END,
    submitted_by = CASE WHEN %(submit)s THEN EXCLUDED.submitted_by ELSE a.submitted_by END,
    submitted_at = CASE WHEN %(submit)s THEN EXCLUDED.submitted_at ELSE a.submitted_at END,
    updated_at = now()
WHERE a.state IN ('draft', 'returned')
"""
# What the merge is about to overwrite (drafts and returned actuals of the same periods):
# the import's audit event keeps it, as the services' events keep a "before".
REPLACED = """
SELECT i.code, a.financial_year, a.period, a.value::text, a.flag::text, a.state::text
FROM kpi_import_actuals AS s
JOIN kpi_actuals AS a
  ON a.tenant_id = %(tenant)s::uuid AND a.indicator_id = s.indicator_id
 AND a.financial_year = s.financial_year AND a.period = s.period
JOIN kpi_indicators AS i ON i.tenant_id = a.tenant_id AND i.id = a.indicator_id
ORDER BY i.code, a.financial_year, a.period
"""


def _driver(session: Session) -> Connection[Any]:
    raw = session.connection().connection.driver_connection
    if not isinstance(raw, Connection):
        raise TypeError("bulk writes need a synchronous psycopg connection")
    return raw


def write_actuals(
    session: Session,
    rows: Sequence[ActualRow],
    *,
    user_id: uuid.UUID | None,
    submit: bool,
) -> list[dict[str, Any]]:
    """Write ``rows``; returns what they replaced (code, year, period, value, flag, state
    of each existing actual they overwrote)."""
    tenant = require_tenant(session)
    connection = _driver(session)
    with connection.cursor() as cursor:
        cursor.execute(STAGING)
        with cursor.copy("COPY kpi_import_actuals FROM STDIN") as copy:
            for row in rows:
                data = row.data
                copy.write_row(
                    (
                        new_id(),
                        row.indicator_id,
                        row.financial_year,
                        row.period,
                        data.value,
                        None if data.flag is None else data.flag.value,
                        data.note,
                        data.deviation_reason.strip(),
                        data.corrective_measure.strip(),
                    )
                )
        cursor.execute(REPLACED, {"tenant": tenant})
        replaced = [
            {
                "code": code,
                "financial_year": year,
                "period": period,
                "value": value,
                "flag": flag,
                "state": state,
            }
            for code, year, period, value, flag, state in cursor.fetchall()
        ]
        cursor.execute(
            MERGE,
            {
                "tenant": tenant,
                "user": user_id,
                "submit": submit,
                "state": (ActualState.SUBMITTED if submit else ActualState.DRAFT).value,
            },
        )
        if cursor.rowcount != len(rows):
            raise Conflict(
                "an actual in the file was submitted or approved while it was imported; "
                "preview the file again",
                field="file",
            )
        cursor.execute("DROP TABLE kpi_import_actuals")
    return replaced


def write_indicators(session: Session, rows: Sequence[IndicatorRow]) -> None:
    created: list[tuple[Indicator, IndicatorRow]] = []
    for row in rows:
        fields = row.data.model_dump(exclude={"objectives", "initiative_ids"})
        fields["thresholds"] = {key: str(value) for key, value in row.data.thresholds.items()}
        indicator = Indicator(**fields)
        indicator.objective_links, indicator.initiative_links = [], []
        session.add(indicator)
        created.append((indicator, row))
    session.flush()
    for indicator, row in created:
        audit.record(
            session,
            "kpis.indicator.created",
            entity_type="indicator",
            entity_id=indicator.id,
            after=service._image(indicator),
        )
        if row.financial_year is None:
            continue
        targets = {
            period: Target(
                indicator_id=indicator.id,
                financial_year=row.financial_year,
                period=period,
                value=value,
                upper_value=upper,
            )
            for period, (value, upper) in row.targets.items()
            if (value, upper) != (None, None)
        }
        session.add_all(targets.values())
        audit.record(
            session,
            "kpis.targets.set",
            entity_type="indicator",
            entity_id=indicator.id,
            before={"financial_year": row.financial_year, "targets": {}},
            after={
                "financial_year": row.financial_year,
                "targets": service._targets_image(targets),
            },
        )
    session.flush()
