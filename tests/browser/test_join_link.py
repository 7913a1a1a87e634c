"""The slip's QR link opens the join page with the code in the URL fragment; the page fills it in."""

import pytest

from accounts.views.invites import qr_payload
from tests import factories as f
from tests.conftest import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_qr_link_fills_the_code_and_leaves_no_trace_in_the_address(page, settings):
    world = build_world()
    _mother, code = f.make_invited_parent(world, last_name="Сидорова", first_name="Ия")
    settings.SITE_URL = page.base_url
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(qr_payload(code))
    assert page.input_value("input[name=code]") == code
    assert "#" not in page.url and code not in page.url  # dropped from the address bar and the history
    page.click("form button[type=submit]")
    page.wait_for_selector("input[name=username]")
    assert "Сидорова" in page.content()
    assert not [url for url in requested if code in url]  # no request carried the code in its URL
