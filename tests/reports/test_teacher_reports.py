"""The subject teacher's reports (R-R-2) against a small hand-computed fixture.

The world's `teacher` teaches Математика 5А (whole class), Физика 6Б and ИЗО 5А (no final
assessment). First quarter: 01.09–24.10.2026; the preliminary report runs "today" 21.10.2026.

Математика 5А, lessons (work types У ×1, КР ×2):
  07.09 У   Ученикова 5        Андреев 2
  14.09 КР  Ученикова 4        Андреев 3/2 with the 3 replaced by a retake (only the 2 counts)
  20.10     Борисова absent, Андреев late
  21.09     cancelled (a mark there never counts)
  23.10 У   Борисова 5         (after "today": not in the preliminary report)
  Левина was in 5А until 30.09 with a 5 on 07.09: not in the class on 21.10, not listed.
Averages: Ученикова (5·1 + 4·2)/3 = 4.33 → 4; Андреев (2·1 + 2·2)/3 = 2.00 → 2 (at risk);
Борисова no marks (at risk). The course: (13 + 6)/6 = 3.17.

Finals: Математика 5А Q1 Ученикова 5, Андреев 2 (Борисова none); Q2 Ученикова 4, Андреев 3,
Борисова 3; year: Ученикова 5. Физика 6Б Q1 Другов 4, Ершов 3.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.actor import Actor, load_actor
from journal.models import Attendance, Cell, FinalMark, Work, WorkType
from reports import queries_teacher as qt
from reports.catalog import Params, reports
from reports.rules import view_teacher_report
from schedule.models import ReportingPeriod
from tests import factories as f
from tests.reports import pdf_text, url

D = datetime.date
pytestmark = pytest.mark.django_db


class Fixture:
    pass


def period(world, number):
    return ReportingPeriod.objects.select_related("scheme").get(
        scheme__year=world.year, scheme__kind="quarters", number=number
    )


def cell(work, person, marks, excluded=()):
    return Cell.objects.create(
        school=work.school, work=work, student=person.student, marks=list(marks), excluded=list(excluded)
    )


def work(lesson, work_type, position=1):
    return Work.objects.create(school=lesson.school, lesson=lesson, work_type=work_type, position=position)


@pytest.fixture
def tw(world):
    school = world.school
    x = Fixture()
    x.q1, x.q2 = period(world, 1), period(world, 2)
    x.oral = WorkType.objects.create(school=school, code="У", name="Устный ответ", weight=1, is_default=True)
    x.test = WorkType.objects.create(school=school, code="КР", name="Контрольная работа", weight=2)
    x.uch = world.student
    x.andr = f.make_person(school, roles=["student"], last_name="Андреев", first_name="Антон", patronymic="")
    x.bor = f.make_person(school, roles=["student"], last_name="Борисова", first_name="Бэлла", patronymic="")
    x.lev = f.make_person(school, roles=["student"], last_name="Левина", first_name="Лада", patronymic="")
    x.ers = f.make_person(school, roles=["student"], last_name="Ершов", first_name="Егор", patronymic="")
    f.enroll(x.andr, world.class_5a)
    f.enroll(x.bor, world.class_5a)
    f.enroll(x.lev, world.class_5a, ends=D(2026, 9, 30))
    f.enroll(x.ers, world.class_6b)
    x.math = world.math_5a
    x.physics = f.make_course(f.whole_group(world.class_6b), f.make_subject(school, "Физика"), world.teacher)
    x.art = f.make_course(
        f.whole_group(world.class_5a), f.make_subject(school, "ИЗО", no_final_assessment=True), world.teacher
    )

    l1 = f.make_lesson(x.math, D(2026, 9, 7))
    w1 = work(l1, x.oral)
    cell(w1, x.uch, [5])
    cell(w1, x.andr, [2])
    cell(w1, x.lev, [5])
    l2 = f.make_lesson(x.math, D(2026, 9, 14))
    w2 = work(l2, x.test)
    cell(w2, x.uch, [4])
    cell(w2, x.andr, [3, 2], excluded=[0])
    l3 = f.make_lesson(x.math, D(2026, 10, 20))
    Attendance.objects.create(school=school, lesson=l3, student=x.bor.student, status="absent")
    Attendance.objects.create(school=school, lesson=l3, student=x.andr.student, status="late")
    cancelled = f.make_lesson(x.math, D(2026, 9, 21), status="cancelled")
    cell(work(cancelled, x.oral), x.bor, [2])
    later = f.make_lesson(x.math, D(2026, 10, 23))
    cell(work(later, x.oral), x.bor, [5])

    def final(course, person, value, period=None, kind="period"):
        FinalMark.objects.create(
            school=school, course=course, student=person.student, kind=kind, period=period, value=value
        )

    final(x.math, x.uch, 5, x.q1)
    final(x.math, x.andr, 2, x.q1)
    final(x.math, x.uch, 4, x.q2)
    final(x.math, x.andr, 3, x.q2)
    final(x.math, x.bor, 3, x.q2)
    final(x.math, x.uch, 5, kind="year")
    final(x.physics, world.other_student, 4, x.q1)
    final(x.physics, x.ers, 3, x.q1)
    final(world.math_6b, world.other_student, 2, x.q1)  # another teacher's course: never in these reports
    return x


def params(world, tw, **kw):
    values = dict(
        school=world.school, year=world.year, teacher=world.teacher, period=tw.q1, today=D(2026, 10, 21)
    )
    values.update(kw)
    return Params(**values)


def test_preliminary_report(world, tw):
    data = qt.preliminary(params(world, tw))
    summary, risk, *courses = data.tables
    assert [t.title for t in courses] == ["ИЗО — 5А", "Математика — 5А", "Физика — 6Б"]
    # class, subject, students, lessons held, marks, average, below «3», no marks, missed
    assert summary.rows == [
        ["5А", "ИЗО", 3, 0, 0, None, None, None, 0],
        ["5А", "Математика", 3, 3, 4, Decimal("3.17"), 1, 1, 1],
        ["6Б", "Физика", 2, 0, 0, None, 0, 2, 0],
    ]
    assert summary.totals[2:] == [8, 3, 4, Decimal("3.17"), 1, 3, 1]
    math = courses[1]
    # no., student, marks, average, forecast, missed, late
    assert math.rows == [
        [1, "Андреев Антон", 2, Decimal("2.00"), "2", 0, 1],
        [2, "Борисова Бэлла", 0, None, None, 1, 0],
        [3, world.student.full_name, 2, Decimal("4.33"), "4", 0, 0],
    ]
    assert [r[1:4] + [r[5]] for r in risk.rows] == [
        ["Математика", "Андреев Антон", 2, 0],
        ["Математика", "Борисова Бэлла", 0, 1],
        ["Физика", world.other_student.full_name, 0, 0],
        ["Физика", "Ершов Егор", 0, 0],
    ]
    assert [r[4] for r in risk.rows] == [Decimal("2.00"), None, None, None]
    assert "21.10.2026" in data.params[-1]


def test_preliminary_as_of_a_later_day_counts_the_later_mark(world, tw):
    data = qt.preliminary(params(world, tw, today=D(2026, 11, 2)))  # after the period: its last day
    math = data.tables[3]
    assert math.rows[1][:5] == [2, "Борисова Бэлла", 1, Decimal("5.00"), "5"]
    assert data.tables[0].rows[1][3] == 4  # lessons held by 24.10


def test_preliminary_for_one_course(world, tw):
    data = qt.preliminary(params(world, tw, teacher=None, course=tw.math))
    assert [r[:2] for r in data.tables[0].rows] == [["5А", "Математика"]]
    assert data.tables[0].totals is None
    # A course the teacher does not teach gives nothing when both are chosen.
    data = qt.preliminary(params(world, tw, course=world.math_6b))
    assert data.tables[0].rows == []


def test_class_results(world, tw):
    data = qt.class_results(params(world, tw))
    (table,) = data.tables
    # class, subject, students, assessed, 5, 4, 3, 2, progress, quality, average, not assessed
    assert table.rows == [
        # the rates out of all the students: the missing final of 5А counts as not assessed
        ["5А", "Математика", 3, 2, 1, 0, 0, 1, Decimal("33.3"), Decimal("33.3"), Decimal("3.50"), 1],
        ["6Б", "Физика", 2, 2, 0, 1, 1, 0, Decimal("100.0"), Decimal("50.0"), Decimal("3.50"), 0],
    ]
    assert table.totals == [
        table.totals[0],
        "",
        5,
        4,
        1,
        1,
        1,
        1,
        Decimal("60.0"),
        Decimal("40.0"),
        Decimal("3.50"),
        1,
    ]
    assert "ИЗО — 5А" in table.note  # no final assessment: named, not counted


def test_class_results_second_quarter(world, tw):
    (table,) = qt.class_results(params(world, tw, period=tw.q2)).tables
    assert table.rows[0] == [
        "5А",
        "Математика",
        3,
        3,
        0,
        1,
        2,
        0,
        Decimal("100.0"),
        Decimal("33.3"),
        Decimal("3.33"),
        0,
    ]
    assert table.rows[1][3:8] == [0, 0, 0, 0, 0] and table.rows[1][8] is None


def test_progress_summary(world, tw):
    data = qt.progress_summary(params(world, tw, period=None))
    (table,) = data.tables  # only quarters: the teacher has no course of grades 10–11
    groups = [c.group for c in table.columns[2:]]
    assert (
        groups
        == [p for p in ["1 четверть", "2 четверть", "3 четверть", "4 четверть"] for _ in (0, 1)]
        + [table.columns[-1].group] * 2
    )
    assert table.rows == [
        ["5А", "Математика", Decimal("50.0"), Decimal("50.0"), Decimal("100.0"), Decimal("33.3")]
        + [None] * 4
        + [Decimal("100.0"), Decimal("100.0")],
        ["6Б", "Физика", Decimal("100.0"), Decimal("50.0")] + [None] * 6 + [None, None],
    ]
    assert table.totals[2:6] == [Decimal("75.0"), Decimal("50.0"), Decimal("100.0"), Decimal("33.3")]


def test_nothing_chosen_gives_an_empty_report(world, tw):
    for query in (qt.preliminary, qt.class_results, qt.progress_summary):
        data = query(params(world, tw, teacher=None))
        assert all(t.rows == [] for t in data.tables)


def _more_data(world, tw):
    """More students, lessons, marks and finals in the same courses (a second data size)."""
    school = world.school
    for i in range(6):
        p = f.make_person(school, roles=["student"], last_name=f"Новиков{i}", first_name="Нил", patronymic="")
        f.enroll(p, world.class_5a if i % 2 else world.class_6b)
        for day in (D(2026, 9, 28), D(2026, 10, 5)):
            course = tw.math if i % 2 else tw.physics
            lesson = course.lessons.filter(date=day).first() or f.make_lesson(course, day, slot=2 + i % 2)
            w = lesson.works.first() or work(lesson, tw.oral)
            cell(w, p, [4, 5])
            Attendance.objects.create(school=school, lesson=lesson, student=p.student, status="absent")
        FinalMark.objects.create(
            school=school,
            course=tw.math if i % 2 else tw.physics,
            student=p.student,
            kind="period",
            period=tw.q1,
            value=4,
        )


@pytest.mark.parametrize(
    ("code", "expected"),
    [("teacher_preliminary", 6), ("teacher_class_results", 3), ("teacher_progress_summary", 3)],
)
def test_the_query_count_does_not_grow(world, tw, code, expected, django_assert_num_queries):
    spec = reports()[code]
    p = params(world, tw)
    spec.query(p)  # creates the school's journal settings on first use
    p.school = type(world.school).objects.get(pk=world.school.pk)  # as fresh as in a request
    with django_assert_num_queries(expected):
        small = spec.query(p)
    _more_data(world, tw)
    p.school = type(world.school).objects.get(pk=world.school.pk)
    with CaptureQueriesContext(connection) as big:
        large = spec.query(p)
    assert len(big) == expected
    assert sum(len(t.rows) for t in large.tables) >= sum(len(t.rows) for t in small.tables)


# Who may run them


def as_actor(person):
    return load_actor(person.user, person.school_id)


@pytest.mark.parametrize(
    ("who", "teacher", "course", "allowed"),
    [
        ("admin", "teacher", None, True),
        ("director", "other_teacher", None, True),
        ("deputy", None, "math_6b", True),
        ("teacher", "teacher", None, True),
        ("teacher", None, "math_5a", True),
        ("teacher", "teacher", "math_5a", True),
        ("teacher", None, None, True),  # nothing chosen: the report shows only the prompt
        ("teacher", "other_teacher", None, False),
        ("teacher", None, "math_6b", False),
        ("teacher", "teacher", "math_6b", False),
        ("class_teacher", None, "russian_5a", True),
        (
            "class_teacher",
            None,
            "math_5a",
            False,
        ),  # leads 5А, but the subject teacher's report is the teacher's
        ("class_teacher", "teacher", None, False),
        ("student", None, None, False),
        ("parent", None, None, False),
    ],
)
def test_allowed(world, who, teacher, course, allowed):
    actor = as_actor(getattr(world, who))
    p = Params(
        school=world.school,
        year=world.year,
        teacher=getattr(world, teacher) if teacher else None,
        course=getattr(world, course) if course else None,
    )
    for code in ("teacher_preliminary", "teacher_class_results", "teacher_progress_summary"):
        assert reports()[code].allowed(actor, p) is allowed


def test_allowed_refuses_the_operator_and_other_schools(world, other_world, operator):
    assert not view_teacher_report(Actor(user=operator), Params(school=None, year=None))
    outsider = as_actor(other_world.admin)
    assert not view_teacher_report(
        outsider, Params(school=other_world.school, year=other_world.year, course=world.math_5a)
    )
    assert not view_teacher_report(
        outsider, Params(school=other_world.school, year=other_world.year, teacher=world.teacher)
    )


# Through the report pages (reports/views.py): HTML, XLSX and PDF of the same figures.


TEACHER_CODES = ["teacher_preliminary", "teacher_class_results", "teacher_progress_summary"]


def test_the_teacher_runs_their_class_results_three_ways(login, world, tw):
    c = login(world.teacher)  # the teacher defaults to themselves
    page = c.get(url("teacher_class_results", period=tw.q1.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="rp-table"' in html and "Физика" in html and "60,0" in html and "3,50" in html

    xlsx = c.get(url("teacher_class_results", "report_xlsx", period=tw.q1.pk))
    values = [
        [cell.value for cell in row] for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows()
    ]
    math = list(next(r for r in values if "Математика" in r))
    assert math[math.index("Математика") + 1 :][:10] == [3, 2, 1, 0, 0, 1, 33.3, 33.3, 3.5, 1]

    text = pdf_text(c.get(url("teacher_class_results", "report_pdf", period=tw.q1.pk)).content)
    for expected in ("Математика", "Физика", "60,0", "3,50", world.school.name):
        assert expected in text, expected


@pytest.mark.parametrize("code", TEACHER_CODES)
def test_every_teacher_report_renders_three_ways_for_the_deputy(login, world, tw, code):
    c = login(world.deputy)
    query = {"teacher": world.teacher.pk}
    if "period" in reports()[code].params:
        query["period"] = tw.q1.pk
    page = c.get(url(code, **query))
    assert page.status_code == 200 and 'data-testid="rp-table"' in page.content.decode()
    assert "Математика" in page.content.decode()
    xlsx = c.get(url(code, "report_xlsx", **query))
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert any(
        "Физика" in str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
    )
    assert "Физика" in pdf_text(c.get(url(code, "report_pdf", **query)).content)


def test_a_teacher_cannot_run_another_teachers_report(login, world, tw):
    response = login(world.teacher).get(url("teacher_class_results", teacher=world.other_teacher.pk))
    assert response.status_code == 200  # refused next to the field: only themselves is offered
    assert "Физика" not in response.content.decode()


@pytest.mark.parametrize("code", TEACHER_CODES)
def test_report_page_query_count_does_not_grow(login, world, tw, code, django_assert_num_queries):
    c = login(world.deputy)
    query = {"teacher": world.teacher.pk}
    if "period" in reports()[code].params:
        query["period"] = tw.q1.pk
    c.get(url(code, **query))  # sessions, settings rows created on first use
    with CaptureQueriesContext(connection) as small:
        assert c.get(url(code, **query)).status_code == 200
    _more_data(world, tw)
    with django_assert_num_queries(len(small)):
        assert c.get(url(code, **query)).status_code == 200
    assert len(small) == PAGE_QUERIES[code]


# The page's own queries (session, login with its people, the year, the teachers and the periods offered) and
# the query function's (6, 3, 3).
PAGE_QUERIES = {"teacher_preliminary": 10, "teacher_class_results": 7, "teacher_progress_summary": 6}


def test_the_teacher_signs_their_reports(world, tw):
    for query in (qt.preliminary, qt.class_results, qt.progress_summary):
        assert [name for _role, name in query(params(world, tw)).signers] == [world.teacher.short_name]
        assert query(params(world, tw, teacher=None, course=tw.math)).signers == []


def test_progress_summary_has_a_table_per_period_scheme(world, tw):
    senior = f.make_class(world.year, 10, "А")
    course = f.make_course(f.whole_group(senior), f.make_subject(world.school, "Астрономия"), world.teacher)
    pupil = f.make_person(world.school, roles=["student"], last_name="Звёздов", first_name="Зиновий")
    f.enroll(pupil, senior)
    half = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="halves", number=1)
    FinalMark.objects.create(
        school=world.school, course=course, student=pupil.student, kind="period", period=half, value=3
    )
    quarters, halves = qt.progress_summary(params(world, tw, period=None)).tables
    assert len(quarters.rows) == 2
    assert [c.group for c in halves.columns[2:6]] == [
        "1 полугодие",
        "1 полугодие",
        "2 полугодие",
        "2 полугодие",
    ]
    assert halves.rows == [["10А", "Астрономия", Decimal("100.0"), Decimal("0.0"), None, None, None, None]]
    # The quarter's class results leave the half-year course out.
    assert [r[1] for r in qt.class_results(params(world, tw)).tables[0].rows] == ["Математика", "Физика"]
