"""End to end in a real Chromium: a parent who forgot the password asks for a link by e-mail, a Celery worker
(in the test's process) sends it, the parent opens it from the captured mail (Django's locmem mailer), sets a
new password and signs in with it."""

import re
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.urls import reverse

from ejournal.celery import app
from tests.browser.test_substitution import sign_in
from tests.conftest import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "Sovsem-novyi-parol-2027"


def test_a_parent_resets_the_password_by_mail_and_signs_in(page, fresh_broker):
    world = build_world()
    world.parent.email = "mama@example.ru"
    world.parent.save(update_fields=["email"])

    page.goto(f"{page.base_url}{reverse('accounts:login')}")
    page.click("text=Забыли пароль?")
    page.fill("input[name=email]", "mama@example.ru")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith(reverse("accounts:password_reset_done"))
    assert "Проверьте почту" in page.content()

    assert mail.outbox == [] and fresh_broker.count() == 1  # the request only queued the letter
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        for _poll in range(150):
            if mail.outbox:
                break
            time.sleep(0.1)
    assert len(mail.outbox) == 1
    path = re.search(r"(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    page.goto(f"{page.base_url}{path}")
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith(reverse("accounts:password_reset_complete"))

    sign_in(page, world.parent.user)  # the old password no longer signs in
    assert page.url.endswith(reverse("accounts:login"))
    page.goto(f"{page.base_url}{reverse('accounts:login')}")
    page.fill("input[name=username]", world.parent.user.username)
    page.fill("input[name=password]", NEW_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()
    assert page.url.rstrip("/") == page.base_url.rstrip("/")  # home, signed in
    assert page.locator("form[action$='/accounts/logout/']").count() >= 1
