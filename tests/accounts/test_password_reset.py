"""A parent resets their own password by e-mail (R-ACC-2, issue 14).

Only family logins with an e-mail the school entered get a mail; staff never do. The answer is the
same whether the address is known, unknown or over its limit, and so is the request's work: it publishes
a task after the commit and the worker sends. Real Redis broker (`fresh_broker`); mail is Django's locmem
mailer. `ask` runs the request's after-commit callbacks and then the tasks it queued, as a worker would.
"""

import re
import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import jobs, password_reset, throttle
from accounts.models import AuditEvent, PendingJob, Role, StaffRole
from accounts.tasks import mail_password_reset_task
from ejournal.celery import app
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Sovsem-novyi-parol-2027"
DONE = reverse("accounts:password_reset_done")
TASK = mail_password_reset_task.name


@pytest.fixture
def post(fresh_broker, django_capture_on_commit_callbacks):
    """The request alone: its after-commit callbacks run (the publish); no worker."""

    def post(client, email):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("accounts:password_reset"), {"email": email})
        assert response.status_code == 302 and response["Location"] == DONE
        return response

    return post


@pytest.fixture
def work(fresh_broker):
    """What a worker does with the queued tasks."""

    def work():
        for name, args in fresh_broker.take():
            assert name == TASK
            mail_password_reset_task(*args)

    return work


@pytest.fixture
def ask(post, work):
    """The request, then the worker."""

    def ask(client, email):
        response = post(client, email)
        work()
        return response

    return ask


@pytest.fixture
def mama(world):
    world.parent.email = "Mama@Example.ru"
    world.parent.save(update_fields=["email"])
    return world.parent


def link_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)", message.body).group(1)


def test_a_parent_gets_a_link_sets_a_new_password_and_signs_in(client, mama, ask):
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


def test_the_reset_ends_the_other_sessions_and_lifts_a_forced_change(client, mama, ask):
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


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, mama, ask):
    ask(client, "nobody@example.ru")
    assert mail.outbox == []


def test_staff_never_reset_by_mail(client, world, ask):
    world.teacher.email = "uchitel@example.ru"
    world.teacher.save()
    ask(client, "uchitel@example.ru")
    assert mail.outbox == []


def test_a_parent_who_is_also_staff_resets_through_the_school(client, mama, world, ask):
    StaffRole.objects.create(school=world.school, person=mama, role=Role.TEACHER)
    ask(client, "mama@example.ru")
    assert mail.outbox == []


def test_a_link_stops_working_when_the_parent_joins_the_staff(client, mama, world, ask):
    ask(client, "mama@example.ru")
    StaffRole.objects.create(school=world.school, person=mama, role=Role.TEACHER)
    response = client.get(link_path(mail.outbox[0]))
    assert response.status_code == 200 and not response.context["validlink"]


def test_a_student_gets_no_mail(client, world, ask):
    world.student.email = "zoya@example.ru"
    world.student.save()
    ask(client, "zoya@example.ru")
    assert mail.outbox == []


def test_requests_per_email_are_limited_and_the_answer_does_not_change(client, mama, ask):
    for _ in range(password_reset.RESET_EMAIL_LIMIT + 2):
        ask(client, "mama@example.ru")
    assert len(mail.outbox) == password_reset.RESET_EMAIL_LIMIT
    assert AuditEvent.objects.filter(action="password_reset_throttled").count() == 2


def test_requests_per_address_are_limited(client, mama, ask):
    for i in range(password_reset.RESET_ADDRESS_LIMIT):
        ask(client, f"someone{i}@example.ru")
    ask(client, "mama@example.ru")
    assert mail.outbox == []


def test_without_redis_the_same_caps_hold_in_the_process(client, mama, monkeypatch, ask):
    class Down:
        def pipeline(self, *args, **kwargs):
            raise redis.ConnectionError("down")

    monkeypatch.setattr(throttle, "_client", lambda: Down())
    monkeypatch.setattr(throttle, "_breakers", {})  # the breaker this opens stays with this test
    monkeypatch.setattr(password_reset, "_local", {})
    for _ in range(password_reset.RESET_EMAIL_LIMIT + 1):
        ask(client, "mama@example.ru")
    assert len(mail.outbox) == password_reset.RESET_EMAIL_LIMIT


def test_the_old_password_still_works_until_the_link_is_used(client, mama, ask):
    ask(client, "mama@example.ru")
    mama.user.refresh_from_db()
    assert mama.user.check_password(PASSWORD)


def test_the_request_sends_nothing_and_does_the_same_for_a_known_and_an_unknown_address(
    client, mama, post, fresh_broker
):
    seen = []
    for email in ("mama@example.ru", "nobody@example.ru"):
        with CaptureQueriesContext(connection) as queries:
            post(client, email)
        # The statements with their values left out (the address, the ids, the savepoints' names).
        seen.append(
            [re.sub(r"'[^']*'|\"s\d+_x\d+\"|\b\d+\b", "?", q["sql"]) for q in queries.captured_queries]
        )
        assert mail.outbox == []
        assert [(name, args[0]) for name, args in fresh_broker.take()] == [(TASK, email)]
    assert seen[0] == seen[1]
    # The one write is the letter's pending job (accounts/jobs.py), and its mark that the broker has it.
    writes = [sql.split()[:3] for sql in seen[0] if sql.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == [["INSERT", "INTO", '"accounts_pendingjob"'], ["UPDATE", '"accounts_pendingjob"', "SET"]]
    assert not AuditEvent.objects.exists()


def test_the_worker_mails_the_link_and_audits_it_with_the_requesters_address(client, mama, post, work):
    post(client, "MAMA@example.ru")
    assert mail.outbox == []
    work()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["Mama@Example.ru"]
    event = AuditEvent.objects.get(action="password_reset_mailed")
    assert event.object_id == str(mama.user.pk) and event.ip == "127.0.0.1"


def test_a_task_delivered_twice_sends_one_letter(client, mama, post, work, fresh_broker):
    post(client, "mama@example.ru")
    [(_name, args)] = fresh_broker.take()
    assert mail_password_reset_task(*args) == 1
    assert mail_password_reset_task(*args) == 0
    assert len(mail.outbox) == 1
    post(client, "mama@example.ru")  # a new request is a new letter
    work()
    assert len(mail.outbox) == 2


def test_a_letter_that_fails_is_sent_by_the_retry(client, mama, monkeypatch, post, fresh_broker):
    post(client, "mama@example.ru")
    [(_name, args)] = fresh_broker.take()

    def down(self, *a, **kw):
        raise OSError("SMTP server unreachable")

    with monkeypatch.context() as m:
        m.setattr("django.core.mail.EmailMultiAlternatives.send", down)
        with pytest.raises(OSError):
            mail_password_reset_task(*args)
    assert not AuditEvent.objects.filter(action="password_reset_mailed").exists()
    assert mail_password_reset_task(*args) == 1 and len(mail.outbox) == 1


def test_the_letter_names_its_validity_and_the_link_expires_after_it(client, mama, clock, settings, ask):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    ask(client, "mama@example.ru")
    message = mail.outbox[0]
    assert "1 час" in message.body and "1 час" in message.alternatives[0][0]
    clock.move_to("2026-12-09 10:59")
    assert client.get(link_path(message)).status_code == 302  # still valid: into the form
    clock.move_to("2026-12-09 11:01")
    response = Client().get(link_path(message))
    assert response.status_code == 200 and not response.context["validlink"]


def test_with_the_broker_down_the_page_answers_the_same_and_the_letter_waits(
    client, mama, celery_broker_unreachable, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "mama@example.ru"})
    assert response.status_code == 302 and response["Location"] == DONE
    assert "broker (Redis) unreachable" in caplog.text and mail.outbox == []
    job = PendingJob.objects.get()
    assert (job.task, job.args[0], job.published_at, job.done_at) == (TASK, "mama@example.ru", None, None)


def test_the_beat_publishes_a_waiting_letter_once_while_its_link_would_be_valid(
    client, mama, clock, settings, fresh_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the publish after the commit never happened
        client.post(reverse("accounts:password_reset"), {"email": "mama@example.ru"})
    job = PendingJob.objects.get()
    clock.move_to("2026-12-09 10:01")
    assert jobs.republish_pending() == 1
    assert jobs.republish_pending() == 0  # published: not again while the worker has it
    [(_name, args)] = fresh_broker.take()
    assert mail_password_reset_task(*args, job=job.pk) == 1
    job.refresh_from_db()
    assert job.done_at is not None
    clock.move_to("2026-12-09 10:30")
    assert jobs.republish_pending() == 0 and len(mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=False):  # a second request, never published
        client.post(reverse("accounts:password_reset"), {"email": "mama@example.ru"})
    clock.move_to("2026-12-09 11:31")  # past the link's hour: nothing is sent any more
    assert jobs.republish_pending() == 0 and fresh_broker.take() == []
    clock.move_to("2026-12-10 11:00")
    jobs.republish_pending()
    assert not PendingJob.objects.exists()  # forgotten after a day


@pytest.mark.django_db(transaction=True)
def test_a_worker_delivers_the_letter_once(mama, post, fresh_broker):
    post(Client(), "mama@example.ru")
    [(_name, args)] = fresh_broker.take()
    for _twice in range(2):  # the broker delivers the same task twice
        mail_password_reset_task.apply_async(args)
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        for _poll in range(150):
            if fresh_broker.count() == 0 and mail.outbox:
                break
            time.sleep(0.1)
        time.sleep(0.5)  # the second delivery runs and finds the letter sent
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="password_reset_mailed").count() == 1
