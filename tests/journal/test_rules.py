"""journal/rules.py: the permission table, and the queryset twin agreeing with the object rule."""

import datetime

import pytest

from accounts.actor import load_actor
from journal import rules
from schedule.models import Course, CourseTeacher, ReportingPeriod, Substitution
from tests import factories as f

pytestmark = pytest.mark.django_db

SEP = datetime.date(2026, 9, 7)
PERSONAS = [
    "admin",
    "director",
    "deputy",
    "teacher",
    "other_teacher",
    "substitute",
    "class_teacher",
    "student",
    "parent",
]


def actor(person):
    return load_actor(person.user, person.school_id)


@pytest.fixture
def substituted(world):
    lesson = f.make_lesson(world.math_5a, SEP, 1)
    Substitution.objects.create(
        school=world.school, lesson=lesson, absent_teacher=world.teacher, substitute=world.substitute
    )
    return lesson


@pytest.mark.parametrize("persona", PERSONAS)
def test_courses_visible_to_agrees_with_view_course_journal(world, substituted, persona):
    a = actor(getattr(world, persona))
    by_rule = {c.pk for c in Course.objects.filter(year=world.year) if rules.view_course_journal(a, c)}
    assert set(rules.courses_visible_to(a, world.year).values_list("pk", flat=True)) == by_rule


@pytest.mark.parametrize("persona", PERSONAS)
def test_substituted_periods_agree_with_view_period_journal(world, substituted, persona):
    """The periods a substitute (and nobody who reads the whole course) opens."""
    a = actor(getattr(world, persona))
    courses = [c for c in Course.objects.filter(year=world.year) if not rules.view_course_journal(a, c)]
    periods = list(ReportingPeriod.objects.filter(school=world.school))
    by_rule = {(c.pk, p.pk) for c in courses for p in periods if rules.view_period_journal(a, c, p)}
    found = rules.substituted_periods(a, world.year)
    assert {(c.pk, p) for c in courses for p in found.get(c.pk, ())} == by_rule


def test_the_substitute_reads_only_the_replaced_lesson_and_its_period(world, substituted):
    a = actor(world.substitute)
    other = f.make_lesson(world.math_5a, SEP + datetime.timedelta(days=1), 1)
    next_quarter = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=2)
    assert rules.view_lesson(a, substituted) and not rules.view_lesson(a, other)
    assert rules.view_period_journal(a, world.math_5a, substituted.period)
    assert not rules.view_period_journal(a, world.math_5a, next_quarter)
    assert rules.lessons_shown(a, world.math_5a, substituted.period) == {substituted.pk}
    assert not rules.view_finals(a, world.math_5a) and not rules.view_plan(a, world.math_5a)
    assert not rules.edit_plan(a, world.math_5a) and not rules.set_finals(a, world.math_5a)
    assert rules.lessons_shown(actor(world.teacher), world.math_5a, substituted.period) is None


def test_who_reads_which_course(world, substituted):
    readable = {
        p: {
            c.subject.name + " " + c.group.name
            for c in rules.courses_visible_to(actor(getattr(world, p)), world.year)
        }
        for p in PERSONAS
    }
    everything = {"Математика 5А", "Русский язык 5А", "Математика 6Б"}
    assert readable["admin"] == readable["director"] == readable["deputy"] == everything
    assert readable["teacher"] == {"Математика 5А"}
    assert readable["class_teacher"] == {"Математика 5А", "Русский язык 5А"}  # the whole class, read
    assert readable["other_teacher"] == {"Математика 6Б"}  # 6Б's class teacher and its maths teacher
    assert readable["substitute"] == set()  # one replaced lesson opens that lesson, not the course (R-ACC-6)
    assert readable["student"] == readable["parent"] == set()


def test_who_edits_a_lesson(world, substituted):
    own = f.make_lesson(world.math_5a, SEP + datetime.timedelta(days=1), 1)
    allowed = {p: rules.edit_lesson(actor(getattr(world, p)), own) for p in PERSONAS}
    assert [p for p, ok in allowed.items() if ok] == ["teacher"]
    # The substitute fills the replaced lesson only.
    assert rules.edit_lesson(actor(world.substitute), substituted)
    assert not rules.edit_lesson(actor(world.substitute), own)
    # The class teacher edits their own course of the class.
    russian = f.make_lesson(world.russian_5a, SEP, 2)
    assert rules.edit_lesson(actor(world.class_teacher), russian)
    assert not rules.edit_lesson(actor(world.class_teacher), own)


def test_a_teacher_who_took_over_mid_period_edits_the_whole_period(world):
    early = f.make_lesson(world.math_5a, SEP, 1)
    CourseTeacher.objects.create(
        school=world.school,
        course=world.math_5a,
        teacher=world.other_teacher,
        starts=datetime.date(2026, 10, 1),
    )
    assert rules.edit_lesson(actor(world.other_teacher), early)  # same quarter, before the takeover
    next_quarter = f.make_lesson(world.math_6b, datetime.date(2026, 11, 9), 1)
    assert not rules.edit_lesson(actor(world.teacher), next_quarter)
