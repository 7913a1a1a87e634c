"""`journal.grid.bulk.record_history` against PostgreSQL: past columns, marks and attendance written with
their mark-log entries in time order, and each check refusing the whole batch with nothing saved."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from accounts.models import AuditEvent
from journal.grid.bulk import PastAttendance, PastMarks, record_history
from journal.grid.services import ensure_default_work_types
from journal.marklog import services as marklog
from journal.models import Attendance, Cell, CourseLock, MarkLogEntry, Work
from schedule.models import AcademicYear
from tests import factories as f

pytestmark = pytest.mark.django_db

NOTE = "seeded by a test"
TZ = zoneinfo.ZoneInfo("Europe/Moscow")
DAY = datetime.date(2026, 9, 14)


def at(hour, minute=0, day=DAY):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def snapshot():
    return {m.__name__: m.objects.count() for m in (Work, Cell, Attendance, MarkLogEntry, AuditEvent)}


@pytest.fixture
def lesson(world):
    return f.make_lesson(world.math_5a, DAY)


@pytest.fixture
def oral(world):
    return next(t for t in ensure_default_work_types(world.school) if t.code == "У")


def write(world, lesson, oral, *, marks=(), attendance=(), works=None, more_entries=None):
    return record_history(
        actor=None,
        school=world.school,
        works=works if works is not None else [Work(lesson=lesson, work_type=oral, position=1)],
        marks=list(marks),
        attendance=list(attendance),
        more_entries=more_entries,
        note=NOTE,
    )


def refused(field, world, lesson, oral, **kwargs):
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        write(world, lesson, oral, **kwargs)
    assert field in info.value.message_dict, info.value.message_dict
    assert snapshot() == before


def test_marks_and_attendance_with_their_log_in_time_order(world, lesson, oral):
    guest = f.make_person(world.school, roles=["student"], login=False)
    f.enroll(guest, world.class_5a, starts=DAY, ends=DAY)  # a day's guest in 5А
    student, other = world.student.student, guest.student
    teacher = world.teacher.user_id
    seen = []

    def finals():
        seen.append(list(Cell.objects.values_list("marks", flat=True)))
        return [
            {"at": at(9, 30), "actor_id": teacher, "kind": "final_period", "lesson_id": None,
             "student_id": student.pk, "work_id": None, "old": "", "new": "5",
             "course_id": world.math_5a.pk, "period_id": lesson.period_id, "proposed": 5}
        ]  # fmt: skip

    history = write(
        world,
        lesson,
        oral,
        marks=[
            PastMarks(0, student.pk, "5/4", at(10), teacher),
            PastMarks(0, other.pk, "", at(8), teacher),  # an empty cell: not written
        ],
        attendance=[PastAttendance(lesson.pk, other.pk, "ОП", "unexcused", at(9), teacher)],
        more_entries=finals,
    )
    assert (history.cells, history.attendance, history.log_entries) == (1, 1, 3)
    assert seen == [[[5, 4]]]  # the marks were written before the finals were asked for
    (work,) = history.works
    assert (work.pk, work.school_id) == (Work.objects.get().pk, world.school.pk)
    cell = Cell.objects.get()
    assert (cell.work_id, cell.student_id, cell.marks, cell.version, cell.updated_at) == (
        work.pk, student.pk, [5, 4], 1, at(10)
    )  # fmt: skip
    row = Attendance.objects.get()
    assert (row.lesson_id, row.student_id, row.status, row.reason) == (
        lesson.pk,
        other.pk,
        "late",
        "unexcused",
    )
    log = MarkLogEntry.objects.filter(school=world.school).order_by("seq")
    assert [(e.kind, e.new, e.at, e.actor_id) for e in log] == [
        ("attendance", "ОП", at(9), teacher),
        ("final_period", "5", at(9, 30), teacher),
        ("marks", "5/4", at(10), teacher),
    ]
    assert marklog.verify(world.school)[0]
    event = AuditEvent.objects.order_by("-pk").first()
    assert (event.action, event.summary, event.actor) == ("record_history", NOTE, None)
    assert event.data == {"works": 1, "cells": 1, "attendance": 1, "log_entries": 3}


@pytest.mark.parametrize("raw", ["6", "5/Н", "•/5"], ids=["not-a-mark", "attendance", "owed-with-a-mark"])
def test_a_mark_that_does_not_parse_is_refused(world, lesson, oral, raw):
    refused("raw", world, lesson, oral, marks=[PastMarks(0, world.student.student.pk, raw, at(10), None)])


@pytest.mark.parametrize("raw", ["5", "Н/5", "x"])
def test_attendance_takes_only_its_tokens(world, lesson, oral, raw):
    row = PastAttendance(lesson.pk, world.student.student.pk, raw, "", at(10), None)
    refused("raw", world, lesson, oral, attendance=[row])


def test_an_unknown_reason_is_refused(world, lesson, oral):
    row = PastAttendance(lesson.pk, world.student.student.pk, "Н", "holiday", at(10), None)
    refused("reason", world, lesson, oral, attendance=[row])


def test_a_cell_or_attendance_row_given_twice_is_refused(world, lesson, oral):
    sid = world.student.student.pk
    refused("marks", world, lesson, oral, marks=[PastMarks(0, sid, "5", at(10), None)] * 2)
    row = PastAttendance(lesson.pk, sid, "Н", "", at(10), None)
    refused("attendance", world, lesson, oral, attendance=[row, row])


def test_a_pupil_not_in_the_group_on_the_day_is_refused(world, lesson, oral):
    other = world.other_student.student.pk  # in 6Б
    refused("student", world, lesson, oral, marks=[PastMarks(0, other, "5", at(10), None)])
    refused(
        "student", world, lesson, oral, attendance=[PastAttendance(lesson.pk, other, "Н", "", at(10), None)]
    )


def test_a_lesson_or_work_type_of_another_school_is_refused(world, other_world, lesson, oral):
    theirs = f.make_lesson(other_world.math_5a, DAY)
    refused(NON_FIELD_ERRORS, world, lesson, oral, works=[Work(lesson=theirs, work_type=oral, position=1)])
    their_type = ensure_default_work_types(other_world.school)[0]
    refused("work_type", world, lesson, oral, works=[Work(lesson=lesson, work_type=their_type, position=1)])


def test_a_first_grade_takes_no_marks_but_attendance(world, oral):
    first = f.make_class(world.year, 1, "А")
    course = f.make_course(f.whole_group(first), world.math_5a.subject, world.teacher)
    lesson = f.make_lesson(course, DAY)
    pupil = f.make_person(world.school, roles=["student"], login=False)
    f.enroll(pupil, first)
    refused(NON_FIELD_ERRORS, world, lesson, oral)
    history = write(
        world,
        lesson,
        oral,
        works=[],
        attendance=[PastAttendance(lesson.pk, pupil.student.pk, "Н", "", at(9), None)],
    )
    assert history.attendance == 1


def test_a_closed_year_or_a_locked_period_is_refused(world, lesson, oral):
    CourseLock.objects.create(school=world.school, course=world.math_5a, period=lesson.period, locked=True)
    refused(NON_FIELD_ERRORS, world, lesson, oral)
    CourseLock.objects.update(locked=False)
    AcademicYear.objects.filter(pk=world.year.pk).update(status=AcademicYear.Status.CLOSED)
    refused(NON_FIELD_ERRORS, world, lesson, oral)
    AcademicYear.objects.filter(pk=world.year.pk).update(status=AcademicYear.Status.OPEN)
    assert write(world, lesson, oral).works


def test_a_pupil_is_in_the_group_from_the_first_day_of_an_open_stay(world, oral):
    first_day = f.make_lesson(world.math_5a, world.year.starts)  # the world's student: in 5А from then on
    sid = world.student.student.pk
    history = write(
        world, first_day, oral, marks=[PastMarks(0, sid, "4", at(10, day=world.year.starts), None)]
    )
    assert history.cells == 1
