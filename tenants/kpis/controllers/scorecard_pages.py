"""Web page: /t/{tenant_slug}/kpis/scorecard — the workspace score, then each strategic
objective, its initiatives and indicators (expandable, no script needed), each indicator
linking to its page at that year's quarter and to the actual of the latest period."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter
from litestar.response import Template

from saypro.platform.clock import today_sast
from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.tenants.kpis import scorecard
from saypro.tenants.kpis.controllers.views import Session, Tenant, render
from saypro.tenants.kpis.periods import FinancialYear

READ = requires(Permission.KPIS_READ)


class ScorecardPages(Controller):
    path = "/kpis/scorecard"
    include_in_schema = False

    @get("/", name="kpis:scorecard", **READ)
    async def scorecard_page(
        self,
        db_session: Session,
        tenant: Tenant,
        financial_year: Annotated[int | None, QueryParameter(ge=2000, le=2099)] = None,
        quarter: Annotated[int | None, QueryParameter(ge=1, le=4)] = None,
    ) -> Template:
        card = await scorecard.workspace_scorecard(db_session, financial_year, quarter)
        current = FinancialYear.containing(today_sast()).start_year
        return await render(
            "kpis/scorecard.html",
            db_session,
            tenant,
            card=card,
            indicators={i.id: i for i in card.indicators},
            year_options=[FinancialYear(y) for y in range(current - 4, current + 2)],
        )
