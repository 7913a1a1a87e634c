"""The administration's reports (R-R-3) against a small hand-computed school.

Classes 1А (two students, no logins), 5А and 6Б of the world. First quarter 01.09–24.10.2026;
finals are due on the period's last day (the school's setting), so 24.10.

5А: Ученикова (the world's student), Андреев, Борисова from 01.09; Левина 01.09–30.09 (left the
school); Петров in 6Б until 04.10, in 5А from 05.10 (a transfer); Смирнова from 10.10 (arrived).
6Б: Другов (the world's other student), Ершов from 01.09.
Subgroups of 5А: «5А англ. 1» Ученикова and Андреев; «5А англ. 2» Борисова until 01.10 and Петров
from 05.10. Across classes: «5 проф.» Андреев.

Period finals Q1 (Математика 5А, Русский язык 5А, Математика 6Б):
  Ученикова 5, 5 excellent; Андреев 5, 4 good; Борисова 3, 4 one «3»; Петров 3, 3 more than one «3»;
  Смирнова none (not assessed, two missing); Другов 2 failing; Ершов 4 good.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.actor import Actor, load_actor
from accounts.models import AuditEvent, School
from journal.deadlines import control, services
from journal.finals.values import deadline
from journal.models import (
    Cell,
    FinalMark,
    FinalsDeadline,
    Homework,
    JournalSettings,
    LessonTopic,
    MarkLogEntry,
    Work,
    WorkType,
)
from reports import queries_leadership as ql
from reports.catalog import Params, reports
from reports.rules import view_school_report
from schedule.models import Enrollment, GroupMembership, ReportingPeriod, StudyGroup, Substitution
from tests import factories as f
from tests.journal import MSK, at
from tests.reports import pdf_text, url

D = datetime.date
pytestmark = pytest.mark.django_db
LEADERSHIP = ("school_movement", "class_sizes", "finals_by_student", "journal_control")


class Fixture:
    pass


def student(school, last, first, login=True):
    return f.make_person(
        school, roles=["student"], last_name=last, first_name=first, patronymic="", login=login
    )


@pytest.fixture
def sw(world):
    school, year = world.school, world.year
    x = Fixture()
    x.q1 = ReportingPeriod.objects.select_related("scheme").get(
        scheme__year=year, scheme__kind="quarters", number=1
    )
    JournalSettings.objects.create(school=school, finals_deadline=FinalsDeadline.LAST_DAY)
    c5, c6 = world.class_5a, world.class_6b
    x.c1 = f.make_class(year, 1, "А", class_teacher=world.other_teacher)
    x.uch, x.dru = world.student, world.other_student
    x.andr = student(school, "Андреев", "Антон")
    x.bor = student(school, "Борисова", "Бэлла")
    x.lev = student(school, "Левина", "Лада")
    x.pet = student(school, "Петров", "Пётр", login=False)
    x.smi = student(school, "Смирнова", "Софья")
    x.ers = student(school, "Ершов", "Егор", login=False)
    x.first = [
        student(school, "Первый", "Павел", login=False),
        student(school, "Первая", "Полина", login=False),
    ]
    for p in (x.andr, x.bor):
        f.enroll(p, c5)
    f.enroll(x.lev, c5, ends=D(2026, 9, 30))
    f.enroll(x.pet, c6, ends=D(2026, 10, 4))
    Enrollment.objects.create(school=school, student=x.pet.student, school_class=c5, starts=D(2026, 10, 5))
    f.enroll(x.smi, c5, starts=D(2026, 10, 10))
    f.enroll(x.ers, c6)
    for p in x.first:
        f.enroll(p, x.c1)

    def group(name, kind, members, school_class=None):
        g = StudyGroup.objects.create(
            school=school, year=year, kind=kind, name=name, grade=5, school_class=school_class
        )
        for p, starts, ends in members:
            GroupMembership.objects.create(
                school=school, student=p.student, group=g, starts=starts, ends=ends
            )

    group("5А англ. 1", "subgroup", [(x.uch, year.starts, None), (x.andr, year.starts, None)], c5)
    group("5А англ. 2", "subgroup", [(x.bor, year.starts, D(2026, 10, 1)), (x.pet, D(2026, 10, 5), None)], c5)
    group("5 проф.", "cross_class", [(x.andr, year.starts, None)])

    math5, rus5, math6 = world.math_5a, world.russian_5a, world.math_6b
    finals = {
        math5: {x.uch: 5, x.andr: 5, x.bor: 3, x.pet: 3},
        rus5: {x.uch: 5, x.andr: 4, x.bor: 4, x.pet: 3},
        math6: {x.dru: 2, x.ers: 4},
    }
    # When each final was last changed (default: on time, 20.10).
    changed = {
        (math5, x.uch): D(2026, 10, 23),
        (math5, x.andr): D(2026, 10, 27),
        (math5, x.bor): D(2026, 10, 28),
    }
    changed[(math5, x.pet)] = D(2026, 10, 26)
    for course, marks in finals.items():
        for p, value in marks.items():
            FinalMark.objects.create(
                school=school,
                course=course,
                student=p.student,
                kind="period",
                period=x.q1,
                value=value,
                updated_at=at(changed.get((course, p), D(2026, 10, 20))),
            )
    # The mark log: Андреев's final was first entered on time (changed later); Петров's first entry was late.
    for seq, (p, day) in enumerate([(x.andr, D(2026, 10, 22)), (x.pet, D(2026, 10, 26))], start=1):
        MarkLogEntry.objects.create(
            school=school,
            seq=seq,
            at=at(day),
            kind="final_period",
            student=p.student,
            course=math5,
            period=x.q1,
            new="5",
            prev_hash="0" * 64,
            hash=f"{seq:064d}",
        )
    # A final of a student who left: not in the class at the period's end, never listed.
    FinalMark.objects.create(
        school=school, course=math5, student=x.lev.student, kind="period", period=x.q1, value=2
    )

    # Lessons (Q1 up to 24.10).
    oral = WorkType.objects.create(school=school, code="У", name="Устный ответ", weight=1, is_default=True)

    def lesson(course, day, topic="", homework=None, slot=1, **kw):
        lesson = f.make_lesson(course, day, slot, **kw)
        if topic:
            LessonTopic.objects.create(school=school, lesson=lesson, text=topic)
        if homework is not None:
            Homework.objects.create(school=school, lesson=lesson, text=homework[0], pages=homework[1])
        return lesson

    def marks(lesson, values):
        w = Work.objects.create(school=school, lesson=lesson, work_type=oral)
        for p, (m, excluded) in values.items():
            Cell.objects.create(school=school, work=w, student=p.student, marks=m, excluded=excluded)

    l1 = lesson(math5, D(2026, 9, 7), "Дроби", ("№ 1", ""))
    marks(l1, {x.uch: ([5], []), x.andr: ([2], [])})
    l2 = lesson(math5, D(2026, 9, 14), "Дроби")
    marks(l2, {x.uch: ([4], []), x.andr: ([3, 2], [0]), x.bor: ([], [])})
    l3 = lesson(math5, D(2026, 10, 20), "", ("", ""))  # an empty homework row is no homework
    marks(l3, {x.bor: ([4], [])})
    lesson(math5, D(2026, 10, 22), "Отменён", ("№ 5", ""), status="cancelled")
    later = lesson(math5, D(2026, 11, 9), "После", ("№ 6", ""))  # the second quarter
    marks(later, {x.pet: ([5], [])})
    replaced = lesson(math5, D(2026, 10, 21), "Замена", ("№ 3", ""))
    Substitution.objects.create(
        school=school, lesson=replaced, absent_teacher=world.teacher, substitute=world.substitute
    )
    lesson(rus5, D(2026, 9, 8), "Алфавит", ("", "с. 5"))
    lesson(math6, D(2026, 9, 10), "Числа")
    m6 = lesson(math6, D(2026, 9, 11), "Числа", slot=2)
    marks(m6, {x.dru: ([3], [])})
    literacy = f.make_course(
        f.whole_group(x.c1), f.make_subject(school, "Обучение грамоте"), world.other_teacher
    )
    lesson(literacy, D(2026, 9, 9), "Буквы")

    # Sign-ins (Moscow time): the audit trail's logins and the logins' last sign-in.
    def login(person, moment):
        AuditEvent.objects.create(school=school, actor=person.user, action="login", at=moment)

    login(x.uch, at(D(2026, 10, 1)))
    x.andr.user.last_login = at(D(2026, 9, 15))
    x.andr.user.save()
    x.bor.user.last_login = at(D(2026, 11, 5))
    x.bor.user.save()
    login(x.bor, at(D(2026, 8, 20)))
    login(x.dru, at(D(2026, 10, 24), 23, 30))
    AuditEvent.objects.create(school=school, actor=x.smi.user, action="login_failed", at=at(D(2026, 10, 2)))
    login(world.parent, at(D(2026, 10, 2)))
    x.both = f.make_person(school, roles=["parent"], last_name="Общая", first_name="Ольга")
    f.link_parent(x.both, x.uch)
    f.link_parent(x.both, x.dru)
    x.both.user.last_login = at(D(2026, 10, 10))
    x.both.user.save()
    return x


def params(world, sw, **kw):
    values = dict(school=world.school, year=world.year, period=sw.q1, today=D(2026, 10, 21))
    values.update(kw)
    return Params(**values)


def test_school_movement(world, sw):
    data = ql.school_movement(
        params(world, sw, period=None, date_from=D(2026, 9, 1), date_to=D(2026, 10, 31))
    )
    by_class, by_grade = data.tables
    # class, at the start, arrived, of them from other classes, left, of them to other classes, at the end
    assert by_class.rows == [
        ["1А", 2, 0, 0, 0, 0, 2],
        ["5А", 3 + 1, 2, 1, 1, 0, 5],
        ["6Б", 3, 0, 0, 1, 1, 2],
    ]
    assert by_class.totals[1:] == [9, 2, 1, 2, 1, 9]
    assert [r[1:] for r in by_grade.rows] == [
        [1, 2, 0, 0, 0, 0, 2],
        [1, 4, 2, 1, 1, 0, 5],
        [1, 3, 0, 0, 1, 1, 2],
    ]
    assert by_grade.totals[1:] == [3, 9, 2, 1, 2, 1, 9]
    assert data.params == ["01.09.2026 – 31.10.2026"]


def test_school_movement_within_a_shorter_range(world, sw):
    # 05.10–09.10: Петров is in 5А from the start of the range; Смирнова arrives after it.
    (by_class, _grades) = ql.school_movement(
        params(world, sw, period=None, date_from=D(2026, 10, 5), date_to=D(2026, 10, 9))
    ).tables
    assert by_class.rows[1] == ["5А", 4, 0, 0, 0, 0, 4]
    assert by_class.rows[2] == ["6Б", 2, 0, 0, 0, 0, 2]


def test_class_sizes(world, sw):
    data = ql.class_sizes(params(world, sw))  # within the period: on today, 21.10
    classes, levels, cross = data.tables
    assert classes.rows == [
        ["1А", 2, world.other_teacher.short_name, None],
        ["5А", 5, world.class_teacher.short_name, "5А англ. 1 — 2; 5А англ. 2 — 1"],
        ["6Б", 2, world.other_teacher.short_name, None],
    ]
    assert classes.totals[1] == 9
    assert [r[1:] for r in levels.rows] == [[1, 2, Decimal("2.0")], [2, 7, Decimal("3.5")]]
    assert levels.totals[1:] == [3, 9, Decimal("3.0")]
    assert cross.rows == [["5 проф.", 5, 1]]
    assert "21.10.2026" in data.params[0]
    # On the period's last day once it is over; on 01.09 before Петров moved.
    assert "24.10.2026" in ql.class_sizes(params(world, sw, today=D(2026, 12, 1))).params[0]
    early = ql.class_sizes(params(world, sw, period=None, today=D(2026, 9, 1))).tables[0]
    assert [r[1] for r in early.rows] == [2, 4, 3]


def test_finals_by_student(world, sw, english):
    data = ql.finals_by_student(params(world, sw))
    by_class, students = data.tables
    # class, students, excellent, good, one «3», more than one «3», failing, not assessed, progress, quality:
    # the rates out of all the class's students, so Смирнова's missing finals lower both.
    assert by_class.rows == [
        ["5А", 5, 1, 1, 1, 1, 0, 1, Decimal("80.0"), Decimal("40.0")],
        ["6Б", 2, 0, 1, 0, 0, 1, 0, Decimal("50.0"), Decimal("50.0")],
    ]
    assert by_class.totals == ["School", 7, 1, 2, 1, 1, 1, 1, Decimal("71.4"), Decimal("42.9")]
    uch, dru = world.student.full_name, world.other_student.full_name
    # 5, 4, 3, 2, missing, category
    assert students.rows == [
        ["5А", "Андреев Антон", 1, 1, 0, 0, 0, "«4» and «5» (good students)"],
        ["5А", "Борисова Бэлла", 0, 1, 1, 0, 0, "with one «3»"],
        ["5А", "Петров Пётр", 0, 0, 2, 0, 0, "with more than one «3»"],
        ["5А", "Смирнова Софья", 0, 0, 0, 0, 2, "not assessed (a final mark is missing)"],
        ["5А", uch, 2, 0, 0, 0, 0, "only «5» (excellent students)"],
        ["6Б", dru, 0, 0, 0, 1, 0, "with a «2» (failing)"],
        ["6Б", "Ершов Егор", 0, 1, 0, 0, 0, "«4» and «5» (good students)"],
    ]


def test_journal_control(world, sw):
    today = D(2026, 10, 30)
    assert deadline(sw.q1.ends, FinalsDeadline.LAST_DAY, 0) == D(2026, 10, 24) < today
    p = params(world, sw, today=today)
    since, until = ql.control_range(p)
    services.measure(world.school, since, until, now=datetime.datetime(2026, 10, 30, 12, tzinfo=MSK))
    data = ql.journal_control(p)
    teachers, deadlines, activity = data.tables
    # The deadlines table reads the measures the control page reads: the same counts per teacher.
    overview = control.overview(world.school, since, until)
    assert overview.total.total > 0
    by_teacher = {r[0]: r[1:] for r in deadlines.rows}
    for row in overview.teachers:
        line = by_teacher[row.teacher.short_name if row.teacher else "Администрация: расписание"]
        assert [line[i] for i in range(1, len(line), 3)] == [c.late for _k, c in row.ordered]
        assert [line[i] for i in range(2, len(line), 3)] == [c.missing for _k, c in row.ordered]
    assert deadlines.totals[2::3] == [c.late for _k, c in overview.ordered_totals]
    by_name = {r[0]: r[1:] for r in teachers.rows}
    # held, topic %, homework %, students, no marks %, one mark %, marks per student, finals due, late, missing
    assert by_name[world.teacher.short_name] == [
        3,
        Decimal("66.7"),
        Decimal("33.3"),
        5,
        Decimal("40.0"),
        Decimal("20.0"),
        Decimal("1.0"),
        5,
        2,
        1,
    ]
    assert by_name[world.substitute.short_name] == [
        1,
        Decimal("100.0"),
        Decimal("100.0"),
        0,
        None,
        None,
        None,
        0,
        0,
        0,
    ]
    assert by_name[world.class_teacher.short_name] == [
        1,
        Decimal("100.0"),
        Decimal("100.0"),
        5,
        Decimal("100.0"),
        Decimal("0.0"),
        Decimal("0.0"),
        5,
        0,
        1,
    ]
    # Математика 6Б (a «3» on 11.09 for Другов) and the first grade's Обучение грамоте (no homework expected,
    # no marks, no finals).
    assert by_name[world.other_teacher.short_name] == [
        3,
        Decimal("100.0"),
        Decimal("0.0"),
        2,
        Decimal("50.0"),
        Decimal("50.0"),
        Decimal("0.5"),
        2,
        0,
        0,
    ]
    assert len(teachers.rows) == 4
    assert teachers.totals[1:] == [
        8,
        Decimal("87.5"),
        Decimal("42.9"),
        12,
        Decimal("66.7"),
        Decimal("16.7"),
        Decimal("0.5"),
        12,
        2,
        2,
    ]
    assert data.params[-1] == "01.09.2026 – 24.10.2026"
    # class, students, with a login, signed in %, parents, with a login, signed in %
    assert activity.rows == [
        ["1А", 2, 0, Decimal("0.0"), 0, 0, None],
        ["5А", 5, 4, Decimal("40.0"), 2, 2, Decimal("100.0")],
        ["6Б", 2, 1, Decimal("50.0"), 2, 2, Decimal("50.0")],
    ]
    assert activity.totals[1:] == [9, 5, Decimal("33.3"), 3, 3, Decimal("66.7")]


def test_journal_control_before_the_deadline_counts_nothing_missing(world, sw):
    data = ql.journal_control(params(world, sw, today=D(2026, 10, 21)))
    teachers = data.tables[0]
    assert teachers.totals[-3:] == [12, 2, 0]  # due, entered late (the log says so already), missing
    assert teachers.totals[1] == 8  # every lesson of the fixture in the range was held by 21.10
    assert data.params[-1] == "01.09.2026 – 21.10.2026"


def _more_data(world, sw):
    """More classes, students, lessons, marks, finals and sign-ins (a second data size)."""
    school, year = world.school, world.year
    for n, letter in enumerate("ВГ"):
        cls = f.make_class(year, 7, letter, class_teacher=world.teacher)
        course = f.make_course(
            f.whole_group(cls), f.make_subject(school, f"Химия {letter}"), world.other_teacher
        )
        lesson = f.make_lesson(course, D(2026, 9, 15 + n), slot=3, teacher=world.other_teacher)
        LessonTopic.objects.create(school=school, lesson=lesson, text="Атомы")
        w = Work.objects.create(school=school, lesson=lesson, work_type=WorkType.objects.get(school=school))
        for i in range(4):
            p = student(school, f"Химиков{letter}{i}", "Харитон")
            f.enroll(p, cls)
            Cell.objects.create(school=school, work=w, student=p.student, marks=[5, 4])
            FinalMark.objects.create(
                school=school, course=course, student=p.student, kind="period", period=sw.q1, value=5
            )
            AuditEvent.objects.create(school=school, actor=p.user, action="login", at=at(D(2026, 10, 3)))


@pytest.mark.parametrize(
    ("code", "expected"),
    [("school_movement", 1), ("class_sizes", 2), ("finals_by_student", 1), ("journal_control", 8)],
)
def test_the_query_count_does_not_grow(world, sw, code, expected, django_assert_num_queries):
    spec = reports()[code]
    p = params(world, sw, date_from=D(2026, 9, 1), date_to=D(2026, 10, 31))
    p.school = School.objects.get(pk=world.school.pk)  # as fresh as in a request
    with django_assert_num_queries(expected):
        small = spec.query(p)
    _more_data(world, sw)
    p.school = School.objects.get(pk=world.school.pk)
    with CaptureQueriesContext(connection) as big:
        large = spec.query(p)
    assert len(big) == expected
    assert sum(len(t.rows) for t in large.tables) > sum(len(t.rows) for t in small.tables)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("admin", True),
        ("director", True),
        ("deputy", True),
        ("teacher", False),
        ("class_teacher", False),
        ("student", False),
        ("parent", False),
    ],
)
def test_allowed(world, who, allowed):
    person = getattr(world, who)
    actor = load_actor(person.user, person.school_id)
    for code in LEADERSHIP:
        assert reports()[code].allowed(actor, Params(school=world.school, year=world.year)) is allowed


def test_allowed_refuses_the_operator(world, operator):
    for code in LEADERSHIP:
        assert not reports()[code].allowed(Actor(user=operator), Params(school=None, year=None))
    assert not view_school_report(Actor(user=operator), None)


# Through the report pages (reports/views.py): HTML, XLSX and PDF of the same figures.


def query_of(code, sw):
    return (
        {"period": sw.q1.pk}
        if "period" in reports()[code].params
        else {"from": "2026-09-01", "to": "2026-10-31"}
    )


EXPECTED_TEXT = {
    "school_movement": ["5А", "6Б"],
    "class_sizes": ["5А англ. 1 — 2", "5 проф."],
    "finals_by_student": ["Андреев Антон", "Смирнова Софья", "71,4"],
    "journal_control": ["Заменов", "87,5", "33,3"],
}


@pytest.mark.parametrize("code", LEADERSHIP)
def test_every_leadership_report_renders_three_ways(login, world, sw, code):
    c = login(world.deputy)
    query = query_of(code, sw)
    page = c.get(url(code, **query))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="rp-table"' in html
    for expected in EXPECTED_TEXT[code]:
        assert expected in html, expected
    xlsx = c.get(url(code, "report_xlsx", **query))
    book = load_workbook(io.BytesIO(xlsx.content))
    cells = [v for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row]
    assert world.school.name in cells
    text = pdf_text(c.get(url(code, "report_pdf", **query)).content)
    for expected in EXPECTED_TEXT[code]:
        assert expected in text, expected


def test_movement_xlsx_carries_the_figures(login, world, sw):
    xlsx = login(world.director).get(url("school_movement", "report_xlsx", **query_of("school_movement", sw)))
    rows = list(load_workbook(io.BytesIO(xlsx.content)).worksheets[0].iter_rows(values_only=True))
    assert next(r for r in rows if r[0] == "5А")[:7] == ("5А", 4, 2, 1, 1, 0, 5)


@pytest.mark.parametrize("role", ["teacher", "class_teacher"])
def test_teachers_get_403(login, world, sw, role):
    for code in LEADERSHIP:
        assert login(getattr(world, role)).get(url(code)).status_code == 403


@pytest.mark.parametrize("code", LEADERSHIP)
def test_report_page_query_count_does_not_grow(login, world, sw, code, django_assert_num_queries):
    c = login(world.deputy)
    query = query_of(code, sw)
    c.get(url(code, **query))  # sessions, settings rows created on first use
    with CaptureQueriesContext(connection) as small:
        assert c.get(url(code, **query)).status_code == 200
    _more_data(world, sw)
    with django_assert_num_queries(len(small)):
        assert c.get(url(code, **query)).status_code == 200
    assert len(small) == PAGE_QUERIES[code]


# The page's own queries (session, login with its people, the year; the periods offered) and the query
# function's (1, 2, 1, 7).
PAGE_QUERIES = {"school_movement": 3, "class_sizes": 5, "finals_by_student": 4, "journal_control": 11}


def test_teachers_with_the_same_short_name_get_their_full_names(world, sw):
    twin = f.make_person(
        world.school,
        roles=["teacher"],
        last_name=world.teacher.last_name,
        first_name=world.teacher.first_name,
        patronymic=world.teacher.patronymic,
    )
    art = f.make_course(f.whole_group(world.class_6b), f.make_subject(world.school, "ИЗО"), twin)
    f.make_lesson(art, D(2026, 9, 18), 4)
    names = [r[0] for r in ql.journal_control(params(world, sw)).tables[0].rows]
    assert names.count(world.teacher.full_name) == 2 and world.teacher.short_name not in names
