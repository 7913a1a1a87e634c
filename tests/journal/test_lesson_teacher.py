"""Who teaches a lesson is one rule (`journal.policy.assignment_covers`), and every place that asks agrees:
the grid's editable set, the page rule, the write policy, the save path's SQL and the save itself.

The course changes hands in the middle of the second quarter (the 2026/27 world: quarter 1 is 1.09–24.10,
quarter 2 is 5.11–28.12). The teacher who takes it over completes the whole quarter, its earlier columns
included; the one who hands it over keeps the lessons they gave; an assignment that begins in a later
quarter gives nothing of this one. Before the rule was one, the grid showed the new teacher the quarter's
earlier cells as editable and the save answered 403.
"""

import datetime

import pytest
from django.urls import reverse

from journal import policy, rules
from journal.grid.write_context import load_work
from journal.models import Cell, EditWindow, JournalSettings, Work, WorkType
from schedule.models import CourseTeacher, Lesson

from . import actor, d, lesson

pytestmark = pytest.mark.django_db

DAYS = [d(10, 5), d(10, 20), d(11, 16), d(12, 2), d(12, 8)]
HANDED_OVER, TAKEN_OVER, NEXT_QUARTER = d(11, 20), d(11, 21), d(1, 15)

# (who, their assignment) → teaches the lesson of each of DAYS.
EXPECTED = {
    "teacher": [True, True, True, False, False],  # 1.09 – 20.11: the lessons they gave
    "other_teacher": [False, False, True, True, True],  # from 21.11: all of quarter 2, none of quarter 1
    "substitute": [False, False, False, False, False],  # from 15.01: quarter 3 onwards
    "class_teacher": [False, False, False, False, False],  # never assigned
}


def test_the_rule_itself():
    q1_ends, q2_ends = d(10, 24), d(12, 28)
    assignments = {
        "teacher": (d(9, 1), HANDED_OVER),
        "other_teacher": (TAKEN_OVER, None),
        "substitute": (NEXT_QUARTER, None),
    }
    for who, (starts, ends) in assignments.items():
        got = [
            policy.assignment_covers(
                starts, ends, lesson_date=day, period_ends=q1_ends if day < d(11, 1) else q2_ends
            )
            for day in DAYS
        ]
        assert got == EXPECTED[who], who
    # The edges: an assignment beginning on the period's last day, one ending on the lesson's day.
    assert policy.assignment_covers(q2_ends, None, lesson_date=d(11, 5), period_ends=q2_ends)
    assert not policy.assignment_covers(
        q2_ends + datetime.timedelta(days=1), None, lesson_date=d(11, 5), period_ends=q2_ends
    )
    assert policy.assignment_covers(d(9, 1), d(11, 16), lesson_date=d(11, 16), period_ends=q2_ends)
    assert not policy.assignment_covers(d(9, 1), d(11, 15), lesson_date=d(11, 16), period_ends=q2_ends)


@pytest.fixture
def handover(world):
    JournalSettings.objects.create(school=world.school, edit_window=EditWindow.NEVER_LOCKED)
    oral = WorkType.objects.create(
        school=world.school, code="У", name="Устный ответ", weight=1, is_default=True
    )
    course = world.math_5a
    CourseTeacher.objects.filter(course=course, teacher=world.teacher).update(
        starts=d(9, 1), ends=HANDED_OVER
    )
    CourseTeacher.objects.create(
        school=world.school, course=course, teacher=world.other_teacher, starts=TAKEN_OVER
    )
    CourseTeacher.objects.create(
        school=world.school, course=course, teacher=world.substitute, starts=NEXT_QUARTER
    )
    works = [
        Work.objects.create(school=world.school, lesson=lesson(course, day), work_type=oral) for day in DAYS
    ]
    return course, works


def people(world):
    return {who: getattr(world, who) for who in EXPECTED}


def test_every_place_that_asks_agrees(world, handover):
    course, works = handover
    pupil = world.student.student
    for who, person in people(world).items():
        me = actor(person)
        by_period: dict[int, dict[int, datetime.date]] = {}
        for work in works:
            by_period.setdefault(work.lesson.period_id, {})[work.lesson_id] = work.lesson.date
        editable = set()
        for lessons in by_period.values():
            period = Lesson.objects.get(pk=next(iter(lessons))).period
            editable |= rules.editable_lesson_ids(me, course, period, lessons)
        answers = {
            "grid": [w.lesson_id in editable for w in works],
            "page rule": [rules.edit_lesson(me, Lesson.objects.get(pk=w.lesson_id)) for w in works],
            "write policy": [policy.may_fill_lesson(me, Lesson.objects.get(pk=w.lesson_id)) for w in works],
            "save path SQL": [
                load_work(
                    world.school.pk, w.pk, lesson_id=w.lesson_id, person_id=person.pk, student_id=pupil.pk
                ).lesson.teacher_checked[1]
                for w in works
            ],
        }
        for place, got in answers.items():
            assert got == EXPECTED[who], (who, place)


def test_what_the_grid_offers_is_what_the_save_takes(world, handover, login):
    _, works = handover
    pupil = world.student.student
    for who, person in people(world).items():
        client = login(person)
        for work, teaches in zip(works, EXPECTED[who], strict=True):
            data = {
                "lesson": work.lesson_id,
                "work": work.pk,
                "student": pupil.pk,
                "value": "4",
                "version": "",
            }
            before = Cell.objects.filter(work=work, student=pupil).first()
            if before is not None:
                data["version"] = before.version
            response = client.post(reverse("journal:save_cell"), data)
            assert response.status_code == (200 if teaches else 403), (
                who,
                work.lesson.date,
                response.content,
            )
    # The new teacher filled the quarter's columns before they took the course over.
    taken = Cell.objects.filter(work__in=works[2:], student=pupil)
    assert (
        taken.count() == 3
        and not Cell.objects.filter(work__in=works[:2], student=pupil, version__gt=1).exists()
    )


def test_the_grid_page_offers_each_teacher_their_columns(world, handover, login):
    course, works = handover
    period = works[2].lesson.period
    for who, teaches in (("other_teacher", EXPECTED["other_teacher"]), ("teacher", EXPECTED["teacher"])):
        page = login(getattr(world, who)).get(reverse("journal:grid", args=[course.pk, period.pk]))
        assert page.status_code == 200
        html = page.content.decode()
        offered = [f'class="jg-add" data-lesson="{w.lesson_id}"' in html for w in works[2:]]
        assert offered == teaches[2:], who


def test_a_substitute_still_fills_only_the_lesson_they_replaced(world, handover):
    from schedule.models import Substitution

    _, works = handover
    replaced = Lesson.objects.get(pk=works[3].lesson_id)
    Substitution.objects.create(
        school=world.school,
        lesson=replaced,
        substitute=world.class_teacher,
        absent_teacher=world.other_teacher,
    )
    me = actor(world.class_teacher)
    period = replaced.period
    lessons = {w.lesson_id: w.lesson.date for w in works[2:]}
    assert rules.editable_lesson_ids(me, replaced.course, period, lessons) == {replaced.pk}
    assert [policy.may_fill_lesson(me, Lesson.objects.get(pk=pk)) for pk in lessons] == [False, True, False]


def test_no_teacher_role_no_lesson(world, handover):
    _, works = handover
    parent = actor(world.parent)
    held = Lesson.objects.get(pk=works[2].lesson_id)
    assert not policy.may_fill_lesson(parent, held) and not rules.edit_lesson(parent, held)
