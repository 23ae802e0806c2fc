"""Real-browser fixtures: the app served by uvicorn on loopback, the job worker running in
this process, and Debian's Chromium driven by Playwright's sync API.

Every module's browser tests reuse these:

* ``live_server`` (session): base URL of ``create_app(settings, services)`` under uvicorn.
* ``worker`` (tests/browser package): dramatiq worker threads + outbox relay, so jobs really run.
* ``browser`` (session) / ``new_page`` (factory) / ``page``: a fresh browser context per
  page, its ``base_url`` set to the live server, so ``page.goto("/login")`` works.
* ``signed_in_page(user)``: a fresh page signed in through the real login form.

When a test fails, a screenshot of every page it opened (plus the page's JavaScript errors
and failed console messages) is written to ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import contextlib
import re
import secrets
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import redis
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Playwright, sync_playwright

from saypro.platform import runtime
from saypro.platform.services import Services
from saypro.platform.settings import Settings
from saypro.platform.web.app import create_app
from tests.factories import PASSWORD, UserRef

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Playwright's own waits (auto-waiting actions, expect()) give up after this long; tests
# that wait for background work pass a longer timeout to expect() explicitly.
DEFAULT_TIMEOUT_MS = 10_000
SERVER_START_TIMEOUT_S = 20.0
ARTIFACTS_DIR = "test-artifacts"

SignIn = Callable[..., Page]
NewPage = Callable[[], Page]


# --- failure reports for fixtures ----------------------------------------------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item (``item.rep_setup``, ``rep_call``…) so
    fixtures can tell in their teardown whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _test_failed(node: pytest.Item) -> bool:
    return any(
        getattr(getattr(node, f"rep_{phase}", None), "failed", False) for phase in ("setup", "call")
    )


# --- the app on a real socket ----------------------------------------------------------------


def _listening_socket() -> socket.socket:
    """A socket bound to a free loopback port, handed to uvicorn (no port race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(scope="session")
def live_server(settings: Settings, services: Services) -> Iterator[str]:
    """``create_app(settings, services)`` under uvicorn in a thread; yields its base URL."""
    app = create_app(settings, services)
    sock = _listening_socket()
    port = sock.getsockname()[1]
    host = "127.0.0.1"
    config = uvicorn.Config(app, host=host, port=port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True
    )
    thread.start()
    base_url = f"http://{host}:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not (server.started and _answers(f"{base_url}/healthz")):
        if not thread.is_alive():
            sock.close()
            pytest.fail("uvicorn stopped while starting (see the log above)")
        if time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout=5)
            sock.close()
            pytest.fail(
                f"the app did not answer {base_url}/healthz within {SERVER_START_TIMEOUT_S:.0f} s"
            )
        time.sleep(0.05)
    try:
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


# --- jobs --------------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def worker(services: Services, settings: Settings) -> Iterator[None]:
    """Dramatiq worker threads and the outbox relay, running in this process.

    Jobs requested through the outbox really run: web request → outbox row → relay →
    Redis → worker → database.

    Package scope, not session: the relay claims every pending outbox row of the
    session's database, so if it kept running after the browser tests it would take the
    rows that tests elsewhere (tests/platform/jobs) relay with their own brokers.
    The broker uses a namespace of its own, so test sessions (or a dev worker) sharing
    the same Redis never take each other's messages (their databases differ, so a
    message taken by another session's worker would be lost).
    """
    namespace = f"saypro-test-{secrets.token_hex(4)}"
    background, _database = runtime.start_worker(
        services, settings=settings, threads=2, namespace=namespace
    )
    try:
        yield
    finally:
        background.stop()
        client = redis.Redis.from_url(services.redis_url)
        try:
            keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    try:
        yield browser
    finally:
        browser.close()


def _artifact_stem(node: pytest.Item) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", node.nodeid).strip("_")[:180]


@pytest.fixture
def new_page(
    browser: Browser, live_server: str, request: pytest.FixtureRequest
) -> Iterator[NewPage]:
    """A factory of pages, each in a new browser context (its own cookies); all closed at
    the end of the test, with screenshots and browser errors saved if the test failed."""
    opened: list[tuple[Page, list[str]]] = []

    def make() -> Page:
        context = browser.new_context(
            base_url=live_server, locale="en-ZA", timezone_id="Africa/Johannesburg"
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
        page = context.new_page()
        problems: list[str] = []

        def on_console(message: ConsoleMessage) -> None:
            if message.type in ("error", "warning"):
                problems.append(f"console.{message.type}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
        page.on(
            "requestfailed",
            lambda req: problems.append(f"request failed: {req.method} {req.url} {req.failure}"),
        )
        page.on(
            "response",
            lambda res: (
                problems.append(f"HTTP {res.status}: {res.request.method} {res.url}")
                if res.status >= 400
                else None
            ),
        )
        opened.append((page, problems))
        return page

    yield make

    failed = _test_failed(request.node)
    if failed:
        directory = Path(request.config.rootpath) / ARTIFACTS_DIR
        directory.mkdir(parents=True, exist_ok=True)
    for index, (page, problems) in enumerate(opened):
        if failed:
            stem = directory / f"{_artifact_stem(request.node)}-{index}"
            with contextlib.suppress(Error):
                page.screenshot(path=f"{stem}.png", full_page=True)
            with contextlib.suppress(Error):
                Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
            Path(f"{stem}.log").write_text(
                f"url: {page.url}\n" + "\n".join(problems) + "\n", encoding="utf-8"
            )
        with contextlib.suppress(Error):
            page.context.close()


@pytest.fixture
def page(new_page: NewPage) -> Page:
    """A page in a fresh browser context, not signed in."""
    return new_page()


def sign_in(page: Page, user: UserRef, password: str = PASSWORD) -> Page:
    """Sign ``user`` in through the real login form and wait until the app has moved on."""
    page.goto("/login")
    form = page.locator("form[action='/login']")
    form.locator("input[name=email]").fill(user.email)
    form.locator("input[name=password]").fill(password)
    form.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: urlparse(url).path != "/login")
    return page


@pytest.fixture
def signed_in_page(new_page: NewPage) -> SignIn:
    """``signed_in_page(user)`` → a new page (own context and cookies) signed in as ``user``.
    Call it once per user to drive several users side by side in one test."""

    def make(user: UserRef, password: str = PASSWORD) -> Page:
        return sign_in(new_page(), user, password)

    return make


def pytest_collection_modifyitems(config: pytest.Config, items: list[Any]) -> None:
    """Every test under tests/browser is a browser test, even if a module forgets the mark."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
