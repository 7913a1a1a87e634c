"""`seed_demo` on any day of the year (issue 13): the tiny demo built at a date, and its home pages read at
that same date by each demo login.

The school day, a Sunday in the winter holidays, New Year's Eve (a Friday in the holidays), a day in the
summer (the year ended and closed with its finals and signed printouts, the next one prepared) and
29 February of a leap year. Each date's school is built once (at that moment of the clock) and read by
every test of the date.
"""

import datetime
import re
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Person, School
from ejournal import demo
from journal.models import CourseLock, FinalKind, FinalMark
from reports.models import Printout, PrintoutSignature, Step
from schedule.models import (
    AcademicYear,
    Course,
    CourseTeacher,
    Enrollment,
    Holiday,
    Lesson,
    ReportingPeriod,
    SchoolClass,
    TimetableEntry,
)
from tests.clock import DEFAULT_NOW, moment

SLUG = "demo-tiny-dates"
PREFIX = "tiny-"  # the tiny size's logins (`seed_demo` has no prefix option)

SCHOOL_DAY = DEFAULT_NOW.strftime("%Y-%m-%d %H:%M")  # Wednesday 9 December 2026, 10:00
WINTER_SUNDAY = "2027-01-03 10:00"
NEW_YEARS_EVE = "2027-12-31 10:00"
SUMMER = "2027-07-18 10:00"
LEAP_DAY = "2028-02-29 10:00"

ROLES = ("teacher", "class_teacher", "deputy", "director", "parent", "student")


@pytest.fixture(
    scope="module",
    params=[SCHOOL_DAY, WINTER_SUNDAY, NEW_YEARS_EVE, SUMMER, LEAP_DAY],
    ids=["school-day", "winter-sunday", "new-years-eve", "summer", "leap-day"],
)
def built(request, django_db_setup, django_db_blocker):
    """The tiny demo as `seed_demo --today` builds it at the moment of the date (committed, for the module)."""
    when = moment(request.param)
    with django_db_blocker.unblock(), time_machine.travel(when, tick=True):
        for stale in School.objects.filter(slug=SLUG):
            demo.purge_school(stale)
        out = StringIO()
        call_command("seed_demo", size="tiny", slug=SLUG, today=when.date(), stdout=out)
        school = School.objects.get(slug=SLUG)
    yield {"when": when, "school": school, "output": out.getvalue()}
    with django_db_blocker.unblock():
        demo.purge_school(School.objects.get(slug=SLUG))


@pytest.fixture
def at(built, db, clock):
    """The built school, with the test's clock at the moment it was built for."""
    clock.move_to(built["when"])
    return built


def home(client, role) -> str:
    user = Person.objects.get(school__slug=SLUG, user__username=PREFIX + demo.USERNAMES[role]).user
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200, role
    return response.content.decode()


def block(html: str, testid: str) -> str:
    """The element with `data-testid=testid` (to its first closing tag of the same name), or ''."""
    found = re.search(rf'<(\w+)[^>]*data-testid="{testid}"', html)
    if not found:
        return ""
    start, tag = found.start(), found.group(1)
    depth, i = 0, start
    for m in re.finditer(rf"<(/?){tag}\b", html[start:]):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            i = start + m.end()
            break
    return html[start:i]


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


EXPECTED = {
    # date → (the day-off card's kind or None, its sentence, the next school day) for teachers and families
    SCHOOL_DAY: (None, "", ""),
    LEAP_DAY: (None, "", ""),
    WINTER_SUNDAY: ("holiday", "Зимние каникулы до 11 января включительно.", "вторник, 12 января"),
    NEW_YEARS_EVE: ("holiday", "Зимние каникулы до 11 января включительно.", "среда, 12 января"),
    SUMMER: (
        "summer",
        "Летние каникулы: учебный год 2026/2027 завершился 31 мая. "
        "Учебный год 2027/2028 начнётся 1 сентября.",
        "среда, 1 сентября",
    ),
}


def _day_off_is_right(html, built, family=False):
    kind, sentence, next_day = EXPECTED[built["when"].strftime("%Y-%m-%d %H:%M")]
    card = block(html, "day-off")
    if kind is None:
        assert not card
        return
    assert f'data-kind="{kind}"' in card
    assert sentence in text(card)
    if family and kind == "summer":  # the first day of the next year is weeks away: not listed
        assert "Ближайший учебный день" not in text(card)
        return
    assert f"Ближайший учебный день: {next_day}" in text(card)
    assert "wk-item" in block(card, "next-lessons")  # the lessons of that day


@pytest.mark.parametrize("role", ["teacher", "class_teacher"])
def test_teachers_see_their_day(client, at, role):
    page = home(client, role)
    _day_off_is_right(page, at)
    lessons = block(page, "today-lessons")
    if EXPECTED[at["when"].strftime("%Y-%m-%d %H:%M")][0] is None:
        assert "wk-item" in lessons and 'data-testid="day-off"' not in lessons
    else:
        assert "wk-item" not in lessons.replace(block(lessons, "next-lessons"), "")


@pytest.mark.parametrize("role", ["parent", "student"])
def test_families_see_their_childs_day(client, at, role):
    page = home(client, role)
    _day_off_is_right(page, at, family=True)
    assert 'data-testid="child-subjects"' in page


@pytest.mark.parametrize("role", ["deputy", "director"])
def test_the_leadership_sees_the_holidays_and_the_summer(client, at, role):
    page = home(client, role)
    kind = EXPECTED[at["when"].strftime("%Y-%m-%d %H:%M")][0]
    card = block(page, "day-off")
    if kind is None:
        assert not card
    else:
        assert f'data-kind="{kind}"' in card
        assert EXPECTED[at["when"].strftime("%Y-%m-%d %H:%M")][1] in text(card)
    assert "5А" in page  # the classes


def test_the_year_of_the_date_is_built(at):
    year = AcademicYear.objects.filter(school=at["school"]).order_by("starts").first()
    day = at["when"].date()
    start = day.year if day.month >= 9 else day.year - 1
    assert (year.starts, year.ends) == (datetime.date(start, 9, 1), datetime.date(start + 1, 5, 31))
    assert "Built МБОУ СОШ № 3" in at["output"]


# The summer: the year ended and closed, its finals and signed printouts; the next year prepared


only_summer = pytest.mark.parametrize("built", [SUMMER], ids=["summer"], indirect=True)


@pytest.fixture
def summer(at):
    school = at["school"]
    ended, coming = AcademicYear.objects.filter(school=school).order_by("starts")
    return {**at, "ended": ended, "coming": coming}


@only_summer
def test_summer_the_year_is_closed_with_every_final_in(summer):
    ended = summer["ended"]
    assert ended.name == "2026/2027" and ended.status == AcademicYear.Status.CLOSED
    # Every course with finals: a final of each period and of the year for each student there at the end.
    finals = FinalMark.objects.filter(course__year=ended)
    assert finals.filter(kind=FinalKind.YEAR).exists()
    last_periods = ReportingPeriod.objects.filter(scheme__year=ended).order_by("-ends")
    for course in Course.objects.filter(year=ended).select_related("subject", "group"):
        if course.subject.no_final_assessment or course.group.grade == 1:
            assert not finals.filter(course=course).exists()
            continue
        last = last_periods.filter(scheme__grades__contains=[course.group.grade]).first()
        students = set(
            finals.filter(course=course, kind=FinalKind.PERIOD, period=last).values_list("student", flat=True)
        )
        year_finals = set(finals.filter(course=course, kind=FinalKind.YEAR).values_list("student", flat=True))
        assert students and year_finals == students, course
        assert CourseLock.objects.filter(course=course, period=last, locked=True).exists(), course
    # The year final is the proposal from the period finals (their mean by the thresholds).
    some = finals.filter(kind=FinalKind.YEAR).first()
    assert some.proposed == some.value and some.rule


@only_summer
def test_summer_printouts_are_signed_in_order_and_frozen(summer):
    printouts = Printout.objects.filter(school=summer["school"], year=summer["ended"]).select_related(
        "school_class", "period"
    )
    names = {(p.school_class.name, p.period.name if p.period else "year") for p in printouts}
    assert {("5А", "4 четверть"), ("5А", "year"), ("11А", "2 полугодие"), ("11А", "year")} <= names
    assert len(names) == 2 * demo.SIGNED_CLASSES
    for p in printouts:
        assert p.is_frozen and p.final and len(p.sha256) == 64
        steps = list(PrintoutSignature.objects.filter(printout=p).order_by("signed_at", "pk"))
        order = [s.step for s in steps]
        courses = len(p.courses)
        assert order == [Step.COURSE] * courses + [Step.CLASS_TEACHER, Step.DEPUTY, Step.DIRECTOR]
        assert steps[-3].person_id == p.class_teacher_id


@only_summer
def test_summer_the_next_year_is_prepared(summer):
    ended, coming = summer["ended"], summer["coming"]
    assert (coming.name, coming.starts, coming.status) == ("2027/2028", datetime.date(2027, 9, 1), "open")
    assert ReportingPeriod.objects.filter(scheme__year=coming).count() == 6
    assert Holiday.objects.filter(year=coming, name="Зимние каникулы").exists()
    old = {(c.grade, c.letter) for c in SchoolClass.objects.filter(year=ended)}
    new = {(c.grade, c.letter) for c in SchoolClass.objects.filter(year=coming)}
    assert new == {(g + 1, letter) for g, letter in old if g < 11} | {(1, "А")}
    # Everyone there on 31 May moves up but the eleventh grade; new first graders arrive; all from 1 September.
    stayed = Enrollment.objects.filter(school_class__year=ended, ends=ended.ends)
    moved = Enrollment.objects.filter(school_class__year=coming)
    assert set(moved.values_list("starts", flat=True)) == {coming.starts}
    assert not moved.filter(ends__isnull=False).exists()
    graduates = stayed.filter(school_class__grade=11)
    assert graduates and set(graduates.values_list("departure_note", flat=True)) == {"окончил(а) 11 классов"}
    assert not moved.filter(student__in=graduates.values("student")).exists()
    assert set(moved.exclude(school_class__grade=1).values_list("student", flat=True)) == set(
        stayed.exclude(school_class__grade=11).values_list("student", flat=True)
    )
    assert moved.filter(school_class__grade=1).count() >= 4
    # Courses with teachers, a timetable and lessons from 1 September; the demo class moves up with its teacher.
    assert not Course.objects.filter(year=coming).exclude(teachers__isnull=False).exists()
    assert TimetableEntry.objects.filter(year=coming).exists()
    first = Lesson.objects.filter(year=coming).order_by("date").first()
    assert first.date == coming.starts
    class_teacher = Person.objects.get(school=summer["school"], user__username=PREFIX + "classteacher")
    assert SchoolClass.objects.get(year=coming, class_teacher=class_teacher).name == "6А"
    teacher = Person.objects.get(school=summer["school"], user__username=PREFIX + "teacher")
    assert CourseTeacher.objects.filter(
        teacher=teacher, course__year=coming, course__group__name="6А", course__subject__name="Математика"
    ).exists()


@only_summer
def test_summer_homes(client, summer):
    for role in ("parent", "student"):
        family = home(client, role)
        assert "2026/2027" in family and 'data-kind="year"' in family  # the year finals
        assert re.search(r"С 1 сентября — \d+А класс\.", text(block(family, "next-class"))), role
    assert "С 1 сентября — 6А класс." in text(block(home(client, "student"), "next-class"))
    teacher = home(client, "class_teacher")
    signed = text(block(teacher, "signed-printouts"))
    assert "Подписанные распечатки 2026/2027" in signed and "5А · 4 четверть" in signed
    assert "6А" in teacher  # the class of the next year
    deputy = home(client, "deputy")
    assert "11А · 2 полугодие" in text(block(deputy, "signed-printouts"))
    assert "учащихся с 1 сентября" in text(deputy)


@only_summer
@pytest.mark.parametrize("role", ["parent", "student", "class_teacher", "deputy", "director"])
def test_summer_links_of_the_homes_open(client, summer, role):
    """The diary and the signed printouts linked from the summer homes answer (the year ended is read-only)."""
    page = home(client, role)
    links = set(re.findall(r'href="(/(?:diary|school/reports/printouts)/[^"?#]*)', page))
    links |= set(re.findall(r'href="([^"]*/printouts/\d+/)"', page))
    assert links, role
    for url in sorted(links):
        assert client.get(url, follow=True).status_code == 200, url
