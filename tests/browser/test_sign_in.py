"""End to end in a real Chromium: a parent joins with an invite code; a teacher signs in with TOTP."""

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories as f
from tests.browser_fixtures import shot
from tests.conftest import build_world
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_parent_joins_with_invite_code_and_sees_the_child(page):
    world = build_world()
    mother, code = f.make_invited_parent(
        world, last_name="Сидорова", first_name="Мария", patronymic="Ивановна"
    )

    page.goto(f"{page.base_url}/join/")
    page.fill("input[name=code]", code.lower().replace("-", " "))  # typed loosely from paper
    page.press("input[name=code]", "Enter")
    page.wait_for_selector("input[name=username]")
    assert "Сидорова" in page.content()
    page.fill("input[name=username]", "sidorova.m")
    page.fill("input[name=password]", "Vesna-v-sadu-2027")
    page.fill("input[name=password2]", "Vesna-v-sadu-2027")
    page.press("input[name=password2]", "Enter")
    page.wait_for_selector("[data-testid=child-name]")
    assert page.inner_text("[data-testid=child-name]") == world.student.full_name
    shot(page, "parent-home-after-join")

    mother.refresh_from_db()
    assert mother.user is not None and mother.user.username == "sidorova.m"


def test_teacher_signs_in_with_a_totp_code(page):
    world = build_world()
    user = world.teacher.user
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)

    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_selector("input[name=token]")
    assert "/accounts/2fa/verify/" in page.url

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    page.fill("input[name=token]", f"{totp.token():06d}")
    page.press("input[name=token]", "Enter")
    page.wait_for_load_state()
    shot(page, "teacher-after-token")
    page.wait_for_selector("text=Математика")
    assert page.url.rstrip("/") == page.base_url.rstrip("/")
    shot(page, "teacher-home-after-totp")
