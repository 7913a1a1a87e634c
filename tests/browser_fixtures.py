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


# Chromium reports a blocked script, style or eval in the console ("… violates the following Content
# Security Policy directive …"); the page's own securitypolicyviolation event is echoed there too.
CSP_LISTENER = """document.addEventListener("securitypolicyviolation", function (e) {
  console.error("Content Security Policy violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " at " + e.sourceFile + ":" + e.lineNumber);
});"""
# CSP messages seen by the contexts of the test under way (reset by the `browser` fixture).
csp_violations: list[str] = []


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install the 'chromium' package (.ci/run does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser(chromium):
    """The session's Chromium; the test fails at teardown if any of its pages broke the CSP."""
    csp_violations.clear()
    yield chromium
    if csp_violations:
        pytest.fail("Content Security Policy violations:\n" + "\n".join(dict.fromkeys(csp_violations)))


def browser_context(browser, clock, **options):
    """A browser context whose pages see the test's clock (the server's, tests/clock.py) as `Date`, and
    whose CSP violations are collected for the `browser` fixture."""
    context = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow", **options)
    context.clock.install(time=clock.now)
    context.add_init_script(CSP_LISTENER)
    context.on("console", _collect_csp_violation)
    return context


def _collect_csp_violation(message):
    if "Content Security Policy" in message.text or "securitypolicyviolation" in message.text:
        where = message.page.url if message.page else ""
        csp_violations.append(f"{where}: {message.text}")


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


def signed_in(browser, live_server, clock, user, width: int, url: str):
    """(context, page) of `user` signed in with both factors, at `width` px (a phone below 500), on `url`."""
    from django.conf import settings
    from django.test import Client

    from tests.factories import verified_login

    client = Client()
    verified_login(client, user)
    context = browser_context(browser, clock, viewport={"width": width, "height": 900}, is_mobile=width < 500)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}{url}")
    return context, page
