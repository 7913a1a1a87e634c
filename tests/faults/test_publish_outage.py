"""Publishing jobs during a Redis outage (issue 20): one breaker for the broker (accounts/jobs.py).

A real redis-server of the test's own is stopped (or hung with SIGSTOP) while writes publish their jobs
after the commit: the log hears of it once, not once per write; a hung Redis costs one write its read
timeout, not each one; and a password reset asked meanwhile is mailed once when Redis is back.
"""

import logging
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import OutboxMessage, PendingJob
from accounts.selectors import local_today
from accounts.tasks import republish_pending_jobs_task
from ejournal.celery import app
from journal.records.services import add_remark
from schedule.models import Lesson
from tests.faults.test_redis_down import wait_for, warnings
from tests.journal import actor, lesson

pytestmark = pytest.mark.django_db

WRITES = 6


def remark(world, text):
    """A remark on today's first maths lesson: its letter is written to the outbox and published."""
    held = Lesson.objects.filter(course=world.math_5a, date=local_today(world.school), slot=1).first()
    add_remark(
        actor=actor(world.teacher),
        lesson=held or lesson(world.math_5a, local_today(world.school)),
        student=world.student.student,
        kind="remark",
        text=text,
    )


def ask_reset(email):
    response = Client().post(reverse("accounts:password_reset"), {"email": email})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_done")


def test_writes_that_publish_while_redis_is_stopped_log_one_broker_warning(
    world, family, portal_on_redis, caplog, django_capture_on_commit_callbacks
):
    portal_on_redis.stop()
    caplog.set_level(logging.WARNING)
    for n in range(WRITES):
        with django_capture_on_commit_callbacks(execute=True):
            remark(world, text=f"Замечание {n}")
        ask_reset(f"someone{n}@example.ru")  # its rate limit and its letter's job both meet the outage
        time.sleep(0.25)  # past REDIS_RETRY_SECONDS (0.2 s here): each write tries the broker again
    heard = [w.split(" (")[0] for w in warnings(caplog)]
    assert heard.count("broker") == 1, heard  # not one per write
    assert heard.count("sign-in throttle") == 1, heard  # the reset's rate limit, on the throttle's Redis
    assert OutboxMessage.objects.filter(status="pending").count() == WRITES
    assert PendingJob.objects.filter(published_at=None, done_at=None).count() == WRITES


def test_a_hung_redis_costs_one_write_its_timeout_not_each_one(
    world, family, portal_on_redis, settings, django_capture_on_commit_callbacks
):
    settings.REDIS_RETRY_SECONDS = 5  # the default: the broker is skipped for 5 s after a failure
    portal_on_redis.pause()
    try:
        elapsed = []
        for n in range(2):
            started = time.monotonic()
            with django_capture_on_commit_callbacks(execute=True):
                remark(world, text=f"Замечание {n}")
            elapsed.append(time.monotonic() - started)
    finally:
        portal_on_redis.resume()
    assert elapsed[0] > 1.5  # the first publish waited out the broker's 2 s read timeout
    assert elapsed[1] < 0.5, elapsed  # the second did not even try
    assert OutboxMessage.objects.filter(status="pending").count() == 2  # both letters wait for the flush


@pytest.mark.django_db(transaction=True)
def test_a_reset_asked_while_redis_is_down_is_mailed_once_when_it_is_back(world, family, portal_on_redis):
    redis = portal_on_redis
    redis.stop()
    ask_reset("mama@example.ru")
    job = PendingJob.objects.get()
    assert job.published_at is None and mail.outbox == []

    redis.start()
    time.sleep(0.3)  # the breaker (0.2 s here) lets the next publish try
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        republish_pending_jobs_task.delay()  # the beat's minute job
        wait_for(lambda: PendingJob.objects.get(pk=job.pk).done_at is not None)
        republish_pending_jobs_task.delay()  # and the next minute's: the job is done
        wait_for(lambda: not redis.client().llen(app.conf.task_default_queue))
    assert [m.to for m in mail.outbox] == [["mama@example.ru"]]
    assert republish_pending_jobs_task() == 0
