"""The strategy module in a real browser: sign in, create an objective through its form,
add initiatives with the htmx form, and watch the weighted roll-up computed by the job
(web request → outbox → relay → Redis → dramatiq worker → database) appear on the page."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from saypro.tenants.strategy.models import Objective
from tests.browser.conftest import SignIn
from tests.factories import TenantRef, UserRef, make_tenant, make_user

pytestmark = pytest.mark.browser

# Long enough for the relay to notice the commit, Redis to deliver and the worker to run.
JOB_TIMEOUT_MS = 15_000
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.mark.usefixtures("worker")
def test_editor_builds_an_objective_and_sees_the_weighted_roll_up(
    database: Database, signed_in_page: SignIn
) -> None:
    tenant = make_tenant(database, name="Overberg Browser Municipality")
    editor = make_user(database, (tenant, Role.EDITOR), name="Thandi Editor")

    page = signed_in_page(editor)
    # A member of one municipality lands straight in its workspace.
    expect(page).to_have_url(re.compile(rf"/t/{tenant.slug}/$"))

    page.get_by_role("navigation", name="Workspace").get_by_role(
        "link", name="Strategic objectives"
    ).click()
    expect(page).to_have_url(re.compile(rf"/t/{tenant.slug}/objectives/?$"))
    expect(page.get_by_role("heading", name="Strategic objectives")).to_be_visible()

    # Create the objective through its form.
    page.get_by_role("link", name="New objective").click()
    expect(page).to_have_url(re.compile(rf"/t/{tenant.slug}/objectives/new$"))
    form = page.locator("main form.form")
    form.get_by_label("Code").fill("SO9")
    form.get_by_label("Title").fill("Smart water meters in every ward")
    form.get_by_label("Description").fill("Replace mechanical meters with telemetry-enabled ones.")
    form.get_by_label("Owner").select_option(label="Thandi Editor")
    form.get_by_label("Status").select_option("on_track")
    form.get_by_label("Start date").fill("2025-07-01")
    form.get_by_label("Target date").fill("2026-06-30")
    form.get_by_role("button", name="Save objective").click()

    expect(page).to_have_url(re.compile(rf"/t/{tenant.slug}/objectives/{UUID}$"))
    detail_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "SO9 · Smart water meters in every ward"
    )
    details = page.locator("dl.details")
    expect(details).to_contain_text("on track")
    expect(details).to_contain_text("Thandi Editor")
    expect(details).to_contain_text("2025-07-01 → 2026-06-30")
    expect(
        page.get_by_text("Replace mechanical meters with telemetry-enabled ones.")
    ).to_be_visible()
    progress = page.get_by_test_id("objective-progress")
    expect(progress).to_contain_text("No initiatives yet")

    # Two initiatives through the htmx form (no page loads): 3 at 40 % and 1 at 100 %.
    page.evaluate("window.__sameDocument = true")  # gone if the browser loads a new page
    initiatives = page.get_by_test_id("initiatives")
    add_initiative(page, "Meter procurement", weight="3", percent="40", phase="implementation")
    expect(initiatives.locator("tbody tr", has_text="Meter procurement")).to_contain_text("40.00%")
    add_initiative(page, "Ward 1 pilot installation", weight="1", percent="100", phase="assessment")
    expect(initiatives.locator("tbody tr", has_text="Ward 1 pilot installation")).to_contain_text(
        "100.00%"
    )
    expect(initiatives.locator("tbody tr")).to_have_count(2)
    # htmx swapped fragments in; the browser never loaded another page.
    assert page.url == detail_url

    # The roll-up is computed by the worker; the progress element refreshes itself via htmx.
    # (3 * 40 + 1 * 100) / (3 + 1) = 55.00
    expect(page.get_by_test_id("progress-value")).to_have_text("55.00%", timeout=JOB_TIMEOUT_MS)
    expect(page.get_by_test_id("progress-pending")).to_have_count(0, timeout=JOB_TIMEOUT_MS)
    expect(progress.get_by_role("progressbar", name="Weighted progress")).to_have_attribute(
        "value", "55.00"
    )
    assert page.evaluate("window.__sameDocument === true"), "the roll-up came by a page load"

    # The list shows the objective with its progress.
    page.get_by_role("link", name="← All objectives").click()
    expect(page).to_have_url(re.compile(rf"/t/{tenant.slug}/objectives/?$"))
    row = page.get_by_test_id("objectives").locator("tbody tr", has_text="SO9")
    expect(row).to_have_count(1)
    expect(row.get_by_role("link", name="Smart water meters in every ward")).to_have_attribute(
        "href", re.compile(rf"/t/{tenant.slug}/objectives/{UUID}$")
    )
    expect(row).to_contain_text("on track")
    expect(row).to_contain_text("55.00%")
    expect(row).to_contain_text("2026-06-30")


def add_initiative(page: Page, title: str, *, weight: str, percent: str, phase: str) -> None:
    """Fill and submit the "Add an initiative" form (htmx swaps the section in place)."""
    form = page.locator("#initiatives form", has_text="Add an initiative")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Phase").select_option(phase)
    form.get_by_label("Status").select_option("in_progress")
    form.get_by_label("Owner").select_option(label="Thandi Editor")
    form.get_by_label("Weight").fill(weight)
    form.get_by_label("% complete").fill(percent)
    form.get_by_role("button", name="Add initiative").click()


def _objective_in(database: Database, tenant: TenantRef, *, code: str, title: str) -> uuid.UUID:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        objective = Objective(code=code, title=title)
        session.add(objective)
        session.flush()
        objective_id: uuid.UUID = objective.id
        return objective_id


def test_another_tenants_objective_is_not_found(
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    editor_b: UserRef,
    signed_in_page: SignIn,
) -> None:
    objective_id = _objective_in(
        database, tenant_a, code="SO1", title="Alpha's confidential objective"
    )

    page = signed_in_page(editor_b)
    response = page.goto(f"/t/{tenant_a.slug}/objectives/{objective_id}")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("404 · Not Found")
    expect(page.locator("main")).not_to_contain_text("Alpha's confidential objective")
    expect(page.locator("header")).not_to_contain_text(tenant_a.name)
    foreign = page.locator("main").inner_text()

    # Nor does the id resolve under the user's own tenant.
    response = page.goto(f"/t/{tenant_b.slug}/objectives/{objective_id}")
    assert response is not None
    assert response.status == 404
    expect(page.locator("main")).not_to_contain_text("Alpha's confidential objective")
    assert page.locator("main").inner_text() == foreign

    # Exactly what a made-up id in the user's own tenant gets: nothing tells them apart.
    response = page.goto(f"/t/{tenant_b.slug}/objectives/{uuid.uuid4()}")
    assert response is not None
    assert response.status == 404
    assert page.locator("main").inner_text() == foreign
