"""The subject teacher's reports (R-R-2, seed 002 6.4.12): plain data computed in the database.

Each report runs for one course (`Params.course`) or for every course a teacher
(`Params.teacher`) teaches in the period (the year, for the progress summary):

- `preliminary` — the preliminary period report, as of today within the period:
  per student the number of current marks, the weighted average, the mark it
  would propose, missed lessons and lateness; the students at risk (a proposed
  "2" by the school's thresholds, or no marks at all) listed apart.
- `class_results` — the class results for a period from the period's final
  marks: students assessed, counts of 5/4/3/2, progress and quality rates, the
  average final. Only finals actually entered count (they are the official
  figures); the students still without one are counted as "not assessed" so a
  half-filled course is visible as such. The forecast before finals exist is the
  preliminary report's job.
- `progress_summary` — progress and quality rates of each course over the
  periods of the year and the year finals, to see the trend.

Definitions: `reports.measures`, the same as the class teacher's and the
administration's reports. For a course the student's mark is their one final of
it, so "without a 2" is a final other than 2; the students are those in the
class or group on the period's last day (a final of a student who left by then
does not count). Totals over several courses count student-course pairs. The
progress summary alone divides by the finals entered (docs/decisions.md).

Every figure is summed in PostgreSQL (GROUP BY, FILTER); Python only applies the
thresholds to the summed exact decimals (`journal.finals.values.propose`) and lays out
the rows. Each report runs a fixed number of queries whatever the number of
students, lessons or marks.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from accounts.models import Student
from journal.finals.selectors import member_on, stays, takes_finals, who_needs_finals
from journal.finals.values import Thresholds, propose
from journal.policy import journal_settings
from schedule.models import Course, CourseTeacher, Lesson, ReportingPeriod

from .catalog import Params
from .measures import (
    as_of,
    categories_of_finals,
    cents,
    fetch,
    fmt_date,
    full_name,
    progress_and_quality,
    rates_note,
    today_of,
)
from .tables import Column, ReportData, Table

# Shared helpers


def average(total, weights) -> Decimal | None:
    """Σ(mark·weight)/Σweight, as the grid shows it."""
    return cents(Decimal(total) / Decimal(weights)) if weights else None


def mean_mark(counts: dict[int, int]) -> Decimal | None:
    """The plain mean of final marks given as {mark: how many}."""
    n = sum(counts.values())
    return cents(Decimal(sum(m * k for m, k in counts.items())) / n) if n else None


def course_label(course: Course) -> str:
    return f"{course.subject.name} — {course.group.name}"


def _ordered(rows):
    return rows.select_related("subject", "group", "school__journal_settings").order_by(
        "group__grade", "group__name", "subject__position", "subject__name", "pk"
    )


def teacher_courses(params: Params, since: datetime.date, until: datetime.date) -> list[Course]:
    """The report's courses: those `params.teacher` teaches on some day of [since, until], or `params.course`
    (both given: the course if that teacher teaches it then)."""
    if params.course is None and params.teacher is None:
        return []
    rows = Course.objects.filter(school=params.school, year=params.year)
    if params.course is not None:
        rows = rows.filter(pk=params.course.pk)
    if params.teacher is not None:
        assignments = CourseTeacher.objects.filter(teacher=params.teacher, starts__lte=until).filter(
            Q(ends__isnull=True) | Q(ends__gte=since)
        )
        rows = rows.filter(pk__in=assignments.values("course_id"))
    return list(_ordered(rows))


def scope_lines(params: Params) -> list[str]:
    lines = []
    if params.teacher is not None:
        lines.append(_("Teacher: %(name)s") % {"name": params.teacher.full_name})
    if params.course is not None:
        lines.append(_("Course: %(course)s") % {"course": course_label(params.course)})
    return lines


def signers(params: Params) -> list[tuple[str, str]]:
    """The teacher signs their own report."""
    return [(_("Teacher"), params.teacher.short_name)] if params.teacher is not None else []


def _grades(period: ReportingPeriod) -> list[int]:
    return list(period.scheme.grades)


def _choose_note() -> str:
    return _("Choose a course or a teacher.")


# Preliminary period report


PRELIMINARY_SQL = """
WITH l AS (
    SELECT id, course_id FROM schedule_lesson
    WHERE course_id = ANY(%(courses)s) AND period_id = %(period)s AND status = 'planned'
      AND date <= %(until)s
), m AS (
    SELECT l.course_id, c.student_id, COUNT(*) AS n, SUM(t.weight * u.m) AS total, SUM(t.weight) AS weights
    FROM l
    JOIN journal_work w ON w.lesson_id = l.id
    JOIN journal_worktype t ON t.id = w.work_type_id
    JOIN journal_cell c ON c.work_id = w.id
    CROSS JOIN LATERAL unnest(c.marks) WITH ORDINALITY AS u(m, i)
    WHERE NOT ((u.i - 1)::smallint = ANY(c.excluded))
    GROUP BY l.course_id, c.student_id
), a AS (
    SELECT l.course_id, a.student_id,
           COUNT(*) FILTER (WHERE a.status = 'absent') AS absent,
           COUNT(*) FILTER (WHERE a.status = 'late') AS late
    FROM l JOIN journal_attendance a ON a.lesson_id = l.id
    GROUP BY l.course_id, a.student_id
)
SELECT COALESCE(m.course_id, a.course_id), COALESCE(m.student_id, a.student_id),
       COALESCE(m.n, 0), m.total, m.weights, COALESCE(a.absent, 0), COALESCE(a.late, 0)
FROM m FULL JOIN a ON a.course_id = m.course_id AND a.student_id = m.student_id
"""


def student_names(ids) -> dict[int, tuple[str, str, str]]:
    """student id → (last, first, patronymic): one query."""
    return {
        pk: (last, first, patronymic)
        for pk, last, first, patronymic in Student.objects.filter(pk__in=list(ids)).values_list(
            "pk", "person__last_name", "person__first_name", "person__patronymic"
        )
    }


def preliminary(params: Params) -> ReportData:
    """The preliminary period report: marks, averages, forecasts and absences so far; students at risk."""
    period = params.period
    today = today_of(params)
    until = as_of(period, today)
    data = ReportData(
        code="teacher_preliminary",
        title=_("Preliminary period report"),
        signers=signers(params),
        params=[
            *scope_lines(params),
            _("%(period)s, as of %(date)s") % {"period": period.name, "date": fmt_date(until)},
        ],
    )
    if params.course is None and params.teacher is None:
        data.tables.append(Table(_("Summary by course"), [Column(_("Course"))], [], note=_choose_note()))
        return data
    grades = _grades(period)
    courses = [c for c in teacher_courses(params, period.starts, until) if c.group.grade in grades]
    thresholds = Thresholds.of(journal_settings(params.school))
    ids = [c.pk for c in courses]
    figures: dict[tuple[int, int], tuple] = {}
    held: dict[int, int] = {}
    members: dict[int, dict[int, list]] = {}
    if courses:
        for course_id, student_id, n, total, weights, absent, late in fetch(
            PRELIMINARY_SQL, {"courses": ids, "period": period.pk, "until": until}
        ):
            figures[(course_id, student_id)] = (n, total, weights, absent, late)
        held = dict(
            Lesson.objects.filter(
                course_id__in=ids, period=period, status=Lesson.Status.PLANNED, date__lte=until
            )
            .values_list("course_id")
            .annotate(n=Count("pk"))
        )
        members = stays(sorted({c.group_id for c in courses}), until, until)
    names = student_names(
        {s for c in courses for s, st in members.get(c.group_id, {}).items() if member_on(st, until)}
    )

    def order(student_id):
        return (*names.get(student_id, ("", "", "")), student_id)

    summary_rows, risk_rows, course_tables = [], [], []
    totals = [0, 0, 0, Decimal(0), Decimal(0), 0, 0, 0]  # students, lessons, marks, Σ, Σw, risk, none, missed
    for course in courses:
        group_members = [s for s, st in members.get(course.group_id, {}).items() if member_on(st, until)]
        rows = []
        gets_finals = takes_finals(course)
        c_marks = c_missed = c_risk = c_none = 0
        c_total, c_weights = Decimal(0), Decimal(0)
        for n, student_id in enumerate(sorted(group_members, key=order), start=1):
            marks, total, weights, absent, late = figures.get((course.pk, student_id), (0, None, None, 0, 0))
            proposal = propose(total, weights, thresholds) if weights else None
            name = full_name(*names[student_id])
            rows.append(
                [
                    n,
                    name,
                    marks,
                    average(total, weights),
                    str(proposal.mark) if proposal else None,
                    absent,
                    late,
                ]
            )
            c_marks += marks
            c_missed += absent
            if weights:
                c_total += total
                c_weights += weights
            # First grade takes no marks and "no final assessment" no finals: nobody there is at risk.
            if gets_finals and (proposal is None or proposal.mark == 2):
                reason = (
                    _("no marks")
                    if proposal is None
                    else _("average below %(bound)s") % {"bound": thresholds.three}
                )
                risk_rows.append(
                    [
                        course.group.name,
                        course.subject.name,
                        name,
                        marks,
                        average(total, weights),
                        absent,
                        reason,
                    ]
                )
                c_none += proposal is None
                c_risk += proposal is not None
        lessons = held.get(course.pk, 0)
        summary_rows.append(
            [
                course.group.name,
                course.subject.name,
                len(group_members),
                lessons,
                c_marks,
                average(c_total, c_weights),
                c_risk if gets_finals else None,
                c_none if gets_finals else None,
                c_missed,
            ]
        )
        for i, value in enumerate(
            [len(group_members), lessons, c_marks, c_total, c_weights, c_risk, c_none, c_missed]
        ):
            totals[i] += value
        course_tables.append(
            Table(
                course_label(course),
                [
                    Column(_("No."), "int"),
                    Column(_("Student")),
                    Column(_("Marks"), "int"),
                    Column(_("Average"), "decimal"),
                    Column(_("Forecast"), "mark"),
                    Column(_("Lessons missed"), "int"),
                    Column(_("Late"), "int"),
                ],
                rows,
                note=_("Lessons held by %(date)s: %(n)s.") % {"date": fmt_date(until), "n": lessons},
            )
        )
    data.tables.append(
        Table(
            _("Summary by course"),
            [
                Column(_("Class or group")),
                Column(_("Subject")),
                Column(_("Students"), "int"),
                Column(_("Lessons held"), "int"),
                Column(_("Marks"), "int"),
                Column(_("Average mark"), "decimal"),
                Column(_("Average below «3»"), "int"),
                Column(_("No marks"), "int"),
                Column(_("Lessons missed"), "int"),
            ],
            summary_rows,
            totals=[
                _("Total"),
                "",
                totals[0],
                totals[1],
                totals[2],
                average(totals[3], totals[4]),
                totals[5],
                totals[6],
                totals[7],
            ]
            if len(courses) > 1
            else None,
            note=_(
                "Students in the class or group on %(date)s; marks and absences of the lessons held up to that "
                "day. The average is weighted by work type; the forecast applies the school's thresholds "
                "(«3» from %(bound)s). Marks replaced by a retake do not count."
            )
            % {"date": fmt_date(until), "bound": thresholds.three},
        )
    )
    data.tables.append(
        Table(
            _("Students at risk"),
            [
                Column(_("Class or group")),
                Column(_("Subject")),
                Column(_("Student")),
                Column(_("Marks"), "int"),
                Column(_("Average"), "decimal"),
                Column(_("Lessons missed"), "int"),
                Column(_("Reason")),
            ],
            risk_rows,
            note=_("No students at risk.") if not risk_rows else "",
        )
    )
    data.tables.extend(course_tables)
    return data


# Class results for a period (from the finals)


# The finals of the students in the course's group on the last day of the final's period (of the year for
# a year final): the whole class's by enrollment, a subgroup's by membership.
RESULTS_SQL = """
SELECT f.course_id, f.period_id,
       COUNT(*) FILTER (WHERE f.value = 5), COUNT(*) FILTER (WHERE f.value = 4),
       COUNT(*) FILTER (WHERE f.value = 3), COUNT(*) FILTER (WHERE f.value = 2)
FROM journal_finalmark f
JOIN schedule_course co ON co.id = f.course_id
JOIN schedule_studygroup g ON g.id = co.group_id
JOIN schedule_academicyear y ON y.id = co.year_id
LEFT JOIN schedule_reportingperiod rp ON rp.id = f.period_id
CROSS JOIN LATERAL (SELECT COALESCE(rp.ends, y.ends) AS day) d
WHERE f.course_id = ANY(%(courses)s) AND {where}
  AND CASE WHEN g.kind = 'whole_class' THEN EXISTS (
        SELECT 1 FROM schedule_enrollment e
        WHERE e.school_class_id = g.school_class_id AND e.student_id = f.student_id
          AND e.starts <= d.day AND (e.ends IS NULL OR e.ends >= d.day))
      ELSE EXISTS (
        SELECT 1 FROM schedule_groupmembership m
        WHERE m.group_id = g.id AND m.student_id = f.student_id
          AND m.starts <= d.day AND (m.ends IS NULL OR m.ends >= d.day)) END
GROUP BY f.course_id, f.period_id
"""


def final_counts(course_ids: list[int], *, period_ids: list[int] | None = None, year: bool = False):
    """(course, period or None for the year) → {5: n, 4: n, 3: n, 2: n} of the finals entered: one query."""
    if year:
        where = "(f.kind = 'year' OR (f.kind = 'period' AND f.period_id = ANY(%(periods)s)))"
    else:
        where = "f.kind = 'period' AND f.period_id = ANY(%(periods)s)"
    rows = fetch(RESULTS_SQL.format(where=where), {"courses": course_ids, "periods": period_ids or []})
    return {
        (course_id, period_id): {5: n5, 4: n4, 3: n3, 2: n2} for course_id, period_id, n5, n4, n3, n2 in rows
    }


def result_cells(counts: dict[int, int], students: int) -> list:
    """Assessed, 5, 4, 3, 2, progress %, quality %, average — from the counts of finals of `students`."""
    return [
        sum(counts.values()),
        counts[5],
        counts[4],
        counts[3],
        counts[2],
        *progress_and_quality(categories_of_finals(counts, students), students),
        mean_mark(counts),
    ]


def class_results(params: Params) -> ReportData:
    """Class results for a period: per course the finals entered, 5/4/3/2, progress, quality, average."""
    period = params.period
    data = ReportData(
        code="teacher_class_results",
        title=_("Class results for the period"),
        signers=signers(params),
        params=[*scope_lines(params), period.name],
    )
    columns = [
        Column(_("Class or group")),
        Column(_("Subject")),
        Column(_("Students"), "int"),
        Column(_("Assessed"), "int"),
        Column("5", "int", _("Finals")),
        Column("4", "int", _("Finals")),
        Column("3", "int", _("Finals")),
        Column("2", "int", _("Finals")),
        Column(_("Progress, %"), "percent"),
        Column(_("Quality, %"), "percent"),
        Column(_("Average mark"), "decimal"),
        Column(_("Not assessed"), "int"),
    ]
    if params.course is None and params.teacher is None:
        data.tables.append(Table(_("Results by course"), columns, [], note=_choose_note()))
        return data
    grades = _grades(period)
    all_courses = [c for c in teacher_courses(params, period.starts, period.ends) if c.group.grade in grades]
    courses = [c for c in all_courses if takes_finals(c)]
    counts = final_counts([c.pk for c in courses], period_ids=[period.pk]) if courses else {}
    members = who_needs_finals([(period.pk, c.pk) for c in courses])
    rows = []
    total = {5: 0, 4: 0, 3: 0, 2: 0}
    needed_total = missing_total = 0
    for course in courses:
        c = counts.get((course.pk, period.pk), {5: 0, 4: 0, 3: 0, 2: 0})
        needed = len(members.get((period.pk, course.pk), []))
        missing = max(0, needed - sum(c.values()))
        rows.append([course.group.name, course.subject.name, needed, *result_cells(c, needed), missing])
        for k in total:
            total[k] += c[k]
        needed_total += needed
        missing_total += missing
    notes = [rates_note(on=period.ends), _("The average of the finals entered.")]
    if missing_total:
        notes.append(_("Some finals are not entered yet: those students count as not assessed."))
    skipped = [c for c in all_courses if not takes_finals(c)]
    if skipped:
        notes.append(
            _("Without final marks (no final assessment or first grade): %(courses)s.")
            % {"courses": ", ".join(course_label(c) for c in skipped)}
        )
    data.tables.append(
        Table(
            _("Results by course"),
            columns,
            rows,
            totals=[_("Total"), "", needed_total, *result_cells(total, needed_total), missing_total]
            if len(rows) > 1
            else None,
            note=" ".join(notes),
        )
    )
    return data


# Progress summary over the year


def progress_summary(params: Params) -> ReportData:
    """Progress and quality rates of each course per period of the year and for the year."""
    year = params.year
    data = ReportData(
        code="teacher_progress_summary",
        title=_("Progress summary"),
        signers=signers(params),
        params=[*scope_lines(params), _("Academic year %(year)s") % {"year": year.name}],
    )
    if params.course is None and params.teacher is None:
        data.tables.append(Table(_("Progress by period"), [Column(_("Course"))], [], note=_choose_note()))
        return data
    courses = [c for c in teacher_courses(params, year.starts, year.ends) if takes_finals(c)]
    periods = list(
        ReportingPeriod.objects.filter(scheme__year=year)
        .select_related("scheme")
        .order_by("scheme_id", "starts")
    )
    counts = (
        final_counts([c.pk for c in courses], period_ids=[p.pk for p in periods], year=True)
        if courses
        else {}
    )
    # One table per period scheme (quarters, half-years), so every column means one period.
    for scheme_id in dict.fromkeys(p.scheme_id for p in periods):
        scheme_periods = [p for p in periods if p.scheme_id == scheme_id]
        grades = set(scheme_periods[0].scheme.grades)
        scheme_courses = [c for c in courses if c.group.grade in grades]
        if not scheme_courses:
            continue
        slots = [(p.pk, p.name) for p in scheme_periods] + [(None, _("Year"))]
        columns = [Column(_("Class or group")), Column(_("Subject"))]
        for _pk, name in slots:
            columns += [Column(_("Progress, %"), "percent", name), Column(_("Quality, %"), "percent", name)]
        rows = []
        totals = {pk: {5: 0, 4: 0, 3: 0, 2: 0} for pk, _name in slots}
        for course in scheme_courses:
            row = [course.group.name, course.subject.name]
            for pk, _name in slots:
                c = counts.get((course.pk, pk))
                if c is None:
                    row += [None, None]
                    continue
                n = sum(c.values())
                row += progress_and_quality(categories_of_finals(c, n), n)
                for k in c:
                    totals[pk][k] += c[k]
            rows.append(row)
        total_row = [_("Total"), ""]
        for pk, _name in slots:
            t = totals[pk]
            n = sum(t.values())
            total_row += progress_and_quality(categories_of_finals(t, n), n)
        data.tables.append(
            Table(
                scheme_periods[0].scheme.get_kind_display().capitalize(),
                columns,
                rows,
                totals=total_row if len(rows) > 1 else None,
                note=_(
                    "Progress: students assessed without a «2»; quality: students assessed with «4» or «5». "
                    "From the final marks entered; «—»: no finals yet."
                ),
            )
        )
    if not data.tables:
        data.tables.append(
            Table(_("Progress by period"), [Column(_("Course"))], [], note=_("No courses with final marks."))
        )
    return data
