"""A parent resets their own password by e-mail (R-ACC-2, issue 14).

Only family logins with an e-mail the school entered get a mail; staff never do. The answer is the
same whether the address is known, unknown or over its limit. Mail is Django's locmem mailer.
"""

import re

import pytest
import redis
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import password_reset, throttle
from accounts.models import AuditEvent, Role, StaffRole
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Sovsem-novyi-parol-2027"
DONE = reverse("accounts:password_reset_done")


@pytest.fixture
def mama(world):
    world.parent.email = "Mama@Example.ru"
    world.parent.save(update_fields=["email"])
    return world.parent


def ask(client, email):
    response = client.post(reverse("accounts:password_reset"), {"email": email})
    assert response.status_code == 302 and response["Location"] == DONE
    return response


def link_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)", message.body).group(1)


def test_a_parent_gets_a_link_sets_a_new_password_and_signs_in(client, mama):
    ask(client, "mama@example.ru")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Mama@Example.ru"]  # the address as the school stored it
    assert mama.user.username in message.body and message.alternatives
    response = client.get(link_path(message))
    assert response.status_code == 302  # the token moves into the session, out of the address
    form_url = response["Location"]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_complete")
    mama.user.refresh_from_db()
    assert mama.user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="password_reset_mailed", object_id=str(mama.user.pk)).count() == 1
    assert (
        AuditEvent.objects.filter(action="password_reset_by_mail", object_id=str(mama.user.pk)).count() == 1
    )
    assert (
        Client()
        .post(reverse("accounts:login"), {"username": mama.user.username, "password": NEW_PASSWORD})
        .status_code
        == 302
    )
    assert client.get(link_path(message)).status_code == 200  # used once: now an invalid link page
    assert (
        "validlink" in client.get(link_path(message)).context
        and not client.get(link_path(message)).context["validlink"]
    )


def test_the_reset_ends_the_other_sessions_and_lifts_a_forced_change(client, mama):
    other = Client()
    other.force_login(mama.user)
    mama.user.must_change_password = True
    mama.user.save()
    ask(client, "mama@example.ru")
    form_url = client.get(link_path(mail.outbox[0]))["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    mama.user.refresh_from_db()
    assert not mama.user.must_change_password
    assert other.get(reverse("home"))["Location"].startswith(reverse("accounts:login"))


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, mama):
    ask(client, "nobody@example.ru")
    assert mail.outbox == []


def test_staff_never_reset_by_mail(client, world):
    world.teacher.email = "uchitel@example.ru"
    world.teacher.save()
    ask(client, "uchitel@example.ru")
    assert mail.outbox == []


def test_a_parent_who_is_also_staff_resets_through_the_school(client, mama, world):
    StaffRole.objects.create(school=world.school, person=mama, role=Role.TEACHER)
    ask(client, "mama@example.ru")
    assert mail.outbox == []


def test_a_link_stops_working_when_the_parent_joins_the_staff(client, mama, world):
    ask(client, "mama@example.ru")
    StaffRole.objects.create(school=world.school, person=mama, role=Role.TEACHER)
    response = client.get(link_path(mail.outbox[0]))
    assert response.status_code == 200 and not response.context["validlink"]


def test_a_student_gets_no_mail(client, world):
    world.student.email = "zoya@example.ru"
    world.student.save()
    ask(client, "zoya@example.ru")
    assert mail.outbox == []


def test_requests_per_email_are_limited_and_the_answer_does_not_change(client, mama):
    for _ in range(password_reset.RESET_EMAIL_LIMIT + 2):
        ask(client, "mama@example.ru")
    assert len(mail.outbox) == password_reset.RESET_EMAIL_LIMIT
    assert AuditEvent.objects.filter(action="password_reset_throttled").count() == 2


def test_requests_per_address_are_limited(client, mama):
    for i in range(password_reset.RESET_ADDRESS_LIMIT):
        ask(client, f"someone{i}@example.ru")
    ask(client, "mama@example.ru")
    assert mail.outbox == []


def test_without_redis_the_same_caps_hold_in_the_process(client, mama, monkeypatch):
    class Down:
        def pipeline(self, *args, **kwargs):
            raise redis.ConnectionError("down")

    monkeypatch.setattr(throttle, "_client", lambda: Down())
    monkeypatch.setattr(password_reset, "_local", {})
    for _ in range(password_reset.RESET_EMAIL_LIMIT + 1):
        ask(client, "mama@example.ru")
    assert len(mail.outbox) == password_reset.RESET_EMAIL_LIMIT


def test_the_old_password_still_works_until_the_link_is_used(client, mama):
    ask(client, "mama@example.ru")
    mama.user.refresh_from_db()
    assert mama.user.check_password(PASSWORD)
