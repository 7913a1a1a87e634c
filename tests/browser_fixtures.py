"""Playwright driving the system's Chromium against pytest-django's live server.

Browser downloads are impossible here (STACK.md): the Debian package's
/usr/bin/chromium is used. Screenshots of failing or interesting pages go to
test-artifacts/ (not committed).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install the 'chromium' package (.ci/run does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def browser_context(browser, clock, **options):
    """A browser context whose pages see the test's clock (the server's, tests/clock.py) as `Date`."""
    context = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow", **options)
    context.clock.install(time=clock.now)
    return context


@pytest.fixture
def page(browser, live_server, clock):
    context = browser_context(browser, clock, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server, clock):
    context = browser_context(browser, clock, viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    yield page
    context.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
