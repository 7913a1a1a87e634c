"""The periodic jobs page (issue 16, R-CTL-6): every run of a beat job is recorded from Celery's signals, a failed
run is kept with its error text, and the page shows each job's last run, failures, next run and lateness; the
error texts are the district operator's alone.
"""

import datetime
import logging
import time
import zoneinfo

import pytest
from celery.contrib.testing.worker import start_worker
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from accounts import jobruns
from accounts.models import InviteCode, JobRun
from accounts.selectors_jobs import (
    FAILED,
    INTERRUPTED,
    LABELS,
    NEVER,
    OK,
    RUNNING,
    is_late,
    jobs_overview,
    next_run,
    schedule_words,
)
from accounts.tasks import purge_expired_sessions_task, purge_stale_invite_codes_task
from ejournal.celery import app
from ejournal.health import beat_heartbeat_task
from tests.accounts.test_two_factor import sign_in, with_two_factor
from tests.factories import verified_login

pytestmark = pytest.mark.django_db

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
URL = reverse("accounts:jobs")
HEARTBEAT = "ejournal.health.beat_heartbeat_task"
PURGE_SESSIONS = "accounts.tasks.purge_expired_sessions_task"
# What a failing job's exception says: a school's name and a URL with a password.
SECRET_ERROR = "Гимназия №1: redis://:hunter2@cache:6379/0 refused"


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=MSK)


def run(task: str, started: datetime.datetime, outcome=JobRun.Outcome.OK, seconds=2, text="") -> JobRun:
    finished = None if outcome == JobRun.Outcome.RUNNING else started + datetime.timedelta(seconds=seconds)
    return JobRun.objects.create(
        task=task, started_at=started, finished_at=finished, outcome=outcome, text=text
    )


def by_name(jobs) -> dict:
    return {job.name: job for job in jobs}


@app.task(bind=True, name="tests.accounts.flaky_job", max_retries=1)
def flaky_job(self):
    """Fails its first try (the mail server away), succeeds on the retry."""
    if self.request.retries == 0:
        raise self.retry(exc=OSError("smtp down"), countdown=0)
    return "sent"


@app.task(name="tests.accounts.not_periodic")
def not_periodic():
    return 1


# The schedule itself.


def test_every_beat_entry_is_a_crontab_with_a_label_and_its_own_task():
    entries = django_settings.CELERY_BEAT_SCHEDULE
    assert all(isinstance(entry["schedule"], crontab) for entry in entries.values())
    assert set(LABELS) == set(entries), "a new periodic job needs a label in accounts/selectors_jobs.py"
    tasks = [entry["task"] for entry in entries.values()]
    assert len(tasks) == len(set(tasks))  # a run names its task, so one entry per task


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        (crontab(), at(2026, 12, 9, 10, 0, 30), at(2026, 12, 9, 10, 1)),
        (crontab(), at(2026, 12, 31, 23, 59, 59), at(2027, 1, 1, 0, 0)),
        (crontab(minute=15), at(2026, 12, 9, 10, 0), at(2026, 12, 9, 10, 15)),
        (
            crontab(minute=15),
            at(2026, 12, 9, 10, 15),
            at(2026, 12, 9, 11, 15),
        ),  # a moment itself: the next one
        (crontab(minute="*/15"), at(2026, 12, 9, 10, 14, 59), at(2026, 12, 9, 10, 15)),
        (crontab(minute="*/15"), at(2026, 12, 9, 23, 50), at(2026, 12, 10, 0, 0)),
        (crontab(minute=40, hour=3), at(2026, 12, 9, 3, 39), at(2026, 12, 9, 3, 40)),
        (crontab(minute=40, hour=3), at(2026, 12, 9, 10, 0), at(2026, 12, 10, 3, 40)),
        (crontab(minute=40, hour=3), at(2027, 2, 28, 4, 0), at(2027, 3, 1, 3, 40)),
    ],
)
def test_next_run_is_the_first_moment_after(schedule, after, expected):
    schedule.app = app
    assert next_run(schedule, after) == expected
    # the same from UTC: Celery's time zone (Moscow) decides the moments
    assert next_run(schedule, after.astimezone(datetime.UTC)) == expected


def test_late_after_three_missed_moments():
    minute, daily = crontab(), crontab(minute=40, hour=3)
    minute.app = daily.app = app
    started = at(2026, 12, 9, 10, 0, 2)
    assert not is_late(minute, started, at(2026, 12, 9, 10, 3, 30))  # 10:01, 10:02 missed; 10:03 just due
    assert is_late(minute, started, at(2026, 12, 9, 10, 4, 1))
    assert not is_late(daily, at(2026, 12, 7, 3, 40, 1), at(2026, 12, 10, 3, 40, 30))
    assert is_late(daily, at(2026, 12, 7, 3, 40, 1), at(2026, 12, 10, 3, 42))


def test_schedules_in_words(english):
    assert schedule_words(crontab()) == "every minute"
    assert schedule_words(crontab(minute="*/15")) == "every 15 minutes"
    assert schedule_words(crontab(minute=7)) == "hourly at :07"
    assert schedule_words(crontab(minute=40, hour=3)) == "daily at 03:40"
    assert schedule_words(crontab(minute=0, hour="8-18")) == "on the schedule 0 8-18 * * *"


def test_schedules_in_russian():
    assert schedule_words(crontab()) == "каждую минуту"
    assert schedule_words(crontab(minute="*/15")) == "каждые 15 минут"
    assert schedule_words(crontab(minute="*/2")) == "каждые 2 минуты"
    assert schedule_words(crontab(minute=15)) == "ежечасно в :15"
    assert schedule_words(crontab(minute=40, hour=3)) == "ежедневно в 03:40"


# Recording: real tasks through Celery's tracer (task.apply), the signals firing.


def test_a_periodic_task_run_is_recorded(clock):
    result = beat_heartbeat_task.apply()
    assert result.successful()
    row = JobRun.objects.get()
    assert (row.task, row.outcome, row.text) == (HEARTBEAT, JobRun.Outcome.OK, "")
    assert row.hostname and row.finished_at >= row.started_at
    assert datetime.timedelta(0) <= row.duration < datetime.timedelta(seconds=30)


@pytest.mark.django_db(transaction=True)
def test_a_run_on_a_real_worker_through_redis_is_recorded_and_committed(fresh_broker):
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        beat_heartbeat_task.apply_async(headers={"celery_beat_task": True})  # as the beat sends it
        deadline = time.monotonic() + 20
        while not JobRun.objects.filter(outcome=JobRun.Outcome.OK).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    row = JobRun.objects.get()
    assert (row.task, row.outcome) == (HEARTBEAT, JobRun.Outcome.OK)
    assert row.hostname and row.finished_at >= row.started_at  # the worker's name


def test_a_task_the_beat_does_not_schedule_is_not_recorded():
    assert not_periodic.apply().get() == 1
    assert not JobRun.objects.exists()


def test_a_result_is_kept_short(world):
    assert purge_stale_invite_codes_task.apply().get() == 0
    assert JobRun.objects.get().text == "0"


def test_a_failed_run_is_recorded_with_its_error_but_no_traceback_or_password(monkeypatch):
    def broken():
        raise ConnectionError(SECRET_ERROR)

    monkeypatch.setattr("accounts.tasks.sessions.purge_expired", broken)
    result = purge_expired_sessions_task.apply()
    assert result.failed()
    row = JobRun.objects.get(task=PURGE_SESSIONS)
    assert row.outcome == JobRun.Outcome.FAILED and row.finished_at is not None
    assert row.text == "ConnectionError: Гимназия №1: redis://***@cache:6379/0 refused"
    assert "Traceback" not in row.text


def test_a_retried_run_is_recorded_as_retried_then_done(settings):
    settings.CELERY_BEAT_SCHEDULE = {
        **settings.CELERY_BEAT_SCHEDULE,
        "flaky": {"task": flaky_job.name, "schedule": crontab()},
    }
    assert flaky_job.apply().get() == "sent"
    rows = list(JobRun.objects.order_by("started_at", "pk").values_list("outcome", "text"))
    assert rows == [
        (JobRun.Outcome.RETRIED, "Retry in 0s: OSError('smtp down')"),
        (JobRun.Outcome.OK, "'sent'"),
    ]


def test_a_recording_that_fails_does_not_fail_the_task_or_its_transaction(monkeypatch, caplog, world):
    """The write fails in the database (inside the test's transaction, as inside any caller's): the task still
    runs, its own queries still work, and the log says what was not recorded."""

    def broken_write(**fields):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO no_such_table VALUES (1)")

    monkeypatch.setattr(JobRun.objects, "create", broken_write)
    monkeypatch.setattr(JobRun.objects, "filter", lambda **kw: pytest.fail("no row to complete"))
    InviteCode.objects.all().delete()
    with caplog.at_level(logging.WARNING, logger="accounts.jobruns"):
        result = purge_stale_invite_codes_task.apply()
    assert result.successful() and result.get() == 0
    assert InviteCode.objects.count() == 0  # the transaction is still usable
    assert [r.getMessage() for r in caplog.records] == [
        "accounts.tasks.purge_stale_invite_codes_task: the start of its run was not recorded",
        "accounts.tasks.purge_stale_invite_codes_task: the end of its run was not recorded",
    ]
    monkeypatch.undo()
    assert not JobRun.objects.exists()


def test_a_run_whose_start_was_not_written_is_recorded_whole_at_its_end(monkeypatch):
    real_create = JobRun.objects.create
    calls = []

    def create_fails_once(**fields):
        calls.append(fields)
        if len(calls) == 1:
            raise jobruns.transaction.DatabaseError("the database went away")
        return real_create(**fields)

    monkeypatch.setattr(JobRun.objects, "create", create_fails_once)
    beat_heartbeat_task.apply()
    monkeypatch.undo()
    row = JobRun.objects.get()
    assert row.outcome == JobRun.Outcome.OK and row.finished_at >= row.started_at


def test_old_runs_are_purged(clock):
    old = run(HEARTBEAT, clock.now - datetime.timedelta(days=31))
    kept = run(HEARTBEAT, clock.now - datetime.timedelta(days=29))
    assert jobruns.purge() == 1
    assert list(JobRun.objects.all()) == [kept] and old.pk != kept.pk


# The page's data: flags with the tests' clock.


@pytest.mark.now("2026-12-09 10:00:20")
def test_never_late_failed_and_interrupted_flags(clock):
    now = clock.now
    run(HEARTBEAT, now - datetime.timedelta(minutes=6))  # every minute: late
    run("journal.tasks.dispatch_notifications_task", now - datetime.timedelta(seconds=15))  # on time
    run("accounts.tasks.purge_stale_invite_codes_task", at(2026, 12, 9, 9, 15))  # hourly: on time
    run("journal.tasks.remind_teachers_task", at(2026, 12, 9, 6, 10))  # hourly at :10, 4 h ago: late
    run(PURGE_SESSIONS, at(2026, 12, 9, 9, 25), JobRun.Outcome.FAILED, text="boom")
    run("reports.tasks.resend_printouts_task", now - datetime.timedelta(hours=2), JobRun.Outcome.RUNNING)
    run(
        "journal.tasks.tidy_marklog_exports_task", now - datetime.timedelta(seconds=5), JobRun.Outcome.RUNNING
    )
    jobs = by_name(jobs_overview(errors=False))
    assert (jobs["beat-heartbeat"].outcome, jobs["beat-heartbeat"].late) == (OK, True)
    assert (jobs["dispatch-journal-notifications"].late, jobs["dispatch-journal-notifications"].flagged) == (
        False,
        False,
    )
    assert not jobs["purge-stale-invite-codes"].late
    assert jobs["remind-teachers"].late and jobs["remind-teachers"].flagged
    assert (jobs["purge-expired-sessions"].outcome, jobs["purge-expired-sessions"].failures) == (FAILED, 1)
    assert jobs["resend-printouts"].outcome == INTERRUPTED and jobs["resend-printouts"].failures == 1
    assert jobs["tidy-marklog-exports"].outcome == RUNNING and not jobs["tidy-marklog-exports"].flagged
    assert jobs["purge-notification-outbox"].outcome == NEVER and jobs["purge-notification-outbox"].flagged
    assert jobs["beat-heartbeat"].next_run == at(2026, 12, 9, 10, 1)
    assert jobs["purge-notification-outbox"].next_run == at(2026, 12, 10, 3, 40)
    # a minute later without a run the dispatch job is still on time; five minutes later it is late
    clock.move_to("2026-12-09 10:01:20")
    assert not by_name(jobs_overview(errors=False))["dispatch-journal-notifications"].late
    clock.move_to("2026-12-09 10:05:00")
    assert by_name(jobs_overview(errors=False))["dispatch-journal-notifications"].late


def test_failures_count_the_last_seven_days_and_the_last_error_is_the_operators(clock):
    now = clock.now
    run(PURGE_SESSIONS, now - datetime.timedelta(days=8), JobRun.Outcome.FAILED, text="too old")
    run(PURGE_SESSIONS, now - datetime.timedelta(days=2), JobRun.Outcome.FAILED, text="first")
    run(PURGE_SESSIONS, now - datetime.timedelta(hours=3), JobRun.Outcome.FAILED, text="latest")
    run(PURGE_SESSIONS, now - datetime.timedelta(minutes=35))
    job = by_name(jobs_overview(errors=True))["purge-expired-sessions"]
    assert (job.outcome, job.failures, job.last_error.text) == (OK, 2, "latest")
    assert by_name(jobs_overview(errors=False))["purge-expired-sessions"].last_error is None


# The page.


@pytest.fixture
def failed_run(clock):
    run(HEARTBEAT, clock.now - datetime.timedelta(seconds=20))
    failed = run(
        PURGE_SESSIONS, clock.now - datetime.timedelta(minutes=35), JobRun.Outcome.FAILED, text=SECRET_ERROR
    )
    JobRun.objects.filter(pk=failed.pk).update(hostname="worker-1@jobs")
    return failed


def test_the_operator_sees_every_job_and_the_error(client, operator, failed_run):
    verified_login(client, operator)
    page = client.get(URL).content.decode()
    assert page.count("data-job=") == len(django_settings.CELERY_BEAT_SCHEDULE)
    assert "Завершает сеансы, время которых истекло." in page and "ежедневно в 03:40" in page
    assert "ошибка" in page and "не запускалась" in page
    assert SECRET_ERROR in page
    assert "9 декабря, 09:25" in page  # the failed run, in Moscow time
    assert "worker-1@jobs" in page  # the worker that ran it: the operator's, like the texts


def test_the_admin_sees_the_outcome_but_not_the_error_text(client, world, other_world, failed_run):
    for admin in (world.admin, other_world.admin):
        client.force_login(admin.user)
        page = client.get(URL).content.decode()
        assert "ошибка" in page and "Сбоев за 7 дней" in page
        assert "Гимназия" not in page and "hunter2" not in page and "refused" not in page
        assert "worker-1@jobs" not in page
        assert "Тексты ошибок видит только оператор района." in page


def test_times_are_in_the_admins_school_time_zone(client, world, failed_run):
    world.school.timezone = "Asia/Yekaterinburg"  # two hours ahead of Moscow
    world.school.save()
    client.force_login(world.admin.user)
    assert "9 декабря, 11:25" in client.get(URL).content.decode()


@pytest.mark.parametrize("role", ["director", "deputy", "teacher", "class_teacher", "student", "parent"])
def test_everyone_else_is_refused(client, world, role):
    client.force_login(getattr(world, role).user)
    assert client.get(URL).status_code == 403


def test_a_session_without_its_second_factor_is_sent_to_it(client, world, operator):
    sign_in(client, operator)
    assert client.get(URL)["Location"].startswith(reverse("accounts:otp_setup"))
    client.logout()
    world.school.require_staff_2fa = True
    world.school.save()
    with_two_factor(world.admin.user)
    sign_in(client, world.admin.user)
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_verify"))


def test_the_page_is_linked_for_the_operator_and_the_admin(client, world, operator):
    verified_login(client, operator)
    assert URL in client.get(reverse("accounts:operator_schools")).content.decode()
    client.force_login(world.admin.user)
    assert URL in client.get(reverse("home")).content.decode()
    assert URL in client.get(reverse("accounts:school_settings")).content.decode()


def test_the_page_reads_in_a_fixed_number_of_queries(
    client, world, operator, clock, django_assert_num_queries
):
    verified_login(client, operator)
    client.get(URL)  # the session's first request writes its activity
    with django_assert_num_queries(7):
        client.get(URL)
    start = clock.now - datetime.timedelta(days=10)
    JobRun.objects.bulk_create(
        JobRun(
            task=entry["task"],
            started_at=start + datetime.timedelta(hours=i),
            finished_at=start + datetime.timedelta(hours=i, seconds=1),
            outcome=JobRun.Outcome.FAILED if i % 3 else JobRun.Outcome.OK,
            text="x",
        )
        for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
        for i in range(50)
    )
    with django_assert_num_queries(7):
        client.get(URL)
    client.force_login(world.admin.user)
    client.get(URL)
    with django_assert_num_queries(3):  # the admin's page reads no error texts
        client.get(URL)
