"""The workspace shell: the landing page of one municipality's workspace."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template

from saypro.platform.identity.guards import requires
from saypro.platform.identity.permissions import Permission
from saypro.platform.tenancy.context import CurrentTenant


@get("/", name="workspace", include_in_schema=False, **requires(Permission.WORKSPACE_READ))
async def workspace_home(tenant: NamedDependency[CurrentTenant]) -> Template:
    return Template("workspace.html", context={"tenant": tenant})
