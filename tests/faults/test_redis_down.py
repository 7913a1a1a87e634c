"""Redis down must not take the portal down (issue 20): a real redis-server of the test's own is stopped in
the middle of the test and started again on the same port.

Redis only speeds things up: sessions come from PostgreSQL, the cache misses, the sign-in throttle counts
in the database, letters wait in the outbox. Before, signing in and every page of a signed-in user
answered 500.
"""

import logging
import re
import signal
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import OutboxMessage
from accounts.notify_tasks import flush_outbox_task
from accounts.selectors import local_today
from ejournal.celery import app
from journal.grid.services import add_work
from journal.models import Cell
from journal.records.services import add_remark
from tests.accounts.test_two_factor import code, with_two_factor
from tests.factories import PASSWORD
from tests.journal import actor, lesson

pytestmark = pytest.mark.django_db

PERSONAS = ("parent", "student", "teacher", "admin")
SESSIONS = "*django.contrib.sessions.cached_db*"


def sign_in(client, user, password=PASSWORD, ip="10.20.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": user.username, "password": password}, REMOTE_ADDR=ip
    )


def main_pages(client) -> list[str]:
    """The home page and every page its menus link to."""
    home = client.get("/")
    assert home.status_code == 200
    links = set(re.findall(r'href="(/[^"#?]*)', home.content.decode()))
    return ["/", *sorted(link for link in links if not link.startswith(("/static/", "/accounts/logout")))]


def walk(client) -> dict[str, int]:
    return {page: client.get(page).status_code for page in main_pages(client)}


def wait_for(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_signing_in_every_page_and_saving_marks_while_redis_is_down(world, portal_on_redis, caplog):
    redis = portal_on_redis
    teacher = Client()
    assert sign_in(teacher, world.teacher.user).status_code == 302
    assert redis.client().keys(SESSIONS)  # the session really is cached in this server

    redis.stop()
    caplog.set_level(logging.WARNING)
    walked = {}
    for role in PERSONAS:
        client = Client()
        response = sign_in(client, getattr(world, role).user)
        assert response.status_code == 302, role
        walked[role] = walk(client)
    assert all(len(pages) >= 3 for pages in walked.values()), walked
    failed = {role: {p: s for p, s in pages.items() if s >= 500} for role, pages in walked.items()}
    assert failed == {role: {} for role in PERSONAS}

    # The session signed in before the outage goes on from the database; a mark is saved.
    held = lesson(world.math_5a, local_today(world.school))
    work = add_work(actor=actor(world.teacher), lesson=held)
    cell = {"lesson": held.pk, "work": work.pk, "student": world.student.student.pk, "value": "5"}
    assert teacher.post(reverse("journal:save_cell"), cell).status_code == 200
    assert Cell.objects.get(work=work).marks == [5]
    assert teacher.post(reverse("accounts:logout")).status_code == 302
    assert teacher.get("/").status_code == 302  # signed out for good

    # One warning per dependency for the whole outage (about fifty requests), not one per request.
    assert sorted(w.split(" (")[0] for w in warnings(caplog)) == ["cache", "sign-in throttle"]

    redis.start()
    parent = Client()
    assert sign_in(parent, world.parent.user).status_code == 302
    assert all(status < 500 for status in walk(parent).values())
    assert redis.client().keys(SESSIONS)  # cached again
    assert any(w.startswith("cache (Redis) answers again") for w in warnings(caplog))


def test_the_second_factor_step_while_redis_is_down(world, portal_on_redis):
    """An admin with an authenticator signs in while Redis is down: password, then the code, then pages."""
    device, _codes = with_two_factor(world.admin.user)
    portal_on_redis.stop()
    admin = Client()
    assert sign_in(admin, world.admin.user).status_code == 302
    assert admin.get("/").status_code == 302  # to the verify page: the half-signed-in session holds
    assert admin.post(reverse("accounts:otp_verify"), {"token": code(device)}).status_code == 302
    assert admin.get("/").status_code == 200


def test_a_session_ended_while_redis_hung_stays_ended_when_it_answers_again(world, portal_on_redis, caplog):
    """A hung Redis (SIGSTOP) keeps its data: the copy of a session signed out meanwhile must not sign the
    browser in again once Redis answers. The first operation after the outage drops the cached sessions."""
    redis = portal_on_redis
    teacher = Client()
    sign_in(teacher, world.teacher.user)
    assert teacher.get("/").status_code == 200
    assert len(redis.client().keys(SESSIONS)) == 1

    cookie = teacher.cookies[settings.SESSION_COOKIE_NAME].value
    redis.pause()
    started = time.monotonic()
    assert teacher.post(reverse("accounts:logout")).status_code == 302  # the cache's delete times out
    assert time.monotonic() - started < 2.5  # two short timeouts at most (a retry), then the breaker opens
    redis.resume()
    assert len(redis.client().keys(SESSIONS)) == 1  # the stale copy is still there

    time.sleep(0.3)  # REDIS_RETRY_SECONDS (0.2 s here): the next request tries Redis again
    teacher.cookies[settings.SESSION_COOKIE_NAME] = cookie  # as a copied or replayed cookie would
    assert teacher.get("/").status_code == 302  # signed out, not signed in by the stale copy
    assert redis.client().keys(SESSIONS) == []


def test_a_write_that_publishes_does_not_hang_on_a_hung_redis(
    world, family, portal_on_redis, django_capture_on_commit_callbacks
):
    """A hung Redis accepts connections and answers nothing: the publish after the commit gives up after
    the broker's socket timeout (before, it waited for ever) and the letter waits in the outbox."""
    portal_on_redis.pause()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        add_remark(
            actor=actor(world.teacher),
            lesson=lesson(world.math_5a, local_today(world.school)),
            student=world.student.student,
            kind="remark",
            text="Без формы",
        )
    assert time.monotonic() - started < 5
    assert OutboxMessage.objects.get(kind="remarks").status == "pending"
    portal_on_redis.resume()


@pytest.mark.django_db(transaction=True)
def test_a_letter_queued_while_redis_is_down_goes_out_once_when_it_is_back(world, family, portal_on_redis):
    """A remark written during the outage: its letter waits in the outbox (PostgreSQL), its publish fails
    at once, and the beat's flush, run by a real worker through the restarted Redis, sends it once."""
    redis = portal_on_redis
    redis.stop(signal.SIGKILL)
    started = time.monotonic()
    add_remark(
        actor=actor(world.teacher),
        lesson=lesson(world.math_5a, local_today(world.school)),
        student=world.student.student,
        kind="remark",
        text="Без формы",
    )
    assert time.monotonic() - started < 2  # the failed publish does not hold the request
    letter = OutboxMessage.objects.get(kind="remarks")
    assert letter.status == "pending" and mail.outbox == []

    redis.start()
    assert redis.client().dbsize() == 0  # restarted without persistence: no task of the outage survived
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        flush_outbox_task.delay()  # the beat's minute job
        wait_for(lambda: OutboxMessage.objects.get(pk=letter.pk).status == "sent")
        flush_outbox_task.delay()  # and the next minute's
        wait_for(lambda: not redis.client().llen(app.conf.task_default_queue))
    # Leaving the block waited for the task in hand (a warm shutdown).
    letter.refresh_from_db()
    assert letter.status == "sent"
    assert [m.to for m in mail.outbox] == [["mama@example.ru"]]


def test_one_warning_a_minute_while_redis_stays_down(portal_on_redis, caplog, monkeypatch):
    """Each retry after REDIS_RETRY_SECONDS fails again; the log hears of it again only a minute later."""
    from django.core.cache import cache

    from accounts import outage

    portal_on_redis.stop()
    caplog.set_level(logging.WARNING)
    start = time.monotonic()
    for second in range(0, 130, 1):  # two minutes and ten seconds of calls, one per second
        monkeypatch.setattr(outage, "monotonic", lambda s=second: start + s)
        assert cache.get("anything") is None
    assert [w.split(" (")[0] for w in warnings(caplog)] == ["cache"] * 3  # at 0 s, 60 s and 120 s
