"""The finals control page (R-F-4, R-F-5): statuses of the period's courses, the filters, the admin closing
and reopening the period, who may see it, and a query count that does not grow with the courses."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from journal.finals.services import record_final, reopen_course_period
from journal.grid.services import add_work, record_cell
from journal.models import LockEvent, PeriodClosure
from schedule.models import Lesson, ReportingPeriod
from tests import factories as f

from . import actor, at, d, lesson

pytestmark = pytest.mark.django_db

CONTROL = reverse("journal:finals_control")
AFTER_DEADLINE = d(11, 3)  # Q1 ends 24.10, finals due 7 days later (31.10): late by 3 days


def q1(world):
    return ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=1)


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English: their wording is asserted."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def today(clock):
    """The school's today, set per test with `today(day)` (the tests' clock, tests/clock.py)."""

    def set_day(day):
        clock.move_to(day)
        return day

    set_day(AFTER_DEADLINE)
    return set_day


def mark(who, course, day, student, raw="5"):
    held = Lesson.objects.filter(course=course, date=day).first() or lesson(course, day)
    work = add_work(actor=who, lesson=held, now=at(day))
    return record_cell(actor=who, work=work, student=student, raw=raw, version=None, now=at(day))


def enter_final(world, who, course, student, raw="5"):
    mark(who, course, d(10, 5), student, raw)
    return record_final(
        actor=who,
        course=course,
        student=student,
        kind="period",
        period=q1(world),
        raw=raw,
        version=None,
        now=at(d(10, 26)),
    )


def rows(html):
    """course pk → status, from the table's data attributes."""
    return {int(pk): status for pk, status in re.findall(r'data-course="(\d+)" data-status="(\w+)"', html)}


def page(client, person, **params):
    client.force_login(person.user)
    response = client.get(CONTROL, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def fixture_school(world):
    """5А maths complete (locked), 5А Russian missing, 6Б maths complete then reopened, 7В with no students."""
    teacher = actor(world.teacher)
    assert enter_final(world, teacher, world.math_5a, world.student.student).locked
    enter_final(world, actor(world.other_teacher), world.math_6b, world.other_student.student, "4")
    reopen_course_period(
        actor=actor(world.admin), course=world.math_6b, period=q1(world), reason="Проверка отметки"
    )
    class_7v = f.make_class(world.year, 7, "В")
    empty = f.make_course(f.whole_group(class_7v), world.math_5a.subject, world.other_teacher)
    return empty


def test_the_statuses_of_the_courses(client, world, today, fixture_school):
    html = page(client, world.deputy, show="all")
    assert rows(html) == {
        world.math_5a.pk: "locked",
        world.russian_5a.pk: "late",
        world.math_6b.pk: "complete",
        fixture_school.pk: "empty",
    }
    assert "late by 3 days" in html and "31.10.2026" in html
    assert "4 courses" in html and "2 complete" in html and "1 late" in html
    assert reverse("journal:finals", args=[world.russian_5a.pk]) in html
    assert "Математикова Г." in html  # the teachers
    # The history of locks: the automatic lock and the admin's reopening with its reason.
    assert "Проверка отметки" in html and "reopened by the admin" in html


def test_a_course_before_its_deadline_is_due_in_days(client, world, today):
    today(d(10, 28))
    html = page(client, world.deputy)
    assert rows(html)[world.russian_5a.pk] == "due"
    assert "due in 3 days" in html and "0 late" in html
    today(d(10, 31))
    assert "due today" in page(client, world.deputy)


def test_only_missing_is_the_default_and_the_class_filter(client, world, today, fixture_school):
    assert set(rows(page(client, world.deputy))) == {world.russian_5a.pk}
    html = page(client, world.deputy, show="all", school_class=world.class_6b.pk)
    assert set(rows(html)) == {world.math_6b.pk}
    assert "1 course of 6Б" in html


def test_the_default_period_is_the_one_due_soon_else_the_current(client, world, today):
    assert f'<option value="{q1(world).pk}" selected' in page(client, world.deputy)
    today(d(11, 20))  # Q2 (to 28.12) due 04.01: more than 14 days away, Q1 is still the latest due
    assert f'<option value="{q1(world).pk}" selected' in page(client, world.deputy)
    today(d(12, 25))
    q2 = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=2)
    assert f'<option value="{q2.pk}" selected' in page(client, world.deputy)
    today(d(9, 10))  # nothing due yet: the current period
    assert f'<option value="{q1(world).pk}" selected' in page(client, world.deputy)


def test_bad_filters_show_messages_and_the_defaults(client, world, today):
    html = page(client, world.deputy, period="abc", school_class="99999999", show="x")
    assert html.count('class="error"') == 3
    assert world.russian_5a.subject.name in html


@pytest.mark.parametrize("role", ["admin", "director", "deputy"])
def test_readers_see_the_page_only_the_admin_closes(client, world, today, role):
    html = page(client, getattr(world, role))
    assert ("Close the period" in html) == (role == "admin")
    assert "period open" in html


@pytest.mark.parametrize("role", ["teacher", "class_teacher", "student", "parent"])
def test_others_get_403(client, world, role):
    client.force_login(getattr(world, role).user)
    assert client.get(CONTROL).status_code == 403
    assert client.post(reverse("journal:close_period"), {"period": q1(world).pk}).status_code == 403
    assert not PeriodClosure.objects.exists()


def test_the_admin_closes_and_reopens_with_a_reason(client, world, today):
    period = q1(world)
    client.force_login(world.admin.user)
    response = client.post(reverse("journal:close_period"), {"period": period.pk})
    assert response.status_code == 302 and response["Location"] == f"{CONTROL}?period={period.pk}"
    assert PeriodClosure.objects.filter(period=period).exists()
    html = client.get(response["Location"]).content.decode()
    assert (
        "is closed: it is read-only now" in html and "period closed" in html and "Reopen the period" in html
    )
    # Closing twice: the message next to the button, no 500.
    again = client.post(reverse("journal:close_period"), {"period": period.pk})
    assert again.status_code == 200 and "already closed" in again.content.decode()
    # Reopening needs a reason, shown next to the field.
    missing = client.post(reverse("journal:reopen_period"), {"period": period.pk, "reason": "   "})
    assert missing.status_code == 200
    assert 'id="id_reason_error"' in missing.content.decode()
    assert PeriodClosure.objects.filter(period=period).exists()
    long = client.post(reverse("journal:reopen_period"), {"period": period.pk, "reason": "x" * 301})
    assert long.status_code == 200 and PeriodClosure.objects.filter(period=period).exists()
    done = client.post(reverse("journal:reopen_period"), {"period": period.pk, "reason": "Апелляция"})
    assert done.status_code == 302 and not PeriodClosure.objects.filter(period=period).exists()
    assert list(LockEvent.objects.values_list("action", "reason")) == [
        ("unclosed", "Апелляция"),
        ("closed", ""),
    ]
    html = client.get(done["Location"]).content.decode()
    assert "Апелляция" in html and "whole school" in html
    # Reopening an open period: the message on the page.
    not_closed = client.post(reverse("journal:reopen_period"), {"period": period.pk, "reason": "ещё раз"})
    assert not_closed.status_code == 200 and "not closed" in not_closed.content.decode()


def test_another_schools_period_is_404(client, world, other_world):
    client.force_login(world.admin.user)
    foreign = q1(other_world)
    assert client.post(reverse("journal:close_period"), {"period": foreign.pk}).status_code == 404
    assert client.get(CONTROL, {"period": foreign.pk}).status_code == 200  # not offered: the default period
    assert not PeriodClosure.objects.exists()


def grow(world, n=4):
    """More classes, students and courses in the period, some with finals, and more lock events."""
    subject = world.math_5a.subject
    for i in range(n):
        school_class = f.make_class(world.year, 6 + i % 3, "ВГДЕЖЗ"[i])
        pupil = f.make_person(world.school, roles=[Role.STUDENT])
        f.enroll(pupil, school_class)
        teacher = f.make_person(world.school, roles=[Role.TEACHER])
        course = f.make_course(f.whole_group(school_class), subject, teacher)
        f.make_course(f.whole_group(school_class), world.russian_5a.subject, world.teacher)
        if i % 2:
            enter_final(world, actor(teacher), course, pupil.student)


@pytest.mark.parametrize("role", ["deputy", "admin"])
def test_the_query_count_is_pinned_and_does_not_grow(
    client, world, today, fixture_school, role, django_assert_num_queries
):
    person = getattr(world, role)
    client.force_login(person.user)
    client.get(CONTROL)  # the session row is created on the first request
    with django_assert_num_queries(PINNED) as before:
        assert client.get(CONTROL, {"show": "all"}).status_code == 200
    grow(world)
    with django_assert_num_queries(PINNED):
        html = client.get(CONTROL, {"show": "all"}).content.decode()
    assert len(rows(html)) > 4 and before


# The actor's person (1); the year, the periods, the classes, the settings (4); the closure (1); the
# courses (1) and their progress (members, counts, locks, teachers: 4); the lock events with their
# people (2).
PINNED = 13
