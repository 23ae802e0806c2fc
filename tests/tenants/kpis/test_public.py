"""The public performance dashboard: what it shows (public indicators, approved results
only), what it never shows, its headers (embeddable where listed, cacheable, no cookies),
the uniform 404, the rate limit, and who may publish."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import redis
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select, update

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant, bind_tenant_sync
from saypro.platform.identity.permissions import ConsultantRole, Role, StaffRole
from saypro.platform.services import Services
from saypro.platform.settings import DatabaseUrls, Settings
from saypro.platform.tenancy.models import Tenant, TenantStatus
from saypro.platform.web.app import create_app
from saypro.tenants.kpis.evaluation import load_year
from saypro.tenants.kpis.models import (
    ActualState,
    Calculation,
    Indicator,
    PublicDashboard,
    Target,
)
from saypro.tenants.kpis.periods import Frequency
from tests.asyncio_runner import run_in_own_loop
from tests.conftest import BASE_URL, csrf_token, login
from tests.factories import TenantRef, assign_consultant, make_staff, make_tenant, make_user
from tests.tenants.kpis.public_world import SECRETS, PublicWorld, make_public_world

NOT_FOUND_JSON = {
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "detail": "The requested resource was not found.",
}


def _urls(slug: str) -> dict[str, str]:
    return {
        "page": f"/public/{slug}/performance",
        "embed": f"/public/{slug}/performance/embed",
        "json": f"/api/v1/public/{slug}/performance",
    }


@pytest.fixture
def world(database: Database, tenant_a: TenantRef) -> PublicWorld:
    return make_public_world(database, tenant_a)


@pytest.fixture
def anonymous(
    another_client: Callable[[], TestClient[Litestar]],
) -> Iterator[TestClient[Litestar]]:
    """A browser that never signed in (its own app: tests also use a signed-in one)."""
    with another_client() as client:
        yield client


def _absent(text: str, world: PublicWorld) -> None:
    for secret in (*SECRETS, world.owner.email, str(world.public_id), str(world.hidden_id)):
        assert secret not in text, secret
    assert "/t/" not in text and "/api/v1/t/" not in text and "/login" not in text


def _events(database: Database, tenant: TenantRef, prefix: str) -> list[AuditEvent]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.startswith(prefix))
                .order_by(AuditEvent.occurred_at, AuditEvent.id)
            )
        )


# What shows and what never shows ------------------------------------------------------


def test_the_page_shows_public_indicators_with_approved_results_only(
    anonymous: TestClient[Any], world: PublicWorld
) -> None:
    response = anonymous.get(_urls(world.tenant.slug)["page"])
    assert response.status_code == 200
    text = response.text
    assert "How Alpha is doing" in text and "quarter by quarter" in text
    assert "Only results approved by the municipality" in text
    year = world.year.label
    assert f"Year to date at Q1 of {year}" in text
    # PUB1 at Q1: 90 of 100 year to date, "D does not meet target" on the binary key.
    row = text.split("Helpdesk tickets resolved", 1)[1].split("</tr>", 1)[0]
    assert ">100<" in row and ">90<" in row and ">D</span>" in row
    assert "does not meet" in row.lower() and "90.00% of target" in row
    # The trend: last year's approved quarters, nothing for the submitted and returned
    # ones, and this year's Q1; the draft of Q2 is not there.
    previous = f"{world.year.start_year - 1}/{world.year.start_year % 100:02d}"
    assert 'data-testid="trend-PUB1"' in text and 'data-chart="line"' in text
    trend = text.split('data-testid="trend-PUB1"', 1)[1].split("<tbody>", 1)[1]
    rows = trend.split("</tbody>", 1)[0].split("<tr>")[1:]
    assert [r.split("</th>")[0].split(">")[-1].split(" (")[0] for r in rows] == [
        f"Q1 {previous}",
        f"Q2 {previous}",
        f"Q3 {previous}",
        f"Q4 {previous}",
        f"Q1 {year}",
    ]
    actuals = [r.split("</td>")[1].split('data-value="')[1].split('"')[0] for r in rows]
    assert actuals == ["100", "120", "", "", "90"]
    assert "/static/vendor/chart.umd.min.js" in text and "/static/js/charts.js" in text
    _absent(text, world)


def test_the_embed_and_the_json_show_the_same_and_nothing_more(
    anonymous: TestClient[Any], world: PublicWorld
) -> None:
    urls = _urls(world.tenant.slug)
    embed = anonymous.get(urls["embed"])
    assert embed.status_code == 200 and "Helpdesk tickets resolved" in embed.text
    assert 'class="topbar"' not in embed.text  # the minimal layout
    _absent(embed.text, world)
    answer = anonymous.get(urls["json"])
    assert answer.status_code == 200
    _absent(answer.text, world)
    body = answer.json()
    assert body["quarter"] == 1 and body["financial_year"] == world.year.label
    [indicator] = body["indicators"]
    assert indicator["code"] == "PUB1" and set(indicator) == {
        "code",
        "name",
        "definition",
        "unit",
        "decimal_places",
        "direction",
        "target",
        "actual",
        "status",
        "trend",
    }
    assert Decimal(indicator["actual"]) == 90 and indicator["status"]["key"] == "D"
    assert [p["actual"] for p in indicator["trend"]][-2:] == [None, "90.0000"]
    assert answer.headers["access-control-allow-origin"] == "*"


def test_the_json_is_in_the_openapi_description_without_sign_in(
    anonymous: TestClient[Any],
) -> None:
    schema = anonymous.get("/api/schema/openapi.json").json()
    operation = schema["paths"]["/api/v1/public/{municipality}/performance"]["get"]
    assert operation["security"] == [{}] and "Public" in operation["tags"]
    assert "PublicDashboardRead" in str(operation["responses"]["200"])


def test_nothing_is_shown_before_an_indicator_is_public_or_approved(
    anonymous: TestClient[Any], database: Database, world: PublicWorld
) -> None:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, world.tenant.id)
        session.execute(update(Indicator).values(public=False))
    response = anonymous.get(_urls(world.tenant.slug)["page"])
    assert response.status_code == 200 and "No indicators are published yet." in response.text
    assert "Helpdesk tickets resolved" not in response.text
    _absent(response.text, world)


def test_targets_not_yet_approved_are_not_shown(
    anonymous: TestClient[Any], database: Database, world: PublicWorld
) -> None:
    """A target being adjusted (approval withdrawn by the change) is not the published
    commitment: the public sees no target and no status for that year."""
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, world.tenant.id)
        session.execute(
            update(Target)
            .where(Target.financial_year == world.year.start_year)
            .values(approved_at=None)
        )
    [indicator] = anonymous.get(_urls(world.tenant.slug)["json"]).json()["indicators"]
    assert indicator["target"] is None
    assert indicator["status"]["key"] != "D"  # no longer judged against the draft target
    this_year = [p for p in indicator["trend"] if world.year.label in p["label"]]
    assert this_year and all(p["target"] is None for p in this_year)


# Headers ------------------------------------------------------------------------------


def test_only_the_embed_may_be_framed_by_the_listed_websites(
    anonymous: TestClient[Any], world: PublicWorld
) -> None:
    urls = _urls(world.tenant.slug)
    embed = anonymous.get(urls["embed"])
    assert "x-frame-options" not in embed.headers
    policy = embed.headers["content-security-policy"]
    assert "frame-ancestors 'self' https://www.alpha.gov.za" in policy
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    for url in (urls["page"], urls["json"], "/login", "/signup"):
        other = anonymous.get(url)
        assert other.headers["x-frame-options"] == "SAMEORIGIN", url
        assert other.headers["content-security-policy"].endswith("frame-ancestors 'self'"), url


def test_public_answers_set_no_cookie_and_leave_a_session_alone(
    anonymous: TestClient[Any], client_a: TestClient[Any], world: PublicWorld
) -> None:
    for url in _urls(world.tenant.slug).values():
        for client in (anonymous, client_a):
            response = client.get(url)
            assert response.status_code == 200, url
            assert "set-cookie" not in response.headers, url
    assert not anonymous.cookies


def test_answers_are_cacheable_with_an_etag(
    anonymous: TestClient[Any], database: Database, world: PublicWorld
) -> None:
    for url in _urls(world.tenant.slug).values():
        first = anonymous.get(url)
        assert first.headers["cache-control"] == "public, max-age=300"
        etag = first.headers["etag"]
        again = anonymous.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
    page = _urls(world.tenant.slug)["page"]
    etag = anonymous.get(page).headers["etag"]
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, world.tenant.id)
        session.execute(update(PublicDashboard).values(title="A new title"))
    changed = anonymous.get(page, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


# The uniform 404 ------------------------------------------------------------------------


def _set_status(database: Database, tenant: TenantRef, status: TenantStatus) -> None:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, None)
        session.execute(update(Tenant).where(Tenant.id == tenant.id).values(status=status))


def test_unknown_off_suspended_and_closed_municipalities_answer_the_same_404(
    anonymous: TestClient[Any], database: Database, world: PublicWorld, tenant_b: TenantRef
) -> None:
    # tenant_b never configured its dashboard.
    off = make_public_world(database, make_tenant(database), enabled=False)
    suspended = make_public_world(database, make_tenant(database))
    closed = make_public_world(database, make_tenant(database))
    _set_status(database, suspended.tenant, TenantStatus.SUSPENDED)
    _set_status(database, closed.tenant, TenantStatus.CLOSED)
    unknown = f"no-such-place-{secrets.token_hex(3)}"
    reference = anonymous.get(_urls(unknown)["page"])
    assert reference.status_code == 404
    for slug in (
        unknown,
        tenant_b.slug,
        off.tenant.slug,
        suspended.tenant.slug,
        closed.tenant.slug,
    ):
        urls = _urls(slug)
        for kind in ("page", "embed"):
            response = anonymous.get(urls[kind])
            assert response.status_code == 404 and response.text == reference.text, (slug, kind)
            assert "set-cookie" not in response.headers
        answer = anonymous.get(urls["json"])
        assert answer.status_code == 404 and answer.json() == NOT_FOUND_JSON, slug
    for path in (
        "/public/",
        f"/public/{world.tenant.slug}",
        f"/public/{world.tenant.slug}/performance/evidence",
        f"/public/{world.tenant.slug}/kpis/indicators/{world.public_id}",
        f"/public/{world.tenant.slug}/performance/embed/x",
    ):
        assert anonymous.get(path).status_code == 404, path


# Rate limit ----------------------------------------------------------------------------


def test_public_requests_are_limited_per_client_address(
    settings: Settings, services: Services, redis_url: str, database: Database, tenant_a: TenantRef
) -> None:
    world = make_public_world(database, tenant_a)
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("saypro:limit:public-dashboard:*"):
        client.delete(key)
    strict = settings.model_copy(update={"public_requests_per_minute": 3})
    urls = _urls(world.tenant.slug)
    with TestClient(create_app(strict, services), base_url=BASE_URL) as anonymous:
        statuses = [anonymous.get(url).status_code for url in urls.values()]
        limited = anonymous.get(urls["page"])
        limited_json = anonymous.get(urls["json"])
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert limited_json.status_code == 429 and "Too many requests" in limited_json.json()["detail"]
    for key in client.scan_iter("saypro:limit:public-dashboard:*"):
        client.delete(key)


# Who publishes --------------------------------------------------------------------------


def _api(tenant: TenantRef) -> str:
    return f"/api/v1/t/{tenant.slug}/kpis/public"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.TENANT_ADMIN, True),
        (Role.EDITOR, False),
        (Role.CONTRIBUTOR, False),
        (Role.VIEWER, False),
    ],
)
def test_only_admins_publish_through_the_api(
    client: TestClient[Any],
    database: Database,
    world: PublicWorld,
    role: Role,
    allowed: bool,
) -> None:
    login(client, make_user(database, (world.tenant, role)))
    assert client.get(_api(world.tenant)).status_code == 200  # everyone may read the settings
    flag = client.put(f"{_api(world.tenant)}/indicators/{world.hidden_id}", json={"public": True})
    settings = client.put(_api(world.tenant), json={"enabled": False})
    assert (flag.status_code, settings.status_code) == ((200, 200) if allowed else (403, 403))
    shown = client.get(_api(world.tenant)).json()
    assert (str(world.hidden_id) in shown["public_indicator_ids"]) is allowed
    assert shown["enabled"] is not allowed


def test_the_lead_consultant_publishes_and_every_change_is_audited(
    client: TestClient[Any], database: Database, world: PublicWorld
) -> None:
    lead = make_staff(database, StaffRole.CONSULTANT)
    assign_consultant(database, lead, world.tenant, ConsultantRole.LEAD)
    login(client, lead)
    url = f"{_api(world.tenant)}/indicators/{world.hidden_id}"
    assert client.put(url, json={"public": True}).json()["public"] is True
    assert client.put(url, json={"public": True}).status_code == 200  # no change: no event
    assert client.put(url, json={"public": False}).json()["public"] is False
    saved = client.put(
        _api(world.tenant),
        json={
            "enabled": True,
            "title": "Alpha in numbers",
            "introduction": "",
            "allowed_origins": ["HTTPS://Www.Alpha.gov.za/", "https://alpha.example:8443"],
        },
    )
    assert saved.status_code == 200
    assert saved.json()["allowed_origins"] == [
        "https://www.alpha.gov.za",
        "https://alpha.example:8443",
    ]
    flags = _events(database, world.tenant, "kpis.indicator.")
    assert [e.action for e in flags] == ["kpis.indicator.published", "kpis.indicator.unpublished"]
    assert flags[0].before is not None and flags[0].before["public"] is False
    assert flags[0].after is not None and flags[0].after["public"] is True
    [change] = _events(database, world.tenant, "kpis.public_dashboard.")
    assert change.before is not None and change.before["title"] == "How Alpha is doing"
    assert change.after is not None and change.after["title"] == "Alpha in numbers"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"enabled": True, "allowed_origins": ["https://www.alpha.gov.za/news"]},
            "allowed_origins",
        ),
        ({"enabled": True, "allowed_origins": ["*"]}, "allowed_origins"),
        ({"enabled": True, "allowed_origins": ["ftp://alpha.gov.za"]}, "allowed_origins"),
        (
            {"enabled": True, "allowed_origins": ["https://a.gov.za; script-src *"]},
            "allowed_origins",
        ),
        ({"enabled": True, "allowed_origins": ["https://user:pw@alpha.gov.za"]}, "allowed_origins"),
        ({"enabled": True, "title": "x" * 201}, "title"),
        ({"enabled": "sometimes"}, "enabled"),
        ({"title": "no enabled"}, "enabled"),
        ({"enabled": True, "colour": "red"}, "colour"),
    ],
)
def test_bad_settings_are_refused_with_the_field_and_change_nothing(
    client: TestClient[Any],
    database: Database,
    world: PublicWorld,
    body: dict[str, Any],
    field: str,
) -> None:
    login(client, make_user(database, (world.tenant, Role.TENANT_ADMIN)))
    before = client.get(_api(world.tenant)).json()
    response = client.put(_api(world.tenant), json=body)
    assert response.status_code in (400, 422)
    assert field in response.text
    assert client.get(_api(world.tenant)).json() == before
    assert _events(database, world.tenant, "kpis.public_dashboard.") == []


def test_a_flag_for_another_municipalitys_indicator_is_not_found(
    client: TestClient[Any], database: Database, world: PublicWorld, tenant_b: TenantRef
) -> None:
    login(client, make_user(database, (tenant_b, Role.TENANT_ADMIN)))
    response = client.put(f"{_api(tenant_b)}/indicators/{world.hidden_id}", json={"public": True})
    assert response.status_code == 404 and response.json() == NOT_FOUND_JSON
    bad = client.put(f"{_api(tenant_b)}/indicators/{world.hidden_id}", json={"public": "maybe"})
    assert bad.status_code in (400, 422) and "public" in bad.text


# The settings page ----------------------------------------------------------------------


def test_an_admin_publishes_from_the_settings_page(
    client: TestClient[Any], anonymous: TestClient[Any], database: Database, world: PublicWorld
) -> None:
    login(client, make_user(database, (world.tenant, Role.TENANT_ADMIN)))
    page = client.get(f"/t/{world.tenant.slug}/kpis/public")
    assert page.status_code == 200 and "SECRETKPI9" in page.text
    assert f"/public/{world.tenant.slug}/performance/embed" in page.text
    response = client.post(
        f"/t/{world.tenant.slug}/kpis/public",
        data={
            "_csrf_token": csrf_token(client),
            "enabled": "on",
            "title": "Alpha on the record",
            "introduction": "Hello residents",
            "allowed_origins": "https://www.alpha.gov.za\r\nhttps://news.alpha.gov.za\r\n",
            "public_ids": [str(world.hidden_id)],
        },
        follow_redirects=False,
    )
    assert response.status_code in (302, 303)
    public = anonymous.get(_urls(world.tenant.slug)["page"]).text
    assert "Alpha on the record" in public and "Zanzibar hidden indicator" in public
    assert "Helpdesk tickets resolved" not in public  # its box was not ticked
    embed = anonymous.get(_urls(world.tenant.slug)["embed"])
    assert "https://news.alpha.gov.za" in embed.headers["content-security-policy"]


def test_a_bad_origin_on_the_page_is_shown_and_changes_nothing(
    client: TestClient[Any], database: Database, world: PublicWorld
) -> None:
    login(client, make_user(database, (world.tenant, Role.TENANT_ADMIN)))
    response = client.post(
        f"/t/{world.tenant.slug}/kpis/public",
        data={
            "_csrf_token": csrf_token(client),
            "title": "Changed",
            "allowed_origins": "www.alpha.gov.za/page",
            "public_ids": [str(world.hidden_id)],
        },
    )
    assert response.status_code == 422
    assert 'id="allowed_origins-error"' in response.text and "https://" in response.text
    assert "www.alpha.gov.za/page" in response.text  # what was typed comes back
    with database.sync_sessions() as session:
        bind_tenant_sync(session, world.tenant.id)
        dashboard = session.scalar(select(PublicDashboard))
        hidden = session.get(Indicator, (world.tenant.id, world.hidden_id))
        assert dashboard is not None and dashboard.enabled and dashboard.title != "Changed"
        assert hidden is not None and hidden.public is False


def test_the_indicator_page_toggles_the_flag_for_admins_only(
    client: TestClient[Any], database: Database, world: PublicWorld
) -> None:
    url = f"/t/{world.tenant.slug}/kpis/public/indicators/{world.hidden_id}"
    detail = f"/t/{world.tenant.slug}/kpis/indicators/{world.hidden_id}"
    login(client, make_user(database, (world.tenant, Role.EDITOR)))
    assert 'data-testid="public-toggle"' not in client.get(detail).text
    refused = client.post(url, data={"_csrf_token": csrf_token(client), "public": "on"})
    assert refused.status_code == 403
    client.cookies.clear()
    client.headers.pop("x-csrftoken", None)
    login(client, make_user(database, (world.tenant, Role.TENANT_ADMIN)))
    assert "Show on the public dashboard" in client.get(detail).text
    done = client.post(url, data={"_csrf_token": csrf_token(client), "public": "on"})
    assert done.status_code == 200 and 'data-testid="public-badge"' in done.text
    assert "Remove from the public dashboard" in done.text


# Loading approved actuals only ---------------------------------------------------------


def test_load_year_leaves_out_unapproved_actuals_when_asked_also_in_formulas(
    db_urls: DatabaseUrls, database: Database, world: PublicWorld
) -> None:
    last = world.year.start_year - 1
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, world.tenant.id)
        session.add(
            Indicator(
                code="CALC",
                name="Twice PUB1",
                frequency=Frequency.QUARTERLY,
                calculation=Calculation.FORMULA,
                formula="PUB1 * 2",
            )
        )

    async def load(approved_only: bool) -> dict[str, dict[int, Decimal | None]]:
        own = Database.connect(db_urls.runtime, pool_size=1)
        try:
            async with own.async_sessions() as session:
                await bind_tenant(session, world.tenant.id)
                indicators = list(await session.scalars(select(Indicator)))
                data = await load_year(
                    session,
                    indicators,
                    last,
                    states={ActualState.APPROVED} if approved_only else None,
                )
                return {
                    i.code: {n: a.value for n, a in data.actuals.get(i.id, {}).items()}
                    for i in indicators
                }
        finally:
            await own.async_engine.dispose()

    everything = run_in_own_loop(load(False))
    approved = run_in_own_loop(load(True))
    assert everything["PUB1"] == {1: 100, 2: 120, 3: 6666, 4: 5555}
    assert approved["PUB1"] == {1: 100, 2: 120}
    assert everything["CALC"] == {1: 200, 2: 240, 3: 13332, 4: 11110}
    assert approved["CALC"] == {1: 200, 2: 240}
