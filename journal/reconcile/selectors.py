"""Reads of the weekly attendance reconciliation (R-J-8): the class's rows (`class_attendance`, the one
definition of "a row of this class" that the page and `services.set_reasons` share), the week's page in two
queries, the weeks still to reconcile."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncWeek

from journal.models import Attendance
from journal.values import ATTENDANCE_DISPLAY
from schedule.models import Enrollment, Lesson, SchoolClass
from schedule.weeks import monday_of

ABSENT, LATE = Attendance.Status.ABSENT, Attendance.Status.LATE
DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)


def class_attendance(school_class: SchoolClass) -> QuerySet[Attendance]:
    """Absences and lateness (status set) at planned lessons of students enrolled in the class on that date."""
    enrolled = Enrollment.objects.filter(
        Q(ends__isnull=True) | Q(ends__gte=OuterRef("lesson__date")),
        school_class=school_class,
        student=OuterRef("student"),
        starts__lte=OuterRef("lesson__date"),
    )
    return (
        Attendance.objects.filter(
            school_id=school_class.school_id,
            lesson__year_id=school_class.year_id,
            lesson__status=Lesson.Status.PLANNED,
        )
        .exclude(status="")
        .filter(Exists(enrolled))
    )


@dataclass
class MissedLesson:
    """One absence or lateness: the lesson's slot and subject, Н/ОП, the reason ("" when not set yet)."""

    pk: int
    slot: int
    subject: str
    subject_name: str
    status: str
    reason: str

    @property
    def token(self) -> str:
        return ATTENDANCE_DISPLAY[self.status]

    @property
    def is_late(self) -> bool:
        return self.status == LATE


@dataclass
class StudentDay:
    date: datetime.date
    lessons: list[MissedLesson] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [m.pk for m in self.lessons]

    @property
    def reason(self) -> str | None:
        """The reason all the day's rows share ("" when none has one), None when they differ."""
        reasons = {m.reason for m in self.lessons}
        return reasons.pop() if len(reasons) == 1 else None

    @property
    def pending(self) -> bool:
        return any(not m.reason for m in self.lessons)


@dataclass
class Totals:
    """Absences (lessons) by reason, lateness, and the rows of either still without a reason."""

    absent: int = 0
    illness: int = 0
    excused: int = 0
    unexcused: int = 0
    late: int = 0
    pending: int = 0

    def add(self, m: MissedLesson) -> None:
        if m.status == ABSENT:
            self.absent += 1
            if m.reason:
                setattr(self, m.reason, getattr(self, m.reason) + 1)
        else:
            self.late += 1
        if not m.reason:
            self.pending += 1


@dataclass
class StudentWeek:
    pk: int
    name: str
    full_name: str
    days: list[StudentDay | None]  # aligned with ClassWeek.days
    totals: Totals

    @property
    def ids(self) -> list[int]:
        return [pk for day in self.days if day for pk in day.ids]

    @property
    def reason(self) -> str | None:
        reasons = {m.reason for day in self.days if day for m in day.lessons}
        return reasons.pop() if len(reasons) == 1 else None


@dataclass
class PendingWeek:
    monday: datetime.date
    count: int

    @property
    def last_day(self) -> datetime.date:
        return self.monday + 5 * DAY


@dataclass
class ClassWeek:
    school_class: SchoolClass
    monday: datetime.date
    days: list[datetime.date]
    students: list[StudentWeek]
    totals: Totals
    pending_weeks: list[PendingWeek]
    previous: datetime.date | None
    next: datetime.date | None

    @property
    def last_day(self) -> datetime.date:
        return self.days[-1]


def week_monday(school_class: SchoolClass, day: datetime.date | None, today: datetime.date) -> datetime.date:
    """The Monday of the week to show: of `day` (default today), moved into the class's year."""
    year = school_class.year
    day = min(max(day or today, year.starts), year.ends)
    return monday_of(day)


def class_week(school_class: SchoolClass, monday: datetime.date) -> ClassWeek:
    """The class's absences and lateness of the week starting `monday`, by student and day, in two queries."""
    sunday = monday + 6 * DAY
    rows = (
        class_attendance(school_class)
        .filter(lesson__date__range=(monday, sunday))
        .order_by(
            "student__person__last_name",
            "student__person__first_name",
            "student__person__patronymic",
            "student_id",
            "lesson__date",
            "lesson__slot",
            "lesson__starts",
            "pk",
        )
        .values_list(
            "pk",
            "student_id",
            "student__person__last_name",
            "student__person__first_name",
            "student__person__patronymic",
            "lesson__date",
            "lesson__slot",
            "lesson__course__subject__short_name",
            "lesson__course__subject__name",
            "status",
            "reason",
        )
    )
    rows = list(rows)
    # Monday to Saturday; Sunday only when some lesson was held on it.
    n_days = 7 if any(r[5] == sunday for r in rows) else 6
    days = [monday + i * DAY for i in range(n_days)]
    students: list[StudentWeek] = []
    totals = Totals()
    for pk, student_id, last, first, patronymic, date, slot, short, name, status, reason in rows:
        if not students or students[-1].pk != student_id:
            full = " ".join(p for p in (last, first, patronymic) if p)
            students.append(
                StudentWeek(student_id, f"{last} {first}".strip(), full, [None] * n_days, Totals())
            )
        student = students[-1]
        i = (date - monday).days
        day = student.days[i] or StudentDay(date)
        student.days[i] = day
        missed = MissedLesson(pk, slot, short or name, name, status, reason)
        day.lessons.append(missed)
        student.totals.add(missed)
        totals.add(missed)
    year = school_class.year
    return ClassWeek(
        school_class=school_class,
        monday=monday,
        days=days,
        students=students,
        totals=totals,
        pending_weeks=pending_weeks(school_class, exclude=monday),
        previous=monday - WEEK if monday > year.starts else None,
        next=monday + WEEK if monday + WEEK <= year.ends else None,
    )


def pending_weeks(school_class: SchoolClass, exclude: datetime.date | None = None) -> list[PendingWeek]:
    """Weeks of the year (but `exclude`) with absences or lateness of the class still without a reason."""
    rows = class_attendance(school_class).filter(reason="")
    if exclude is not None:
        rows = rows.exclude(lesson__date__range=(exclude, exclude + 6 * DAY))
    weeks = (
        rows.annotate(week=TruncWeek("lesson__date"))
        .values("week")
        .annotate(count=Count("pk"))
        .order_by("week")
        .values_list("week", "count")
    )
    return [PendingWeek(_as_date(w), n) for w, n in weeks]


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def day_ids(school_class: SchoolClass, student_id: int, day: datetime.date) -> list[int]:
    """The ids of one student's absences and lateness of the class on `day`."""
    return list(
        class_attendance(school_class)
        .filter(student_id=student_id, lesson__date=day)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
