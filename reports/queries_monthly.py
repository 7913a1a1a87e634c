"""The monthly user-activity report (R-R-4, seed 000 §15, seed 003 §9.1): plain data for one school and month.

- Who came in: `accounts.DailyActivity` (one row per person per day they used the portal, in the school's
  time zone). A person came in during a month when they have a row in it; days active are their rows.
- Teachers' journal work: the journal's own rows, not counters — lessons held (for the substitute when there
  is one) and those with a topic, marks entered (mark-log entries of marks whose new value is not empty, by
  the teacher's login), topics and homework last written by the teacher's login in the month.
- School days: the dates of the month with a lesson held, read from the lesson calendar, so holidays
  (the winter break), weekends and a five- or six-day week count as the calendar has them.
- The trend: the same figures for every month of the academic year up to this one; each month's students
  are those in a class on its last day (or the year's), their parents those linked to them.
- On time: the share of the teacher's deadlines of the month's lessons met on time, from the nightly measures
  (`journal.DeadlineMeasure`, journal/deadlines/: topics and attendance, homework, marks, plans), the same
  figures the deputy's control page shows.

Four queries whatever the size of the school.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.selectors import school_zone
from schedule.models import Holiday

from .measures import fetch, fmt_date, full_name, rate, short_name, tenths
from .tables import Column, ReportData, Table

CODE = "monthly_activity"


@dataclass(frozen=True)
class Month:
    first: datetime.date

    @property
    def last(self) -> datetime.date:
        return self.first.replace(day=calendar.monthrange(self.first.year, self.first.month)[1])

    @property
    def previous(self) -> Month:
        return Month((self.first - datetime.timedelta(days=1)).replace(day=1))

    @property
    def next(self) -> Month:
        return Month(self.last + datetime.timedelta(days=1))

    def bounds(self, school) -> tuple[datetime.datetime, datetime.datetime]:
        """The month's first and the next month's first moment in the school's time zone."""
        zone = school_zone(school)
        start = datetime.datetime.combine(self.first, datetime.time.min, tzinfo=zone)
        return start, datetime.datetime.combine(self.next.first, datetime.time.min, tzinfo=zone)

    def title(self) -> str:
        """«Январь 2027»."""
        return date_format(self.first, "F Y")


def month_of(day: datetime.date) -> Month:
    return Month(day.replace(day=1))


# Teachers: everyone with the teacher's role, and whoever held a lesson of the month.
TEACHERS_SQL = """
WITH held AS (
    SELECT COALESCE(s.substitute_id, l.teacher_id) AS person_id, COUNT(*) AS n,
      COUNT(*) FILTER (WHERE t.text <> '') AS topic
    FROM schedule_lesson l
    LEFT JOIN schedule_substitution s ON s.lesson_id = l.id
    LEFT JOIN journal_lessontopic t ON t.lesson_id = l.id
    WHERE l.school_id = %(school)s AND l.status = 'planned' AND l.date BETWEEN %(first)s AND %(last)s
    GROUP BY 1
), teachers AS (
    SELECT p.id, p.user_id, p.last_name, p.first_name, p.patronymic
    FROM accounts_person p
    WHERE p.school_id = %(school)s AND (
      EXISTS (SELECT 1 FROM accounts_staffrole r WHERE r.person_id = p.id AND r.role = 'teacher')
      OR p.id IN (SELECT person_id FROM held))
), days AS (
    SELECT person_id, COUNT(*) AS n FROM accounts_dailyactivity
    WHERE school_id = %(school)s AND day BETWEEN %(first)s AND %(last)s
    GROUP BY 1
), marks AS (
    SELECT actor_id, COUNT(*) AS n FROM journal_marklogentry
    WHERE school_id = %(school)s AND kind = 'marks' AND new <> '' AND at >= %(start)s AND at < %(stop)s
    GROUP BY 1
), topics AS (
    SELECT updated_by_id, COUNT(*) AS n FROM journal_lessontopic
    WHERE school_id = %(school)s AND text <> '' AND updated_at >= %(start)s AND updated_at < %(stop)s
    GROUP BY 1
), homework AS (
    SELECT updated_by_id, COUNT(*) AS n FROM journal_homework
    WHERE school_id = %(school)s AND (text <> '' OR pages <> '')
      AND updated_at >= %(start)s AND updated_at < %(stop)s
    GROUP BY 1
), deadlines AS (
    SELECT teacher_id, COUNT(*) AS n, COUNT(*) FILTER (WHERE state = 'on_time') AS on_time
    FROM journal_deadlinemeasure
    WHERE school_id = %(school)s AND day BETWEEN %(first)s AND %(last)s
    GROUP BY 1
)
SELECT t.last_name, t.first_name, t.patronymic, COALESCE(d.n, 0), COALESCE(h.n, 0), COALESCE(h.topic, 0),
  COALESCE(m.n, 0), COALESCE(tp.n, 0), COALESCE(hw.n, 0), COALESCE(dl.on_time, 0), COALESCE(dl.n, 0)
FROM teachers t
LEFT JOIN days d ON d.person_id = t.id
LEFT JOIN held h ON h.person_id = t.id
LEFT JOIN marks m ON m.actor_id = t.user_id
LEFT JOIN topics tp ON tp.updated_by_id = t.user_id
LEFT JOIN homework hw ON hw.updated_by_id = t.user_id
LEFT JOIN deadlines dl ON dl.teacher_id = t.id
ORDER BY t.last_name, t.first_name, t.patronymic, t.id
"""

# Students in each class of the year on `on` and the parents linked to them; their days this month and the
# month before. One row per class and group (students, parents), then the school's (a parent of children in
# two classes counts once there).
CLASSES_SQL = """
WITH st AS (
    SELECT c.id AS class_id, s.id AS student_id, s.person_id
    FROM schedule_enrollment e
    JOIN schedule_schoolclass c ON c.id = e.school_class_id
    JOIN accounts_student s ON s.id = e.student_id
    WHERE c.year_id = %(year)s AND e.starts <= %(on)s AND (e.ends IS NULL OR e.ends >= %(on)s)
), people AS (
    SELECT class_id, 's' AS who, person_id FROM st
    UNION
    SELECT st.class_id, 'p', pa.person_id
    FROM st
    JOIN accounts_parentlink pl ON pl.student_id = st.student_id
    JOIN accounts_parent pa ON pa.id = pl.parent_id
), days AS (
    SELECT person_id, COUNT(*) FILTER (WHERE day >= %(first)s) AS n, COUNT(*) FILTER (WHERE day < %(first)s) AS pn
    FROM accounts_dailyactivity
    WHERE school_id = %(school)s AND day BETWEEN %(prev)s AND %(last)s
    GROUP BY 1
), pd AS (
    SELECT people.class_id, people.who, people.person_id, COALESCE(d.n, 0) AS n, COALESCE(d.pn, 0) AS pn
    FROM people LEFT JOIN days d ON d.person_id = people.person_id
), lines AS (
    SELECT class_id, who, COUNT(*) AS n, COUNT(*) FILTER (WHERE n > 0) AS came, SUM(n) AS days,
      COUNT(*) FILTER (WHERE pn > 0) AS came_before
    FROM pd GROUP BY class_id, who
    UNION ALL
    SELECT NULL, who, COUNT(*), COUNT(*) FILTER (WHERE n > 0), SUM(n), COUNT(*) FILTER (WHERE pn > 0)
    FROM (SELECT DISTINCT who, person_id, n, pn FROM pd) x GROUP BY who
)
SELECT lines.class_id, c.grade, c.letter, lines.who, lines.n::int, lines.came::int, lines.days::int,
  lines.came_before::int
FROM lines LEFT JOIN schedule_schoolclass c ON c.id = lines.class_id
ORDER BY c.grade NULLS LAST, c.letter, lines.class_id
"""

# The year's months up to this one: who could come in (teachers by role; students in a class on the month's
# last day, or the year's last; their parents) and who did, with their days.
TREND_PEOPLE_SQL = """
WITH m AS (
    SELECT d::date AS first, LEAST((d + interval '1 month' - interval '1 day')::date, %(year_ends)s) AS on_day
    FROM generate_series(%(year_first)s::date, %(first)s::date, interval '1 month') d
), st AS (
    SELECT m.first, s.id AS student_id, s.person_id
    FROM m
    JOIN schedule_enrollment e ON e.starts <= m.on_day AND (e.ends IS NULL OR e.ends >= m.on_day)
    JOIN schedule_schoolclass c ON c.id = e.school_class_id AND c.year_id = %(year)s
    JOIN accounts_student s ON s.id = e.student_id
), people AS (
    SELECT first, 's' AS who, person_id FROM st
    UNION
    SELECT st.first, 'p', pa.person_id
    FROM st
    JOIN accounts_parentlink pl ON pl.student_id = st.student_id
    JOIN accounts_parent pa ON pa.id = pl.parent_id
    UNION
    SELECT m.first, 't', r.person_id
    FROM m CROSS JOIN accounts_staffrole r
    WHERE r.school_id = %(school)s AND r.role = 'teacher'
), days AS (
    SELECT person_id, date_trunc('month', day)::date AS first, COUNT(*) AS n
    FROM accounts_dailyactivity
    WHERE school_id = %(school)s AND day BETWEEN %(year_first)s AND %(last)s
    GROUP BY 1, 2
)
SELECT people.first, people.who, COUNT(*)::int, COUNT(d.n)::int, COALESCE(SUM(d.n), 0)::int
FROM people LEFT JOIN days d ON d.person_id = people.person_id AND d.first = people.first
GROUP BY 1, 2
"""

# The year's months up to this one: school days, lessons held and with a topic, marks entered.
TREND_JOURNAL_SQL = """
WITH m AS (
    SELECT d::date AS first FROM generate_series(%(year_first)s::date, %(first)s::date, interval '1 month') d
), lessons AS (
    SELECT date_trunc('month', l.date)::date AS first, COUNT(DISTINCT l.date) AS days, COUNT(*) AS held,
      COUNT(*) FILTER (WHERE t.text <> '') AS topic
    FROM schedule_lesson l
    LEFT JOIN journal_lessontopic t ON t.lesson_id = l.id
    WHERE l.school_id = %(school)s AND l.status = 'planned' AND l.date BETWEEN %(year_first)s AND %(last)s
    GROUP BY 1
), marks AS (
    SELECT date_trunc('month', at AT TIME ZONE %(tz)s)::date AS first, COUNT(*) AS n
    FROM journal_marklogentry
    WHERE school_id = %(school)s AND kind = 'marks' AND new <> '' AND actor_id IS NOT NULL
      AND at >= %(year_start)s AND at < %(stop)s
    GROUP BY 1
)
SELECT m.first, COALESCE(l.days, 0)::int, COALESCE(l.held, 0)::int, COALESCE(l.topic, 0)::int,
  COALESCE(k.n, 0)::int
FROM m LEFT JOIN lessons l ON l.first = m.first LEFT JOIN marks k ON k.first = m.first
ORDER BY m.first
"""


def average(days: int, people: int) -> Decimal | None:
    """Days active per person who came in, one decimal; None when nobody did."""
    return tenths(Decimal(days) / people) if people else None


def change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """Percentage points from last month to this one."""
    return None if now is None or before is None else now - before


def monthly_activity(
    school, year, month: Month, *, built: datetime.date | None = None
) -> tuple[ReportData, dict[str, object]]:
    """The activity report of `school` for `month` of academic `year` (see the module's docstring), and the
    school's figures for the list of months: school days, the shares of teachers, students and parents
    who came in."""
    start, stop = month.bounds(school)
    year_first = month_of(year.starts)
    figures = {
        "school": school.pk,
        "year": year.pk,
        "first": month.first,
        "last": month.last,
        "prev": month.previous.first,
        "on": min(month.last, year.ends),
        "start": start,
        "stop": stop,
        "year_first": year_first.first,
        "year_ends": year.ends,
        "year_start": year_first.bounds(school)[0],
        "tz": str(school_zone(school)),
    }
    trend = trend_table(fetch(TREND_PEOPLE_SQL, figures), fetch(TREND_JOURNAL_SQL, figures))
    school_days = trend.rows[-1][1]
    teachers = teachers_table(fetch(TEACHERS_SQL, figures))
    classes, summary = classes_table(fetch(CLASSES_SQL, figures), month, figures["on"])
    holidays = [
        _("%(name)s %(starts)s – %(ends)s")
        % {"name": h.name, "starts": fmt_date(h.starts), "ends": fmt_date(h.ends)}
        + (
            " (" + _("grades %(grades)s") % {"grades": ", ".join(str(g) for g in h.grades)} + ")"
            if h.grades
            else ""
        )
        for h in Holiday.objects.filter(year=year, starts__lte=month.last, ends__gte=month.first).order_by(
            "starts"
        )
    ]
    params = [
        _("Month: %(month)s") % {"month": month.title()},
        _("School days by the lesson calendar: %(days)s") % {"days": school_days},
    ]
    if holidays:
        params.append(_("Holidays: %(list)s") % {"list": "; ".join(holidays)})
    if built is not None:
        params.append(_("Built on %(date)s") % {"date": fmt_date(built)})
    data = ReportData(
        code=CODE,
        title=_("User activity: %(month)s") % {"month": month.title()},
        params=params,
        tables=[trend, teachers, classes],
    )
    return data, {"school_days": school_days, "teachers": _share(trend.rows[-1][5]), **summary}


def trend_table(people_rows, journal_rows) -> Table:
    """One row per month of the year up to this one."""
    people = {(first, who): (n, came, days) for first, who, n, came, days in people_rows}
    rows = []
    for first, days, held, topic, marks in journal_rows:
        line = [Month(first).title(), days, held, rate(topic, held), marks]
        for who in ("t", "s", "p"):
            n, came, active_days = people.get((first, who), (0, 0, 0))
            line += [rate(came, n), average(active_days, came)]
        rows.append(line)
    return Table(
        _("Months of the year"),
        [
            Column(_("Month")),
            Column(_("School days"), "int"),
            Column(_("Lessons held"), "int", _("Journal")),
            Column(_("With a topic, %"), "percent", _("Journal")),
            Column(_("Marks entered"), "int", _("Journal")),
            Column(_("Came in, %"), "percent", _("Teachers")),
            Column(_("Days, average"), "decimal", _("Teachers")),
            Column(_("Came in, %"), "percent", _("Students")),
            Column(_("Days, average"), "decimal", _("Students")),
            Column(_("Came in, %"), "percent", _("Parents")),
            Column(_("Days, average"), "decimal", _("Parents")),
        ],
        rows,
        note=_(
            "Came in: used the portal on at least one day of the month; days: the average number of days of the "
            "month on which those who came in used it. Students: in a class on the month's last day; parents: "
            "linked to them; teachers: everyone with the teacher's role. School days: the dates with lessons in "
            "the lesson calendar (holidays and days off have none)."
        ),
    )


def _share(value: Decimal | None) -> str | None:
    """A rate as stored in the summary (JSON): its text, or None."""
    return None if value is None else str(value)


def teachers_table(rows) -> Table:
    """One row per teacher: days active and the month's journal work."""
    shorts = {}
    for last, first, patronymic, *_rest in rows:
        key = short_name(last, first, patronymic)
        shorts[key] = shorts.get(key, 0) + 1
    lines = []
    total = [0] * 7
    for last, first, patronymic, days, held, topic, marks, topics, homework, on_time, due in rows:
        name = short_name(last, first, patronymic)
        if shorts[name] > 1:
            name = full_name(last, first, patronymic)
        lines.append(
            [name, days, held, topic, rate(topic, held), rate(on_time, due), marks, topics, homework]
        )
        for i, value in enumerate((held, topic, marks, topics, homework, on_time, due)):
            total[i] += value
    held, topic, marks, topics, homework, on_time, due = total
    return Table(
        _("Teachers"),
        [
            Column(_("Teacher")),
            Column(_("Days active"), "int"),
            Column(_("Lessons held"), "int", _("Lessons")),
            Column(_("With a topic"), "int", _("Lessons")),
            Column(_("Filled, %"), "percent", _("Lessons")),
            Column(_("On time, %"), "percent", _("Deadlines")),
            Column(_("Marks entered"), "int", _("Entered in the month")),
            Column(_("Topics"), "int", _("Entered in the month")),
            Column(_("Homework"), "int", _("Entered in the month")),
        ],
        lines,
        totals=[
            _("School"),
            None,
            held,
            topic,
            rate(topic, held),
            rate(on_time, due),
            marks,
            topics,
            homework,
        ],
        note=_(
            "Days active: days of the month on which the teacher used the portal. Lessons held in the month, "
            "counted for the teacher who gave them (the substitute, if any); filled: with a topic. Entered in the "
            "month by the teacher's login: marks (each cell given a mark, from the mark log), topics and homework "
            "(their last change). On time: the share of the deadlines of the month's lessons (topic and "
            "attendance, homework, marks) met, as measured every night."
        ),
    )


def classes_table(rows, month: Month, on: datetime.date) -> tuple[Table, dict]:
    """One row per class: its students and their parents, who came in, the change from last month."""
    by_class: dict = {}
    for class_id, grade, letter, who, n, came, days, came_before in rows:
        entry = by_class.setdefault(class_id, {"name": f"{grade}{letter}" if class_id else _("School")})
        entry[who] = (n, came, days, came_before)

    def line(entry):
        out = [entry["name"]]
        for who in ("s", "p"):
            n, came, days, came_before = entry.get(who, (0, 0, 0, 0))
            share = rate(came, n)
            out += [n, share, change(share, rate(came_before, n)), average(days, came)]
        return out

    school = by_class.pop(None, {"name": _("School")})
    totals = line(school)
    table = Table(
        _("Classes"),
        [
            Column(_("Class")),
            Column(_("All"), "int", _("Students")),
            Column(_("Came in, %"), "percent", _("Students")),
            Column(_("Change, p.p."), "percent", _("Students")),
            Column(_("Days, average"), "decimal", _("Students")),
            Column(_("All"), "int", _("Parents")),
            Column(_("Came in, %"), "percent", _("Parents")),
            Column(_("Change, p.p."), "percent", _("Parents")),
            Column(_("Days, average"), "decimal", _("Parents")),
        ],
        [line(e) for e in by_class.values()],
        totals=totals,
        note=_(
            "Students in the class on %(on)s and the parents linked to them. Change: the share who came in, in "
            "percentage points, against the same people in %(previous)s. A parent of children in several classes "
            "counts once for the school."
        )
        % {"on": fmt_date(on), "previous": month.previous.title()},
    )
    return table, {"students": _share(totals[2]), "parents": _share(totals[6])}
