"""The mark grid page: columns, rows by dated membership, weighted averages, read-only views, query count."""

import datetime
import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from journal.grid import selectors
from journal.models import Attendance, Cell, Work, WorkType
from schedule.models import ReportingPeriod, Substitution
from tests import factories as f

pytestmark = pytest.mark.django_db

SEP = datetime.date(2026, 9, 7)  # a Monday of the first quarter


def weekdays(start: datetime.date, n: int) -> list[datetime.date]:
    days, day = [], start
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def work_types(school):
    oral = WorkType.objects.create(school=school, code="У", name="Устный ответ", weight=1, is_default=True)
    test = WorkType.objects.create(school=school, code="КР", name="Контрольная работа", weight=2, position=1)
    return oral, test


def q1(world) -> ReportingPeriod:
    return ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=1)


def grid_url(course, period):
    return reverse("journal:grid", args=[course.pk, period.pk])


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def row_of(html: str, student_pk: int) -> str:
    return re.search(rf'<tr data-student="{student_pk}">(.*?)</tr>', html).group(1)


def test_columns_per_work_and_a_default_column_for_a_lesson_without_works(world, login):
    oral, test = work_types(world.school)
    first = f.make_lesson(world.math_5a, SEP, 1)
    second = f.make_lesson(world.math_5a, SEP + datetime.timedelta(days=1), 1)
    Work.objects.create(school=world.school, lesson=first, work_type=oral, position=1)
    Work.objects.create(school=world.school, lesson=first, work_type=test, position=2)
    html = body(login(world.teacher).get(grid_url(world.math_5a, q1(world))))
    lesson_link = reverse("journal:lesson", args=[first.pk])
    assert f'<th class="jg-date" colspan="2" scope="colgroup"><a href="{lesson_link}"' in html
    assert ">07.09</a></th>" in html and ">08.09</a></th>" in html
    assert html.count('class="jg-type"') == 3  # У, КР, and the default У of the empty lesson
    assert "Ученикова З." in html
    assert Work.objects.filter(lesson=second).count() == 0  # reading creates nothing


def test_a_student_who_arrived_mid_period_has_grey_cells_before_arrival(world, login):
    work_types(world.school)
    newcomer = f.make_person(world.school, roles=[Role.STUDENT], last_name="Новикова", first_name="Ольга")
    f.enroll(newcomer, world.class_5a, starts=datetime.date(2026, 9, 15))
    leaver = f.make_person(world.school, roles=[Role.STUDENT], last_name="Уходов", first_name="Пётр")
    f.enroll(leaver, world.class_5a, ends=datetime.date(2026, 9, 10))
    f.make_lesson(world.math_5a, SEP, 1)
    f.make_lesson(world.math_5a, datetime.date(2026, 9, 21), 1)
    html = body(login(world.teacher).get(grid_url(world.math_5a, q1(world))))
    arrived = row_of(html, newcomer.student.pk)
    assert arrived.index("jg-out") < arrived.index("jg-cell")
    assert arrived.count("jg-out") == 1 and arrived.count('tabindex="0"') == 1
    left = row_of(html, leaver.student.pk)
    assert left.index("jg-cell") < left.index("jg-out")
    # Left before the period: not in the grid of the second quarter.
    q2 = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=2)
    assert "Уходов" not in body(login(world.teacher).get(grid_url(world.math_5a, q2)))


def test_cells_attendance_and_the_weighted_average(world, login):
    oral, test = work_types(world.school)
    lesson = f.make_lesson(world.math_5a, SEP, 1)
    other = f.make_lesson(world.math_5a, SEP + datetime.timedelta(days=2), 1)
    w1 = Work.objects.create(school=world.school, lesson=lesson, work_type=oral, position=1)
    w2 = Work.objects.create(school=world.school, lesson=lesson, work_type=test, position=2)
    student = world.student.student
    Cell.objects.create(school=world.school, work=w1, student=student, marks=[5, 4], version=3)
    Cell.objects.create(school=world.school, work=w2, student=student, marks=[3])
    Attendance.objects.create(school=world.school, lesson=other, student=student, status="absent", version=2)
    # (5·1 + 4·1 + 3·2) / (1 + 1 + 2) = 3.75
    assert selectors.averages(world.math_5a, q1(world)) == {student.pk: pytest.approx(3.75)}
    html = body(login(world.teacher).get(grid_url(world.math_5a, q1(world))))
    row = row_of(html, student.pk)
    assert f'data-work="{w1.pk}" data-student="{student.pk}" data-version="3"' in row
    assert ">5/4</td>" in row and ">3</td>" in row
    assert 'data-att-version="2" tabindex="0">Н</td>' in row
    assert f'<td class="jg-avg" data-avg="{student.pk}">3,75</td>' in row


def test_average_rounds_to_two_decimals_and_ignores_other_periods(world):
    oral, test = work_types(world.school)
    student = world.student.student
    for day, wt, marks in [
        (SEP, oral, [5]),
        (SEP + datetime.timedelta(days=1), oral, [4]),
        (SEP + datetime.timedelta(days=2), oral, [4]),
    ]:
        w = Work.objects.create(
            school=world.school, lesson=f.make_lesson(world.math_5a, day, 1), work_type=wt
        )
        Cell.objects.create(school=world.school, work=w, student=student, marks=marks)
    later = f.make_lesson(world.math_5a, datetime.date(2026, 11, 9), 1)
    w = Work.objects.create(school=world.school, lesson=later, work_type=test)
    Cell.objects.create(school=world.school, work=w, student=student, marks=[2])
    assert str(selectors.averages(world.math_5a, q1(world))[student.pk]) == "4.33"


@pytest.mark.parametrize("persona", ["class_teacher", "director", "deputy", "admin"])
def test_readers_get_the_grid_without_editing(world, login, persona):
    work_types(world.school)
    f.make_lesson(world.math_5a, SEP, 1)
    html = body(login(getattr(world, persona)).get(grid_url(world.math_5a, q1(world))))
    assert 'data-testid="read-only"' in html
    assert 'tabindex="0"' not in html and 'class="jg-add"' not in html and "grid.js" not in html
    assert 'class="jg-ro' in html


def test_the_class_teacher_edits_their_own_course_of_the_class(world, login):
    work_types(world.school)
    f.make_lesson(world.russian_5a, SEP, 2)
    html = body(login(world.class_teacher).get(grid_url(world.russian_5a, q1(world))))
    assert 'tabindex="0"' in html and "grid.js" in html


def test_the_substitute_edits_only_the_substituted_lesson(world, login):
    work_types(world.school)
    own = f.make_lesson(world.math_5a, SEP, 1)
    replaced = f.make_lesson(world.math_5a, SEP + datetime.timedelta(days=1), 1)
    Substitution.objects.create(
        school=world.school, lesson=replaced, absent_teacher=world.teacher, substitute=world.substitute
    )
    html = body(login(world.substitute).get(grid_url(world.math_5a, q1(world))))
    assert f'data-lesson="{replaced.pk}"' in html
    assert f'data-lesson="{own.pk}"' not in html
    assert html.count('tabindex="0"') == 1


def test_other_teachers_are_refused_and_other_schools_get_404(world, other_world, login, client):
    f.make_lesson(world.math_5a, SEP, 1)
    assert login(world.other_teacher).get(grid_url(world.math_5a, q1(world))).status_code == 403
    assert login(other_world.admin).get(grid_url(world.math_5a, q1(world))).status_code == 404
    # A period of another year or school does not fit the course.
    assert (
        login(world.teacher).get(reverse("journal:grid", args=[world.math_5a.pk, 999999])).status_code == 404
    )


def _grid_queries(world, client, lessons: int) -> int:
    work_types(world.school)
    oral = WorkType.objects.get(school=world.school, code="У")
    days = weekdays(SEP, lessons // 2)
    for i in range(lessons):
        lesson = f.make_lesson(world.math_5a, days[i // 2], 1 + i % 2)
        if i % 3:
            w = Work.objects.create(school=world.school, lesson=lesson, work_type=oral)
            Cell.objects.create(school=world.school, work=w, student=world.student.student, marks=[4])
        if i % 4 == 0:
            Attendance.objects.create(
                school=world.school, lesson=lesson, student=world.student.student, status="late"
            )
    client.force_login(world.teacher.user)
    url = grid_url(world.math_5a, q1(world))
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        body(client.get(url))
    return len(ctx.captured_queries)


GRID_QUERIES = 9  # 1 of the middleware (user with their people), course, periods, the rule, 5 of the grid


@pytest.mark.parametrize("lessons", [10, 40])
def test_grid_query_count_does_not_grow_with_lessons(world, client, lessons, django_assert_num_queries):
    count = _grid_queries(world, client, lessons)
    url = grid_url(world.math_5a, q1(world))
    with django_assert_num_queries(GRID_QUERIES):
        client.get(url)
    assert count == GRID_QUERIES <= 15


def test_index_lists_a_teachers_courses_and_lets_readers_choose_a_class(world, login):
    html = body(login(world.teacher).get(reverse("journal:index")))
    assert "Математика" in html and "Русский язык" not in html
    assert reverse("journal:grid", args=[world.math_5a.pk, q1(world).pk]) in html
    html = body(login(world.class_teacher).get(reverse("journal:index")))
    assert "Математика" in html and "Русский язык" in html and "6Б" not in html
    html = body(login(world.director).get(reverse("journal:index")))
    assert 'data-testid="journal-classes"' in html and 'data-testid="journal-courses"' not in html
    html = body(login(world.director).get(reverse("journal:index") + f"?class={world.class_6b.pk}"))
    assert reverse("journal:grid", args=[world.math_6b.pk, q1(world).pk]) in html
    assert f"/journal/course/{world.math_5a.pk}/" not in html


def test_the_grid_averages_agree_with_the_sql_averages(world):
    """The grid computes the averages from its loaded cells; `selectors.averages` in SQL: same figures."""
    rng = random.Random(7)
    oral, test = work_types(world.school)
    odd = WorkType.objects.create(school=world.school, code="ПР", name="Практическая", weight="1.5")
    pupils = [world.student.student]
    for n in range(6):
        person = f.make_person(world.school, roles=["student"], last_name=f"Средний{n}", first_name="Ян")
        f.enroll(person, world.class_5a)
        pupils.append(person.student)
    for n in range(12):
        lesson = f.make_lesson(world.math_5a, SEP + datetime.timedelta(days=n), 1 + n % 3)
        for position, wt in enumerate(rng.sample([oral, test, odd], rng.randint(1, 3)), start=1):
            work = Work.objects.create(school=world.school, lesson=lesson, work_type=wt, position=position)
            for pupil in pupils:
                if rng.random() < 0.6:
                    marks = [rng.choice([2, 3, 4, 5]) for _ in range(rng.randint(1, 3))]
                    excluded = [0] if len(marks) > 1 and rng.random() < 0.3 else []
                    Cell.objects.create(
                        school=world.school, work=work, student=pupil, marks=marks, excluded=excluded
                    )
    in_grid = selectors.grid(world.math_5a, q1(world)).averages
    assert in_grid == selectors.averages(world.math_5a, q1(world))
    assert len(in_grid) == len(pupils)
