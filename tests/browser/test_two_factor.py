"""In a real Chromium: a staff member who signs in with the password alone reaches nothing but the second factor."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser_fixtures import shot
from tests.conftest import build_world
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Pages a teacher or admin would open, and the ones an attacker with the password would try first.
PAGES = [
    "/",
    "/journal/",
    "/reports/",
    "/school/weeks/mine/",
    "/accounts/security/",
    "/accounts/2fa/setup/",
    "/accounts/2fa/backup-codes/",
    "/accounts/2fa/disable/",
    "/accounts/password/",
    "/accounts/people/",
    "/join/",
]


def sign_in_with_password(page, user):
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_selector("input[name=token]")


@pytest.mark.parametrize("has_device", [True, False], ids=["with-authenticator", "without-authenticator"])
def test_password_alone_reaches_only_the_second_factor(page, has_device):
    world = build_world()
    world.school.require_staff_2fa = True
    world.school.save()
    user = world.teacher.user
    if has_device:
        TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    expected = "/accounts/2fa/verify/" if has_device else "/accounts/2fa/setup/"

    sign_in_with_password(page, user)
    assert expected in page.url
    for path in PAGES:
        page.goto(f"{page.base_url}{path}")
        assert page.url.split("?")[0] == f"{page.base_url}{expected}", f"{path} → {page.url}"
        assert page.locator("input[name=token]").count() == 1
    shot(page, f"password-alone-{'verify' if has_device else 'setup'}")
    # The only way on is the code; signing out is the only other button.
    page.locator("form[action='/accounts/logout/'] button").first.click()
    page.wait_for_selector("input[name=password]")
    assert "/accounts/login/" in page.url
