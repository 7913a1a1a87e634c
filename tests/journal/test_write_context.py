"""The hot path's hand-written query (journal.grid.write_context) answers as the ORM rules it stands for."""

import datetime

import pytest

from journal import policy
from journal.grid.write_context import load_work
from journal.models import CourseLock, PeriodClosure, Work, WorkType
from schedule.models import CourseTeacher, GroupMembership, StudyGroup
from schedule.selectors import students_of_group
from tests import factories as f

from . import actor, d, lesson

pytestmark = pytest.mark.django_db


def column(world, course, day):
    held = lesson(course, day)
    kind = WorkType.objects.create(school=world.school, code=f"У{held.pk}", name="oral", weight=1)
    return Work.objects.create(school=world.school, lesson=held, work_type=kind)


def facts_by_the_orm(work, person, student):
    fresh = type(work.lesson).objects.get(pk=work.lesson_id)  # nothing preloaded
    who = actor(person)
    teaches = any(
        policy.assignment_covers(a, b, lesson_date=fresh.date, period_ends=fresh.period.ends)
        for a, b in CourseTeacher.objects.filter(course_id=fresh.course_id, teacher=person).values_list(
            "starts", "ends"
        )
    )
    inside = students_of_group(fresh.group, on=fresh.date).filter(pk=student.pk).exists()
    locked, closed = policy.period_locks(fresh)
    assert policy.may_fill_lesson(who, fresh) == teaches  # no substitutions in these cases
    return locked, closed, teaches, inside


def facts_by_the_query(world, work, person, student):
    loaded = load_work(
        world.school.pk, work.pk, lesson_id=work.lesson_id, person_id=person.pk, student_id=student.pk
    )
    lesson = loaded.lesson
    assert lesson.teacher_checked[0] == person.pk and lesson.student_checked[0] == student.pk
    # The objects are complete: what the policy and the service read.
    assert (lesson.year.pk, lesson.group.pk, lesson.school.pk) == (
        work.lesson.year_id,
        work.lesson.group_id,
        world.school.pk,
    )
    return lesson.course_locked, lesson.period_closed, lesson.teacher_checked[1], lesson.student_checked[1]


def test_the_facts_agree_with_the_orm_rules(world):
    pupil, other = world.student.student, world.other_student.student
    left = f.make_person(world.school, roles=["student"], last_name="Ушедший", first_name="Олег")
    f.enroll(left, world.class_5a, ends=d(10, 1))
    sub = StudyGroup.objects.create(
        school=world.school,
        year=world.year,
        kind="subgroup",
        name="5А гр. 1",
        grade=5,
        school_class=world.class_5a,
    )
    GroupMembership.objects.create(school=world.school, student=pupil, group=sub, starts=d(10, 7))
    english = f.make_course(
        sub, f.make_subject(world.school, "Английский язык", "Англ."), world.other_teacher
    )
    # The teacher's assignment ends mid-October: lessons after it are not theirs; the substitute takes the
    # course over the next day and completes the quarter, its earlier lessons included.
    CourseTeacher.objects.filter(course=world.math_5a).update(ends=d(10, 15))
    CourseTeacher.objects.create(
        school=world.school, course=world.math_5a, teacher=world.substitute, starts=d(10, 16)
    )
    cases = []
    for course, day in [
        (world.math_5a, d(10, 5)),
        (world.math_5a, d(10, 20)),
        (english, d(10, 6)),
        (english, d(10, 8)),
    ]:
        work = column(world, course, day)
        for person in (world.teacher, world.substitute, world.other_teacher, world.class_teacher):
            for student in (pupil, other, left.student):
                cases.append((work, person, student))
    answers = set()
    for work, person, student in cases:
        expected = facts_by_the_orm(work, person, student)
        assert facts_by_the_query(world, work, person, student) == expected, (work.lesson, person, student)
        answers.add(expected)
    # Locks: a course's period locked, then the period closed by the school.
    work = cases[0][0]
    CourseLock.objects.create(school=world.school, course=work.lesson.course, period=work.lesson.period)
    assert facts_by_the_query(world, work, world.teacher, pupil) == facts_by_the_orm(
        work, world.teacher, pupil
    )
    PeriodClosure.objects.create(school=world.school, period=work.lesson.period)
    result = facts_by_the_query(world, work, world.teacher, pupil)
    assert result == facts_by_the_orm(work, world.teacher, pupil) and result[:2] == (True, True)
    # The cases really differ: both answers of each fact were seen.
    assert {a[2] for a in answers} == {True, False} and {a[3] for a in answers} == {True, False}


def test_unknown_or_foreign_columns_load_nothing(world, other_world):
    work = column(world, world.math_5a, d(10, 5))
    assert load_work(other_world.school.pk, work.pk, lesson_id=None, person_id=None, student_id=None) is None
    assert (
        load_work(world.school.pk, work.pk, lesson_id=work.lesson_id + 999, person_id=None, student_id=None)
        is None
    )
    loaded = load_work(world.school.pk, work.pk, lesson_id=None, person_id=None, student_id=None)
    assert loaded.pk == work.pk and not hasattr(loaded.lesson, "teacher_checked")
    assert loaded.lesson.date == datetime.date(2026, 10, 5)
