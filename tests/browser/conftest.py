"""Headless Chromium through Playwright, against the site served by ``live_server``.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``, installed by
``.ci/run``); ``CHROMIUM`` overrides the path. Screenshots go to
``test-artifacts/``.
"""

import asyncio
import os
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without these, Chromium reaches for Google's services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def _chromium():
    """One Chromium for the session, and the event loop Playwright's sync API runs on.

    While Playwright's loop is marked as running in the test thread, the thread
    counts as async and Django hands out other database connections. Playwright
    marks it after each of its calls; between browser tests it is unmarked, so
    Django's own setup and teardown (the flush, the next test's transaction) stay
    on the connection that owns the test data, as if no browser were running.
    """
    from playwright.sync_api import expect, sync_playwright

    # As long as a page's own actions may take (``page`` below): on a loaded machine a
    # frame or a fetch may take more than expect's default of 5 seconds.
    expect.set_options(timeout=15_000)
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    loop = asyncio.get_running_loop()
    asyncio._set_running_loop(None)
    yield browser, loop
    asyncio._set_running_loop(loop)
    browser.close()
    playwright.stop()
    asyncio._set_running_loop(None)


@pytest.fixture
def browser(transactional_db, live_server, _chromium):
    """The session's Chromium, for a test that has its database set up.

    Each test opens its own browser context (``page`` does), so nothing (cookies,
    storage) carries from one test to the next.
    """
    from django.db import connections

    browser, loop = _chromium
    asyncio._set_running_loop(loop)  # Playwright's calls expect their loop marked
    try:
        yield browser
    finally:
        for context in browser.contexts:  # one a failed test left open
            context.close()
        # ORM calls made while Playwright ran used their own connections; close them
        # before the test database is flushed, then unmark the loop for Django.
        connections.close_all()
        asyncio._set_running_loop(None)


@pytest.fixture
def page(browser, request):
    """A new page; every Content-Security-Policy violation the browser reports while the
    test runs fails it (``page.csp_violations`` lists them, for a test to look at)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.csp_violations = violations
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    # A frame refused by frame-ancestors is the policy doing its work (an embed on an
    # origin its region does not list); every other violation fails the test.
    unexpected = [v for v in violations if "frame-ancestors" not in v]
    assert unexpected == [], "Content-Security-Policy violations:\n" + "\n".join(unexpected)
