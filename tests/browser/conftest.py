"""Browser fixtures: one live server on the demo shop, Debian's Chromium, a fresh page per test, axe-core."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from tests.support import services
from tests.support.live_server import ROOT, LiveServer, prepared_sqlite

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "app" / "static" / "vendor" / "axe.min.js"
AXE_URL = "/static/vendor/axe.min.js"
# Generous for a slow CI box, short enough that a broken page fails fast.
TIMEOUT_MS = 10_000

@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The real gunicorn server on a migrated, seeded SQLite database, shared by the browser tests.

    Tests share its data, so each one creates what it changes under its own names (emails, key
    names) and never relies on another test having run.
    """
    tmp = tmp_path_factory.mktemp("browser-server")
    env = prepared_sqlite(tmp, HELPDESK_RATE_LIMITS="off")
    server = LiveServer(env, log_path=tmp / "server.log")
    # LiveServer.start drops its handle on the log file without closing it (the child keeps its
    # own copy), and filterwarnings=error turns that ResourceWarning into a setup error.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
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
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Factory: a page in a new context (its own cookies), closed after the test."""
    contexts = []

    def make(**context_options):
        context = browser.new_context(base_url=live_server.url, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


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
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(url=AXE_URL)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe found serious/critical violations on {page.url}:\n{format_violations(bad)}"


@pytest.fixture
def assert_accessible():
    """assert_accessible(page): axe-core finds no serious or critical violation on the page."""
    return _check_accessible
