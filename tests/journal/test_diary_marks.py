"""The diary's marks by subject (R-D-2): the figures equal the teacher's grid and finals proposals, only the
student's own marks, the period switch, the year's overview, empty states, 404 for another family, and a
fixed number of queries.

The clock is the real one (December 2026, the second quarter of the world's year); marks are put in
through the journal's services with `now` on the lesson's day.
"""

import datetime
import re

import pytest
from django.urls import reverse

from journal.diary import marks as dm
from journal.finals.selectors import finals_table, propose_period
from journal.finals.services import record_final
from journal.finals.values import Thresholds, propose
from journal.grid import selectors as js
from journal.grid.services import add_work, ensure_default_work_types, record_cell
from journal.models import Cell, FinalMark, JournalSettings, Work
from schedule.models import Lesson, ReportingPeriod
from schedule.selectors import local_today
from tests import factories as f

from . import actor, at, d

pytestmark = pytest.mark.django_db


def quarter(world, n):
    return ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=n)


@pytest.fixture
def types(world):
    return {t.code: t for t in ensure_default_work_types(world.school)}


def put(course, day, student, raw, work_type, slot=1):
    """One mark column of `work_type` on `day` with `raw` typed for `student`, by the course's teacher."""
    teacher = actor(course.teachers.first().teacher)
    held = Lesson.objects.filter(course=course, date=day, slot=slot).first() or f.make_lesson(
        course, day, slot
    )
    work = add_work(actor=teacher, lesson=held, work_type=work_type, now=at(day))
    record_cell(actor=teacher, work=work, student=student, raw=raw, version=None, now=at(day))
    return work


def url(student, period=None, name="diary:marks"):
    base = reverse(name, args=[student.pk])
    return f"{base}?period={period}" if period is not None else base


def values(html):
    """The mark texts the page shows, in order."""
    return re.findall(r'<span class="dm-value">([^<]*)</span>', html)


@pytest.fixture
def classmate(world):
    person = f.make_person(world.school, roles=["student"], last_name="Соседова", first_name="Яна")
    f.enroll(person, world.class_5a)
    return person.student


@pytest.fixture
def q1_marks(world, types, classmate):
    """Q1 maths of Ученикова: 5 (У), 4 (КР), (2)/5 (СР retake), • (owed); Russian 3 (Д), 4 (У).
    The classmate gets 2s in the same columns (never shown to Ученикова's family)."""
    me = world.student.student
    math, russian = world.math_5a, world.russian_5a
    for day, raw, code, other in [
        (d(9, 7), "5", "У", "2"),
        (d(9, 14), "4", "КР", "2"),
        (d(9, 21), "(2)/5", "СР", "2"),
        (d(10, 5), "•", "У", "3"),
    ]:
        work = put(math, day, me, raw, types[code])
        teacher = actor(world.teacher)
        record_cell(actor=teacher, work=work, student=classmate, raw=other, version=None, now=at(day))
    put(russian, d(9, 8), me, "3", types["Д"])
    put(russian, d(9, 15), me, "4", types["У"])
    return me


def test_the_figures_equal_the_teachers_grid_and_proposals(world, q1_marks, client):
    q1 = quarter(world, 1)
    me = q1_marks
    page = dm.marks_page(me, world.class_5a, str(q1.pk), local_today(world.school))
    by_course = {s.course.pk: s for s in page.subjects}
    thresholds = Thresholds.of(JournalSettings.objects.get_or_create(school=world.school)[0])
    proposals = {
        p.course_id: p.proposal
        for p in propose_period(q1, [world.math_5a, world.russian_5a])
        if p.student_id == me.pk
    }
    for course in (world.math_5a, world.russian_5a):
        grid = js.grid(course, q1)
        row = by_course[course.pk]
        assert row.average == grid.averages[me.pk] == js.averages(course, q1)[me.pk]
        assert row.forecast.proposal == proposals[course.pk]
        table = finals_table(course, local_today(world.school))
        cell = next(r for r in table.rows if r.student.pk == me.pk).cells[0]
        assert cell.period == q1 and row.forecast.proposal == cell.proposal
        assert row.forecast.proposal == propose(row.total, row.weights, thresholds)
    # Maths: 5·1 + 4·2 + 5·1.5 = 20.5 over 4.5 = 4.555… → 4.56, a 4; Russian: 3·2 + 4·1 = 10 / 3 = 3.33 → 3.
    assert str(by_course[world.math_5a.pk].average) == "4.56"
    assert by_course[world.math_5a.pk].forecast.mark == 4
    assert str(by_course[world.russian_5a.pk].average) == "3.33"

    client.force_login(world.parent.user)
    html = client.get(url(me, q1.pk)).content.decode()
    assert re.findall(r'data-testid="average">([^<]*)<', html) == ["4,56", "3,33"]
    assert re.findall(r'data-testid="forecast">([^<]*)<', html) == ["4", "3"]


def test_the_marks_read_as_the_home_page_reads_them(world, q1_marks):
    q1 = quarter(world, 1)
    marks, averages = js.student_marks(q1_marks, q1)
    assert dm.period_marks(q1_marks, q1) == marks
    page = dm.marks_page(q1_marks, world.class_5a, str(q1.pk), local_today(world.school))
    assert {s.course.pk: s.average for s in page.subjects if s.average is not None} == averages


def test_the_forecast_on_the_page_names_the_weights(world, q1_marks, client):
    q1 = quarter(world, 1)
    page = dm.marks_page(q1_marks, world.class_5a, str(q1.pk), datetime.date(2026, 10, 10))  # inside Q1
    math = next(s for s in page.subjects if s.course.pk == world.math_5a.pk)
    # 20.5 / 4.5 → 5 needs (20.5 + 10n)/(4.5 + 2n) ≥ 4.65 ⇔ 0.7n ≥ 0.425 → one КР/Д/С 5;
    # weight 1.5: 0.525n ≥ 0.425 → 1; weight 1: 0.35n ≥ 0.425 → 2.
    assert [(s.label, s.count) for s in math.forecast.steps] == [
        ("Д, С, КР", 1),
        ("СР, ПР, ЛР", 1),
        ("У, ДЗ", 2),
    ]
    assert math.next_bound == "4,65"
    # One 2 of weight 1: 22.5/5.5 = 4.09 (still 4); weight 2: 24.5/6.5 = 3.77 (4): no risk.
    assert math.forecast.risks == []
    russian = next(s for s in page.subjects if s.course.pk == world.russian_5a.pk)
    # 10 / 3 = 3.33: one 2 of weight 1 → 12/4 = 3.0 (3); weight 2 → 14/5 = 2.8 (3): no risk either.
    assert russian.forecast.mark == 3 and russian.forecast.risks == []


def test_the_current_period_shows_the_steps_and_the_risk(world, types, client):
    me = world.student.student
    put(world.math_5a, d(11, 10), me, "4", types["У"])
    client.force_login(world.parent.user)
    html = client.get(url(me)).content.decode()  # December 2026: the second quarter, still running
    box = re.search(rf'data-course="{world.math_5a.pk}".*?</section>', html, re.S).group(0)
    # 4/1 → 5: weight 2: (4 + 10n)/(1 + 2n) ≥ 4.65 ⇔ 0.7n ≥ 0.65 → 1; weight 1.5: 0.525n ≥ 0.65 → 2;
    # weight 1: 0.35n ≥ 0.65 → 2. One 2 of any weight: 6/2 = 3.
    assert re.findall(r'<li data-count="(\d+)"', box) == ["1", "2", "2"]
    assert box.count('data-testid="risk"') == 1


def test_only_the_students_own_marks_are_shown(world, q1_marks, classmate, client):
    client.force_login(world.parent.user)
    html = client.get(url(q1_marks, quarter(world, 1).pk)).content.decode()
    assert values(html) == ["5", "4", "(2)/5", "•", "3", "4"]
    assert "Соседова" not in html
    # The classmate's own parent-less diary, read by the class teacher, has the 2s.
    client.force_login(world.class_teacher.user)
    html = client.get(url(classmate, quarter(world, 1).pk)).content.decode()
    assert values(html) == ["2", "2", "2", "3"]


def test_another_familys_child_is_404_for_the_parent_and_the_student(world, other_world, client):
    for person in (world.parent, world.student):
        client.force_login(person.user)
        for name in ("diary:marks", "diary:charts"):
            assert client.get(url(world.other_student.student, name=name)).status_code == 404
            assert client.get(url(other_world.student.student, name=name)).status_code == 404


def test_the_period_switch(world, q1_marks, types, client):
    q2 = quarter(world, 2)
    put(world.math_5a, d(11, 10), q1_marks, "3", types["КР"])
    client.force_login(world.student.user)
    assert values(client.get(url(q1_marks, quarter(world, 1).pk)).content.decode()) == [
        "5",
        "4",
        "(2)/5",
        "•",
        "3",
        "4",
    ]
    current = client.get(url(q1_marks)).content.decode()  # December 2026: the second quarter
    assert values(current) == ["3"]
    assert f'aria-current="page" data-period="{q2.pk}"' in current
    # A period id of another grade's scheme or nonsense falls back to the current period.
    half = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="halves", number=1)
    for bad in (half.pk, "x", "99999999999999999999"):
        assert values(client.get(url(q1_marks, bad)).content.decode()) == ["3"]


def test_the_period_mark_once_set_replaces_the_forecast(world, q1_marks, client):
    q1 = quarter(world, 1)
    teacher = actor(world.teacher)
    record_final(
        actor=teacher,
        course=world.math_5a,
        student=q1_marks,
        kind="period",
        period=q1,
        raw="5",
        version=None,
        now=at(d(10, 24)),
    )
    client.force_login(world.parent.user)
    html = client.get(url(q1_marks, q1.pk)).content.decode()
    assert re.findall(r'data-testid="final">([^<]*)<', html) == ["5"]
    assert re.findall(r'data-testid="forecast">([^<]*)<', html) == ["3"]  # Russian: no final yet
    year = client.get(url(q1_marks, "year")).content.decode()
    assert 'data-testid="year-table"' in year
    row = re.search(rf'<tr data-course="{world.math_5a.pk}">(.*?)</tr>', year, re.S).group(1)
    assert '<strong class="dm-m5">5</strong>' in row
    russian = re.search(rf'<tr data-course="{world.russian_5a.pk}">(.*?)</tr>', year, re.S).group(1)
    assert "3,33" in russian  # the average so far, no period mark yet


def test_no_final_assessment_and_no_marks(world, types, client):
    world.russian_5a.subject.no_final_assessment = True
    world.russian_5a.subject.save()
    put(world.russian_5a, d(11, 10), world.student.student, "5", types["У"])
    page = dm.marks_page(world.student.student, world.class_5a, None, datetime.date(2026, 11, 20))
    by_course = {s.course.pk: s for s in page.subjects}
    assert by_course[world.russian_5a.pk].forecast is None and by_course[world.russian_5a.pk].average
    assert by_course[world.math_5a.pk].marks == [] and by_course[world.math_5a.pk].forecast is None
    client.force_login(world.student.user)
    html = client.get(url(world.student.student)).content.decode()
    assert html.count('data-testid="subject"') == 2


def test_the_first_grade_has_a_sensible_empty_state(world, client):
    first = f.make_class(world.year, 1, "А", class_teacher=world.class_teacher)
    f.make_course(f.whole_group(first), world.math_5a.subject, world.teacher)
    child = f.make_person(world.school, roles=["student"], last_name="Малышова", first_name="Ася")
    f.enroll(child, first)
    client.force_login(world.admin.user)
    for name in ("diary:marks", "diary:charts"):
        response = client.get(url(child.student, name=name))
        assert response.status_code == 200
        assert 'data-testid="empty"' in response.content.decode()
        assert 'data-testid="subject"' not in response.content.decode()


def test_a_student_who_left_sees_their_last_class(world, q1_marks, client):
    from schedule.models import Enrollment

    Enrollment.objects.filter(student=q1_marks).update(ends=datetime.date(2026, 10, 31))
    client.force_login(world.student.user)
    html = client.get(url(q1_marks, quarter(world, 1).pk)).content.decode()
    assert values(html) == ["5", "4", "(2)/5", "•", "3", "4"]


def bulk_marks(world, student, subjects: int, marks: int):
    """`subjects` courses of 5А with `marks` marks spread over them in the current quarter, written
    directly (the services are tested elsewhere)."""
    types = list(ensure_default_work_types(world.school))
    courses = [world.math_5a, world.russian_5a]
    for i in range(max(0, subjects - 2)):
        subject = f.make_subject(world.school, f"Предмет {i}")
        courses.append(f.make_course(f.whole_group(world.class_5a), subject, world.teacher))
    courses = courses[:subjects]
    q2 = quarter(world, 2)
    every = [q2.starts + datetime.timedelta(days=k) for k in range((q2.ends - q2.starts).days)]
    days = [day for day in every if day.weekday() < 5]
    lessons = {}
    for n in range(marks):
        index = n % len(courses)
        course, day = courses[index], days[(n // len(courses)) % len(days)]
        lesson = lessons.get((course.pk, day))
        if lesson is None:
            lesson = lessons[(course.pk, day)] = timed_lesson(world, course, q2, day, index)
        work = Work.objects.create(
            school=world.school,
            lesson=lesson,
            work_type=types[n % len(types)],
            position=Work.objects.filter(lesson=lesson).count() + 1,
        )
        Cell.objects.create(school=world.school, work=work, student=student, marks=[2 + n % 4])
    return courses


def timed_lesson(world, course, period, day, index):
    """A lesson of `course` on `day` at a time of its own (courses in one group never overlap)."""
    start = datetime.datetime.combine(day, datetime.time(8, 0)) + datetime.timedelta(minutes=50 * index)
    return Lesson.objects.create(
        school=world.school,
        year=world.year,
        period=period,
        course=course,
        group=course.group,
        teacher=course.teachers.first().teacher,
        date=day,
        slot=index + 1,
        starts=start.time(),
        ends=(start + datetime.timedelta(minutes=45)).time(),
    )


PAGE_QUERIES = {"parent": 12, "student": 10}


@pytest.mark.parametrize(("subjects", "marks"), [(1, 3), (15, 300)])
@pytest.mark.parametrize("who", ["parent", "student"])
def test_the_page_costs_the_same_queries_for_3_and_300_marks(
    world, client, django_assert_num_queries, subjects, marks, who
):
    courses = bulk_marks(world, world.student.student, subjects, marks)
    FinalMark.objects.create(
        school=world.school, course=courses[0], student=world.student.student, kind="year", value=4
    )
    client.force_login(getattr(world, who).user)
    client.get(url(world.student.student))  # warm the session and the school's settings row
    with django_assert_num_queries(PAGE_QUERIES[who]):
        response = client.get(url(world.student.student))
    assert response.status_code == 200
    html = response.content.decode()
    assert len(values(html)) == marks
    assert html.count('data-testid="subject"') == max(subjects, 2)  # 5А's Russian is listed without marks
    with django_assert_num_queries(PAGE_QUERIES[who] - 2):  # the year: no marks, no work types
        assert client.get(url(world.student.student, "year")).status_code == 200
