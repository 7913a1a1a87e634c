"""The administration's reports (R-R-3, seed 002 6.6.4, 6.6.5, instruction 3.5): plain data from the database.

- `school_movement` — the school's movement dynamics over a date range (or a
  period, or the year so far): per class the students at the start, arrived,
  left, at the end; transfers between classes of the school shown apart; totals
  per grade and for the school. At the end = at the start + arrived − left.
- `class_sizes` — each class on a date: students, class teacher, subgroups with
  their sizes; totals per level (1–4, 5–9, 10–11) and for the school.
- `finals_by_student` — the whole school's (or one class's) students with the
  counts of their period finals by mark, the finals still missing and their
  category, with a per-class summary: the categories and rates of
  `reports.measures`, the same as the class teacher's report for the period.
- `year_finals_by_student` — the same for the year finals (the same query, the last period of each
  scheme standing for its grades).
- `journal_control` — journal keeping per teacher over a period (up to today):
  lessons held, the share with a topic and with homework, the share of
  student-course pairs with no mark and with one mark, marks per student, the
  period finals due, entered after the deadline and still missing after it; and
  the share of students and parents who signed in.

Every figure is computed in PostgreSQL (GROUP BY, FILTER, GROUPING SETS); each
report runs a fixed number of queries whatever the size of the school.
"""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.models import Person
from journal.deadlines import control as deadline_control
from journal.finals.selectors import needed_finals_sql
from journal.finals.values import deadline
from journal.models import DeadlineMeasure, FinalKind
from journal.policy import journal_settings, school_zone
from schedule.models import ReportingPeriod

from .catalog import Params
from .measures import (
    CATEGORIES,
    category,
    category_labels,
    fetch,
    fmt_date,
    full_name,
    progress_and_quality,
    rate,
    rates_note,
    short_name,
    tenths,
    today_of,
)
from .tables import Column, ReportData, Table


def date_range(params: Params) -> tuple[datetime.date, datetime.date]:
    """The report's dates: the range asked for, else the period, else the year up to today."""
    if params.date_from and params.date_to:
        return params.date_from, params.date_to
    if params.period is not None:
        return params.period.starts, params.period.ends
    year = params.year
    return year.starts, min(max(today_of(params), year.starts), year.ends)


def level_of(grade: int) -> str:
    if grade <= 4:
        return _("Grades 1–4")
    if grade <= 9:
        return _("Grades 5–9")
    return _("Grades 10–11")


def grade_label(grade: int) -> str:
    return _("Grade %(grade)s") % {"grade": grade}


# School movement dynamics


MOVEMENT_SQL = """
SELECT c.grade, c.letter,
  COUNT(e.id) FILTER (WHERE e.starts <= %(since)s AND (e.ends IS NULL OR e.ends >= %(since)s)),
  COUNT(e.id) FILTER (WHERE e.starts > %(since)s AND e.starts <= %(until)s),
  COUNT(e.id) FILTER (WHERE e.starts > %(since)s AND e.starts <= %(until)s AND EXISTS (
      SELECT 1 FROM schedule_enrollment p JOIN schedule_schoolclass pc ON pc.id = p.school_class_id
      WHERE p.student_id = e.student_id AND p.ends = e.starts - 1 AND pc.year_id = c.year_id)),
  COUNT(e.id) FILTER (WHERE e.ends >= %(since)s AND e.ends < %(until)s),
  COUNT(e.id) FILTER (WHERE e.ends >= %(since)s AND e.ends < %(until)s AND EXISTS (
      SELECT 1 FROM schedule_enrollment n JOIN schedule_schoolclass nc ON nc.id = n.school_class_id
      WHERE n.student_id = e.student_id AND n.starts = e.ends + 1 AND nc.year_id = c.year_id)),
  COUNT(e.id) FILTER (WHERE e.starts <= %(until)s AND (e.ends IS NULL OR e.ends >= %(until)s))
FROM schedule_schoolclass c
LEFT JOIN schedule_enrollment e ON e.school_class_id = c.id
WHERE c.year_id = %(year)s
GROUP BY c.id
ORDER BY c.grade, c.letter, c.id
"""


def school_movement(params: Params) -> ReportData:
    """Students at the start, arrived, left and at the end of a date range, per class, grade and school."""
    since, until = date_range(params)
    rows = fetch(MOVEMENT_SQL, {"since": since, "until": until, "year": params.year.pk})
    columns = [
        Column(_("At the start"), "int"),
        Column(_("All"), "int", _("Arrived")),
        Column(_("of them from other classes"), "int", _("Arrived")),
        Column(_("All"), "int", _("Left")),
        Column(_("of them to other classes"), "int", _("Left")),
        Column(_("At the end"), "int"),
    ]
    by_class, by_grade = [], {}
    total = [0] * 6
    for grade, letter, *figures in rows:
        by_class.append([f"{grade}{letter}", *figures])
        g = by_grade.setdefault(grade, [0, [0] * 6])
        g[0] += 1
        for i, value in enumerate(figures):
            g[1][i] += value
            total[i] += value
    note = _(
        "At the start: students in the class on %(since)s; at the end: on %(until)s. A transfer between "
        "classes of the school is a departure from one and an arrival in the other; the school's totals "
        "count it on both sides."
    ) % {"since": fmt_date(since), "until": fmt_date(until)}
    return ReportData(
        code="school_movement",
        title=_("School movement dynamics"),
        params=[f"{fmt_date(since)} – {fmt_date(until)}"],
        tables=[
            Table(
                _("By class"),
                [Column(_("Class")), *columns],
                by_class,
                totals=[_("School"), *total],
                note=note,
            ),
            Table(
                _("By grade"),
                [Column(_("Grade")), Column(_("Classes"), "int"), *columns],
                [[grade_label(grade), n, *figures] for grade, (n, figures) in by_grade.items()],
                totals=[_("School"), len(by_class), *total],
            ),
        ],
    )


# Class sizes


SIZES_SQL = """
SELECT c.grade, c.letter, p.last_name, p.first_name, p.patronymic, COUNT(e.id)
FROM schedule_schoolclass c
LEFT JOIN accounts_person p ON p.id = c.class_teacher_id
LEFT JOIN schedule_enrollment e ON e.school_class_id = c.id
  AND e.starts <= %(on)s AND (e.ends IS NULL OR e.ends >= %(on)s)
WHERE c.year_id = %(year)s
GROUP BY c.id, p.id
ORDER BY c.grade, c.letter, c.id
"""

GROUP_SIZES_SQL = """
SELECT g.kind, c.grade, c.letter, g.grade, g.name, COUNT(m.id)
FROM schedule_studygroup g
LEFT JOIN schedule_schoolclass c ON c.id = g.school_class_id
LEFT JOIN schedule_groupmembership m ON m.group_id = g.id
  AND m.starts <= %(on)s AND (m.ends IS NULL OR m.ends >= %(on)s)
WHERE g.year_id = %(year)s AND g.kind <> 'whole_class'
GROUP BY g.id, c.id
ORDER BY g.grade, c.letter NULLS LAST, g.name, g.id
"""


def size_date(params: Params) -> datetime.date:
    """The day the class sizes are counted on: the end of the dates or period asked for, else today (in the year)."""
    if params.date_to:
        return params.date_to
    if params.period is not None:
        return min(params.period.ends, max(today_of(params), params.period.starts))
    year = params.year
    return min(max(today_of(params), year.starts), year.ends)


def class_sizes(params: Params) -> ReportData:
    """Each class's number of students on a date, its class teacher and its subgroups; totals per level."""
    on = size_date(params)
    classes = fetch(SIZES_SQL, {"on": on, "year": params.year.pk})
    groups = fetch(GROUP_SIZES_SQL, {"on": on, "year": params.year.pk})
    subgroups: dict[str, list[str]] = {}
    cross_rows = []
    for kind, grade, letter, group_grade, name, n in groups:
        if kind == "subgroup":
            subgroups.setdefault(f"{grade}{letter}", []).append(f"{name} — {n}")
        else:
            cross_rows.append([name, group_grade, n])
    rows, levels = [], {}
    for grade, letter, last, first, patronymic, n in classes:
        name = f"{grade}{letter}"
        teacher = short_name(last, first, patronymic) if last else None
        rows.append([name, n, teacher, "; ".join(subgroups.get(name, [])) or None])
        level = levels.setdefault(level_of(grade), [0, 0])
        level[0] += 1
        level[1] += n
    students = sum(r[1] for r in rows)

    def mean(n, k):
        return tenths(Decimal(n) / k) if k else None

    tables = [
        Table(
            _("Classes"),
            [
                Column(_("Class")),
                Column(_("Students"), "int"),
                Column(_("Class teacher")),
                Column(_("Subgroups (students)")),
            ],
            rows,
            totals=[_("School"), students, None, None],
        ),
        Table(
            _("By level"),
            [
                Column(_("Level")),
                Column(_("Classes"), "int"),
                Column(_("Students"), "int"),
                Column(_("Average class size"), "decimal"),
            ],
            [[level, k, n, mean(n, k)] for level, (k, n) in levels.items()],
            totals=[_("School"), len(rows), students, mean(students, len(rows))],
        ),
    ]
    if cross_rows:
        tables.append(
            Table(
                _("Groups across classes"),
                [Column(_("Group")), Column(_("Grade"), "int"), Column(_("Students"), "int")],
                cross_rows,
            )
        )
    return ReportData(
        code="class_sizes",
        title=_("Class sizes"),
        params=[_("On %(date)s") % {"date": fmt_date(on)}],
        tables=tables,
    )


# Finals per student


# Each student of the classes on the last day of their grade's period and the finals they need
# (`journal.finals.selectors.needed_finals_sql`) in the courses of the class's groups and its grade's groups
# across classes (as `queries_class`'s need for one class: tests/reports/test_measures.py and
# tests/reports/test_finals_agreement.py compare the reports). `%(periods)s`: the periods asked about, each
# for the grades of its scheme — one period for a period's finals; the last period of each scheme of the year
# for the year's finals, which are needed from the students there on that day (`finals_table`). `{finals}`:
# which final marks count (`FINALS_OF`).
FINALS_SQL = (
    """
WITH st AS (
  SELECT e.student_id, c.id AS class_id, c.grade, c.letter, rp.id AS period_id
  FROM schedule_reportingperiod rp
  JOIN schedule_periodscheme sc ON sc.id = rp.scheme_id
  JOIN schedule_schoolclass c ON c.year_id = %(year)s AND c.grade = ANY(sc.grades) AND c.grade > 1
  JOIN schedule_enrollment e ON e.school_class_id = c.id
    AND e.starts <= rp.ends AND (e.ends IS NULL OR e.ends >= rp.ends)
  WHERE rp.id = ANY(%(periods)s) {one_class}
), courses AS (
  SELECT DISTINCT st.period_id, co.id AS course_id
  FROM schedule_course co JOIN schedule_studygroup g ON g.id = co.group_id
  JOIN (SELECT DISTINCT period_id, class_id, grade FROM st) st
    ON g.school_class_id = st.class_id OR (g.kind = 'cross_class' AND g.grade = st.grade)
  WHERE co.year_id = %(year)s
), need AS (
  SELECT st.student_id, n.course_id, n.period_id
  FROM ("""
    + needed_finals_sql("courses")
    + """) n
  JOIN schedule_studygroup g ON g.id = n.group_id
  JOIN st ON st.student_id = n.student_id AND st.period_id = n.period_id
   AND (g.school_class_id = st.class_id OR (g.kind = 'cross_class' AND g.grade = st.grade))
), counted AS (
  SELECT n.student_id, COUNT(*) AS needed, COUNT(f.id) AS entered,
    COUNT(f.id) FILTER (WHERE f.value = 5) AS n5, COUNT(f.id) FILTER (WHERE f.value = 4) AS n4,
    COUNT(f.id) FILTER (WHERE f.value = 3) AS n3, COUNT(f.id) FILTER (WHERE f.value = 2) AS n2
  FROM need n
  LEFT JOIN journal_finalmark f ON f.course_id = n.course_id AND f.student_id = n.student_id AND {finals}
  GROUP BY n.student_id
)
SELECT st.grade, st.letter, p.last_name, p.first_name, p.patronymic, COALESCE(k.needed, 0),
  COALESCE(k.entered, 0), COALESCE(k.n5, 0), COALESCE(k.n4, 0), COALESCE(k.n3, 0), COALESCE(k.n2, 0)
FROM st
JOIN accounts_student s ON s.id = st.student_id
JOIN accounts_person p ON p.id = s.person_id
LEFT JOIN counted k ON k.student_id = st.student_id
ORDER BY st.grade, st.letter, st.class_id, p.last_name, p.first_name, p.patronymic, st.student_id
"""
)
FINALS_OF = {
    FinalKind.PERIOD: "f.kind = 'period' AND f.period_id = n.period_id",
    FinalKind.YEAR: "f.kind = 'year'",
}


def year_end_periods(year) -> list[ReportingPeriod]:
    """The last period of each scheme of `year` (its year finals are needed from the students there on its last
    day), in the order of their last day."""
    last = {}
    for period in ReportingPeriod.objects.filter(scheme__year=year).select_related("scheme").order_by("ends"):
        last[period.scheme_id] = period
    return sorted(last.values(), key=lambda p: (p.ends, p.scheme.kind, p.pk))


def _finals_report(
    params: Params, kind: str, periods: list, code: str, title: str, scope: list
) -> ReportData:
    """The students' finals of `kind` in `periods` (each for its scheme's grades) by mark, the missing ones,
    their category, and each class's summary: `finals_by_student` and `year_finals_by_student`."""
    one_class = "AND c.id = %(class)s" if params.school_class is not None else ""
    rows = (
        fetch(
            FINALS_SQL.format(one_class=one_class, finals=FINALS_OF[kind]),
            {
                "periods": [p.pk for p in periods],
                "year": params.year.pk,
                "class": getattr(params.school_class, "pk", None),
            },
        )
        if periods
        else []
    )
    labels = category_labels()
    students, classes = [], {}
    for grade, letter, last, first, patronymic, needed, entered, n5, n4, n3, n2 in rows:
        name = f"{grade}{letter}"
        kind_of = category(needed, entered, n5, n4, n3, n2)
        students.append(
            [name, full_name(last, first, patronymic), n5, n4, n3, n2, needed - entered, labels[kind_of]]
        )
        counts = classes.setdefault(name, dict.fromkeys(CATEGORIES, 0))
        counts[kind_of] += 1

    def summary(name, counts):
        n = sum(counts.values())
        return [name, n, *(counts[c] for c in CATEGORIES), *progress_and_quality(counts, n)]

    school = dict.fromkeys(CATEGORIES, 0)
    for counts in classes.values():
        for c in CATEGORIES:
            school[c] += counts[c]
    if params.school_class is not None:
        scope = [params.school_class.name, *scope]
    on = max((p.ends for p in periods), default=params.year.ends)
    return ReportData(
        code=code,
        title=title,
        params=scope,
        tables=[
            Table(
                _("By class"),
                [
                    Column(_("Class")),
                    Column(_("Students"), "int"),
                    *(Column(labels[c], "int") for c in CATEGORIES),
                    Column(_("Progress, %"), "percent"),
                    Column(_("Quality, %"), "percent"),
                ],
                [summary(name, counts) for name, counts in classes.items()],
                totals=summary(_("School") if params.school_class is None else _("Total"), school)
                if len(classes) > 1
                else None,
                note=rates_note(on=on),
            ),
            Table(
                _("Students"),
                [
                    Column(_("Class")),
                    Column(_("Student")),
                    Column("5", "int", _("Finals")),
                    Column("4", "int", _("Finals")),
                    Column("3", "int", _("Finals")),
                    Column("2", "int", _("Finals")),
                    Column(_("missing"), "int", _("Finals")),
                    Column(_("Category")),
                ],
                students,
            ),
        ],
    )


def finals_by_student(params: Params) -> ReportData:
    """Every student's period finals counted by mark, the missing ones, their category, and each class's summary."""
    period = params.period
    return _finals_report(
        params, FinalKind.PERIOD, [period], "finals_by_student", _("Final data per student"), [period.name]
    )


def year_finals_by_student(params: Params) -> ReportData:
    """The same for the year finals: every student's year finals counted by mark (needed from the students in
    their class on the last day of their grade's last period), the missing ones, the categories, and each
    class's and the school's progress and quality."""
    return _finals_report(
        params,
        FinalKind.YEAR,
        year_end_periods(params.year),
        "year_finals_by_student",
        _("Year final data per student"),
        [params.year.name],
    )


# Journal-keeping control per teacher


LESSONS_SQL = """
SELECT COALESCE(s.substitute_id, l.teacher_id),
  COUNT(*),
  COUNT(*) FILTER (WHERE t.text <> ''),
  COUNT(*) FILTER (WHERE g.grade > 1),
  COUNT(*) FILTER (WHERE g.grade > 1 AND (h.text <> '' OR h.pages <> ''))
FROM schedule_lesson l
JOIN schedule_studygroup g ON g.id = l.group_id
LEFT JOIN schedule_substitution s ON s.lesson_id = l.id
LEFT JOIN journal_lessontopic t ON t.lesson_id = l.id
LEFT JOIN journal_homework h ON h.lesson_id = l.id
WHERE l.year_id = %(year)s AND l.status = 'planned' AND l.date BETWEEN %(since)s AND %(until)s
GROUP BY 1
"""

# Student-course pairs: each course a teacher is assigned to for some day of the range (first grade takes
# no marks), each student of its group on the last day; the current marks of the course's lessons in the range.
COVERAGE_SQL = """
WITH ct AS (
    SELECT DISTINCT a.teacher_id, a.course_id, co.group_id
    FROM schedule_courseteacher a
    JOIN schedule_course co ON co.id = a.course_id
    JOIN schedule_studygroup g ON g.id = co.group_id
    WHERE co.year_id = %(year)s AND g.grade > 1 AND a.starts <= %(until)s
      AND (a.ends IS NULL OR a.ends >= %(since)s)
), members AS (
    SELECT g.id AS group_id, e.student_id
    FROM schedule_studygroup g JOIN schedule_enrollment e ON e.school_class_id = g.school_class_id
    WHERE g.kind = 'whole_class' AND g.year_id = %(year)s
      AND e.starts <= %(until)s AND (e.ends IS NULL OR e.ends >= %(until)s)
    UNION
    SELECT m.group_id, m.student_id
    FROM schedule_groupmembership m JOIN schedule_studygroup g ON g.id = m.group_id
    WHERE g.kind <> 'whole_class' AND g.year_id = %(year)s
      AND m.starts <= %(until)s AND (m.ends IS NULL OR m.ends >= %(until)s)
), marks AS (
    SELECT l.course_id, c.student_id, SUM(cardinality(c.marks) - cardinality(c.excluded))::int AS n
    FROM schedule_lesson l
    JOIN journal_work w ON w.lesson_id = l.id
    JOIN journal_cell c ON c.work_id = w.id
    WHERE l.year_id = %(year)s AND l.status = 'planned' AND l.date BETWEEN %(since)s AND %(until)s
    GROUP BY l.course_id, c.student_id
)
SELECT ct.teacher_id, COUNT(*),
  COUNT(*) FILTER (WHERE COALESCE(mk.n, 0) = 0),
  COUNT(*) FILTER (WHERE mk.n = 1),
  COALESCE(SUM(mk.n), 0)::int
FROM ct
JOIN members mb ON mb.group_id = ct.group_id
LEFT JOIN marks mk ON mk.course_id = ct.course_id AND mk.student_id = mb.student_id
GROUP BY ct.teacher_id
"""

# Period finals per teacher: for each period ending in the range, each student who needs a final in a course
# (`journal.finals.selectors.needed_finals_sql`, as the finals control page counts them). Late: first entered (the
# first entry in the mark log; the row's own time when the log has none) after the deadline; the log is read
# only for finals last changed after it. Missing: still not entered once the deadline has passed.
FINALS_SQL_CONTROL = (
    """
WITH x AS (
    SELECT * FROM unnest(%(periods)s::bigint[], %(dues)s::date[]) AS x(period_id, due)
), pc AS (
    SELECT x.period_id, x.due, rp.starts AS p_starts, rp.ends AS p_ends, co.id AS course_id
    FROM x
    JOIN schedule_reportingperiod rp ON rp.id = x.period_id
    JOIN schedule_periodscheme sc ON sc.id = rp.scheme_id
    JOIN schedule_course co ON co.year_id = sc.year_id
), need AS (
    SELECT period_id, due, p_starts AS starts, p_ends AS ends, course_id, student_id FROM ("""
    + needed_finals_sql("pc")
    + """) n
), per_course AS (
    SELECT need.period_id, need.course_id, need.due, need.starts, need.ends,
      COUNT(*) AS needed, COUNT(f.id) AS entered,
      COUNT(f.id) FILTER (WHERE CASE
        WHEN (f.updated_at AT TIME ZONE %(tz)s)::date <= need.due THEN false
        ELSE (COALESCE(
          (SELECT MIN(m.at) FROM journal_marklogentry m
           WHERE m.course_id = f.course_id AND m.period_id = f.period_id AND m.student_id = f.student_id
             AND m.kind = 'final_period'),
          f.updated_at) AT TIME ZONE %(tz)s)::date > need.due END) AS late
    FROM need
    LEFT JOIN journal_finalmark f ON f.kind = 'period' AND f.period_id = need.period_id
      AND f.course_id = need.course_id AND f.student_id = need.student_id
    GROUP BY need.period_id, need.course_id, need.due, need.starts, need.ends
)
SELECT t.teacher_id, SUM(pcn.needed)::int, SUM(pcn.late)::int,
  SUM(CASE WHEN %(today)s > pcn.due THEN pcn.needed - pcn.entered ELSE 0 END)::int
FROM per_course pcn
JOIN LATERAL (
    SELECT DISTINCT a.teacher_id FROM schedule_courseteacher a
    WHERE a.course_id = pcn.course_id AND a.starts <= pcn.ends AND (a.ends IS NULL OR a.ends >= pcn.starts)
) t ON true
GROUP BY t.teacher_id
"""
)

# Students of the classes on the last day and the parents linked to them; signed in during the range:
# a login in the audit trail (R-ACC-9) or the login's last sign-in. GROUPING SETS: per class and the
# school (a parent of children in two classes counts once for the school).
ACTIVITY_SQL = """
WITH st AS (
    SELECT c.id AS class_id, s.id AS student_id, p.user_id
    FROM schedule_enrollment e
    JOIN schedule_schoolclass c ON c.id = e.school_class_id
    JOIN accounts_student s ON s.id = e.student_id
    JOIN accounts_person p ON p.id = s.person_id
    WHERE c.year_id = %(year)s AND e.starts <= %(until)s AND (e.ends IS NULL OR e.ends >= %(until)s)
), people AS (
    SELECT class_id, 's' AS who, student_id AS id, user_id FROM st
    UNION
    SELECT st.class_id, 'p', pa.id, pp.user_id
    FROM st
    JOIN accounts_parentlink pl ON pl.student_id = st.student_id
    JOIN accounts_parent pa ON pa.id = pl.parent_id
    JOIN accounts_person pp ON pp.id = pa.person_id
), active AS (
    SELECT people.*, u.id IS NOT NULL AS has_login,
      (u.last_login >= %(start)s AND u.last_login < %(stop)s) OR EXISTS (
        SELECT 1 FROM accounts_auditevent a
        WHERE a.actor_id = u.id AND a.action = 'login' AND a.at >= %(start)s AND a.at < %(stop)s
      ) AS signed_in
    FROM people LEFT JOIN accounts_user u ON u.id = people.user_id
)
SELECT a.class_id, c.grade, c.letter, a.who,
  COUNT(DISTINCT a.id), COUNT(DISTINCT a.id) FILTER (WHERE a.has_login),
  COUNT(DISTINCT a.id) FILTER (WHERE a.signed_in)
FROM active a LEFT JOIN schedule_schoolclass c ON c.id = a.class_id
GROUP BY GROUPING SETS ((a.class_id, c.grade, c.letter, a.who), (a.who))
ORDER BY c.grade NULLS LAST, c.letter, a.class_id
"""


def control_range(params: Params) -> tuple[datetime.date, datetime.date]:
    """The period from its first day up to today (the whole period once it is over)."""
    period = params.period
    return period.starts, min(period.ends, max(today_of(params), period.starts - datetime.timedelta(days=1)))


def _control_line(
    label, held, topic, expected, homework, pairs, none, one, marks, due, entered_late, overdue
):
    """One row of the journal-keeping table (a teacher's, or the school's totals) from its counts."""
    return [
        label,
        held,
        rate(topic, held),
        rate(homework, expected),
        pairs,
        rate(none, pairs),
        rate(one, pairs),
        tenths(Decimal(marks) / pairs) if pairs else None,
        due,
        entered_late,
        overdue,
    ]


def journal_control(params: Params) -> ReportData:
    """Journal keeping per teacher over a period, and the students' and parents' sign-ins."""
    period = params.period
    since, until = control_range(params)
    today = today_of(params)
    school = params.school
    year = params.year
    figures = {"since": since, "until": until, "year": year.pk}
    lessons = {t: rest for t, *rest in fetch(LESSONS_SQL, figures)}
    coverage = {t: rest for t, *rest in fetch(COVERAGE_SQL, figures)}

    # The period finals due in the range: of every period (of any grade) ending within the chosen one.
    settings = journal_settings(school)
    dues = {
        pk: deadline(ends, settings.finals_deadline, settings.finals_deadline_days)
        for pk, ends in ReportingPeriod.objects.filter(
            scheme__year=year, ends__gte=period.starts, ends__lte=period.ends
        ).values_list("pk", "ends")
    }
    finals = {
        t: rest  # teacher → (due, entered late, missing after the deadline)
        for t, *rest in fetch(
            FINALS_SQL_CONTROL,
            {
                "periods": list(dues),
                "dues": list(dues.values()),
                "today": today,
                "tz": str(school_zone(school)),
            },
        )
    }

    ids = set(lessons) | set(coverage) | set(finals)
    people = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    order = sorted(
        ids, key=lambda pk: (people[pk].last_name, people[pk].first_name, people[pk].patronymic, pk)
    )
    # «Иванова А. С.» twice in a school would be two rows nobody can tell apart: those get the full name.
    shorts = Counter(p.short_name for p in people.values())
    names = {pk: p.full_name if shorts[p.short_name] > 1 else p.short_name for pk, p in people.items()}

    rows = []
    total = [0] * 11
    for pk in order:
        held, topic, expected, homework = lessons.get(pk, (0, 0, 0, 0))
        pairs, none, one, marks = coverage.get(pk, (0, 0, 0, 0))
        due, entered_late, overdue = finals.get(pk, (0, 0, 0))
        rows.append(
            _control_line(
                names[pk],
                held,
                topic,
                expected,
                homework,
                pairs,
                none,
                one,
                marks,
                due,
                entered_late,
                overdue,
            )
        )
        for i, value in enumerate(
            [held, topic, expected, homework, pairs, none, one, marks, due, entered_late, overdue]
        ):
            total[i] += value
    held, topic, expected, homework, pairs, none, one, marks, due, entered_late, overdue = total
    teachers_table = Table(
        _("Teachers"),
        [
            Column(_("Teacher")),
            Column(_("Lessons held"), "int"),
            Column(_("With a topic, %"), "percent"),
            Column(_("With homework, %"), "percent"),
            Column(_("Students"), "int", _("Marks")),
            Column(_("No marks, %"), "percent", _("Marks")),
            Column(_("One mark, %"), "percent", _("Marks")),
            Column(_("Marks per student"), "decimal", _("Marks")),
            Column(_("Due"), "int", _("Period finals")),
            Column(_("Entered late"), "int", _("Period finals")),
            Column(_("Missing after the deadline"), "int", _("Period finals")),
        ],
        rows,
        totals=_control_line(
            _("School"), held, topic, expected, homework, pairs, none, one, marks, due, entered_late, overdue
        ),
        note=_(
            "Lessons held from %(since)s to %(until)s, counted for the teacher who gave them (the substitute, "
            "if any). Homework is expected at every lesson except in first grade. Students: each student of "
            "each course the teacher teaches (except first grade) in its class or group on %(until)s; the shares "
            "with no mark and with exactly one mark count the current marks of the course's lessons in those "
            "dates. Period finals: of the periods ending by %(end)s; late: first entered after the deadline; "
            "missing: still not entered after the deadline."
        )
        % {"since": fmt_date(since), "until": fmt_date(until), "end": fmt_date(period.ends)},
    )

    start = datetime.datetime.combine(since, datetime.time.min, tzinfo=school_zone(school))
    stop = datetime.datetime.combine(
        until + datetime.timedelta(days=1), datetime.time.min, tzinfo=school_zone(school)
    )
    activity = fetch(ACTIVITY_SQL, {"year": year.pk, "until": until, "start": start, "stop": stop})
    by_class: dict[int | None, dict] = {}
    for class_id, grade, letter, who, n, with_login, signed in activity:
        entry = by_class.setdefault(class_id, {"name": f"{grade}{letter}" if class_id else _("School")})
        entry[who] = (n, with_login, signed)

    def activity_row(entry):
        s = entry.get("s", (0, 0, 0))
        p = entry.get("p", (0, 0, 0))
        return [entry["name"], s[0], s[1], rate(s[2], s[0]), p[0], p[1], rate(p[2], p[0])]

    school_entry = by_class.pop(None, {"name": _("School")})
    activity_table = Table(
        _("Students' and parents' activity"),
        [
            Column(_("Class")),
            Column(_("All"), "int", _("Students")),
            Column(_("With a login"), "int", _("Students")),
            Column(_("Signed in, %"), "percent", _("Students")),
            Column(_("All"), "int", _("Parents")),
            Column(_("With a login"), "int", _("Parents")),
            Column(_("Signed in, %"), "percent", _("Parents")),
        ],
        [activity_row(e) for e in by_class.values()],
        totals=activity_row(school_entry),
        note=_(
            "Students in the class on %(until)s and their parents; signed in at least once from %(since)s to "
            "%(until)s. A parent of children in several classes counts once for the school."
        )
        % {"since": fmt_date(since), "until": fmt_date(until)},
    )
    return ReportData(
        code="journal_control",
        title=_("Journal keeping control"),
        params=[period.name, f"{fmt_date(since)} – {fmt_date(until)}"],
        tables=[
            teachers_table,
            deadlines_table(school, since, until, names, {pk: n for n, pk in enumerate(order)}),
            activity_table,
        ],
    )


def deadlines_table(
    school, since: datetime.date, until: datetime.date, names: dict[int, str], order: dict[int, int]
) -> Table:
    """The journal's deadlines per teacher (R-CTL-4): the same measures as the deputy's control page
    (`journal.deadlines.control`), for the report's dates: per clause the share on time and how many late
    and missing."""
    overview = deadline_control.overview(school, since, until, load_people=False)
    labels = {value: capfirst(str(label)) for value, label in DeadlineMeasure.Clause.choices}
    columns = [Column(_("Teacher"))]
    for clause in deadline_control.CLAUSES:
        columns += [
            Column(_("On time, %"), "percent", labels[clause]),
            Column(_("Late"), "int", labels[clause]),
            Column(_("Missing"), "int", labels[clause]),
        ]

    def line(label, cells):
        out = [label]
        for cell in cells:
            out += [rate(cell.on_time, cell.total), cell.late, cell.missing]
        return out

    rows = [
        line(
            names.get(row.teacher_id, "—") if row.teacher_id else _("The administration: timetables"),
            [c for _k, c in row.ordered],
        )
        for row in sorted(overview.teachers, key=lambda r: order.get(r.teacher_id, len(order)))
    ]
    return Table(
        _("Deadlines of the journal"),
        columns,
        rows,
        totals=line(_("School"), [cell for _clause, cell in overview.ordered_totals]),
        note=_(
            "The deadlines of the lessons from %(since)s to %(until)s as measured every night (the control "
            "page of the deadlines): the topic and attendance on the day of the lesson, homework after the "
            "class's last lesson, marks by work type and grade, the thematic plan before the period."
        )
        % {"since": fmt_date(since), "until": fmt_date(until)},
    )
