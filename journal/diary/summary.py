"""The printable summary sheet (сводная ведомость, R-D-5; seed 001 2.15): per student and subject, for a date range.

For parents who refused the electronic diary the class teacher prints, usually
for the past school week, what happened: the lessons held, the marks (as the
grid shows them, with their dates), absences by reason and lateness.

- Lessons held: planned (not cancelled) lessons in the range, up to today, of
  a group the student belonged to on the lesson's date — the class (through
  the enrollment) or a subgroup / cross-class group (through the membership).
  A student who joined mid-range counts only the lessons after joining.
- Marks: every non-empty cell of the student at a planned lesson in the range;
  a retake shows "(2)/4", owed work "•" (`journal.values.CellMarks.text`).
- Absences (Н) split by the reason the class teacher set (illness, excused,
  unexcused, none yet) and lateness (ОП), at planned lessons in the range.

A class's sheets are those of every student enrolled in it on some day of the
range; each is the student's own sheet (all their lessons in the range).

`sheets()` reads any number of students in five queries (courses, held lesson
counts, marks, attendance counts, work types), the counts aggregated in
PostgreSQL, so a whole class costs what one student does.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from journal.grid.selectors import _smallints
from journal.values import CellMarks
from schedule.models import Enrollment, SchoolClass

DAY = datetime.timedelta(days=1)
MAX_DAYS = 366  # the longest range: one academic year


def default_range(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The school week to print by default: Monday–Sunday.

    Seed 001 2.15 recommends the past school week. From Friday on, the class teacher
    prints the week that is ending (to hand out before the weekend); Monday to
    Thursday, the previous week, which is complete.
    """
    monday = today - datetime.timedelta(days=today.weekday())
    if today.weekday() < 4:
        monday -= 7 * DAY
    return monday, monday + 6 * DAY


@dataclass
class MarkItem:
    date: datetime.date
    text: str  # "5/4", "(2)/4", "•"
    type_code: str
    type_name: str


@dataclass
class Counts:
    held: int = 0
    marks: int = 0  # single marks (a "5/4" cell counts two)
    absent: int = 0
    illness: int = 0
    excused: int = 0
    unexcused: int = 0
    no_reason: int = 0
    late: int = 0

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class SubjectRow:
    course_id: int
    subject: str
    position: int
    counts: Counts = field(default_factory=Counts)
    marks: list[MarkItem] = field(default_factory=list)


@dataclass
class StudentSheet:
    pk: int
    full_name: str
    short_name: str
    rows: list[SubjectRow] = field(default_factory=list)
    totals: Counts = field(default_factory=Counts)
    work_types: list[tuple[str, str]] = field(default_factory=list)  # (code, name) used on the sheet


@dataclass(frozen=True)
class Scope:
    starts: datetime.date
    ends: datetime.date
    today: datetime.date

    @property
    def held_until(self) -> datetime.date:
        """Lessons after today are not held yet, whatever the range says."""
        return min(self.ends, self.today)

    @property
    def days(self) -> int:
        return (self.ends - self.starts).days + 1

    def shifted(self, sign: int) -> Scope | None:
        """The range of the same length just before (-1) or after (+1) this one; None past the calendar."""
        try:
            step = sign * self.days * DAY
            return Scope(self.starts + step, self.ends + step, self.today)
        except OverflowError:
            return None

    @property
    def beyond_today(self) -> bool:
        return self.ends > self.today


HELD_SQL = """
WITH stays AS (
    SELECT e.student_id, g.id AS group_id, GREATEST(e.starts, %(starts)s) AS a,
           LEAST(COALESCE(e.ends, %(last)s), %(last)s) AS b
    FROM schedule_enrollment e
    JOIN schedule_studygroup g ON g.school_class_id = e.school_class_id AND g.kind = 'whole_class'
    WHERE e.school_id = %(school)s AND e.student_id = ANY(%(students)s)
      AND e.starts <= %(last)s AND (e.ends IS NULL OR e.ends >= %(starts)s)
    UNION ALL
    SELECT m.student_id, m.group_id, GREATEST(m.starts, %(starts)s), LEAST(COALESCE(m.ends, %(last)s), %(last)s)
    FROM schedule_groupmembership m
    WHERE m.school_id = %(school)s AND m.student_id = ANY(%(students)s)
      AND m.starts <= %(last)s AND (m.ends IS NULL OR m.ends >= %(starts)s)
)
SELECT s.student_id, l.course_id, COUNT(DISTINCT l.id)
FROM stays s
JOIN schedule_lesson l ON l.group_id = s.group_id AND l.date BETWEEN s.a AND s.b
WHERE l.school_id = %(school)s AND l.status = 'planned'
GROUP BY s.student_id, l.course_id
"""

MARKS_SQL = """
SELECT c.student_id, l.course_id, l.date, w.work_type_id, c.marks::text, c.excluded::text, c.owed
FROM journal_cell c
JOIN journal_work w ON w.id = c.work_id
JOIN schedule_lesson l ON l.id = w.lesson_id
WHERE c.school_id = %(school)s AND c.student_id = ANY(%(students)s)
  AND l.date BETWEEN %(starts)s AND %(ends)s AND l.status = 'planned'
  AND (c.owed OR cardinality(c.marks) > 0)
ORDER BY c.student_id, l.date, l.slot, l.starts, w.position, w.id
"""

ATTENDANCE_SQL = """
SELECT a.student_id, l.course_id,
       COUNT(*) FILTER (WHERE a.status = 'absent'),
       COUNT(*) FILTER (WHERE a.status = 'absent' AND a.reason = 'illness'),
       COUNT(*) FILTER (WHERE a.status = 'absent' AND a.reason = 'excused'),
       COUNT(*) FILTER (WHERE a.status = 'absent' AND a.reason = 'unexcused'),
       COUNT(*) FILTER (WHERE a.status = 'absent' AND a.reason = ''),
       COUNT(*) FILTER (WHERE a.status = 'late')
FROM journal_attendance a
JOIN schedule_lesson l ON l.id = a.lesson_id
WHERE a.school_id = %(school)s AND a.student_id = ANY(%(students)s)
  AND l.date BETWEEN %(starts)s AND %(ends)s AND l.status = 'planned'
  AND a.status IN ('absent', 'late')
GROUP BY a.student_id, l.course_id
"""

COURSES_SQL = """
SELECT c.id, s.name, s.position FROM schedule_course c JOIN schedule_subject s ON s.id = c.subject_id
WHERE c.school_id = %s AND c.id = ANY(%s)
"""
WORK_TYPES_SQL = "SELECT id, code, name, position FROM journal_worktype WHERE school_id = %s"


def sheets(school_id: int, students: list[tuple[int, str, str, str]], scope: Scope) -> list[StudentSheet]:
    """The sheets of `students` ((id, last, first, patronymic), in the order given) for `scope`: five queries."""
    out = {
        pk: StudentSheet(
            pk,
            " ".join(p for p in (last, first, patronymic) if p),
            " ".join([last, *(f"{p[0]}." for p in (first, patronymic) if p)]),
        )
        for pk, last, first, patronymic in students
    }
    params = {
        "school": school_id,
        "students": list(out),
        "starts": scope.starts,
        "ends": scope.ends,
        "last": scope.held_until,
    }
    with connection.cursor() as cursor:
        cursor.execute(HELD_SQL, params)
        held = cursor.fetchall()
        cursor.execute(MARKS_SQL, params)
        marks = cursor.fetchall()
        cursor.execute(ATTENDANCE_SQL, params)
        attendance = cursor.fetchall()
        course_ids = {row[1] for rows in (held, marks, attendance) for row in rows}
        cursor.execute(COURSES_SQL, [school_id, sorted(course_ids)])
        courses = {pk: (name, position) for pk, name, position in cursor.fetchall()}
        cursor.execute(WORK_TYPES_SQL, [school_id])
        types = {pk: (code, name, position) for pk, code, name, position in cursor.fetchall()}

    rows: dict[tuple[int, int], SubjectRow] = {}

    def row(student_id: int, course_id: int) -> SubjectRow:
        found = rows.get((student_id, course_id))
        if found is None:
            name, position = courses.get(course_id, ("", 0))
            found = rows[(student_id, course_id)] = SubjectRow(course_id, name, position)
        return found

    for student_id, course_id, count in held:
        row(student_id, course_id).counts.held = count
    used_types: dict[int, set[int]] = {}
    for student_id, course_id, day, type_id, marks_text, excluded_text, owed in marks:
        value = CellMarks(_smallints(marks_text), _smallints(excluded_text), owed)
        code, name, _position = types.get(type_id, ("", "", 0))
        r = row(student_id, course_id)
        r.marks.append(MarkItem(day, value.text(), code, name))
        r.counts.marks += len(value.marks)
        used_types.setdefault(student_id, set()).add(type_id)
    for student_id, course_id, absent, illness, excused, unexcused, no_reason, late in attendance:
        c = row(student_id, course_id).counts
        c.absent, c.illness, c.excused, c.unexcused, c.no_reason, c.late = (
            absent,
            illness,
            excused,
            unexcused,
            no_reason,
            late,
        )
    for (student_id, _course_id), r in sorted(rows.items(), key=lambda kv: (kv[1].position, kv[1].subject)):
        sheet = out[student_id]
        sheet.rows.append(r)
        sheet.totals.add(r.counts)
    for student_id, type_ids in used_types.items():
        used = sorted((types[t] for t in type_ids if t in types), key=lambda t: (t[2], t[0]))
        out[student_id].work_types = [(code, name) for code, name, _position in used]
    return list(out.values())


def student_sheet(student, scope: Scope) -> StudentSheet:
    """One student's sheet (`student` with its person loaded)."""
    p = student.person
    return sheets(student.school_id, [(student.pk, p.last_name, p.first_name, p.patronymic)], scope)[0]


def class_students(school_class: SchoolClass, scope: Scope) -> list[tuple[int, str, str, str]]:
    """(id, last, first, patronymic) of the students enrolled in the class on any day of the range, by name."""
    overlap = Q(starts__lte=scope.ends) & (Q(ends__isnull=True) | Q(ends__gte=scope.starts))
    rows = (
        Enrollment.objects.filter(overlap, school_class=school_class)
        .order_by(
            "student__person__last_name",
            "student__person__first_name",
            "student__person__patronymic",
            "student_id",
        )
        .values_list(
            "student_id",
            "student__person__last_name",
            "student__person__first_name",
            "student__person__patronymic",
        )
    )
    seen: dict[int, tuple[int, str, str, str]] = {}
    for r in rows:
        seen.setdefault(r[0], r)
    return list(seen.values())


def class_sheets(school_class: SchoolClass, scope: Scope) -> list[StudentSheet]:
    """The sheet of every student of the class in the range: six queries whatever the class size."""
    return sheets(school_class.school_id, class_students(school_class, scope), scope)
