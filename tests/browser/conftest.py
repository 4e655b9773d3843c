"""Headless Chromium through Playwright, against the site served by ``live_server``.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``, installed by
``.ci/run``); ``CHROMIUM`` overrides the path. Screenshots go to
``test-artifacts/``.
"""

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


@pytest.fixture
def browser(transactional_db, live_server):
    """A fresh Chromium for each test, started after the database is set up.

    While Playwright's sync API runs, the thread counts as async and Django
    hands out other database connections; starting it after the test
    database is ready (and stopping it before the flush) keeps Django's own
    setup and teardown on the connection that owns the test data.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        # ORM calls made while Playwright ran used their own connections; close them
        # before the test database is dropped.
        from django.db import connections

        connections.close_all()
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
