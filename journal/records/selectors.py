"""Reads of the lesson record (R-J-4, R-J-6, R-J-7): a lesson's topic, homework, attachments and remarks, the
lessons homework may be due at, the students of a lesson, the period's lessons with their records."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Student
from journal.models import Homework, HomeworkAttachment, LessonTopic, Remark
from schedule.models import Course, Lesson, ReportingPeriod
from schedule.selectors import students_of_group

DUE_CHOICES = 10


def _later_than(lesson: Lesson) -> Q:
    return Q(date__gt=lesson.date) | Q(date=lesson.date, starts__gt=lesson.starts)


@dataclass(frozen=True)
class LessonRecord:
    topic: LessonTopic | None
    homework: Homework | None
    attachments: list[HomeworkAttachment]
    remarks: list[Remark]


def lesson_record(lesson: Lesson) -> LessonRecord:
    """The topic, homework (with its due lesson), attachments and remarks (with students) of `lesson`."""
    topic = LessonTopic.objects.filter(lesson=lesson).select_related("plan_topic").first()
    homework = Homework.objects.filter(lesson=lesson).select_related("due_lesson").first()
    attachments = list(homework.attachments.order_by("uploaded_at", "pk")) if homework else []
    remarks = list(
        Remark.objects.filter(lesson=lesson)
        .select_related("student__person", "author")
        .order_by("created_at", "pk")
    )
    return LessonRecord(topic, homework, attachments, remarks)


def due_choices(lesson: Lesson, limit: int = DUE_CHOICES) -> list[Lesson]:
    """The next `limit` lessons of the course after `lesson` (not cancelled): where homework may be due."""
    return list(
        Lesson.objects.filter(_later_than(lesson), course_id=lesson.course_id)
        .exclude(status=Lesson.Status.CANCELLED)
        .order_by("date", "starts")[:limit]
    )


def students_on(lesson: Lesson) -> list[Student]:
    """The students of the lesson's group on its date, by name."""
    return list(students_of_group(lesson.group, on=lesson.date))


def period_lessons(course: Course, period: ReportingPeriod) -> list[Lesson]:
    """The lessons of `course` in `period` with topic and homework loaded and `remark_count`, in one query."""
    remarks = (
        Remark.objects.filter(lesson=OuterRef("pk"))
        .order_by()
        .values("lesson")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        Lesson.objects.filter(course=course, period=period)
        .select_related("topic", "homework")
        .annotate(remark_count=Coalesce(Subquery(remarks), 0))
        .order_by("date", "starts")
    )
