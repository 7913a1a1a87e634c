"""Each role's home page: what it shows, and a fixed number of SQL queries whatever the school's size."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from journal.models import JournalSettings
from tests import factories as f

pytestmark = pytest.mark.django_db

ROLE_TEXT = {
    "admin": "5А",
    "director": "6Б",
    "deputy": "5А",
    "teacher": "Математика",
    "class_teacher": "5А",
    "student": "Ученикова Зоя",
    "parent": "Ученикова Зоя",
}


def grow(world, n=6):
    """More students, parents, classes and courses: query counts must not change."""
    for i in range(n):
        school_class = f.make_class(world.year, 7 + i % 3, "АБВГДЕ"[i])
        pupil = f.make_person(world.school, roles=[Role.STUDENT])
        f.enroll(pupil, world.class_5a if i % 2 else school_class)
        f.link_parent(world.parent, pupil, "mother") if i == 0 else None
        subject = f.make_subject(world.school, f"Предмет {i}")
        f.make_course(f.whole_group(school_class), subject, world.teacher)
        f.make_course(f.whole_group(world.class_5a), subject, world.class_teacher)


def count_queries(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(ctx), response.content.decode()


@pytest.mark.parametrize("role", list(ROLE_TEXT))
def test_home_shows_the_roles_essentials_in_fixed_queries(client, world, role):
    # The school's journal settings row is created on first use (once per school, not per page view).
    JournalSettings.objects.get_or_create(school=world.school)
    user = getattr(world, role).user
    before, html = count_queries(client, user)
    assert ROLE_TEXT[role] in html
    grow(world)
    after, _html = count_queries(client, user)
    assert after == before, f"home of {role}: {before} queries, then {after} after the school grew"


def test_parent_switches_between_children_and_only_their_own(client, world):
    second = f.make_person(world.school, roles=[Role.STUDENT], last_name="Учеников", first_name="Кирилл")
    f.enroll(second, world.class_6b)
    f.link_parent(world.parent, second, "mother")
    client.force_login(world.parent.user)
    page = client.get(reverse("home"), {"child": second.student.pk}).content.decode()
    assert "Учеников Кирилл" in page and "6Б" in page
    assert client.get(reverse("home"), {"child": world.other_student.student.pk}).status_code == 404


PINNED_DAY = datetime.date(2026, 11, 3)  # the first quarter ended 24.10, its finals were due 31.10

# The exact counts, so a change that adds a query to a home page is noticed in review.
# Teachers, the deputy and the director: + 1 for the printouts waiting for their signature (none here;
# three when some wait, tests/reports/test_printout_views.py).
# The world has no lessons, so every page also says why the day has none (issue 13): the teachers' with
# the holiday of the day and their next day with lessons (+ 2; + 1 more when there is one), the families'
# with the child's next day with lessons and the holiday (+ 2; on a school day only the first).
PINNED = {
    "admin": 19,
    "director": 6,  # + the holiday of the day (the summer's signed printouts: + 1, in the summer only)
    "deputy": 6,
    # + "final marks due": the periods ended or ending within 14 days, the teacher's courses, then for
    # all those periods at once the groups' members, entered counts, locks and teachers (4; the settings
    # come with the courses) — the same on PINNED_DAY (one period ended) and in May (five); + the journal's
    # deadlines of the last two weeks (the school's deadline settings, then one query for the lessons with
    # their topics, homework, columns and first entries: journal/deadlines/selectors.py).
    "teacher": 17,
    "class_teacher": 17,
    "student": 11,  # + the periods, the child's marks, the averages, the final marks of the year
    "parent": 13,
}


@pytest.mark.parametrize("day", [PINNED_DAY, datetime.date(2027, 5, 25)])
@pytest.mark.parametrize("role", list(PINNED))
def test_home_query_count_is_pinned(client, world, role, django_assert_num_queries, monkeypatch, day):
    # Fixed days: the teacher's "final marks due" card covers the periods ended by then.
    monkeypatch.setattr("schedule.selectors.local_today", lambda school=None: day)
    client.force_login(getattr(world, role).user)
    client.get(reverse("home"))  # the session row is created on the first request
    with django_assert_num_queries(PINNED[role]):
        assert client.get(reverse("home")).status_code == 200


def test_the_student_and_the_parent_see_the_marks_of_the_period_and_the_average(client, world):
    import datetime

    from journal.grid.selectors import period_of_grade
    from journal.models import Cell, Work, WorkType
    from schedule.selectors import day_in_year, local_today

    oral = WorkType.objects.create(school=world.school, code="У", name="Устный ответ", weight=1)
    test = WorkType.objects.create(school=world.school, code="КР", name="Контрольная", weight=2)
    student = world.student.student
    day = period_of_grade(world.year, 5, day_in_year(world.year, local_today(world.school))).starts
    for n, (wt, marks, excluded) in enumerate([(oral, [5], []), (test, [2, 4], [0]), (oral, [3], [])]):
        lesson = f.make_lesson(world.math_5a, day + datetime.timedelta(days=n), 1)
        work = Work.objects.create(school=world.school, lesson=lesson, work_type=wt)
        Cell.objects.create(school=world.school, work=work, student=student, marks=marks, excluded=excluded)
    other = Work.objects.create(
        school=world.school, lesson=f.make_lesson(world.math_6b, day, 1), work_type=oral
    )
    Cell.objects.create(school=world.school, work=other, student=world.other_student.student, marks=[2])
    for persona in (world.student, world.parent):
        client.force_login(persona.user)
        page = client.get(reverse("home")).content.decode()
        # (5·1 + 4·2 + 3·1) / 4 = 4.00; the replaced 2 is shown but not counted.
        assert ">(2)/4</span>" in page and ">5</span>" in page and "<strong>4,00</strong>" in page
        assert 'data-testid="latest-marks"' in page
    client.force_login(world.other_parent.user)
    page = client.get(reverse("home")).content.decode()
    assert "(2)/4" not in page and "<strong>2,00</strong>" in page


# Final marks: what the teacher still owes (R-F-4), what the family sees (R-F-6)


def first_quarter(world):
    from schedule.models import ReportingPeriod

    return ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=1)


@pytest.mark.parametrize(
    ("day", "text"), [(datetime.date(2026, 10, 20), "11 days left"), (PINNED_DAY, "late by 3 days")]
)
def test_the_teacher_sees_the_finals_due_with_the_days_left(client, world, monkeypatch, day, text):
    monkeypatch.setattr("schedule.selectors.local_today", lambda school=None: day)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(world.teacher.user)
    page = client.get(reverse("home")).content.decode()
    card = page[page.index('data-testid="finals-due"') :]
    card = card[: card.index("</section>")]
    assert "Final marks due" in card and "5А" in card and "Математика" in card and "1 четверть" in card
    assert text in card and "0 of 1 entered" in card
    assert reverse("journal:finals", args=[world.math_5a.pk]) in card
    assert "Русский" not in card  # the class teacher's course, not this teacher's


def test_no_finals_due_card_before_any_period_ends(client, world, monkeypatch):
    monkeypatch.setattr("schedule.selectors.local_today", lambda school=None: datetime.date(2026, 9, 15))
    client.force_login(world.teacher.user)
    assert 'data-testid="finals-due"' not in client.get(reverse("home")).content.decode()


def test_the_family_sees_a_final_mark_once_it_is_recorded(client, world, monkeypatch):
    from journal.finals.services import record_final
    from journal.grid.services import add_work, record_cell
    from tests.journal import actor, at, d, lesson

    monkeypatch.setattr("schedule.selectors.local_today", lambda school=None: PINNED_DAY)
    teacher = actor(world.teacher)
    work = add_work(actor=teacher, lesson=lesson(world.math_5a, d(10, 5)), now=at(d(10, 5)))
    record_cell(
        actor=teacher, work=work, student=world.student.student, raw="4", version=None, now=at(d(10, 5))
    )
    client.force_login(world.parent.user)
    assert "final-mark" not in client.get(reverse("home")).content.decode()
    record_final(
        actor=teacher,
        course=world.math_5a,
        student=world.student.student,
        kind="period",
        period=first_quarter(world),
        raw="5",
        version=None,
        now=at(d(10, 26)),
    )
    for persona in (world.parent, world.student):
        client.force_login(persona.user)
        page = client.get(reverse("home")).content.decode()
        assert f'class="mark final-mark" data-kind="period-{first_quarter(world).pk}">5</span>' in page
    client.force_login(world.other_parent.user)
    assert "final-mark" not in client.get(reverse("home")).content.decode()


# A day without lessons says why, and shows the next school day (issue 13)


def day_off_card(page: str) -> str:
    """The sentence saying why the day has no lessons."""
    start = page.index('data-testid="day-off"')
    return " ".join(page[start : page.index("</p>", start)].split())


def next_lessons(page: str) -> str:
    """The lessons of the next school day: the `next-lessons` element, to its matching closing tag."""
    start = page.index('data-testid="next-lessons"')
    depth = 1
    for tag in re.finditer(r"<(/?)div\b", page[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return page[start : start + tag.start()]
    raise AssertionError("unclosed next-lessons")


def winter_holidays(world):
    from schedule.models import Holiday

    return Holiday.objects.create(
        school=world.school,
        year=world.year,
        name="Зимние каникулы",
        starts=datetime.date(2026, 12, 29),
        ends=datetime.date(2027, 1, 11),
    )


@pytest.mark.now("2026-12-13 10:00")  # a Sunday
def test_on_a_sunday_the_teacher_sees_why_and_the_next_school_days_lessons(client, world):
    f.make_lesson(world.math_5a, datetime.date(2026, 12, 14), 3)
    f.make_lesson(world.math_6b, datetime.date(2026, 12, 15), 1)  # a later day: not shown
    client.force_login(world.teacher.user)
    page = client.get(reverse("home")).content.decode()
    assert "Сегодня воскресенье — уроков нет." in day_off_card(page)
    assert "Ближайший учебный день: понедельник, 14 декабря" in page
    nxt = next_lessons(page)
    assert "Математика" in nxt and "5А" in nxt and "6Б" not in nxt and nxt.count("wk-item") == 1


@pytest.mark.now("2026-12-12 10:00")  # a Saturday
def test_on_a_saturday_the_family_sees_why_and_the_childs_next_lessons(client, world):
    f.make_lesson(world.math_5a, datetime.date(2026, 12, 14), 2)
    f.make_lesson(world.math_6b, datetime.date(2026, 12, 14), 1)  # another class's: not the child's
    for persona in (world.parent, world.student):
        client.force_login(persona.user)
        page = client.get(reverse("home")).content.decode()
        assert "Сегодня суббота — уроков нет." in day_off_card(page)
        assert "Ближайший учебный день: понедельник, 14 декабря" in page
        nxt = next_lessons(page)
        assert "Математика" in nxt and "Математикова" in nxt and nxt.count("wk-item") == 1


@pytest.mark.now("2026-12-30 10:00")  # a Wednesday in the winter holidays
@pytest.mark.parametrize("persona", ["teacher", "class_teacher", "parent", "student", "deputy", "director"])
def test_in_the_holidays_each_home_names_them(client, world, persona):
    winter_holidays(world)
    f.make_lesson(world.math_5a, datetime.date(2027, 1, 12), 1)
    f.make_lesson(world.russian_5a, datetime.date(2027, 1, 12), 2)
    client.force_login(getattr(world, persona).user)
    page = client.get(reverse("home")).content.decode()
    assert "Зимние каникулы до 11 января включительно." in day_off_card(page)
    if persona in ("deputy", "director"):
        assert "Ближайший учебный день" not in page  # the leadership's home lists no lessons
    else:
        assert "Ближайший учебный день: вторник, 12 января" in page


@pytest.mark.now("2026-12-09 10:00")
def test_on_a_school_day_there_is_no_such_card(client, world):
    winter_holidays(world)
    f.make_lesson(world.math_5a, datetime.date(2026, 12, 9), 4)
    for persona in (world.teacher, world.parent, world.student, world.deputy):
        client.force_login(persona.user)
        page = client.get(reverse("home")).content.decode()
        assert 'data-testid="day-off"' not in page
    client.force_login(world.teacher.user)
    assert "wk-item" in client.get(reverse("home")).content.decode()


@pytest.mark.now("2027-02-10 10:00")  # a Wednesday of the first grade's extra week
def test_a_holiday_of_another_grade_is_not_the_childs(client, world):
    from schedule.models import Holiday

    Holiday.objects.create(
        school=world.school,
        year=world.year,
        name="Дополнительные каникулы для первых классов",
        starts=datetime.date(2027, 2, 8),
        ends=datetime.date(2027, 2, 14),
        grades=[1],
    )
    f.make_lesson(world.math_5a, datetime.date(2027, 2, 11), 1)
    client.force_login(world.parent.user)
    page = client.get(reverse("home")).content.decode()
    assert "Сегодня уроков нет." in day_off_card(page) and "первых классов" not in page
    client.force_login(world.teacher.user)
    page = client.get(reverse("home")).content.decode()
    assert "первых классов" not in page and "Ближайший учебный день: четверг, 11 февраля" in page


@pytest.mark.now("2027-07-18 10:00")
def test_in_the_summer_the_family_keeps_the_year_ended(client, world):
    from journal.models import FinalMark

    FinalMark.objects.create(
        school=world.school, course=world.math_5a, student=world.student.student, kind="year", value=5
    )
    for persona in (world.parent, world.student):
        client.force_login(persona.user)
        page = client.get(reverse("home")).content.decode()
        assert "Летние каникулы: учебный год 2026/2027 завершился 31 мая." in day_off_card(page)
        assert 'data-kind="year">5</span>' in page and "5А" in page
    client.force_login(world.teacher.user)
    page = client.get(reverse("home")).content.decode()
    assert "Летние каникулы: учебный год 2026/2027 завершился 31 мая." in day_off_card(page)


@pytest.mark.now("2026-12-13 10:00")
def test_the_day_off_in_english(client, world):
    f.make_lesson(world.math_5a, datetime.date(2026, 12, 14), 3)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(world.teacher.user)
    page = client.get(reverse("home")).content.decode()
    assert "Today is Sunday: no lessons." in page and "Next school day: Monday, 14 December" in page
