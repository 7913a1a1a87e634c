"""Activity counting (issue 16, R-R-4; accounts/activity.py): one row per login per school per day, written at
sign-in and at a session's first request of a day, never per request; a failed write never fails a request."""

import datetime
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import DailyActivity
from tests.accounts.test_sessions import later, signed_in_client

pytestmark = pytest.mark.django_db


def days(person):
    return list(DailyActivity.objects.filter(person=person).order_by("day").values_list("day", "sign_ins"))


def activity_statements(client, url=None):
    """The SQL statements of one GET that touch the activity table."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url or reverse("home"))
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries if "accounts_dailyactivity" in q["sql"]]


def test_a_sign_in_counts_its_day_and_itself(world, clock):
    signed_in_client(world.parent.user)
    signed_in_client(world.parent.user)  # a second device the same day: the same row
    assert days(world.parent) == [(datetime.date(2026, 12, 9), 2)]
    row = DailyActivity.objects.get(person=world.parent)
    assert row.school == world.school and row.roles == ["parent"]


def test_requests_of_the_day_cost_no_query_and_the_next_day_one(world, clock):
    client = signed_in_client(world.teacher.user)
    for _ in range(3):
        later(clock, minutes=5)
        assert activity_statements(client) == []
    clock.move_to("2026-12-10 07:50")  # the next morning: a teacher's session has ended, a new sign-in
    signed_in_client(world.teacher.user)
    assert days(world.teacher) == [(datetime.date(2026, 12, 9), 1), (datetime.date(2026, 12, 10), 1)]
    # A family session lives for days: its first request of a new day counts it, with one statement.
    parent = signed_in_client(world.parent.user)
    clock.move_to("2026-12-11 19:00")
    statements = activity_statements(parent)
    assert len(statements) == 1 and statements[0].strip().startswith("INSERT")
    assert activity_statements(parent) == []
    assert days(world.parent) == [(datetime.date(2026, 12, 10), 1), (datetime.date(2026, 12, 11), 0)]


def test_the_day_is_the_schools_date(world, clock):
    world.school.timezone = "Asia/Vladivostok"  # UTC+10
    world.school.save()
    clock.move_to(datetime.datetime(2026, 12, 9, 15, 30, tzinfo=datetime.UTC))  # 01:30 on the 10th there
    signed_in_client(world.student.user)
    assert days(world.student) == [(datetime.date(2026, 12, 10), 1)]


def test_the_operator_without_a_school_is_not_counted(operator, client):
    client.force_login(operator)
    assert not DailyActivity.objects.exists()


@pytest.fixture
def broken_table():
    """The activity table gone for the test (renamed inside the test's transaction, which is rolled back)."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE accounts_dailyactivity RENAME TO accounts_dailyactivity_away")
    yield
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE accounts_dailyactivity_away RENAME TO accounts_dailyactivity")


def test_a_failed_write_is_logged_and_fails_nothing(world, clock, broken_table, caplog):
    caplog.set_level(logging.WARNING, logger="accounts.activity")
    client = signed_in_client(world.parent.user)  # the sign-in's write fails: still signed in
    assert client.get(reverse("home")).status_code == 200
    clock.move_to("2026-12-10 18:00")
    assert len(activity_statements(client)) == 1  # tried once on the new day, failed, the page still shown
    assert activity_statements(client) == []  # and not tried again on every request
    failures = [r for r in caplog.records if "not recorded" in r.getMessage()]
    assert len(failures) == 2
