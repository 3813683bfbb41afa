"""Browser fixtures: one live server on the demo shop, Debian's Chromium, a fresh page per test, axe-core."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

from tests.support import services
from tests.support.live_server import ROOT, LiveServer, seeded_copy

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "app" / "static" / "vendor" / "axe.min.js"
AXE_URL = "/static/vendor/axe.min.js"
# Generous for a slow CI box, short enough that a broken page fails fast: for actions (each
# context's default) and for web-first assertions alike (expect's own default is 5 s).
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)
SHOP_ORIGIN = "http://shop.test"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, seeded_data):
    """The real gunicorn server on a migrated, seeded SQLite database, shared by the browser tests
    of this worker (each xdist worker has its own).

    Tests share its data, so each one creates what it changes under its own names (emails, key
    names) and never relies on another test having run.
    """
    tmp = tmp_path_factory.mktemp("browser-server")
    # One shop origin, so a test can act as the widget (a python-socketio visitor on /chat).
    env = seeded_copy(seeded_data, tmp, HELPDESK_RATE_LIMITS="off", HELPDESK_ALLOWED_ORIGINS=SHOP_ORIGIN)
    ARTIFACTS.mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    server = LiveServer(env, log_path=ARTIFACTS / f"browser-server-{worker}.log")  # kept for a failed run
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright (Playwright's own browser download is never used)."""
    if not Path(CHROMIUM).exists():
        services.unavailable("Chromium", f"{CHROMIUM} not found; run `make browser-deps`")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell a failed test at teardown."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_page(request, browser, live_server):
    """Factory: a page in a new context (its own cookies), closed after the test.

    When the test fails, every page it opened is saved to test-artifacts/failures/.
    """
    pages = []

    def make(**context_options):
        context = browser.new_context(base_url=live_server.url, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        pages.append(context.new_page())
        return pages[-1]

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        folder = ARTIFACTS / "failures"
        folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for n, page in enumerate(pages, start=1):
            with contextlib.suppress(PlaywrightError):  # a crashed page must not hide the failure
                page.screenshot(path=folder / f"{name}-{n}.png", full_page=True)
    for page in pages:
        page.context.close()


@pytest.fixture
def page(new_page):
    """A fresh page in a fresh context for each test."""
    return new_page()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ at the repo root (gitignored): screenshots to look at after a run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, node["target"])) for node in v["nodes"]]
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]\n    targets: {targets}")
    return "\n".join(lines)


def _check_accessible(page) -> None:
    """Run axe-core on the page; fail on any serious or critical violation.

    axe is loaded from the app's own origin (a <script src>), which the console's
    `script-src 'self'` allows; an inline copy (add_script_tag(path=...)) would be blocked.
    """
    if not AXE.exists():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing; run `make app/static/vendor/axe.min.js`")
    page.wait_for_load_state()  # a page still loading has no <head> to add the script to
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(url=AXE_URL)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe found serious/critical violations on {page.url}:\n{format_violations(bad)}"


@pytest.fixture
def assert_accessible():
    """assert_accessible(page): axe-core finds no serious or critical violation on the page."""
    return _check_accessible
