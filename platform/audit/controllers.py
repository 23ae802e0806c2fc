"""The audit trail pages: /t/{tenant_slug}/audit — filter, verify the chain, export CSV."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import repository
from saypro.platform.audit import service as audit
from saypro.platform.audit.chain import verify_chain
from saypro.platform.audit.repository import AuditFilters
from saypro.platform.clock import SAST
from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.identity.service import list_members
from saypro.platform.tenancy.context import CurrentTenant

READ = requires(Permission.AUDIT_READ)
PAGE_SIZE = 50
CSV_COLUMNS = (
    "seq",
    "occurred_at",
    "actor_name",
    "actor_id",
    "action",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "request_id",
    "ip_address",
    "hash",
)
Session = NamedDependency[AsyncSession]
Tenant = NamedDependency[CurrentTenant]
EntityType = Annotated[str | None, QueryParameter(max_length=100, pattern=r"^[a-z_]*$")]


def provide_filters(
    actor: Annotated[uuid.UUID | None, QueryParameter()] = None,
    entity_type: EntityType = None,
    entity: Annotated[uuid.UUID | None, QueryParameter()] = None,
    date_from: Annotated[date | None, QueryParameter()] = None,
    date_to: Annotated[date | None, QueryParameter()] = None,
) -> AuditFilters:
    """The filters of the list and the CSV export, read from the same query parameters."""
    return AuditFilters(
        actor_id=actor,
        entity_type=entity_type or None,
        entity_id=entity,
        date_from=date_from,
        date_to=date_to,
    )


class AuditPages(Controller):
    path = "/audit"
    include_in_schema = False
    dependencies = {"filters": Provide(provide_filters, sync_to_thread=False)}

    @get("/", name="audit:list", **READ)
    async def list_page(
        self,
        db_session: Session,
        tenant: Tenant,
        filters: NamedDependency[AuditFilters],
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
    ) -> Template:
        rows, total = await repository.list_events(
            db_session, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        return Template(
            "audit/list.html",
            context={
                "tenant": tenant,
                "events": rows,
                "total": total,
                "page": page,
                "pages": max(1, -(-total // PAGE_SIZE)),
                "filters": filters,
                "members": await list_members(db_session, tenant.id),
                "entity_types": await repository.entity_types(db_session),
                "sast": SAST,
            },
        )

    @get("/verify", **READ)
    async def verify_fragment(self, db_session: Session, tenant: Tenant) -> Template:
        report = await db_session.run_sync(verify_chain)
        return Template("audit/_verify.html", context={"tenant": tenant, "report": report})

    @get("/export.csv", **READ)
    async def export_csv(
        self,
        db_session: Session,
        tenant: Tenant,
        filters: NamedDependency[AuditFilters],
    ) -> Response[str]:
        events = await repository.all_events(db_session, filters)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for event in events:
            writer.writerow(_csv_row(event))
        # An export of the trail is itself on the trail (POPIA: who saw what).
        audit.record(
            db_session,
            "audit.exported",
            entity_type="audit_trail",
            entity_id=None,
            after={
                "rows": len(events),
                **audit.snapshot(filters, _FILTER_FIELDS),
            },
        )
        filename = f"audit-{tenant.slug}-{date.today().isoformat()}.csv"
        return Response(
            buffer.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


_FILTER_FIELDS = ("actor_id", "entity_type", "entity_id", "date_from", "date_to")


def _csv_row(event: Any) -> list[str]:
    def as_json(value: object) -> str:
        return "" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)

    return [
        str(event.seq),
        event.occurred_at.isoformat(),
        event.actor_name,
        str(event.actor_id or ""),
        event.action,
        event.entity_type,
        str(event.entity_id or ""),
        as_json(event.before),
        as_json(event.after),
        event.request_id or "",
        event.ip_address or "",
        bytes(event.hash).hex(),
    ]
