"""The grid's query count does not depend on the number of lessons nor on the marks of past years."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from journal.models import Attendance, Cell, Work, WorkType
from tests import factories as f
from tests.journal.test_grid import GRID_QUERIES, SEP, body, grid_url, q1, weekdays, work_types

pytestmark = pytest.mark.django_db


def marked_lessons(world, course, start, lessons: int, per_day: int = 4):
    """`lessons` lessons of `course` from `start`, `per_day` a day, each with a column, a mark and a late mark."""
    oral = WorkType.objects.get(school=world.school, code="У")
    days = weekdays(start, -(-lessons // per_day))
    for i in range(lessons):
        lesson = f.make_lesson(course, days[i // per_day], 1 + i % per_day)
        work = Work.objects.create(school=world.school, lesson=lesson, work_type=oral)
        Cell.objects.create(school=world.school, work=work, student=world.student.student, marks=[5, 4])
        if i % 3 == 0:
            Attendance.objects.create(
                school=world.school, lesson=lesson, student=world.student.student, status="late"
            )


def grid_queries(world, client, lessons: int) -> int:
    """Queries of the second GET of the grid of maths in 5А (Q1) with `lessons` marked lessons."""
    work_types(world.school)
    marked_lessons(world, world.math_5a, SEP, lessons)
    client.force_login(world.teacher.user)
    url = grid_url(world.math_5a, q1(world))
    body(client.get(url))
    return count(client, url)


def past_year_of_marks(world, lessons: int = 60):
    """The year 2025/26 of the same school: 4А with the same student, maths with `lessons` marked lessons."""
    year = f.make_year(world.school, 2025)
    school_class = f.make_class(year, 4, "А")
    f.enroll(world.student, school_class, ends=datetime.date(2026, 5, 31))
    course = f.make_course(f.whole_group(school_class), world.math_5a.subject, world.teacher)
    marked_lessons(world, course, datetime.date(2025, 9, 8), lessons, per_day=2)
    return course


def without_token(html: str) -> str:
    """The page without its CSRF token and the session's seconds left before the idle warning (they tick
    while the past year is built)."""
    return re.sub(r'[A-Za-z0-9]{64}|data-idle-left="\d+"', "", html)


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        body(client.get(url))
    return len(ctx.captured_queries)


@pytest.mark.parametrize("lessons", [10, 80])
def test_grid_query_count_is_pinned_for_10_and_80_lessons(world, client, lessons, django_assert_num_queries):
    assert grid_queries(world, client, lessons) == GRID_QUERIES
    url = grid_url(world.math_5a, q1(world))
    with django_assert_num_queries(GRID_QUERIES):
        client.get(url)


def test_a_past_year_of_marks_changes_neither_the_query_count_nor_the_grid(world, client):
    before = grid_queries(world, client, 40)
    url = grid_url(world.math_5a, q1(world))
    html = body(client.get(url))
    past = past_year_of_marks(world)
    assert Cell.objects.filter(work__lesson__course=past).count() == 60
    assert count(client, url) == before == GRID_QUERIES
    # Nothing of the past year leaks into this year's grid (the CSRF token and the idle timer aside, the page is the same).
    assert without_token(body(client.get(url))) == without_token(html)
