"""Reading final marks: who needs one, the exact sums behind proposals, the finals table, what is due.

Every function here runs a fixed number of queries, whatever the number of
students or courses (the figures are summed in PostgreSQL; the thresholds are
applied in Python with exact decimals, `journal.finals.values`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Q

from accounts.models import Student
from journal.finals.values import Proposal, Thresholds, deadline, propose, propose_from_marks
from journal.models import CourseLock, FinalKind, FinalMark, LockEvent, PeriodClosure
from journal.policy import journal_settings
from schedule.models import Course, CourseTeacher, ReportingPeriod

# Σ(mark·weight) and Σweight per course, period and student over the current marks of held lessons
# (a retake's excluded mark and an owed point do not count), exact numerics.
SUMS_SQL = """
SELECT l.course_id, l.period_id, c.student_id, SUM(t.weight * u.m), SUM(t.weight)
FROM schedule_lesson l
JOIN journal_work w ON w.lesson_id = l.id
JOIN journal_worktype t ON t.id = w.work_type_id
JOIN journal_cell c ON c.work_id = w.id
CROSS JOIN LATERAL unnest(c.marks) WITH ORDINALITY AS u(m, i)
WHERE {where} AND l.status = 'planned' AND NOT ((u.i - 1)::smallint = ANY(c.excluded))
GROUP BY l.course_id, l.period_id, c.student_id
"""


# Who is in a group: a whole-class group follows its class's enrollments, other groups their memberships
# (as `schedule.selectors.students_of_group`, for many groups in one query). `needed_finals_sql`, so every
# count of the finals needed, is built on it.
def stays_sql(source: str) -> str:
    """SQL: each row of `source` (a relation with `group_id`, `since` and `until`) with the stays of that group
    overlapping [since, until]: its columns and `student_id`, `stay_starts`, `stay_ends`. On one day
    (since = until) the rows are the group's students that day (`member_on` is the same test in Python)."""
    return f"""
SELECT src.*, e.student_id, e.starts AS stay_starts, e.ends AS stay_ends
FROM {source} src
JOIN schedule_studygroup sg ON sg.id = src.group_id AND sg.kind = 'whole_class'
JOIN schedule_enrollment e ON e.school_class_id = sg.school_class_id
  AND e.starts <= src.until AND (e.ends IS NULL OR e.ends >= src.since)
UNION ALL
SELECT src.*, m.student_id, m.starts, m.ends
FROM {source} src
JOIN schedule_studygroup sg ON sg.id = src.group_id AND sg.kind <> 'whole_class'
JOIN schedule_groupmembership m ON m.group_id = src.group_id
  AND m.starts <= src.until AND (m.ends IS NULL OR m.ends >= src.since)
"""


# Who needs a period final (R-F-1): in a course that takes finals (`takes_finals`: not a first grade, not
# «no final assessment») of a grade the period's scheme covers, every student in the course's group on the
# period's last day, whenever they joined (the year's final: those there on the last period's last day).
# Students who left before that day need none, even with marks or a final entered; a move between
# subgroups on a day of the period makes the final due in the group they end the period in.
def needed_finals_sql(source: str, *, day: str = "rp.ends") -> str:
    """SQL: each row of `source` (a relation with `period_id` and `course_id`, and none of the columns
    `group_id`, `since`, `until`, `student_id`, `stay_*`) with each student who needs that period final,
    in the columns of `stays_sql`. `day` replaces the period's last day (the preliminary report asks who
    would need one as of today)."""
    courses = f"""(
  SELECT src.*, co.group_id, {day}::date AS since, {day}::date AS until
  FROM {source} src
  JOIN schedule_reportingperiod rp ON rp.id = src.period_id
  JOIN schedule_periodscheme sc ON sc.id = rp.scheme_id
  JOIN schedule_course co ON co.id = src.course_id AND co.year_id = sc.year_id
  JOIN schedule_studygroup cg ON cg.id = co.group_id
  JOIN schedule_subject su ON su.id = co.subject_id
  WHERE cg.grade = ANY(sc.grades) AND cg.grade > 1 AND NOT su.no_final_assessment
)"""
    return stays_sql(courses)


STAYS_SQL = (
    "SELECT group_id, student_id, stay_starts, stay_ends FROM ("
    + stays_sql(
        "(SELECT g AS group_id, %(since)s::date AS since, %(until)s::date AS until"
        " FROM unnest(%(groups)s::bigint[]) AS g)"
    )
    + ") s"
)

NEEDED_SQL = (
    "SELECT period_id, course_id, student_id FROM ("
    + needed_finals_sql(
        "(SELECT * FROM unnest(%(periods)s::bigint[], %(courses)s::bigint[]) AS x(period_id, course_id))"
    )
    + ") n ORDER BY period_id, course_id, student_id"
)

Sums = dict[tuple[int, int, int], tuple[Decimal, Decimal]]


def sums(*, course_ids: list[int] | None = None, school_id: int | None = None, period_ids: list[int]) -> Sums:
    """(course, period, student) → (Σ mark·weight, Σ weight): one query for some courses or a whole school."""
    if course_ids is not None:
        where, params = (
            "l.course_id = ANY(%s) AND l.period_id = ANY(%s)",
            [list(course_ids), list(period_ids)],
        )
    else:
        where, params = "l.school_id = %s AND l.period_id = ANY(%s)", [school_id, list(period_ids)]
    with connection.cursor() as cursor:
        cursor.execute(SUMS_SQL.format(where=where), params)
        return {(c, p, s): (total, weights) for c, p, s, total, weights in cursor.fetchall()}


def stays(group_ids: list[int], since: datetime.date, until: datetime.date) -> dict[int, dict[int, list]]:
    """group → student → [(starts, ends)] of the stays overlapping [since, until]: one query."""
    out: dict[int, dict[int, list]] = {}
    with connection.cursor() as cursor:
        cursor.execute(STAYS_SQL, {"groups": list(group_ids), "since": since, "until": until})
        for group_id, student_id, starts, ends in cursor.fetchall():
            out.setdefault(group_id, {}).setdefault(student_id, []).append((starts, ends))
    return out


def who_needs_finals(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], list[int]]:
    """(period, course) → the students who need that period final (`needed_finals_sql`), in id order: one
    query. A pair whose course takes no finals in that period maps to nothing."""
    out: dict[tuple[int, int], list[int]] = {}
    pairs = sorted(set(pairs))
    if not pairs:
        return out
    with connection.cursor() as cursor:
        cursor.execute(NEEDED_SQL, {"periods": [p for p, _ in pairs], "courses": [c for _, c in pairs]})
        for period_id, course_id, student_id in cursor.fetchall():
            out.setdefault((period_id, course_id), []).append(student_id)
    return out


def member_on(student_stays: list, day: datetime.date) -> bool:
    """Whether stays read by `stays` cover `day`: the test of `stays_sql` for one day, in Python, for tables
    that read a year's stays once and ask about each period's last day (`finals_table`)."""
    return any(s <= day and (e is None or e >= day) for s, e in student_stays)


def takes_finals(course: Course) -> bool:
    """A course gets finals unless its subject has «no final assessment» or it is a first grade (R-SET-5)."""
    return not course.subject.no_final_assessment and course.group.grade != 1


def periods_of(course: Course) -> list[ReportingPeriod]:
    """The reporting periods of the course's grade in its year, in order."""
    return list(
        ReportingPeriod.objects.filter(
            scheme__year_id=course.year_id, scheme__grades__contains=[course.group.grade]
        ).order_by("starts")
    )


# The finals table of one course (the finals view of the grid)


@dataclass
class FinalCell:
    kind: str
    period: ReportingPeriod | None
    mark: FinalMark | None = None
    proposal: Proposal | None = None
    needed: bool = False  # the student is in the group when this final is due
    no_marks: bool = False  # needed, but no current marks to propose from (R-F-3)
    locked: bool = False  # read-only for the course's teachers (course lock or school closure)

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.period.pk}" if self.period else self.kind

    @property
    def value(self) -> str:
        return str(self.mark.value) if self.mark else ""

    @property
    def version(self) -> str:
        return str(self.mark.version) if self.mark else ""

    @property
    def overridden(self) -> bool:
        return bool(self.mark and self.mark.proposed is not None and self.mark.proposed != self.mark.value)


@dataclass
class FinalRow:
    student: Student
    cells: list[FinalCell]
    in_group_now: bool = True


@dataclass
class PeriodState:
    period: ReportingPeriod
    due: datetime.date
    course_locked: bool
    closed: bool
    needed: int = 0
    entered: int = 0
    proposals: int = 0  # needed, without a final, with a proposal (what "accept all" would enter)

    @property
    def complete(self) -> bool:
        return self.needed > 0 and self.entered >= self.needed

    @property
    def locked(self) -> bool:
        return self.course_locked or self.closed


@dataclass
class FinalsTable:
    course: Course
    periods: list[PeriodState]
    rows: list[FinalRow]
    thresholds: Thresholds
    takes_finals: bool
    year_state: PeriodState | None = None
    events: list[LockEvent] = field(default_factory=list)


def finals_table(course: Course, today: datetime.date) -> FinalsTable:
    """Everything the finals view shows for a course: 8 queries, whatever the size of the class.

    Rows are the students in the group at any time of the year; a period's final is needed from
    those in the group on its last day (the year's from those there at the year's end). Proposals:
    a period's from the weighted average of its current marks, the year's from the period finals,
    the overall final from the year and the exam.
    """
    settings = journal_settings(course.school)
    thresholds = Thresholds.of(settings)
    periods = periods_of(course)
    year = course.year
    locks = {
        lock.period_id: lock.locked for lock in CourseLock.objects.filter(course=course, period__in=periods)
    }
    closed = set(PeriodClosure.objects.filter(period__in=periods).values_list("period_id", flat=True))
    group_stays = stays([course.group_id], year.starts, year.ends).get(course.group_id, {})
    students = {s.pk: s for s in Student.objects.filter(pk__in=list(group_stays)).select_related("person")}
    order = sorted(
        students.values(), key=lambda s: (s.person.last_name, s.person.first_name, s.person.patronymic, s.pk)
    )
    marks = {}
    for mark in FinalMark.objects.filter(course=course):
        marks[(mark.student_id, mark.kind, mark.period_id)] = mark
    figures = sums(course_ids=[course.pk], period_ids=[p.pk for p in periods]) if periods else {}
    events = list(LockEvent.objects.filter(course=course).select_related("actor", "period")[:20])

    states = [
        PeriodState(
            p,
            deadline(p.ends, settings.finals_deadline, settings.finals_deadline_days),
            locks.get(p.pk, False),
            p.pk in closed,
        )
        for p in periods
    ]
    last = states[-1] if states else None
    year_end = periods[-1].ends if periods else year.ends
    year_state = PeriodState(
        periods[-1] if periods else None,
        deadline(year_end, settings.finals_deadline, settings.finals_deadline_days),
        last.course_locked if last else False,
        last.closed if last else False,
    )
    gets = takes_finals(course)
    rows = []
    for student in order:
        student_stays = group_stays[student.pk]
        cells = []
        period_values = []
        for state in states:
            p = state.period
            mark = marks.get((student.pk, FinalKind.PERIOD, p.pk))
            total = figures.get((course.pk, p.pk, student.pk))
            proposal = propose(*total, thresholds) if total else None
            needed = gets and member_on(student_stays, p.ends)
            cell = FinalCell(
                FinalKind.PERIOD, p, mark, proposal, needed, needed and proposal is None, state.locked
            )
            cells.append(cell)
            if needed:
                state.needed += 1
                state.entered += mark is not None
                state.proposals += mark is None and proposal is not None
            if mark:
                period_values.append(mark.value)
        year_mark = marks.get((student.pk, FinalKind.YEAR, None))
        year_needed = gets and member_on(student_stays, year_end)
        year_proposal = propose_from_marks(period_values, thresholds, "periods")
        cells.append(
            FinalCell(FinalKind.YEAR, None, year_mark, year_proposal, year_needed, False, year_state.locked)
        )
        if year_needed:
            year_state.needed += 1
            year_state.entered += year_mark is not None
            year_state.proposals += year_mark is None and year_proposal is not None
        exam = marks.get((student.pk, FinalKind.EXAM, None))
        cells.append(FinalCell(FinalKind.EXAM, None, exam, None, False, False, year_state.closed))
        overall = marks.get((student.pk, FinalKind.FINAL, None))
        basis = [year_mark.value] if year_mark else []
        if year_mark and exam:
            basis.append(exam.value)
        overall_proposal = propose_from_marks(basis, thresholds, "year_exam")
        cells.append(
            FinalCell(FinalKind.FINAL, None, overall, overall_proposal, False, False, year_state.closed)
        )
        rows.append(FinalRow(student, cells, member_on(student_stays, today)))
    return FinalsTable(course, states, rows, thresholds, gets, year_state, events)


def course_for_finals(school, pk: int) -> Course:
    """The course with what the finals view reads (subject, group, year, school settings); DoesNotExist if none."""
    return Course.objects.select_related("subject", "group__year", "year", "school__journal_settings").get(
        pk=pk, school=school
    )


# Proposals for a class or a whole school (R-F-2; benchmarks `finals_propose_class` / `_school`)


@dataclass(frozen=True)
class ProposedFinal:
    course_id: int
    student_id: int
    proposal: Proposal | None  # None: no current marks (R-F-3: flagged, not given a mark)


def propose_period(
    period: ReportingPeriod, courses: list[Course], *, school_wide: bool = False
) -> list[ProposedFinal]:
    """The proposed period final of every student who needs one in each course: 3 queries in all
    (settings, the students in the groups on the period's last day, the sums), whatever the number
    of students or courses. `courses` must have `subject` and `group` loaded."""
    courses = [c for c in courses if takes_finals(c)]
    if not courses:
        return []
    thresholds = Thresholds.of(journal_settings(courses[0].school))
    members = who_needs_finals([(period.pk, c.pk) for c in courses])
    if school_wide:
        figures = sums(school_id=courses[0].school_id, period_ids=[period.pk])
    else:
        figures = sums(course_ids=[c.pk for c in courses], period_ids=[period.pk])
    out = []
    for course in courses:
        for student_id in members.get((period.pk, course.pk), []):
            total = figures.get((course.pk, period.pk, student_id))
            out.append(ProposedFinal(course.pk, student_id, propose(*total, thresholds) if total else None))
    return out


def courses_of_period(period: ReportingPeriod, *, school_class=None) -> list[Course]:
    """The courses taught in the period's grades (of one class, or the whole school), with subject and group."""
    rows = Course.objects.filter(year_id=period.scheme.year_id, group__grade__in=period.scheme.grades)
    if school_class is not None:
        rows = rows.filter(group__school_class=school_class)  # its whole-class group and subgroups
    return list(rows.select_related("subject", "group", "school__journal_settings").order_by("pk"))


# What is due (R-F-4): the teacher's home, the deputy's control page


@dataclass
class CourseDue:
    course: Course
    period: ReportingPeriod
    due: datetime.date
    needed: int
    entered: int
    locked: bool
    teachers: list = field(default_factory=list)

    @property
    def missing(self) -> int:
        return max(0, self.needed - self.entered)

    def days_left(self, today: datetime.date) -> int:
        return (self.due - today).days

    def late(self, today: datetime.date) -> bool:
        return self.missing > 0 and today > self.due


FINALS_COUNT_SQL = """
SELECT f.period_id, f.course_id, COUNT(*) FROM journal_finalmark f
JOIN unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS x(p, c, s)
  ON f.period_id = x.p AND f.course_id = x.c AND f.student_id = x.s
WHERE f.kind = 'period'
GROUP BY f.period_id, f.course_id
"""


def finals_progress(period: ReportingPeriod, courses: list[Course]) -> list[CourseDue]:
    """For each course: the period finals needed (`who_needs_finals`: students in the group on its last
    day), entered, the deadline, the lock and the teachers: 5 queries (see `progress_of`)."""
    return progress_of([(period, courses)])


def progress_of(items: list[tuple[ReportingPeriod, list[Course]]]) -> list[CourseDue]:
    """`finals_progress` of several periods at once, in the same 5 queries (settings, the groups' members,
    the finals entered, the locks, the teachers) whatever the number of periods, courses or students."""
    items = [(p, [c for c in cs if takes_finals(c)]) for p, cs in items]
    items = [(p, cs) for p, cs in items if cs]
    if not items:
        return []
    settings = journal_settings(items[0][1][0].school)
    courses = {c.pk: c for _, cs in items for c in cs}
    periods = [p for p, _ in items]
    members = who_needs_finals([(period.pk, c.pk) for period, cs in items for c in cs])
    triples = [(p, c, s) for (p, c), students in members.items() for s in students]
    with connection.cursor() as cursor:
        cursor.execute(
            FINALS_COUNT_SQL, [[t[0] for t in triples], [t[1] for t in triples], [t[2] for t in triples]]
        )
        entered = {(p, c): n for p, c, n in cursor.fetchall()}
    locked = set(
        CourseLock.objects.filter(period__in=periods, course__in=list(courses), locked=True).values_list(
            "period_id", "course_id"
        )
    )
    assignments: dict[int, list] = {}
    for ct in (
        CourseTeacher.objects.filter(course__in=list(courses))
        .filter(
            Q(ends__isnull=True) | Q(ends__gte=min(p.starts for p in periods)),
            starts__lte=max(p.ends for p in periods),
        )
        .select_related("teacher")
        .order_by("starts", "pk")
    ):
        assignments.setdefault(ct.course_id, []).append(ct)
    out = []
    for period, cs in items:
        due = deadline(period.ends, settings.finals_deadline, settings.finals_deadline_days)
        for c in cs:
            teachers = []
            for ct in assignments.get(c.pk, []):
                if (
                    ct.starts <= period.ends
                    and (ct.ends is None or ct.ends >= period.starts)
                    and ct.teacher not in teachers
                ):
                    teachers.append(ct.teacher)
            out.append(
                CourseDue(
                    c,
                    period,
                    due,
                    len(members.get((period.pk, c.pk), [])),
                    entered.get((period.pk, c.pk), 0),
                    (period.pk, c.pk) in locked,
                    teachers,
                )
            )
    return out


def due_for_teacher(person, year, today: datetime.date, *, horizon: int = 14) -> list[CourseDue]:
    """The teacher's courses whose period finals are still missing, for periods ending within `horizon`
    days or already ended (this year), soonest deadline first: the home page's "finals due" card.
    7 queries in all (periods, courses, `progress_of`), whatever the date or the number of periods."""
    if year is None:
        return []
    periods = list(
        ReportingPeriod.objects.filter(scheme__year=year, ends__lte=today + datetime.timedelta(days=horizon))
        .select_related("scheme")
        .order_by("ends")
    )
    if not periods:
        return []
    courses = list(
        Course.objects.filter(year=year, teachers__teacher=person)
        .filter(Q(teachers__ends__isnull=True) | Q(teachers__ends__gte=periods[0].starts))
        .select_related("subject", "group", "school__journal_settings")
        .distinct()
        .order_by("pk")
    )
    items = [(p, [c for c in courses if c.group.grade in p.scheme.grades]) for p in periods]
    out = [d for d in progress_of(items) if d.missing and not d.locked]
    return sorted(out, key=lambda d: (d.due, str(d.course.group), d.course.subject.name))


def student_finals(student, year) -> dict[int, dict[str, int]]:
    """course → {"period-<id>"|"year"|"exam"|"final": mark} of a student in a year (R-F-6): one query."""
    out: dict[int, dict[str, int]] = {}
    for course_id, kind, period_id, value in FinalMark.objects.filter(
        student=student, course__year=year
    ).values_list("course_id", "kind", "period_id", "value"):
        out.setdefault(course_id, {})[f"period-{period_id}" if period_id else kind] = value
    return out
