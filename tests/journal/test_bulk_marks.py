"""`journal.grid.bulk.record_marks`: past marks entered into existing columns (the demo's make-up marks),
with their mark-log entries chained or handed back, each check refusing the whole batch with nothing
saved, one audit event, and a number of queries that does not grow with the batch."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent, Role
from journal.grid.bulk import PastCell, record_marks
from journal.grid.services import ensure_default_work_types
from journal.marklog import services as marklog
from journal.models import Cell, CourseLock, MarkLogEntry, Work
from tests import factories as f

pytestmark = pytest.mark.django_db

NOTE = "seeded by a test"
TZ = zoneinfo.ZoneInfo("Europe/Moscow")
DAY = datetime.date(2026, 9, 14)


def at(hour, minute=0):
    return datetime.datetime.combine(DAY, datetime.time(hour, minute), tzinfo=TZ)


@pytest.fixture
def oral(world):
    return next(t for t in ensure_default_work_types(world.school) if t.code == "У")


@pytest.fixture
def work(world, oral):
    lesson = f.make_lesson(world.math_5a, DAY)
    return Work.objects.create(school=world.school, lesson=lesson, work_type=oral, position=1)


def cell(work, person, raw="4", minute=0, by=None):
    return PastCell(work.pk, person.student.pk, raw, at(15, minute), by)


def write(world, cells, chain=True):
    return record_marks(actor=None, school=world.school, cells=cells, chain=chain, note=NOTE)


def snapshot():
    return Cell.objects.count(), MarkLogEntry.objects.count(), AuditEvent.objects.count()


def refused(field, world, cells):
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        write(world, cells)
    assert field in info.value.message_dict, info.value.message_dict
    assert snapshot() == before


def test_marks_with_their_entries_chained(world, work):
    marks = write(world, [cell(work, world.student, "5/4", by=world.teacher.user_id)])
    assert (marks.cells, marks.entries) == (1, [])
    row = Cell.objects.get()
    assert (row.work_id, row.student_id, row.marks, row.version, row.updated_at) == (
        work.pk, world.student.student.pk, [5, 4], 1, at(15)
    )  # fmt: skip
    entry = MarkLogEntry.objects.get()
    assert (entry.kind, entry.lesson_id, entry.work_id, entry.new, entry.at, entry.actor_id) == (
        "marks", work.lesson_id, work.pk, "5/4", at(15), world.teacher.user_id
    )  # fmt: skip
    assert marklog.verify(world.school)[0]


def test_unchained_the_entries_are_handed_back(world, work):
    marks = write(world, [cell(work, world.student), cell(work, world.other_student, "")], chain=False)
    assert marks.cells == 1  # the empty cell is not written
    assert [(e["kind"], e["new"], e["work_id"]) for e in marks.entries] == [("marks", "4", work.pk)]
    assert not MarkLogEntry.objects.exists()


def test_one_audit_event_for_the_batch(world, work):
    before = AuditEvent.objects.count()
    write(world, [cell(work, world.student)])
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert (event.action, event.summary, event.actor, event.data) == (
        "record_marks", NOTE, None, {"cells": 1, "chained": True}
    )  # fmt: skip


def test_the_queries_do_not_grow_with_the_batch(world, work, oral):
    pupils = [world.student]
    for n in range(10):
        pupil = f.make_person(world.school, roles=[Role.STUDENT], login=False, last_name=f"Ученик{n}")
        f.enroll(pupil, world.class_5a)
        pupils.append(pupil)
    write(world, [cell(work, world.student)])  # the school's chain head is created
    second, third = (
        Work.objects.create(school=world.school, lesson=work.lesson, work_type=oral, position=n)
        for n in (2, 3)
    )
    with CaptureQueriesContext(connection) as small:
        write(world, [cell(second, world.student)])
    with CaptureQueriesContext(connection) as big:
        write(world, [cell(third, p, minute=n) for n, p in enumerate(pupils)])
    # savepoint, columns, lessons, enrollments, memberships, written cells, COPY, the chain's head,
    # COPY of the entries, the head moved, audit, release
    assert len(small) == len(big) == 12


def test_a_column_of_another_school_is_refused(world, other_world, work, oral):
    theirs = f.make_lesson(other_world.math_5a, DAY)
    column = Work.objects.create(
        school=other_world.school, lesson=theirs, work_type=ensure_default_work_types(other_world.school)[0]
    )
    refused("work", world, [cell(work, world.student), cell(column, other_world.student)])


@pytest.mark.parametrize("raw", ["6", "Н", "Н/5"], ids=["not-a-mark", "attendance", "attendance-and-mark"])
def test_what_is_not_a_mark_is_refused(world, work, raw):
    refused("raw", world, [cell(work, world.student, raw)])


def test_a_cell_given_twice_or_written_already_is_refused(world, work):
    refused("cells", world, [cell(work, world.student), cell(work, world.student, "5")])
    write(world, [cell(work, world.student)])
    refused("cells", world, [cell(work, world.student, "5")])


def test_a_pupil_not_in_the_group_that_day_is_refused(world, work):
    refused("student", world, [cell(work, world.other_student)])


def test_a_locked_period_is_refused(world, work):
    CourseLock.objects.create(
        school=world.school, course=world.math_5a, period=work.lesson.period, locked=True
    )
    refused(NON_FIELD_ERRORS, world, [cell(work, world.student)])


def test_a_first_grade_takes_no_marks(world, oral):
    first = f.make_class(world.year, 1, "А")
    course = f.make_course(f.whole_group(first), world.math_5a.subject, world.teacher)
    pupil = f.make_person(world.school, roles=[Role.STUDENT], login=False)
    f.enroll(pupil, first)
    column = Work.objects.create(school=world.school, lesson=f.make_lesson(course, DAY), work_type=oral)
    refused(NON_FIELD_ERRORS, world, [cell(column, pupil)])
