"""`journal.records.bulk.record_lessons`: past topics, homework and remarks kept with their moments, each
check refusing the whole batch with nothing saved, one audit event, and a number of queries that does
not grow with the batch."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent, Role
from journal.models import CourseLock, Homework, LessonTopic, PeriodClosure, PlanTopic, Remark
from journal.records.bulk import PastHomework, PastRemark, PastTopic, record_lessons
from schedule.models import AcademicYear, Lesson, Substitution
from tests import factories as f

pytestmark = pytest.mark.django_db

NOTE = "seeded by a test"
TZ = zoneinfo.ZoneInfo("Europe/Moscow")
DAY = datetime.date(2026, 9, 14)  # a Monday of the first quarter; the clock is at 9 December


def at(hour, minute=0, day=DAY):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


@pytest.fixture
def lesson(world):
    return f.make_lesson(world.math_5a, DAY)


@pytest.fixture
def later(world):
    return f.make_lesson(world.math_5a, DAY + datetime.timedelta(days=2))


def topic(lesson, world, text="Сложение", plan=None, by="teacher"):
    by = getattr(world, by).user_id if by else None
    return PastTopic(lesson.pk, text, plan.pk if plan else None, by, at(9))


def homework(lesson, world, text="№ 12", pages="с. 5", due=None, by="teacher"):
    return PastHomework(
        lesson.pk, text, pages, due.pk if due else None, getattr(world, by).user_id, at(9, 30)
    )


def remark(lesson, world, kind="praise", text="Молодец", student=None, author="teacher"):
    student = (student or world.student).student.pk
    return PastRemark(lesson.pk, student, kind, text, getattr(world, author).pk, at(9, 10))


def write(world, **rows):
    return record_lessons(actor=None, school=world.school, note=NOTE, **rows)


def snapshot():
    return {m.__name__: m.objects.count() for m in (LessonTopic, Homework, Remark, AuditEvent)}


def refused(field, world, **rows):
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        write(world, **rows)
    assert field in info.value.message_dict, info.value.message_dict
    assert snapshot() == before


def test_topics_homework_and_remarks_with_their_moments(world, lesson, later):
    plan = PlanTopic.objects.create(school=world.school, course=world.math_5a, position=1, title="Сложение")
    records = write(
        world,
        topics=[topic(lesson, world, " Сложение ", plan), topic(later, world, "  ")],  # an empty one: skipped
        homework=[homework(lesson, world, due=later)],
        remarks=[remark(lesson, world)],
    )
    assert (records.topics, records.homework, records.remarks) == (1, 1, 1)
    row = LessonTopic.objects.get()
    assert (row.lesson_id, row.text, row.plan_topic_id, row.updated_by_id, row.updated_at) == (
        lesson.pk, "Сложение", plan.pk, world.teacher.user_id, at(9)
    )  # fmt: skip
    hw = Homework.objects.get()
    assert (hw.lesson_id, hw.text, hw.pages, hw.due_lesson_id, hw.updated_by_id, hw.updated_at) == (
        lesson.pk, "№ 12", "с. 5", later.pk, world.teacher.user_id, at(9, 30)
    )  # fmt: skip
    note = Remark.objects.get()
    assert (note.lesson_id, note.student_id, note.kind, note.text, note.author_id, note.created_at) == (
        lesson.pk, world.student.student.pk, "praise", "Молодец", world.teacher.pk, at(9, 10)
    )  # fmt: skip


def test_a_substitute_the_admin_and_a_row_of_no_login_may_write(world, lesson, later):
    Substitution.objects.create(
        school=world.school, lesson=later, absent_teacher=world.teacher, substitute=world.substitute
    )
    records = write(
        world,
        topics=[topic(lesson, world, by=None), topic(later, world, by="substitute")],
        homework=[homework(lesson, world, by="admin")],
        remarks=[remark(later, world, author="substitute")],
    )
    assert (records.topics, records.homework, records.remarks) == (2, 1, 1)


def test_the_admin_writes_in_a_locked_period(world, lesson):
    CourseLock.objects.create(school=world.school, course=world.math_5a, period=lesson.period, locked=True)
    assert write(world, remarks=[remark(lesson, world, author="admin")]).remarks == 1
    refused("remarks", world, remarks=[remark(lesson, world)])


def test_one_audit_event_for_the_batch(world, lesson, later):
    before = AuditEvent.objects.count()
    write(world, topics=[topic(lesson, world), topic(later, world)], remarks=[remark(lesson, world)])
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert (event.action, event.summary, event.actor) == ("record_lessons", NOTE, None)
    assert event.data == {"topics": 2, "homework": 0, "remarks": 1}


def batch(world, lessons):
    return {
        "topics": [topic(x, world) for x in lessons],
        "homework": [homework(x, world) for x in lessons],
        "remarks": [remark(x, world) for x in lessons],
    }


def test_the_queries_do_not_grow_with_the_batch(world):
    days = [
        DAY + datetime.timedelta(days=n)
        for n in range(12)
        if (DAY + datetime.timedelta(days=n)).weekday() < 5
    ]
    lessons = [f.make_lesson(world.math_5a, day, slot) for day in days for slot in (1, 2)]
    with CaptureQueriesContext(connection) as small:
        write(world, **batch(world, lessons[:1]))
    with CaptureQueriesContext(connection) as big:
        write(world, **batch(world, lessons[1:]))
    # savepoint, lessons, locks, closures, logins, roles, assignments, substitutes, (no plan topic
    # named: none for them), written topics, written homework, enrollments, memberships, 3 COPYs, audit,
    # release
    assert len(small) == len(big) == 17


def test_a_lesson_of_another_school_is_refused(world, other_world, lesson):
    theirs = f.make_lesson(other_world.math_5a, DAY)
    refused("topics", world, topics=[topic(lesson, world), topic(theirs, world)])


def test_someone_who_does_not_teach_the_lesson_is_refused(world, lesson):
    refused("topics", world, topics=[topic(lesson, world, by="other_teacher")])
    refused("homework", world, homework=[homework(lesson, world, by="class_teacher")])
    refused("remarks", world, remarks=[remark(lesson, world, author="deputy")])


def test_a_login_of_another_school_is_refused(world, other_world, lesson):
    row = PastTopic(lesson.pk, "Тема", None, other_world.teacher.user_id, at(9))
    refused("by", world, topics=[row])


def test_a_closed_year_is_refused(world, lesson):
    AcademicYear.objects.filter(pk=world.year.pk).update(status=AcademicYear.Status.CLOSED)
    refused("topics", world, topics=[topic(lesson, world)])


def test_a_locked_or_closed_period_is_refused(world, lesson):
    CourseLock.objects.create(school=world.school, course=world.math_5a, period=lesson.period, locked=True)
    refused("homework", world, homework=[homework(lesson, world)])
    CourseLock.objects.update(locked=False)
    PeriodClosure.objects.create(school=world.school, period=lesson.period)
    refused("topics", world, topics=[topic(lesson, world)])


def test_a_cancelled_lesson_is_refused(world, lesson):
    Lesson.objects.filter(pk=lesson.pk).update(status=Lesson.Status.CANCELLED)
    refused("topics", world, topics=[topic(lesson, world)])


def test_a_first_grade_gets_no_homework(world):
    first = f.make_class(world.year, 1, "А")
    course = f.make_course(f.whole_group(first), world.math_5a.subject, world.teacher)
    lesson = f.make_lesson(course, DAY)
    refused("homework", world, homework=[homework(lesson, world)])
    assert write(world, topics=[topic(lesson, world)]).topics == 1


def test_a_remark_of_a_lesson_after_today_is_refused(world):
    coming = f.make_lesson(world.math_5a, datetime.date(2026, 12, 10))
    refused("remarks", world, remarks=[remark(coming, world)])
    assert write(world, topics=[topic(coming, world)]).topics == 1  # topics may be entered in advance


def test_a_remark_as_of_a_given_moment(world):
    coming = f.make_lesson(world.math_5a, datetime.date(2026, 12, 10))
    records = record_lessons(
        actor=None, school=world.school, remarks=[remark(coming, world)], now=at(8, day=coming.date)
    )
    assert records.remarks == 1


def test_texts_over_their_limits_are_refused(world, lesson):
    refused("text", world, topics=[topic(lesson, world, text="т" * 301)])
    refused("text", world, homework=[homework(lesson, world, text="т" * 4001)])
    refused("pages", world, homework=[homework(lesson, world, pages="с" * 201)])
    refused("text", world, remarks=[remark(lesson, world, text="т" * 501)])


def test_a_plan_topic_of_another_course_is_refused(world, lesson):
    theirs = PlanTopic.objects.create(
        school=world.school, course=world.russian_5a, position=1, title="Фонетика"
    )
    refused("plan_topic", world, topics=[topic(lesson, world, plan=theirs)])


def test_a_due_lesson_must_be_a_later_lesson_of_the_course_not_cancelled(world, lesson, later):
    russian = f.make_lesson(world.russian_5a, later.date, 3)
    refused("due_lesson", world, homework=[homework(later, world, due=lesson)])  # earlier
    refused("due_lesson", world, homework=[homework(lesson, world, due=lesson)])  # itself
    refused("due_lesson", world, homework=[homework(lesson, world, due=russian)])  # another course
    Lesson.objects.filter(pk=later.pk).update(status=Lesson.Status.CANCELLED)
    refused("due_lesson", world, homework=[homework(lesson, world, due=later)])


def test_a_remark_s_kind_and_text_are_checked(world, lesson):
    refused("kind", world, remarks=[remark(lesson, world, kind="warning")])
    refused("text", world, remarks=[remark(lesson, world, text="  ")])


def test_a_remark_about_a_student_not_in_the_group_that_day_is_refused(world, lesson):
    refused("student", world, remarks=[remark(lesson, world, student=world.other_student)])
    late = f.make_person(world.school, roles=[Role.STUDENT], login=False)
    f.enroll(late, world.class_5a, starts=DAY + datetime.timedelta(days=1))
    refused("student", world, remarks=[remark(lesson, world, student=late)])


def test_a_lesson_given_twice_is_refused(world, lesson):
    refused("topics", world, topics=[topic(lesson, world), topic(lesson, world, "Вычитание")])
    refused("homework", world, homework=[homework(lesson, world), homework(lesson, world)])


def test_a_lesson_with_a_topic_or_homework_already_is_refused(world, lesson):
    write(world, topics=[topic(lesson, world)], homework=[homework(lesson, world)])
    refused("topics", world, topics=[topic(lesson, world, "Вычитание")])
    refused("homework", world, homework=[homework(lesson, world, text="№ 13")])
