"""The class teacher's reports (R-R-1, seed 002 6.3.9): plain data computed in PostgreSQL.

Each function takes `Params` (the class, and the period or the dates its spec
asks for) and returns a `ReportData`; the renderers only format it. Every figure
is an aggregate of SQL (COUNT … FILTER, GROUPING SETS, ROLLUP, AVG); Python only
sorts students into categories from their counted finals and lays out the rows.
Each report runs a fixed number of queries whatever the size of the class.

Definitions used throughout (they are printed under the tables too):
- The class's students in a date range: enrolled in the class on at least one
  day of it; absences count only on the days a student was in this class
  (a student who moved keeps each class's absences), as the reconciliation
  page does (`journal.reconcile.selectors.class_attendance`).
- Missed lessons: attendance "absent" at held (planned) lessons; of them by
  reason as the class teacher set it (illness, excused, unexcused); the rest
  have no reason yet. Late: attendance "late".
- Finals: the period's final marks (kind "period") of the courses of the class
  that take finals (not «без аттестации», not the first grade), for the
  students in the course's group on the period's last day.
- Categories of students, progress and quality: `reports.measures`, the one
  definition every report uses (per subject the same rates count marks).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from journal.finals.selectors import needed_finals_sql
from journal.finals.values import Thresholds, propose
from journal.policy import journal_settings
from schedule.models import Course, ReportingPeriod, StudyGroup

from .catalog import Params
from .measures import (
    CATEGORIES,
    EXCELLENT,
    FAILING,
    GOOD,
    NOT_ASSESSED,
    ONE_THREE,
    as_of,
    categories_of_finals,
    category,
    category_labels,
    cents,
    fetch,
    fmt_date,
    full_name,
    progress_and_quality,
    rates_note,
    today_of,
)
from .tables import Column, ReportData, Table

# Shared pieces


def _class_lines(params: Params) -> list[str]:
    school_class = params.school_class
    lines = [_("Class: %(name)s") % {"name": school_class.name}]
    if school_class.class_teacher_id:
        lines.append(_("Class teacher: %(name)s") % {"name": school_class.class_teacher.short_name})
    return lines


def _period_line(period: ReportingPeriod) -> str:
    return _("Period: %(name)s (%(starts)s – %(ends)s)") % {
        "name": period.name,
        "starts": fmt_date(period.starts),
        "ends": fmt_date(period.ends),
    }


def _signers(params: Params) -> list[tuple[str, str]]:
    teacher = params.school_class.class_teacher
    return [(_("Class teacher"), teacher.short_name if teacher else "")]


# Students of the class enrolled on at least one day of [since, until], by name.
STUDENTS_SQL = """
SELECT e.student_id, MIN(p.last_name), MIN(p.first_name), MIN(p.patronymic),
       MIN(e.starts), BOOL_OR(e.ends IS NULL OR e.ends >= %(until)s), MAX(e.ends)
FROM schedule_enrollment e
JOIN accounts_student s ON s.id = e.student_id
JOIN accounts_person p ON p.id = s.person_id
WHERE e.school_class_id = %(cls)s AND e.starts <= %(until)s AND (e.ends IS NULL OR e.ends >= %(since)s)
GROUP BY e.student_id
ORDER BY 2, 3, 4, 1
"""


def _students(params: Params, since: datetime.date, until: datetime.date) -> list[tuple[int, str, bool]]:
    """(student id, "Surname Name", still in the class on `until`), the name marked "(left dd.mm)" when
    they left before `until`: one query."""
    out = []
    for pk, last, first, _patronymic, _starts, stays, ends in fetch(
        STUDENTS_SQL, {"cls": params.school_class.pk, "since": since, "until": until}
    ):
        name = full_name(last, first)
        if not stays and ends is not None:
            name += " " + _("(left %(date)s)") % {"date": date_format(ends, "d.m")}
        out.append((pk, name, stays))
    return out


# Absences and lateness per student and bucket (a month or a reporting period), with the totals per
# student, per bucket and of the class from GROUPING SETS: the fields are missed, illness, excused,
# unexcused, late.
ATTENDANCE_SQL = """
SELECT a.student_id, {bucket} AS bucket,
       COUNT(*) FILTER (WHERE a.status = 'absent'),
       COUNT(*) FILTER (WHERE a.status = 'absent' AND a.reason = 'illness'),
       COUNT(*) FILTER (WHERE a.status = 'absent' AND a.reason = 'excused'),
       COUNT(*) FILTER (WHERE a.status = 'absent' AND a.reason = 'unexcused'),
       COUNT(*) FILTER (WHERE a.status = 'late'),
       GROUPING(a.student_id), GROUPING({bucket})
FROM journal_attendance a
JOIN schedule_lesson l ON l.id = a.lesson_id
JOIN schedule_enrollment e ON e.student_id = a.student_id AND e.school_class_id = %(cls)s
     AND e.starts <= l.date AND (e.ends IS NULL OR e.ends >= l.date)
WHERE a.school_id = %(school)s AND l.year_id = %(year)s AND l.status = 'planned' AND a.status <> ''
  AND l.date BETWEEN %(since)s AND %(until)s
GROUP BY GROUPING SETS ((a.student_id, {bucket}), (a.student_id), ({bucket}), ())
"""
ATTENDANCE_FIELDS = 5


def _attendance(params: Params, since, until, bucket: str) -> dict[tuple, tuple]:
    """(student or None, bucket or None) → (missed, illness, excused, unexcused, late); None = the total."""
    rows = fetch(
        ATTENDANCE_SQL.format(bucket=bucket),
        {
            "cls": params.school_class.pk,
            "school": params.school.pk,
            "year": params.school_class.year_id,
            "since": since,
            "until": until,
        },
    )
    out = {}
    for student, key, *figures in rows:
        g_student, g_bucket = figures[-2:]
        out[(None if g_student else student, None if g_bucket else key)] = tuple(figures[:ATTENDANCE_FIELDS])
    return out


def _attendance_columns(group: str) -> list[Column]:
    # Short titles: a month or a period spans five narrow columns (the note spells them out).
    return [
        Column(_("missed"), "int", group),
        Column(_("ill."), "int", group),
        Column(_("exc."), "int", group),
        Column(_("unexc."), "int", group),
        Column(_("late (short)"), "int", group),
    ]


ZERO = (0,) * ATTENDANCE_FIELDS


def attendance_note() -> str:
    return _(
        "Missed: absences at held lessons; of them ill.: for illness, exc.: excused, unexc.: unexcused, "
        "as the class teacher set the reason (absences without a reason yet count only as missed). "
        "Late: lateness."
    )


def _attendance_table(params: Params, title: str, since, until, buckets: list, labels: list, bucket_sql: str):
    students = _students(params, since, until)
    figures = _attendance(params, since, until, bucket_sql)
    columns = [Column(_("No."), "int"), Column(_("Student"))]
    for label in labels:
        columns += _attendance_columns(label)
    columns += _attendance_columns(_("Total"))
    rows = []
    for n, (pk, name, _present) in enumerate(students, start=1):
        row = [n, name]
        for key in [*buckets, None]:
            row += list(figures.get((pk, key), ZERO))
        rows.append(row)
    totals = ["", _("Class total")]
    for key in [*buckets, None]:
        totals += list(figures.get((None, key), ZERO))
    return Table(title, columns, rows, totals, note=attendance_note())


# 1. Class attendance by month (a period's months)


def _months(since: datetime.date, until: datetime.date) -> list[datetime.date]:
    months, day = [], since.replace(day=1)
    while day <= until:
        months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


def class_attendance(params: Params) -> ReportData:
    """Students × the months of the period: missed lessons, of them by reason, late; totals (2 queries)."""
    period = params.period
    months = _months(period.starts, period.ends)
    labels = [date_format(m, "F Y") for m in months]
    table = _attendance_table(
        params,
        _("Attendance by month"),
        period.starts,
        period.ends,
        months,
        labels,
        "date_trunc('month', l.date)::date",
    )
    return ReportData(
        code="class_attendance",
        title=_("Class attendance by month"),
        params=[*_class_lines(params), _period_line(period)],
        tables=[table],
        signers=_signers(params),
    )


# 6. Summary sheet of attendance (the year's periods)


def summary_attendance(params: Params) -> ReportData:
    """Students × the reporting periods of the class's grade in the year, with the year's total (3 queries)."""
    school_class = params.school_class
    periods = list(
        ReportingPeriod.objects.filter(
            scheme__year_id=school_class.year_id, scheme__grades__contains=[school_class.grade]
        ).order_by("starts")
    )
    year = params.year
    table = _attendance_table(
        params,
        _("Attendance by reporting period"),
        year.starts,
        year.ends,
        [p.pk for p in periods],
        [p.name for p in periods],
        "l.period_id",
    )
    return ReportData(
        code="summary_attendance",
        title=_("Summary sheet of attendance"),
        params=[*_class_lines(params), _("Academic year: %(name)s") % {"name": year.name}],
        tables=[table],
        signers=_signers(params),
    )


# Finals and current marks of the class's courses


# Who needs a final in each course (`journal.finals.selectors.needed_finals_sql`: in the course's group on the
# period's last day), kept to the class's students on the report's day (%(day)s). The preliminary report
# (`as_of`) asks who would need one on a day within the period.
def _need_cte(*, as_of: bool = False) -> str:
    source = (
        "(SELECT %(period)s::bigint AS period_id, x AS course_id FROM unnest(%(courses)s::bigint[]) AS x)"
    )
    need = needed_finals_sql(source, day="%(day)s") if as_of else needed_finals_sql(source)
    return f"""
WITH class_students AS (
  SELECT e.student_id FROM schedule_enrollment e
  WHERE e.school_class_id = %(cls)s AND e.starts <= %(day)s AND (e.ends IS NULL OR e.ends >= %(day)s)
), need AS (
  SELECT n.course_id, c.subject_id, n.student_id
  FROM ({need}) n
  JOIN schedule_course c ON c.id = n.course_id
  WHERE n.student_id IN (SELECT student_id FROM class_students)
), finals AS (
  SELECT n.subject_id, n.student_id, f.value
  FROM need n LEFT JOIN journal_finalmark f
    ON f.course_id = n.course_id AND f.student_id = n.student_id AND f.kind = 'period'
   AND f.period_id = %(period)s
)
"""


NEED_CTE = _need_cte()


def _courses(params: Params) -> list[Course]:
    """The courses of the class in the period's grades that take finals: its groups and its grade's
    cross-class groups (the NEED_CTE keeps only the class's students), by subject: one query."""
    school_class, period = params.school_class, params.period
    if school_class.grade == 1 or school_class.grade not in period.scheme.grades:
        return []
    return list(
        Course.objects.filter(year_id=school_class.year_id, subject__no_final_assessment=False)
        .filter(
            Q(group__school_class=school_class)
            | Q(group__kind=StudyGroup.Kind.CROSS_CLASS, group__grade=school_class.grade)
        )
        .select_related("subject")
        .order_by("subject__position", "subject__name", "pk")
    )


def _need_params(params: Params, courses: list[Course], day: datetime.date) -> dict:
    return {
        "cls": params.school_class.pk,
        "day": day,
        "courses": [c.pk for c in courses],
        "period": params.period.pk,
    }


def _subjects(courses: list[Course]) -> list:
    seen = {}
    for c in courses:
        seen.setdefault(c.subject_id, c.subject)
    return list(seen.values())


# 4. Class results for a period: per subject and overall, from the period's finals.
RESULTS_SQL = (
    NEED_CTE
    + """
SELECT subject_id, COUNT(*), COUNT(value),
       COUNT(*) FILTER (WHERE value = 5), COUNT(*) FILTER (WHERE value = 4),
       COUNT(*) FILTER (WHERE value = 3), COUNT(*) FILTER (WHERE value = 2),
       AVG(value), GROUPING(subject_id)
FROM finals GROUP BY ROLLUP(subject_id)
"""
)


def class_results(params: Params) -> ReportData:
    """Per subject: students, assessed, 5/4/3/2, progress %, quality %, average; and overall (2 queries)."""
    period = params.period
    courses = _courses(params)
    rows_by_subject, total = {}, None
    if courses:
        for subject, n, assessed, five, four, three, two, avg, grouped in fetch(
            RESULTS_SQL, _need_params(params, courses, period.ends)
        ):
            counts = categories_of_finals({5: five, 4: four, 3: three, 2: two}, n)
            row = [n, assessed, five, four, three, two, *progress_and_quality(counts, n), cents(avg)]
            if grouped:
                total = row
            else:
                rows_by_subject[subject] = row
    columns = [
        Column(_("Subject")),
        Column(_("students"), "int"),
        Column(_("assessed"), "int"),
        Column("5", "int", _("Final marks")),
        Column("4", "int", _("Final marks")),
        Column("3", "int", _("Final marks")),
        Column("2", "int", _("Final marks")),
        Column(_("progress, %"), "percent"),
        Column(_("quality, %"), "percent"),
        Column(_("average mark"), "decimal"),
    ]
    rows = [[s.name, *rows_by_subject[s.pk]] for s in _subjects(courses) if s.pk in rows_by_subject]
    table = Table(
        _("Results by subject"),
        columns,
        rows,
        [_("All subjects"), *total] if total else None,
        note=rates_note(),
    )
    return ReportData(
        code="class_results",
        title=_("Class results for the period"),
        params=[*_class_lines(params), _period_line(period)],
        tables=[table],
        signers=_signers(params),
    )


# 5. Summary sheet of progress: students × subjects, the period's finals.
SHEET_SQL = (
    NEED_CTE
    + """
SELECT student_id, subject_id, MAX(value), AVG(MAX(value)) OVER (PARTITION BY student_id),
       NULL, 0
FROM finals GROUP BY student_id, subject_id
UNION ALL
SELECT NULL, subject_id, NULL, NULL, AVG(value), 1 FROM finals GROUP BY subject_id
"""
)


def summary_progress(params: Params) -> ReportData:
    """Students × subjects with the period's finals, the average per student and per subject (3 queries)."""
    period = params.period
    courses = _courses(params)
    students = _students(params, period.ends, period.ends)
    marks, student_avg, subject_avg = {}, {}, {}
    if courses:
        for student, subject, value, s_avg, subj_avg, is_subject in fetch(
            SHEET_SQL, _need_params(params, courses, period.ends)
        ):
            if is_subject:
                subject_avg[subject] = cents(subj_avg)
            else:
                marks[(student, subject)] = value
                student_avg[student] = cents(s_avg)
    subjects = _subjects(courses)
    columns = [Column(_("No."), "int"), Column(_("Student"))]
    columns += [Column(s.short_name or s.name, "mark", _("Subjects")) for s in subjects]
    columns.append(Column(_("average"), "decimal"))
    rows = []
    for n, (pk, name, _present) in enumerate(students, start=1):
        cells = [None if marks.get((pk, s.pk)) is None else str(marks[(pk, s.pk)]) for s in subjects]
        rows.append([n, name, *cells, student_avg.get(pk)])
    totals = ["", _("Average per subject"), *[subject_avg.get(s.pk) for s in subjects], ""]
    table = Table(
        _("Final marks for the period"),
        columns,
        rows,
        totals if rows else None,
        note=_("«—»: no final mark (not assessed) or the student does not take the subject."),
    )
    return ReportData(
        code="summary_progress",
        title=_("Summary sheet of progress"),
        params=[*_class_lines(params), _period_line(period)],
        tables=[table],
        signers=_signers(params),
    )


# 3. The class teacher's report for a period: categories of students by their finals.
STUDENT_FINALS_SQL = (
    NEED_CTE
    + """
SELECT f.student_id, MIN(p.last_name), MIN(p.first_name), COUNT(*), COUNT(f.value),
       COUNT(*) FILTER (WHERE f.value = 5), COUNT(*) FILTER (WHERE f.value = 4),
       COUNT(*) FILTER (WHERE f.value = 3), COUNT(*) FILTER (WHERE f.value = 2),
       ARRAY_AGG(sb.name ORDER BY sb.position, sb.name) FILTER (WHERE f.value = 3),
       ARRAY_AGG(sb.name ORDER BY sb.position, sb.name) FILTER (WHERE f.value = 2),
       ARRAY_AGG(sb.name ORDER BY sb.position, sb.name) FILTER (WHERE f.value IS NULL)
FROM finals f
JOIN schedule_subject sb ON sb.id = f.subject_id
JOIN accounts_student s ON s.id = f.student_id
JOIN accounts_person p ON p.id = s.person_id
GROUP BY f.student_id ORDER BY 2, 3, 1
"""
)


def class_final(params: Params) -> ReportData:
    """Counts of excellent, good, one-3, failing and not assessed students, progress and quality rates,
    the period's absences (4 queries)."""
    period = params.period
    courses = _courses(params)
    students = _students(params, period.ends, period.ends)
    groups: dict[str, list[str]] = {k: [] for k in CATEGORIES}
    sorted_out = set()
    if courses:
        for pk, last, first, needed, entered, five, four, three, two, threes, twos, missing in fetch(
            STUDENT_FINALS_SQL, _need_params(params, courses, period.ends)
        ):
            sorted_out.add(pk)
            kind = category(needed, entered, five, four, three, two)
            name = full_name(last, first)
            if kind == ONE_THREE:
                name += f" ({threes[0]})"
            elif kind == FAILING:
                name += f" ({', '.join(twos)})"
            elif kind == NOT_ASSESSED and missing and entered:
                name += f" ({', '.join(missing)})"  # with no final at all, the subjects would be every one
            groups[kind].append(name)
    if courses:
        # A student of the class in none of its courses' groups needs no final, so is not assessed either.
        groups[NOT_ASSESSED] += [name for pk, name, _stays in students if pk not in sorted_out]
    total = len(students)
    counts = {k: len(v) for k, v in groups.items()}
    categories = Table(
        _("Students by final marks"),
        [Column(_("Category")), Column(_("students"), "int"), Column(_("Who"))],
        [[label, counts[k], "; ".join(groups[k]) or None] for k, label in category_labels().items()],
        [_("Students in the class"), total, ""],
    )
    progressing = total - counts[FAILING] - counts[NOT_ASSESSED]
    progress, quality = progress_and_quality(counts, total)
    rates = Table(
        _("Progress and quality"),
        [
            Column(_("students"), "int"),
            Column(_("assessed"), "int"),
            Column(_("without a «2»"), "int"),
            Column(_("progress, %"), "percent"),
            Column(_("only «4» and «5»"), "int"),
            Column(_("quality, %"), "percent"),
        ],
        [
            [
                total,
                total - counts[NOT_ASSESSED],
                progressing,
                progress,
                counts[EXCELLENT] + counts[GOOD],
                quality,
            ]
        ],
        note=rates_note(on=period.ends),
    )
    figures = _attendance(params, period.starts, period.ends, "NULL::int").get((None, None), ZERO)
    absences = Table(
        _("Absences in the period"),
        _attendance_columns(_("Lessons")) + [Column(_("missed per student"), "decimal")],
        [[*figures, cents(Decimal(figures[0]) / total) if total else None]],
        note=attendance_note(),
    )
    return ReportData(
        code="class_final",
        title=_("Class teacher's report for the period"),
        params=[*_class_lines(params), _period_line(period)],
        tables=[categories, rates, absences],
        signers=_signers(params),
    )


# 2. The preliminary report: as of today within the period, who is at risk.
PRELIMINARY_SQL = (
    _need_cte(as_of=True)
    + """
, sums AS (
  SELECT l.course_id, c.student_id, SUM(t.weight * u.m) AS total, SUM(t.weight) AS weights
  FROM schedule_lesson l
  JOIN journal_work w ON w.lesson_id = l.id
  JOIN journal_worktype t ON t.id = w.work_type_id
  JOIN journal_cell c ON c.work_id = w.id
  CROSS JOIN LATERAL unnest(c.marks) WITH ORDINALITY AS u(m, i)
  WHERE l.course_id = ANY(%(courses)s) AND l.period_id = %(period)s AND l.status = 'planned'
    AND l.date <= %(day)s AND NOT ((u.i - 1)::smallint = ANY(c.excluded))
  GROUP BY l.course_id, c.student_id
)
SELECT n.student_id, sb.name, s.total, s.weights
FROM need n JOIN schedule_subject sb ON sb.id = n.subject_id
LEFT JOIN sums s ON s.course_id = n.course_id AND s.student_id = n.student_id
ORDER BY n.student_id, sb.position, sb.name
"""
)


def class_preliminary(params: Params) -> ReportData:
    """As of today within the period: per student the subjects whose current average proposes a «2»
    and those with no marks yet, and the absences so far; the counts (5 queries)."""
    period = params.period
    day = as_of(period, today_of(params))
    courses = _courses(params)
    students = _students(params, period.starts, day)
    present = [pk for pk, _name, stays in students if stays]
    thresholds = Thresholds.of(journal_settings(params.school))
    low: dict[int, list[str]] = {}
    empty: dict[int, list[str]] = {}
    if courses:
        for student, subject, total, weights in fetch(PRELIMINARY_SQL, _need_params(params, courses, day)):
            if not weights:
                empty.setdefault(student, []).append(subject)
            elif propose(total, weights, thresholds).mark == 2:
                low.setdefault(student, []).append(subject)
    figures = _attendance(params, period.starts, day, "NULL::int")
    rows = []
    for n, (pk, name, _present) in enumerate(students, start=1):
        missed = figures.get((pk, None), ZERO)
        rows.append(
            [
                n,
                name,
                ", ".join(low.get(pk, [])) or None,
                ", ".join(empty.get(pk, [])) or None,
                missed[0],
                missed[3],
            ]
        )
    table = Table(
        _("Students"),
        [
            Column(_("No."), "int"),
            Column(_("Student")),
            Column(_("average at the «2» level"), "text", _("At risk")),
            Column(_("no marks"), "text", _("At risk")),
            Column(_("missed"), "int", _("Lessons")),
            Column(_("unexcused"), "int", _("Lessons")),
        ],
        rows,
        ["", _("Class total"), "", "", *[figures.get((None, None), ZERO)[i] for i in (0, 3)]],
        note=_(
            "«2» level: the weighted average of the current marks proposes a «2» by the school's thresholds "
            "(below %(three)s)."
        )
        % {"three": thresholds.three},
    )
    at_risk = sum(1 for pk in present if pk in low or pk in empty)
    counts = Table(
        _("Summary"),
        [
            Column(_("students"), "int"),
            Column(_("at risk"), "int"),
            Column(_("with an average at the «2» level"), "int"),
            Column(_("with no marks in a subject"), "int"),
            Column(_("missed lessons"), "int"),
        ],
        [
            [
                len(present),
                at_risk,
                sum(1 for pk in present if pk in low),
                sum(1 for pk in present if pk in empty),
                figures.get((None, None), ZERO)[0],
            ]
        ],
    )
    return ReportData(
        code="class_preliminary",
        title=_("Preliminary class teacher's report for the period"),
        params=[*_class_lines(params), _period_line(period), _("As of %(date)s") % {"date": fmt_date(day)}],
        tables=[counts, table],
        signers=_signers(params),
    )


# 7. Student movement for a date range.
MOVEMENT_COUNTS_SQL = """
SELECT COUNT(*) FILTER (WHERE starts <= %(since)s AND (ends IS NULL OR ends >= %(since)s)),
       COUNT(*) FILTER (WHERE starts > %(since)s AND starts <= %(until)s),
       COUNT(*) FILTER (WHERE ends >= %(since)s AND ends < %(until)s),
       COUNT(*) FILTER (WHERE starts <= %(until)s AND (ends IS NULL OR ends >= %(until)s))
FROM schedule_enrollment WHERE school_class_id = %(cls)s
"""

# Arrivals (kind 0) and departures (kind 1) in the range, with the class of the school the student
# came from or went to (the adjacent enrollment) when there is one.
MOVEMENT_SQL = """
SELECT 0, e.starts, p.last_name, p.first_name, e.arrival_note,
       (SELECT sc.grade::text || sc.letter FROM schedule_enrollment x
        JOIN schedule_schoolclass sc ON sc.id = x.school_class_id
        WHERE x.student_id = e.student_id AND x.ends = e.starts - 1 LIMIT 1)
FROM schedule_enrollment e JOIN accounts_student s ON s.id = e.student_id
JOIN accounts_person p ON p.id = s.person_id
WHERE e.school_class_id = %(cls)s AND e.starts > %(since)s AND e.starts <= %(until)s
UNION ALL
SELECT 1, e.ends, p.last_name, p.first_name, e.departure_note,
       (SELECT sc.grade::text || sc.letter FROM schedule_enrollment x
        JOIN schedule_schoolclass sc ON sc.id = x.school_class_id
        WHERE x.student_id = e.student_id AND x.starts = e.ends + 1 LIMIT 1)
FROM schedule_enrollment e JOIN accounts_student s ON s.id = e.student_id
JOIN accounts_person p ON p.id = s.person_id
WHERE e.school_class_id = %(cls)s AND e.ends >= %(since)s AND e.ends < %(until)s
ORDER BY 1, 2, 3, 4
"""


def student_movement(params: Params) -> ReportData:
    """Students at the start, arrived (dates, from where), left (dates, where to), at the end (2 queries)."""
    since, until = params.date_from, params.date_to
    sql_params = {"cls": params.school_class.pk, "since": since, "until": until}
    start, arrived, left, end = fetch(MOVEMENT_COUNTS_SQL, sql_params)[0]
    summary = Table(
        _("Movement"),
        [
            Column(_("at the start, %(date)s") % {"date": fmt_date(since)}, "int"),
            Column(_("students arrived"), "int"),
            Column(_("students left"), "int"),
            Column(_("at the end, %(date)s") % {"date": fmt_date(until)}, "int"),
        ],
        [[start, arrived, left, end]],
    )
    moves = {0: [], 1: []}
    for kind, day, last, first, note, other in fetch(MOVEMENT_SQL, sql_params):
        where = note or (_("class %(name)s") % {"name": other} if other else None)
        moves[kind].append([len(moves[kind]) + 1, full_name(last, first), day, where])
    arrivals = Table(
        _("Students who arrived"),
        [
            Column(_("No."), "int"),
            Column(_("Student")),
            Column(_("arrival date"), "date"),
            Column(_("from where")),
        ],
        moves[0],
    )
    departures = Table(
        _("Students who left"),
        [
            Column(_("No."), "int"),
            Column(_("Student")),
            Column(_("date of leaving"), "date"),
            Column(_("where to")),
        ],
        moves[1],
    )
    return ReportData(
        code="student_movement",
        title=_("Summary sheet of student movement"),
        params=[
            *_class_lines(params),
            _("Dates: %(starts)s – %(ends)s") % {"starts": fmt_date(since), "ends": fmt_date(until)},
        ],
        tables=[summary, arrivals, departures],
        signers=_signers(params),
    )
