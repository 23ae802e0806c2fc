"""The application factory: composes the platform and every installed module."""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import ResponseHeader, State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.redis import RedisStore
from litestar.template.config import TemplateConfig

from saypro.platform.audit.controllers import AuditPages
from saypro.platform.db.engine import Database
from saypro.platform.identity import (
    account_pages,
    invitation_pages,
    password_reset,
    token_pages,
    two_factor_pages,
)
from saypro.platform.identity import controllers as identity_pages
from saypro.platform.identity.auth import (
    BEARER_OPENAPI,
    BEARER_SCHEME,
    SESSION_COOKIE,
    session_auth,
)
from saypro.platform.identity.guards import permission_guard, public
from saypro.platform.identity.member_pages import MemberPages
from saypro.platform.identity.permissions import Permission
from saypro.platform.identity.sso import login_pages as sso_login
from saypro.platform.identity.sso.settings_pages import SsoSettingsPages
from saypro.platform.identity.tenant_security_pages import TenantSecurityPages
from saypro.platform.identity.throttle import RATE_LIMIT_STORE, sign_in_rate_limit
from saypro.platform.modules import Module, load_modules
from saypro.platform.privacy.pages import ExportPages
from saypro.platform.services import Services
from saypro.platform.settings import Settings
from saypro.platform.signup import pages as signup_pages
from saypro.platform.staff.pages import StaffPages, portfolio_page
from saypro.platform.tenancy.admin_pages import TenantAdminPages
from saypro.platform.tenancy.context import TENANT_DEPENDENCIES
from saypro.platform.web import health, onboarding, shell
from saypro.platform.web.context import RequestContextMiddleware
from saypro.platform.web.csrf import csrf_middleware
from saypro.platform.web.errors import handle_exception
from saypro.platform.web.transaction import (
    provide_db_session,
    provide_platform_session,
    record_response_status,
)

WEB_DIR = Path(__file__).parent
PRIVACY_TEMPLATES = WEB_DIR.parent / "privacy" / "templates"
CSRF_COOKIE = "__Host-saypro-csrf"
SECURITY_HEADERS = [
    ResponseHeader(
        name="Content-Security-Policy",
        value=(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
        ),
    ),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="strict-origin-when-cross-origin"),
    ResponseHeader(name="X-Frame-Options", value="SAMEORIGIN"),
]


def _template_config(modules: tuple[Module, ...]) -> TemplateConfig[JinjaTemplateEngine]:
    directories: list[Path | PathLike[Any] | str] = [
        WEB_DIR / "templates",
        PRIVACY_TEMPLATES,
        *[m.template_dir for m in modules if m.template_dir],
    ]
    nav = [item for m in modules for item in m.nav]

    def register_globals(engine: JinjaTemplateEngine) -> None:
        engine.engine.globals["module_nav"] = nav
        engine.engine.globals["Permission"] = Permission

    return TemplateConfig(
        directory=directories, engine=JinjaTemplateEngine, engine_callback=register_globals
    )


def create_app(settings: Settings, services: Services) -> Litestar:
    modules = load_modules()
    secret_key = settings.require_secret_key()

    async def on_startup(app: Litestar) -> None:
        app.state.database = Database.connect(
            services.database.runtime, pool_size=settings.db_pool_size
        )
        app.state.redis = aioredis.Redis.from_url(services.redis_url)
        # Clients are bound to the event loop that runs the app, so they are made here.
        # (RedisStore.with_client() cannot open unix-socket URLs, hence our own client.)
        app.stores.register(
            RATE_LIMIT_STORE,
            RedisStore(
                app.state.redis, namespace="saypro-rate-limit", handle_client_shutdown=False
            ),
            allow_override=True,
        )
        app.stores.register(
            "sessions",
            RedisStore(app.state.redis, namespace="saypro-sessions", handle_client_shutdown=False),
            allow_override=True,
        )

    async def on_shutdown(app: Litestar) -> None:
        await app.state.database.dispose()
        await app.state.redis.aclose()

    authentication = session_auth(settings.session_idle_minutes)
    tenant_pages = Router(
        path="/t/{tenant_slug:str}",
        route_handlers=[
            shell.workspace_home,
            onboarding.dismiss,
            AuditPages,
            MemberPages,
            SsoSettingsPages,
            TenantSecurityPages,
            ExportPages,
            *[h for m in modules for h in m.page_handlers],
        ],
        dependencies=TENANT_DEPENDENCIES,
        include_in_schema=False,
    )
    tenant_api = Router(
        path="/api/v1/t/{tenant_slug:str}",
        route_handlers=[h for m in modules for h in m.api_handlers],
        dependencies=TENANT_DEPENDENCIES,
    )
    static = create_static_files_router(
        path="/static",
        directories=[WEB_DIR / "static"],
        name="static",
        include_in_schema=False,
        opt=public()["opt"],
    )
    return Litestar(
        route_handlers=[
            health.healthz,
            health.readyz,
            identity_pages.login_page,
            identity_pages.login,
            identity_pages.logout,
            identity_pages.home,
            sso_login.municipality_login,
            sso_login.start_sso,
            sso_login.finish_sso,
            account_pages.password_page,
            account_pages.password_change,
            TenantAdminPages,
            StaffPages,
            portfolio_page,
            *two_factor_pages.handlers,
            token_pages.tokens_page,
            token_pages.create_token,
            token_pages.revoke_token,
            signup_pages.signup_page,
            signup_pages.signup,
            signup_pages.verify_page,
            signup_pages.verify,
            signup_pages.resend_page,
            signup_pages.resend,
            password_reset.request_page,
            password_reset.request_link,
            password_reset.done_page,
            password_reset.choose_page,
            password_reset.set_password,
            invitation_pages.join_page,
            invitation_pages.accept,
            tenant_pages,
            tenant_api,
            *[h for m in modules for h in m.public_handlers],
            static,
        ],
        dependencies={
            "raw_db_session": Provide(provide_db_session),
            "db_session": Provide(provide_platform_session),
        },
        guards=[permission_guard],
        after_request=record_response_status,
        exception_handlers={Exception: handle_exception},
        middleware=[
            DefineMiddleware(RequestContextMiddleware),
            sign_in_rate_limit(settings.login_attempts_per_minute).middleware,
            # Last, so it runs after authentication: a request authenticated by an API
            # token alone (no session cookie) needs no CSRF token; all others do.
            csrf_middleware(
                CSRFConfig(
                    secret=secret_key,
                    cookie_name=CSRF_COOKIE,
                    cookie_secure=True,
                    cookie_httponly=False,
                    header_name="x-csrftoken",
                ),
                session_cookie=SESSION_COOKIE,
            ),
        ],
        on_app_init=[authentication.on_app_init],
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        template_config=_template_config(modules),
        openapi_config=OpenAPIConfig(
            title="SayPro Municipal Platform API",
            version="1",
            path="/api/schema",
            # Machine-readable only: hosted viewers load scripts from CDNs, which the
            # content security policy (and offline deployments) rule out.
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
            openapi_router=Router(path="/api/schema", route_handlers=[], opt=public()["opt"]),
            # The session cookie's scheme is added by the session authentication.
            components=BEARER_OPENAPI,
            security=[{BEARER_SCHEME: []}],
        ),
        response_headers=SECURITY_HEADERS,
        state=State({"settings": settings}),
        debug=False,
        # Logging is configured once by the process (saypro.platform.logging), as JSON.
        logging_config=None,
    )
