"""`journal.finals.bulk.record_finals`: past final marks with their proposals, mark-log entries and the
locks they complete, each check refusing the whole batch with nothing saved, one audit event, and a
number of queries that does not grow with the batch."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent, Role
from journal.finals.bulk import PastFinal, record_finals
from journal.grid.services import ensure_default_work_types
from journal.marklog import services as marklog
from journal.models import Cell, CourseLock, FinalMark, LockEvent, MarkLogEntry, PeriodClosure, Work
from journal.policy import journal_settings
from schedule.models import AcademicYear, ReportingPeriod
from tests import factories as f

pytestmark = pytest.mark.django_db

NOTE = "seeded by a test"
TZ = zoneinfo.ZoneInfo("Europe/Moscow")
DAY = datetime.date(2026, 9, 14)  # a lesson of the first quarter (1 September – 24 October)


def at(day, hour=15, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


AFTER_Q1 = datetime.date(2026, 10, 26)


def quarter(world, n):
    return ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=n)


def give_marks(world, course, pupils, marks="5/5", day=DAY):
    """A column of `course` on `day` with `marks` for each pupil."""
    oral = next(t for t in ensure_default_work_types(world.school) if t.code == "У")
    work = Work.objects.create(school=world.school, lesson=f.make_lesson(course, day), work_type=oral)
    for pupil in pupils:
        Cell.objects.create(
            school=world.school, work=work, student=pupil.student, marks=[int(m) for m in marks.split("/")]
        )


@pytest.fixture
def q1(world):
    give_marks(world, world.math_5a, [world.student])
    return quarter(world, 1)


def final(world, q, raw="5", *, course=None, student=None, kind="period", when=None, by="teacher"):
    return PastFinal(
        (course or world.math_5a).pk,
        (student or world.student).student.pk,
        kind,
        q.pk if q is not None else None,
        raw,
        when or at(AFTER_Q1),
        getattr(world, by).user_id if by else None,
    )


def write(world, finals, chain=True):
    return record_finals(actor=None, school=world.school, finals=finals, chain=chain, note=NOTE)


def snapshot():
    return [m.objects.count() for m in (FinalMark, CourseLock, LockEvent, MarkLogEntry, AuditEvent)]


def refused(field, world, finals):
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        write(world, finals)
    assert field in info.value.message_dict, info.value.message_dict
    assert snapshot() == before


def test_a_period_final_with_its_proposal_entry_and_the_lock_it_completes(world, q1):
    given = write(world, [final(world, q1, "4")])  # proposed 5: an override
    assert (given.marks, given.overrides, given.locked, given.entries) == (1, 1, 1, [])
    mark = FinalMark.objects.get()
    assert (mark.kind, mark.period_id, mark.value, mark.proposed, mark.average, mark.version) == (
        "period", q1.pk, 4, 5, Decimal("5.0000"), 1
    )  # fmt: skip
    assert (mark.updated_by_id, mark.updated_at) == (world.teacher.user_id, at(AFTER_Q1))
    entry = MarkLogEntry.objects.get()
    assert (entry.kind, entry.new, entry.course_id, entry.period_id, entry.proposed, entry.at) == (
        "final_period", "4", world.math_5a.pk, q1.pk, 5, at(AFTER_Q1)
    )  # fmt: skip
    assert marklog.verify(world.school)[0]
    lock = CourseLock.objects.get()
    assert (lock.course_id, lock.period_id, lock.locked, lock.changed_at) == (
        world.math_5a.pk, q1.pk, True, at(AFTER_Q1)
    )  # fmt: skip
    event = LockEvent.objects.get()
    assert (event.action, event.actor_id, event.at) == ("locked", world.teacher.user_id, at(AFTER_Q1))


def test_unchained_the_entries_are_handed_back(world, q1):
    given = write(world, [final(world, q1)], chain=False)
    assert [(e["kind"], e["new"], e["proposed"], e["period_id"]) for e in given.entries] == [
        ("final_period", "5", 5, q1.pk)
    ]
    assert not MarkLogEntry.objects.exists()


def test_an_incomplete_period_is_not_locked(world, q1):
    pupil = f.make_person(world.school, roles=[Role.STUDENT], login=False)
    f.enroll(pupil, world.class_5a)
    give_marks(world, world.math_5a, [pupil], day=DAY + datetime.timedelta(days=1))
    assert write(world, [final(world, q1)]).locked == 0
    assert write(world, [final(world, q1, student=pupil, when=at(AFTER_Q1, 16))]).locked == 1
    assert LockEvent.objects.get().at == at(AFTER_Q1, 16)


def test_the_year_final_proposed_from_the_period_finals_entered_before_it(world, q1):
    year_end = datetime.date(2027, 6, 1)
    given = write(
        world,
        [final(world, None, "5", kind="year", when=at(year_end)), final(world, q1, "3")],
    )
    assert given.marks == 2
    year = FinalMark.objects.get(kind="year")
    assert (year.value, year.proposed, year.period_id) == (5, 3, None)  # from the first quarter's 3
    assert given.overrides == 2  # 3 for a proposed 5, 5 for a proposed 3
    assert list(CourseLock.objects.values_list("period_id", flat=True)) == [q1.pk]  # not the last quarter


def test_an_exam_and_an_overall_final(world, q1):
    year_end = datetime.date(2027, 6, 1)
    write(
        world,
        [
            final(world, q1),
            final(world, None, "5", kind="year", when=at(year_end)),
            final(world, None, "3", kind="exam", when=at(year_end, 16)),
            final(world, None, "4", kind="final", when=at(year_end, 17)),
        ],
    )
    marks = dict(FinalMark.objects.values_list("kind", "proposed"))
    assert marks == {"period": 5, "year": 5, "exam": None, "final": 4}


def test_the_admin_writes_in_a_locked_or_closed_period(world, q1):
    CourseLock.objects.create(school=world.school, course=world.math_5a, period=q1, locked=True)
    PeriodClosure.objects.create(school=world.school, period=q1)
    assert write(world, [final(world, q1, by="admin")]).marks == 1


def test_one_audit_event_for_the_batch(world, q1):
    before = AuditEvent.objects.count()
    write(world, [final(world, q1, "4")])
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert (event.action, event.summary, event.actor) == ("record_finals", NOTE, None)
    assert event.data == {"finals": 1, "overrides": 1, "locked": 1}


def test_the_queries_do_not_grow_with_the_batch(world, q1):
    pupils = []
    for n in range(8):
        pupil = f.make_person(world.school, roles=[Role.STUDENT], login=False, last_name=f"Ученик{n}")
        f.enroll(pupil, world.class_5a)
        pupils.append(pupil)
    everyone = [world.student, *pupils]
    give_marks(world, world.math_5a, pupils, day=DAY + datetime.timedelta(days=1))
    give_marks(world, world.russian_5a, everyone, day=DAY + datetime.timedelta(days=2))
    give_marks(world, world.math_6b, [world.other_student])
    marklog.lock_head(world.school)  # the chain's head and the settings exist before either batch
    journal_settings(world.school)
    with CaptureQueriesContext(connection) as small:
        write(
            world, [final(world, q1, course=world.math_6b, student=world.other_student, by="other_teacher")]
        )
    with CaptureQueriesContext(connection) as big:
        write(
            world,
            [final(world, q1, student=p, when=at(AFTER_Q1, 15, n)) for n, p in enumerate(everyone)]
            + [final(world, q1, course=world.russian_5a, student=p, by="class_teacher") for p in everyone],
        )
    assert CourseLock.objects.count() == 3  # each batch completes its courses' first quarter
    # savepoint, courses, periods, logins, roles, assignments, locks, closures, who needs finals,
    # finals written, sums, COPY, insert of locks, insert of events, the chain's head, COPY of the
    # entries, the head moved, audit, release
    assert len(small) == len(big) == 19


def test_a_value_off_the_scale_is_refused(world, q1):
    refused("raw", world, [final(world, q1, "6")])
    refused("raw", world, [final(world, q1, "н/а")])


def test_a_course_of_another_school_is_refused(world, other_world, q1):
    refused("finals", world, [final(world, q1), final(other_world, q1, by=None)])


def test_an_unknown_kind_is_refused(world, q1):
    refused("finals", world, [final(world, None, kind="quarter")])


def test_the_period_must_be_one_of_the_course_s_and_only_for_a_period_final(world, q1):
    half = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="halves", number=1)
    refused("finals", world, [final(world, half)])  # a period of grades 10–11
    refused("finals", world, [final(world, q1, kind="year", when=at(datetime.date(2027, 6, 1)))])


def test_someone_who_does_not_teach_the_course_is_refused(world, other_world, q1):
    refused("finals", world, [final(world, q1, by="other_teacher")])
    refused("finals", world, [final(world, q1, by="deputy")])
    row = final(world, q1)
    refused("finals", world, [PastFinal(*list(row.__dict__.values())[:-1], other_world.teacher.user_id)])


def test_a_closed_year_is_refused(world, q1):
    AcademicYear.objects.filter(pk=world.year.pk).update(status=AcademicYear.Status.CLOSED)
    refused("finals", world, [final(world, q1)])


def test_a_course_without_finals_is_refused(world, q1):
    first = f.make_class(world.year, 1, "А")
    course = f.make_course(f.whole_group(first), world.math_5a.subject, world.teacher)
    refused("finals", world, [final(world, q1, course=course)])
    talks = f.make_subject(world.school, "Разговоры о важном", no_final_assessment=True)
    course = f.make_course(f.whole_group(world.class_5a), talks, world.teacher)
    refused("finals", world, [final(world, q1, course=course)])


def test_a_period_not_begun_when_the_final_was_entered_is_refused(world, q1):
    refused("finals", world, [final(world, quarter(world, 2))])  # entered on 26 October, before 5 November


def test_a_locked_or_closed_period_is_refused(world, q1):
    CourseLock.objects.create(school=world.school, course=world.math_5a, period=q1, locked=True)
    refused("finals", world, [final(world, q1)])
    CourseLock.objects.update(locked=False)
    PeriodClosure.objects.create(school=world.school, period=q1)
    refused("finals", world, [final(world, q1)])


def test_a_student_who_needs_no_such_final_is_refused(world, q1):
    refused("student", world, [final(world, q1, student=world.other_student)])


def test_a_period_final_without_marks_is_refused(world, q1):
    pupil = f.make_person(world.school, roles=[Role.STUDENT], login=False)
    f.enroll(pupil, world.class_5a)
    refused("finals", world, [final(world, q1), final(world, q1, student=pupil)])


def test_a_final_given_twice_or_written_already_is_refused(world, q1):
    refused("finals", world, [final(world, q1), final(world, q1, "4")])
    write(world, [final(world, q1)])
    CourseLock.objects.all().delete()
    refused("finals", world, [final(world, q1, "4")])
