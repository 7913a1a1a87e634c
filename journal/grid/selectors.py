"""Reads of the journal for its pages: the mark grid of a course in a period.

`grid()` loads everything the page shows in five queries whatever the number of
lessons and students (work types, lessons with their works, students with their
stays, cells, attendance; the averages are computed from the loaded cells), so the
page's query count is pinned in tests.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef, Q
from django.db.models.functions import JSONObject

from journal.models import Cell, Work, WorkType
from journal.values import CellMarks
from schedule.models import Course, Enrollment, GroupMembership, Lesson, ReportingPeriod, StudyGroup


@dataclass
class GridColumn:
    """One mark column; `work_id` is None for a lesson without works (shown typed with the default type)."""

    lesson_id: int
    date: datetime.date
    slot: int
    work_id: int | None
    type_code: str
    type_name: str
    first_of_lesson: bool
    lesson_columns: int  # how many columns the lesson spans (for the date header)


@dataclass
class GridStudent:
    pk: int
    short_name: str
    full_name: str
    stays: list[tuple[datetime.date, datetime.date | None]] = field(default_factory=list)

    def present_on(self, day: datetime.date) -> bool:
        return any(a <= day and (b is None or day <= b) for a, b in self.stays)


@dataclass
class Grid:
    course: Course
    period: ReportingPeriod
    columns: list[GridColumn]
    students: list[GridStudent]
    cells: dict[tuple[int, int], tuple[CellMarks, int]]  # (work, student) → (value, version)
    attendance: dict[tuple[int, int], tuple[str, int]]  # (lesson, student) → (status, version)
    averages: dict[int, Decimal]  # student → weighted average
    work_types: list[WorkType]
    default_type: WorkType | None

    @property
    def lesson_ids(self) -> list[int]:
        seen: dict[int, None] = {}
        for c in self.columns:
            seen.setdefault(c.lesson_id)
        return list(seen)


# Σ(mark·weight)/Σweight over every mark not excluded by a retake (R-J-9, R-J-14).
AVERAGES_SQL = """
SELECT c.student_id, ROUND(SUM(t.weight * u.m) / SUM(t.weight), 2)
FROM schedule_lesson l
JOIN journal_work w ON w.lesson_id = l.id
JOIN journal_worktype t ON t.id = w.work_type_id
JOIN journal_cell c ON c.work_id = w.id
CROSS JOIN LATERAL unnest(c.marks) WITH ORDINALITY AS u(m, i)
WHERE l.course_id = %s AND l.period_id = %s AND l.status = 'planned'
  AND NOT ((u.i - 1)::smallint = ANY(c.excluded))
GROUP BY c.student_id
"""


def averages(
    course: Course, period: ReportingPeriod, student_ids: list[int] | None = None
) -> dict[int, Decimal]:
    """Weighted average per student over the marks of the course's lessons in the period: Σ(mark·weight)/Σweight."""
    return averages_of(course.pk, period.pk, student_ids)


def averages_of(course_id: int, period_id: int, student_ids: list[int] | None = None) -> dict[int, Decimal]:
    """`averages` by ids (no need to load the course and the period)."""
    sql, params = AVERAGES_SQL, [course_id, period_id]
    if student_ids is not None:
        sql = sql.replace("GROUP BY", "AND c.student_id = ANY(%s) GROUP BY")
        params.append(list(student_ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def weighted_averages(
    cells: dict[tuple[int, int], tuple[CellMarks, int]], work_weights: dict[int, Decimal]
) -> dict[int, Decimal]:
    """Σ(mark·weight)/Σweight per student from cells already loaded, rounded half-up to two decimals.

    The same figure as `averages()` computes in SQL (the grid has every cell in hand, so it
    saves a query); a test checks the two agree.
    """
    sums: dict[int, list[Decimal]] = {}
    for (work_id, student_id), (value, _version) in cells.items():
        weight = work_weights.get(work_id)
        if weight is None or not value.marks:
            continue
        out = set(value.excluded)
        for i, mark in enumerate(value.marks):
            if i not in out:
                acc = sums.setdefault(student_id, [Decimal(0), Decimal(0)])
                acc[0] += weight * mark
                acc[1] += weight
    cent = Decimal("0.01")
    return {s: (total / weights).quantize(cent, ROUND_HALF_UP) for s, (total, weights) in sums.items()}


def _stays(course: Course, period: ReportingPeriod):
    """(student_id, starts, ends, last, first, patronymic) of every stay in the group overlapping the period."""
    group = course.group
    overlap = Q(starts__lte=period.ends) & (Q(ends__isnull=True) | Q(ends__gte=period.starts))
    if group.kind == StudyGroup.Kind.WHOLE_CLASS:
        rows = Enrollment.objects.filter(overlap, school_class_id=group.school_class_id)
    else:
        rows = GroupMembership.objects.filter(overlap, group=group)
    return rows.order_by(
        "student__person__last_name",
        "student__person__first_name",
        "student__person__patronymic",
        "student_id",
        "starts",
    ).values_list(
        "student_id",
        "starts",
        "ends",
        "student__person__last_name",
        "student__person__first_name",
        "student__person__patronymic",
    )


def _short(last: str, first: str) -> str:
    return f"{last} {first[0]}." if first else last


CELLS_SQL = (
    "SELECT work_id, student_id, marks::text, excluded::text, owed, version FROM journal_cell "
    "WHERE work_id = ANY(%s)"
)
ATTENDANCE_SQL = (
    "SELECT lesson_id, student_id, status, version FROM journal_attendance WHERE lesson_id = ANY(%s)"
)


_PARSED: dict[str, tuple[int, ...]] = {"{}": ()}


def _smallints(text: str) -> tuple[int, ...]:
    """A PostgreSQL smallint[] as text ("{5,4}", "{}") → (5, 4); the few distinct values are remembered."""
    value = _PARSED.get(text)
    if value is None:
        value = tuple(int(x) for x in text[1:-1].split(",")) if len(text) > 2 else ()
        if len(_PARSED) < 4096:
            _PARSED[text] = value
    return value


def grid(course: Course, period: ReportingPeriod, only: set[int] | None = None) -> Grid:
    """The mark grid of `course` in `period`: planned lessons by date and slot, in five queries; creates nothing.

    `only`: the lessons to show (a substitute's, R-ACC-6); no other lesson is read, and the grid has no
    averages, which count every lesson of the period.
    """
    work_types = list(WorkType.objects.filter(school=course.school_id).order_by("position", "code"))
    types = {t.pk: t for t in work_types}
    default_type = next((t for t in work_types if t.is_default), work_types[0] if work_types else None)

    works = ArraySubquery(
        Work.objects.filter(lesson=OuterRef("pk"))
        .order_by("position", "pk")
        .values(json=JSONObject(id="pk", type="work_type_id"))
    )
    lessons = (
        Lesson.objects.filter(course=course, period=period, status=Lesson.Status.PLANNED)
        .order_by("date", "slot", "pk")
        .values_list("pk", "date", "slot")
        .annotate(works=works)
    )
    if only is not None:
        lessons = lessons.filter(pk__in=only)
    columns: list[GridColumn] = []
    work_ids: list[int] = []
    work_weights: dict[int, Decimal] = {}
    lesson_ids: list[int] = []
    for pk, date, slot, lesson_works in lessons:
        lesson_ids.append(pk)
        lesson_works = lesson_works or [{"id": None, "type": default_type.pk if default_type else None}]
        for i, w in enumerate(lesson_works):
            t = types.get(w["type"])
            columns.append(
                GridColumn(
                    lesson_id=pk,
                    date=date,
                    slot=slot,
                    work_id=w["id"],
                    type_code=t.code if t else "",
                    type_name=t.name if t else "",
                    first_of_lesson=i == 0,
                    lesson_columns=len(lesson_works),
                )
            )
            if w["id"]:
                work_ids.append(w["id"])
                if t is not None:
                    work_weights[w["id"]] = t.weight

    students: dict[int, GridStudent] = {}
    for student_id, starts, ends, last, first, patronymic in _stays(course, period):
        s = students.get(student_id)
        if s is None:
            full = " ".join(p for p in (last, first, patronymic) if p)
            s = students[student_id] = GridStudent(student_id, _short(last, first), full)
        s.stays.append((starts, ends))

    # The two biggest reads of the page (a cell per student and column) in plain SQL: the arrays come
    # as text and are split here, about half the cost of the ORM converting them row by row.
    with connection.cursor() as cursor:
        cursor.execute(CELLS_SQL, [work_ids])
        cells = {
            (w, s): (CellMarks(_smallints(marks), _smallints(excluded), owed), v)
            for w, s, marks, excluded, owed, v in cursor.fetchall()
        }
        cursor.execute(ATTENDANCE_SQL, [lesson_ids])
        attendance = {(lesson, s): (status, v) for lesson, s, status, v in cursor.fetchall()}
    return Grid(
        course=course,
        period=period,
        columns=columns,
        students=list(students.values()),
        cells=cells,
        attendance=attendance,
        averages=weighted_averages(cells, work_weights) if only is None else {},
        work_types=work_types,
        default_type=default_type,
    )


# A student's own marks (home page of the student and the parents; the diary of issue 6 builds on this)


@dataclass
class StudentMark:
    date: datetime.date
    course_id: int
    type_code: str
    type_name: str
    text: str  # "5/4", "(2)/5", "•" — as in the grid (attendance is not part of it)


def period_of_grade(year, grade: int, on: datetime.date) -> ReportingPeriod | None:
    """The reporting period of `grade` containing `on`, else the last one begun, else the first."""
    periods = list(
        ReportingPeriod.objects.filter(scheme__year=year, scheme__grades__contains=[grade]).order_by("starts")
    )
    return current_period(periods, on)


def current_period(periods: list[ReportingPeriod], on: datetime.date) -> ReportingPeriod | None:
    """Among `periods` (in date order): the one containing `on`, else the last one begun, else the first."""
    begun = [p for p in periods if p.starts <= on]
    current = next((p for p in periods if p.starts <= on <= p.ends), None)
    return current or (begun[-1] if begun else (periods[0] if periods else None))


STUDENT_AVERAGES_SQL = """
SELECT l.course_id, ROUND(SUM(t.weight * u.m) / SUM(t.weight), 2)
FROM journal_cell c
JOIN journal_work w ON w.id = c.work_id
JOIN journal_worktype t ON t.id = w.work_type_id
JOIN schedule_lesson l ON l.id = w.lesson_id
CROSS JOIN LATERAL unnest(c.marks) WITH ORDINALITY AS u(m, i)
WHERE c.student_id = %s AND l.period_id = %s AND l.status = 'planned'
  AND NOT ((u.i - 1)::smallint = ANY(c.excluded))
GROUP BY l.course_id
"""


def student_marks(student, period: ReportingPeriod) -> tuple[list[StudentMark], dict[int, Decimal]]:
    """Every mark of `student` in `period` (oldest first) and the weighted average per course: two queries."""
    rows = (
        Cell.objects.filter(student=student, work__lesson__period=period, work__lesson__status="planned")
        .filter(Q(owed=True) | ~Q(marks=[]))
        .order_by("work__lesson__date", "work__lesson__slot", "work__position")
        .values_list(
            "work__lesson__date",
            "work__lesson__course_id",
            "work__work_type__code",
            "work__work_type__name",
            "marks",
            "excluded",
            "owed",
        )
    )
    marks = [
        StudentMark(day, course, code, name, CellMarks(tuple(m), tuple(x), owed).text())
        for day, course, code, name, m, x, owed in rows
    ]
    with connection.cursor() as cursor:
        cursor.execute(STUDENT_AVERAGES_SQL, [student.pk, period.pk])
        averages = dict(cursor.fetchall())
    return marks, averages
