"""Reads for the diary's marks and charts (R-D-2, R-D-3): a student's marks per subject in a reporting
period with the weighted average, the final marks and the forecast; the running average per marked day;
the attendance per month of the year.

The figures are those of the teacher's pages, by construction: the marks are read with the filter and
order of `journal.grid.selectors.student_marks` (the home page's) and shown by `journal.values.CellMarks`
(the grid's), the exact sums behind the average and the forecast come from the very SQL of
`journal.finals.selectors.sums` (the teacher's proposal), the forecast from `journal.diary.forecast` (which
decides through `journal.finals.values.propose`). Sums and counts are grouped in PostgreSQL; each function runs
a fixed number of queries whatever the number of subjects, marks or months. The hot reads are plain SQL:
the marks page is the parent's most visited page after the week.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from accounts.models import Person
from journal.diary.forecast import Forecast, WeightOption, forecast, options_of
from journal.finals import selectors as fs
from journal.finals.values import Thresholds
from journal.grid import selectors as js
from journal.grid.render import average_text
from journal.models import WorkType
from journal.policy import journal_settings
from journal.values import CellMarks
from schedule.models import AcademicYear, Enrollment, ReportingPeriod, SchoolClass

CENT = Decimal("0.01")
YEAR = "year"  # the `?period=` value of the year's overview


def rounded(total: Decimal, weights: Decimal) -> Decimal:
    """The average as the teacher's grid shows it: Σ(mark·weight)/Σweight rounded half-up to 0.01."""
    return (total / weights).quantize(CENT, ROUND_HALF_UP)


# Where the student is: the class and year the diary shows


def class_for_diary(student, school_class: SchoolClass | None) -> SchoolClass | None:
    """The frame's class of today, else the class of the student's latest stay (the summer after a
    year, a student who left): one query only in that case."""
    if school_class is not None:
        return school_class
    last = (
        Enrollment.objects.filter(student=student)
        .select_related("school_class__year", "school_class__class_teacher")
        .order_by("-starts")
        .first()
    )
    return last.school_class if last else None


def periods_of_grade(year: AcademicYear, grade: int) -> list[ReportingPeriod]:
    """The reporting periods of `grade` in `year`, in date order: one query."""
    return list(
        ReportingPeriod.objects.filter(scheme__year=year, scheme__grades__contains=[grade]).order_by("starts")
    )


def choose_period(periods: list[ReportingPeriod], raw: str | None, today: datetime.date):
    """The period asked for by `?period=` (an id of `periods`, or "year"), else the current one."""
    if raw == YEAR and periods:
        return YEAR
    chosen = next((p for p in periods if str(p.pk) == (raw or "").strip()), None)
    return chosen or js.current_period(periods, today)


# The courses the student belonged to at some time of [since, until] (their class's whole-class courses
# by enrollment, their groups' by membership) and those they have marks in, with the teachers assigned
# in that time (as JSON: one row per course).
COURSES_SQL = """
SELECT k.id, s.name, s.no_final_assessment, g.kind, g.name, g.grade,
  (SELECT json_agg(json_build_array(p.last_name, p.first_name, p.patronymic) ORDER BY t.starts, t.id)
   FROM schedule_courseteacher t JOIN accounts_person p ON p.id = t.teacher_id
   WHERE t.course_id = k.id AND t.starts <= %(until)s AND (t.ends IS NULL OR t.ends >= %(since)s))
FROM schedule_course k
JOIN schedule_subject s ON s.id = k.subject_id
JOIN schedule_studygroup g ON g.id = k.group_id
WHERE k.year_id = %(year)s AND (
  (g.kind = 'whole_class' AND g.school_class_id IN (
    SELECT e.school_class_id FROM schedule_enrollment e WHERE e.student_id = %(student)s
      AND e.starts <= %(until)s AND (e.ends IS NULL OR e.ends >= %(since)s)))
  OR g.id IN (
    SELECT m.group_id FROM schedule_groupmembership m WHERE m.student_id = %(student)s
      AND m.starts <= %(until)s AND (m.ends IS NULL OR m.ends >= %(since)s))
  OR k.id = ANY(%(marked)s))
ORDER BY s.position, s.name, g.name, k.id
"""


@dataclass
class CourseRow:
    """A course as the diary names it: the subject, the group (for part of a class) and the teachers."""

    pk: int
    subject: str
    no_final_assessment: bool
    group_kind: str
    group_name: str
    grade: int
    teachers: list[str] = field(default_factory=list)  # short names, in assignment order, each once

    @property
    def group(self) -> str:
        """The group's name for a course of part of the class ("" for the whole class)."""
        return "" if self.group_kind == "whole_class" else self.group_name

    @property
    def takes_finals(self) -> bool:
        """As `finals_selectors.takes_finals`: not «no final assessment», not a first grade (R-SET-5)."""
        return not self.no_final_assessment and self.grade != 1


def courses_of_student(student, year: AcademicYear, since, until, marked: set[int]) -> list[CourseRow]:
    """The student's courses of [since, until] and those with their marks, by subject: one query."""
    params = {
        "year": year.pk,
        "student": student.pk,
        "since": since,
        "until": until,
        "marked": sorted(marked),
    }
    out = []
    with connection.cursor() as cursor:
        cursor.execute(COURSES_SQL, params)
        for pk, subject, no_final, kind, group, grade, teachers in cursor.fetchall():
            names: list[str] = []
            for last, first, patronymic in teachers or []:
                name = Person(last_name=last, first_name=first, patronymic=patronymic).short_name
                if name not in names:
                    names.append(name)
            out.append(CourseRow(pk, subject, no_final, kind, group, grade, names))
    return out


# Every mark of the student in a period, oldest first: the filter and order of
# `journal.grid.selectors.student_marks` (a test checks they agree), in plain SQL with the arrays as text.
MARKS_SQL = """
SELECT l.date, l.course_id, t.code, t.name, c.marks::text, c.excluded::text, c.owed
FROM journal_cell c
JOIN journal_work w ON w.id = c.work_id
JOIN journal_worktype t ON t.id = w.work_type_id
JOIN schedule_lesson l ON l.id = w.lesson_id
WHERE c.student_id = %s AND l.period_id = %s AND l.status = 'planned' AND (c.owed OR c.marks <> '{}')
ORDER BY l.date, l.slot, w.position
"""


def _smallints(text: str) -> tuple[int, ...]:
    """A PostgreSQL smallint[] as text ("{5,4}", "{}") → (5, 4)."""
    return tuple(int(x) for x in text[1:-1].split(",")) if len(text) > 2 else ()


def period_marks(student, period: ReportingPeriod) -> list[js.StudentMark]:
    """Every mark of the student in the period as the grid shows it ("5/4", "(2)/5", "•"): one query."""
    with connection.cursor() as cursor:
        cursor.execute(MARKS_SQL, [student.pk, period.pk])
        return [
            js.StudentMark(day, course, code, name, CellMarks(_smallints(m), _smallints(x), owed).text())
            for day, course, code, name, m, x, owed in cursor.fetchall()
        ]


def student_sums(student, period_ids: list[int]) -> fs.Sums:
    """(course, period, student) → (Σ mark·weight, Σ weight) of one student: the SQL of the teacher's
    proposals (`finals_selectors.SUMS_SQL`) restricted to the student, one query."""
    where = "c.student_id = %s AND l.period_id = ANY(%s)"
    with connection.cursor() as cursor:
        cursor.execute(fs.SUMS_SQL.format(where=where), [student.pk, list(period_ids)])
        return {(c, p, s): (total, weights) for c, p, s, total, weights in cursor.fetchall()}


def weight_options(school) -> list[WeightOption]:
    """The distinct weights of the school's work types with their codes (in the school's order): one query."""
    return options_of(
        WorkType.objects.filter(school=school).order_by("position", "code").values_list("code", "weight")
    )


# The marks page


@dataclass
class SubjectMarks:
    course: CourseRow
    marks: list[js.StudentMark]
    total: Decimal | None = None
    weights: Decimal | None = None
    average: Decimal | None = None  # as the teacher's grid shows it (rounded half-up to 0.01)
    final: int | None = None  # the period's final mark, once the teacher has set it
    later: list[tuple[str, int]] = field(default_factory=list)  # ("year"|"exam"|"final", mark)
    takes_finals: bool = True
    forecast: Forecast | None = None
    next_bound: str = ""  # the lowest average of the next mark, as text
    chips: str = ""  # the marks as HTML list items (set by the view)

    @property
    def subject(self) -> str:
        return self.course.subject

    @property
    def average_text(self) -> str:
        return average_text(self.average)

    @property
    def shown_forecast(self) -> bool:
        """A forecast helps while the period's mark is not set yet."""
        return self.forecast is not None and self.final is None

    def bound_text(self, thresholds: Thresholds) -> str:
        """The lowest average of the next mark ("4,65"), for the forecast's heading."""
        target = self.forecast.target if self.forecast else None
        bound = {3: thresholds.three, 4: thresholds.four, 5: thresholds.five}.get(target)
        return average_text(bound) if bound is not None else ""

    @property
    def group(self) -> str:
        return self.course.group

    @property
    def teachers(self) -> str:
        return ", ".join(self.course.teachers)


@dataclass
class YearRow:
    course: CourseRow
    cells: list[tuple[int | None, str]]  # per period: (final mark, the average as text, "" without marks)
    later: dict[str, int]  # "year", "exam", "final" → mark

    @property
    def subject(self) -> str:
        return self.course.subject

    @property
    def group(self) -> str:
        return self.course.group


@dataclass
class MarksPage:
    school_class: SchoolClass | None
    periods: list[ReportingPeriod]
    period: ReportingPeriod | None  # None: the year's overview (or no periods at all)
    year_view: bool
    today: datetime.date
    subjects: list[SubjectMarks] = field(default_factory=list)
    year_rows: list[YearRow] = field(default_factory=list)
    thresholds: Thresholds | None = None
    options: list[WeightOption] = field(default_factory=list)

    @property
    def first_grade(self) -> bool:
        return self.school_class is not None and self.school_class.grade == 1

    @property
    def started(self) -> bool:
        return self.period is not None and self.period.starts <= self.today

    @property
    def over(self) -> bool:
        return self.period is not None and self.period.ends < self.today

    @property
    def has_marks(self) -> bool:
        return any(s.marks for s in self.subjects)

    @property
    def later_kinds(self) -> list[str]:
        """The columns after the year's in the overview: the exam and the overall final, when any is set."""
        return [k for k in ("exam", "final") if any(k in row.later for row in self.year_rows)]

    @property
    def code_count(self) -> int:
        """How many work types the school has (a risk naming all of them says "any work")."""
        return sum(len(o.codes) for o in self.options)


def marks_page(student, school_class: SchoolClass | None, raw_period: str | None, today) -> MarksPage:
    """Everything the marks page shows for one period (or the year): 7 queries at most, whatever the
    number of subjects and marks (periods, settings, marks, sums, courses, finals, work types)."""
    school_class = class_for_diary(student, school_class)
    if school_class is None:
        return MarksPage(None, [], None, False, today)
    year = school_class.year
    periods = periods_of_grade(year, school_class.grade)
    day = min(max(today, year.starts), year.ends)
    chosen = choose_period(periods, raw_period, day)
    page = MarksPage(school_class, periods, None if chosen == YEAR else chosen, chosen == YEAR, today)
    if chosen is None or page.first_grade:
        return page
    page.thresholds = Thresholds.of(journal_settings(student.school))
    if page.year_view:
        return _year(page, student, year)
    period = page.period
    marks = period_marks(student, period)
    figures = student_sums(student, [period.pk])
    courses = courses_of_student(student, year, period.starts, period.ends, {m.course_id for m in marks})
    finals = fs.student_finals(student, year)
    page.options = weight_options(student.school_id)
    by_course: dict[int, list] = {}
    for mark in marks:
        by_course.setdefault(mark.course_id, []).append(mark)
    for course in courses:
        row = SubjectMarks(course, by_course.get(course.pk, []), takes_finals=course.takes_finals)
        got = finals.get(course.pk, {})
        row.final = got.get(f"period-{period.pk}")
        if period == periods[-1]:
            row.later = [(kind, got[kind]) for kind in ("year", "exam", "final") if kind in got]
        sums = figures.get((course.pk, period.pk, student.pk))
        if sums:
            row.total, row.weights = sums
            row.average = rounded(*sums)
            if row.takes_finals:
                row.forecast = forecast(row.total, row.weights, page.thresholds, page.options)
                row.next_bound = row.bound_text(page.thresholds)
        page.subjects.append(row)
    return page


def _year(page: MarksPage, student, year: AcademicYear) -> MarksPage:
    """The year's overview: per subject each period's final mark (or the average so far), the year's,
    the exam's and the overall final: three queries more (sums, courses, finals)."""
    periods = page.periods
    figures = student_sums(student, [p.pk for p in periods])
    marked = {course for course, _p, _s in figures}
    courses = courses_of_student(student, year, periods[0].starts, periods[-1].ends, marked)
    finals = fs.student_finals(student, year)
    for course in courses:
        got = finals.get(course.pk, {})
        cells = []
        for p in periods:
            sums = figures.get((course.pk, p.pk, student.pk))
            cells.append((got.get(f"period-{p.pk}"), average_text(rounded(*sums)) if sums else ""))
        later = {kind: got[kind] for kind in ("year", "exam", "final") if kind in got}
        page.year_rows.append(YearRow(course, cells, later))
    return page


# The charts page

# Σ(mark·weight) and Σweight per course and lesson date of one student in a period (the rule of
# `finals_selectors.SUMS_SQL`: current marks of held lessons), with the subject for the chart's title.
DAILY_SQL = """
SELECT l.course_id, s.name, g.kind, g.name, l.date, SUM(t.weight * u.m), SUM(t.weight)
FROM schedule_lesson l
JOIN schedule_course k ON k.id = l.course_id
JOIN schedule_subject s ON s.id = k.subject_id
JOIN schedule_studygroup g ON g.id = k.group_id
JOIN journal_work w ON w.lesson_id = l.id
JOIN journal_worktype t ON t.id = w.work_type_id
JOIN journal_cell c ON c.work_id = w.id
CROSS JOIN LATERAL unnest(c.marks) WITH ORDINALITY AS u(m, i)
WHERE c.student_id = %s AND l.period_id = %s AND l.status = 'planned'
  AND NOT ((u.i - 1)::smallint = ANY(c.excluded))
GROUP BY l.course_id, s.position, s.name, g.kind, g.name, l.date
ORDER BY s.position, s.name, g.name, l.course_id, l.date
"""

# The student's lessons per month of the year up to a day (the lessons of the groups they belonged to on
# each lesson's date: their class's whole-class group by enrollment, other groups by membership), with
# absences by reason and lateness.
ATTENDANCE_SQL = """
WITH stays AS (
  SELECT g.id AS group_id, e.starts, e.ends
  FROM schedule_enrollment e
  JOIN schedule_studygroup g ON g.school_class_id = e.school_class_id AND g.kind = 'whole_class'
  WHERE e.student_id = %(student)s
  UNION ALL
  SELECT m.group_id, m.starts, m.ends FROM schedule_groupmembership m WHERE m.student_id = %(student)s
)
SELECT date_trunc('month', l.date)::date AS month,
  COUNT(DISTINCT l.id) AS lessons,
  COUNT(DISTINCT l.id) FILTER (WHERE a.status = 'late') AS late,
  COUNT(DISTINCT l.id) FILTER (WHERE a.status = 'absent' AND a.reason = 'illness') AS illness,
  COUNT(DISTINCT l.id) FILTER (WHERE a.status = 'absent' AND a.reason = 'excused') AS excused,
  COUNT(DISTINCT l.id) FILTER (WHERE a.status = 'absent' AND a.reason = 'unexcused') AS unexcused,
  COUNT(DISTINCT l.id) FILTER (WHERE a.status = 'absent' AND a.reason = '') AS unreconciled
FROM schedule_lesson l
JOIN stays s ON s.group_id = l.group_id AND l.date >= s.starts AND (s.ends IS NULL OR l.date <= s.ends)
LEFT JOIN journal_attendance a ON a.lesson_id = l.id AND a.student_id = %(student)s
WHERE l.year_id = %(year)s AND l.status = 'planned' AND l.date <= %(until)s
GROUP BY 1
ORDER BY 1
"""


@dataclass
class Point:
    date: datetime.date
    average: Decimal  # the running average after that day, rounded as in the grid

    @property
    def text(self) -> str:
        return average_text(self.average)

    @property
    def day(self) -> str:
        return f"{self.date:%d.%m.%Y}"


@dataclass
class SubjectCurve:
    course_id: int
    subject: str
    group: str
    points: list[Point]

    @property
    def last(self) -> Decimal:
        return self.points[-1].average

    @property
    def last_text(self) -> str:
        return average_text(self.last)


@dataclass
class Month:
    month: datetime.date  # its first day
    lessons: int = 0
    late: int = 0
    illness: int = 0
    excused: int = 0
    unexcused: int = 0
    unreconciled: int = 0

    @property
    def absent(self) -> int:
        return self.illness + self.excused + self.unexcused + self.unreconciled

    @property
    def on_time(self) -> int:
        return self.lessons - self.absent - self.late

    @property
    def attended(self) -> int:
        return self.lessons - self.absent


@dataclass
class ChartsPage:
    school_class: SchoolClass | None
    periods: list[ReportingPeriod]
    period: ReportingPeriod | None
    today: datetime.date
    curves: list[SubjectCurve] = field(default_factory=list)
    months: list[Month] = field(default_factory=list)
    thresholds: Thresholds | None = None

    @property
    def first_grade(self) -> bool:
        return self.school_class is not None and self.school_class.grade == 1

    @property
    def total(self) -> Month:
        out = Month(self.months[0].month if self.months else self.today)
        for m in self.months:
            for name in ("lessons", "late", "illness", "excused", "unexcused", "unreconciled"):
                setattr(out, name, getattr(out, name) + getattr(m, name))
        return out


def curves(student, period: ReportingPeriod) -> list[SubjectCurve]:
    """The running weighted average per subject after each marked day of the period: one query."""
    out: dict[int, SubjectCurve] = {}
    running: dict[int, list[Decimal]] = {}
    with connection.cursor() as cursor:
        cursor.execute(DAILY_SQL, [student.pk, period.pk])
        for course_id, subject, kind, group, day, total, weights in cursor.fetchall():
            curve = out.get(course_id)
            if curve is None:
                curve = out[course_id] = SubjectCurve(
                    course_id, subject, "" if kind == "whole_class" else group, []
                )
                running[course_id] = [Decimal(0), Decimal(0)]
            acc = running[course_id]
            acc[0] += total
            acc[1] += weights
            curve.points.append(Point(day, rounded(acc[0], acc[1])))
    return list(out.values())


def months_of(year: AcademicYear, until: datetime.date) -> list[datetime.date]:
    """The first days of the year's months up to `until` (at least the first month)."""
    out, day = [], year.starts.replace(day=1)
    last = min(until, year.ends)
    while day <= last or not out:
        out.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return out


def attendance_by_month(student, year: AcademicYear, until: datetime.date) -> list[Month]:
    """Lessons, lateness and absences by reason per month of the year up to `until`: one query; months
    without lessons (holidays) are kept as zeros so the bars keep the calendar."""
    with connection.cursor() as cursor:
        cursor.execute(ATTENDANCE_SQL, {"student": student.pk, "year": year.pk, "until": until})
        found = {row[0]: Month(*row) for row in cursor.fetchall()}
    return [found.get(m, Month(m)) for m in months_of(year, until)]


def charts_page(student, school_class: SchoolClass | None, raw_period: str | None, today) -> ChartsPage:
    """The running averages of a period and the year's attendance: 5 queries at most (class fallback,
    periods, settings, daily sums, attendance), whatever the number of subjects, marks or months."""
    school_class = class_for_diary(student, school_class)
    if school_class is None:
        return ChartsPage(None, [], None, today)
    year = school_class.year
    periods = periods_of_grade(year, school_class.grade)
    day = min(max(today, year.starts), year.ends)
    chosen = choose_period(periods, raw_period, day)
    period = None if chosen == YEAR else chosen
    if chosen == YEAR:  # the charts are per period: the year's overview lives on the marks page
        period = js.current_period(periods, day)
    page = ChartsPage(school_class, periods, period, today)
    page.months = attendance_by_month(student, year, min(today, year.ends))
    if period is not None and not page.first_grade:
        page.thresholds = Thresholds.of(journal_settings(student.school))
        page.curves = curves(student, period)
    return page
