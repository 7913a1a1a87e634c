"""Content-Security-Policy (issue 14, hole 8): every page is served with a strict policy, and no template
needs what it forbids (inline scripts and handlers, eval). Browser tests report any violation they see
(tests/browser_fixtures.py)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import ROLE_PERSONAS

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "img-src": "'self' data:",
}


def directives(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    return dict(part.strip().partition(" ")[::2] for part in header.split(";") if part.strip())


def assert_strict(response, url):
    policy = directives(response)
    assert policy, f"{url}: no Content-Security-Policy header"
    for name, value in POLICY.items():
        assert policy.get(name) == value, f"{url}: {name} is {policy.get(name)!r}"
    assert "unsafe" not in policy["script-src"] and "unsafe" not in policy["default-src"]


def test_the_policy_forbids_inline_script_and_eval(client):
    assert_strict(client.get(reverse("accounts:login")), "login")


@pytest.mark.parametrize("role", ROLE_PERSONAS)
def test_every_page_of_the_menu_answers_with_the_policy(role, world, login, request):
    client = login(request.getfixturevalue(role))
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert_strict(home, "home")
    urls = [url for _, url in home.context["menu"]] + [reverse("accounts:security")]
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert_strict(response, url)
        for hop, _ in response.redirect_chain:
            assert_strict(client.get(hop), hop)


def test_pages_before_sign_in_and_the_operator_answer_with_the_policy(client, operator):
    for name in ("accounts:login", "join:start", "reports:verify_lookup"):
        assert_strict(client.get(reverse(name)), name)
    client.force_login(operator)
    url = reverse("accounts:operator_schools")
    assert_strict(client.get(url, follow=True), url)


def test_errors_answer_with_the_policy(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_strict(response, "404")


# An attribute `on…=` inside a tag, a <script> without src, a javascript: URL.
HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.S)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def offences(text: str) -> list[str]:
    return [m.group(0)[:80] for rx in (HANDLER, INLINE_SCRIPT, JS_URL) for m in rx.finditer(text)]


def test_the_scan_finds_what_it_looks_for():
    assert offences('<button type="button" onclick="window.print()">')
    assert offences('<select class="x"\n  onchange="go()">')
    assert offences("<script>alert(1)</script>")
    assert offences('<a href="javascript:void(0)">')
    assert not offences(
        '<script src="/static/js/page.js" defer></script><form action="/x" data-onchange="y">'
    )


def test_no_template_has_an_inline_script_or_handler():
    found = {
        str(path.relative_to(ROOT)): hits
        for path in sorted((ROOT / "templates").rglob("*.html"))
        if (hits := offences(path.read_text(encoding="utf-8")))
    }
    assert not found


def test_no_html_built_in_python_has_an_inline_script_or_handler():
    """The grid and the charts build their HTML in Python (STACK.md): the same rule holds there."""
    apps = ("accounts", "schedule", "journal", "reports", "archive", "ejournal")
    found = {
        str(path.relative_to(ROOT)): hits
        for app in apps
        for path in sorted((ROOT / app).rglob("*.py"))
        if (hits := offences(path.read_text(encoding="utf-8")))
    }
    assert not found


@pytest.mark.browser
def test_the_browser_tests_see_a_violation(page):
    """The listener of tests/browser_fixtures.py catches what the policy blocks (and then fails the test)."""
    from tests import browser_fixtures

    page.goto(page.base_url + reverse("accounts:login"))
    page.evaluate("""() => {
        const s = document.createElement("script");
        s.textContent = "document.body.dataset.ran = 1";
        document.body.append(s);
    }""")
    for _ in range(40):  # console messages arrive asynchronously
        if browser_fixtures.csp_violations:
            break
        page.wait_for_timeout(50)
    assert page.evaluate("() => document.body.dataset.ran") is None  # the inline script did not run
    seen = list(browser_fixtures.csp_violations)
    browser_fixtures.csp_violations.clear()  # expected here: not a failure of this test
    assert any("script-src" in text for text in seen), seen
