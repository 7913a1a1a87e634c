"""The tables the builder fills: planner statistics for them and the row counts of the summary."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection, models

from accounts.models import Parent, ParentLink, Person, Role, School, StaffRole, Student
from journal.models import (
    Attendance,
    Cell,
    CourseLock,
    FinalMark,
    Homework,
    LessonTopic,
    LockEvent,
    MarkLogEntry,
    MarkLogHead,
    PeriodClosure,
    PlanTopic,
    Remark,
    Work,
    WorkType,
)
from reports.models import Printout, PrintoutSignature
from schedule.models import (
    AcademicYear,
    BellDay,
    BellSchedule,
    BellSlot,
    Building,
    Course,
    CourseTeacher,
    Enrollment,
    GroupMembership,
    Holiday,
    Lesson,
    PeriodScheme,
    ReportingPeriod,
    Room,
    SchoolClass,
    StudyGroup,
    Subject,
    TimetableEntry,
)
from schedule.selectors import local_today

SEEDED_MODELS = (
    School,
    Person,
    StaffRole,
    Student,
    Parent,
    ParentLink,
    get_user_model(),
    AcademicYear,
    PeriodScheme,
    ReportingPeriod,
    Holiday,
    Building,
    Room,
    Subject,
    SchoolClass,
    StudyGroup,
    Enrollment,
    GroupMembership,
    Course,
    CourseTeacher,
    BellSchedule,
    BellSlot,
    BellDay,
    TimetableEntry,
    Lesson,
    WorkType,
    PlanTopic,
    Work,
    Cell,
    Attendance,
    LessonTopic,
    Homework,
    Remark,
    MarkLogEntry,
    MarkLogHead,
    FinalMark,
    CourseLock,
    PeriodClosure,
    LockEvent,
    Printout,
    PrintoutSignature,
)


def analyze_tables() -> None:
    """ANALYZE the tables the builder fills: a freshly seeded table has no planner statistics until
    autovacuum gets to it, and until then the planner picks slow plans (10× on the home pages)."""
    tables = {m._meta.db_table for m in SEEDED_MODELS}
    tables |= {Room.subjects.through._meta.db_table, Subject.teachers.through._meta.db_table}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in sorted(tables)))


def count_rows(school: School) -> dict[str, int]:
    """Figures for the summary: what the school holds now."""
    year = AcademicYear.objects.filter(school=school).order_by("-starts").first()
    today_ = local_today(school)
    on = min(max(today_, year.starts), year.ends) if year else today_
    current = Enrollment.objects.filter(school=school, starts__lte=on).filter(
        models.Q(ends__isnull=True) | models.Q(ends__gte=on)
    )
    parents_with_two = (
        ParentLink.objects.filter(school=school)
        .values("parent")
        .annotate(n=models.Count("student"))
        .filter(n__gte=2)
        .count()
    )
    return {
        "classes": SchoolClass.objects.filter(school=school).count(),
        "students": Student.objects.filter(school=school).count(),
        "students_now": current.count(),
        "enrollments": Enrollment.objects.filter(school=school).count(),
        "parents": Parent.objects.filter(school=school).count(),
        "parents_with_two_children": parents_with_two,
        "teachers": StaffRole.objects.filter(school=school, role=Role.TEACHER).count(),
        "deputies": StaffRole.objects.filter(school=school, role=Role.DEPUTY).count(),
        "subjects": Subject.objects.filter(school=school).count(),
        "rooms": Room.objects.filter(school=school).count(),
        "subgroups": StudyGroup.objects.filter(school=school, kind=StudyGroup.Kind.SUBGROUP).count(),
        "group_memberships": GroupMembership.objects.filter(school=school).count(),
        "courses": Course.objects.filter(school=school).count(),
        "timetable_entries": TimetableEntry.objects.filter(school=school).count(),
        "lessons": Lesson.objects.filter(school=school).count(),
        "logins": Person.objects.filter(school=school, user__isnull=False).count(),
        "plan_topics": PlanTopic.objects.filter(school=school).count(),
        "mark_columns": Work.objects.filter(school=school).count(),
        "mark_cells": Cell.objects.filter(school=school).count(),
        "attendance_marks": Attendance.objects.filter(school=school).count(),
        "lesson_topics": LessonTopic.objects.filter(school=school).count(),
        "homework": Homework.objects.filter(school=school).count(),
        "remarks": Remark.objects.filter(school=school).count(),
        "mark_log_entries": MarkLogEntry.objects.filter(school=school).count(),
        "final_marks": FinalMark.objects.filter(school=school).count(),
        "locked_course_periods": CourseLock.objects.filter(school=school, locked=True).count(),
    }
