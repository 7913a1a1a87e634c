"""The demo's portal use (R-R-4) and its report built by the beat: the `DailyActivity` history of the year up to
yesterday, then the last finished month's activity report (~1.1 s for the default size). The last period's
progress report is left to the beat's hourly job: the whole school's students on its pages take ~7 s to render
for the default size, too long for the builder's one transaction.

Who comes in (the stream `ctx.rng("activity")`): the staff on most school days (a teacher ~90 %, the
administration ~95 %) and on a few holiday weekdays; each month ~85 % of the parents and ~70 % of the students
sign in at least once, on a few days (parents more often than students), fewer in a month that is mostly holiday.
One COPY writes the rows; the report is built by the beat's own function (reports/monthly.py), exactly as the
job would on the morning of `journal_today`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from accounts.bulk import copy_rows
from accounts.models import DailyActivity
from schedule.models import Lesson

from .context import Ctx

DAY = datetime.timedelta(days=1)


@dataclass
class Activity:
    rows: int
    monthly_report: object | None  # reports.MonthlyReport


def _weekdays(since: datetime.date, until: datetime.date) -> list[datetime.date]:
    days, day = [], since
    while day <= until:
        if day.weekday() < 5:
            days.append(day)
        day += DAY
    return days


def build_activity(ctx: Ctx, calendar, staff, pupils) -> Activity:
    """Write the year's `DailyActivity` up to yesterday, then build the reports the beat would have built."""
    rng = ctx.rng("activity")
    school, year = ctx.school, calendar.year
    until = min(ctx.journal_today - DAY, year.ends)
    if until < year.starts:
        return Activity(0, None)
    school_days = set(
        Lesson.objects.filter(school=school, year=year, date__range=(year.starts, until))
        .values_list("date", flat=True)
        .distinct()
    )
    weekdays = _weekdays(year.starts, until)
    zone = ZoneInfo(school.timezone)
    rows = {}  # (person id, day) -> row

    def came(person_id, day, roles, hour):
        if (person_id, day) in rows:
            return
        first = datetime.datetime.combine(day, datetime.time(hour, rng.randrange(60)), tzinfo=zone)
        last = first + datetime.timedelta(minutes=rng.randrange(0, 240))
        rows[(person_id, day)] = (school.pk, person_id, day, roles, first, last, rng.choice((1, 1, 1, 2)))

    staff_people = [(p, ["teacher"], 0.9) for p in staff.teachers]
    staff_people += [(p, ["admin"], 0.95) for p in (staff.admin,)]
    staff_people += [(p, ["director"], 0.95) for p in (staff.director,)]
    staff_people += [(p, ["deputy"], 0.95) for p in staff.deputies]
    for person, roles, share in staff_people:
        for day in weekdays:
            if rng.random() < (share if day in school_days else 0.1):
                came(person.pk, day, roles, rng.choice((7, 8, 8, 9, 13, 15, 16, 19)))

    months: dict[tuple[int, int], list[datetime.date]] = {}
    for day in weekdays:
        months.setdefault((day.year, day.month), []).append(day)
    families = [(p.person_id, ["parent"], 0.85, (1, 6), (18, 19, 20, 21)) for p in pupils.parents]
    families += [(s.person_id, ["student"], 0.70, (1, 4), (14, 15, 16, 17, 20)) for s in pupils.students]
    for days in months.values():
        taught = [d for d in days if d in school_days]
        held = len(taught) / len(days)  # a month mostly holiday brings fewer people in
        for person_id, roles, share, (low, high), hours in families:
            if rng.random() >= share * (0.5 + 0.5 * held):
                continue
            pool = taught or days
            for day in rng.sample(pool, min(len(pool), rng.randint(low, high))):
                came(person_id, day, roles, rng.choice(hours))
    fields = ["school", "person", "day", "roles", "first_at", "last_at", "sign_ins"]
    written = copy_rows(DailyActivity, fields, sorted(rows.values(), key=lambda r: (r[2], r[1])))
    return Activity(written, _build_report(ctx, year))


def _build_report(ctx: Ctx, year):
    """The last finished month's activity report, as the beat builds it on the morning of `journal_today`."""
    from reports import monthly
    from reports.queries_monthly import month_of

    school = ctx.school
    now = datetime.datetime.combine(ctx.journal_today, datetime.time(6), tzinfo=ZoneInfo(school.timezone))
    month = month_of(ctx.journal_today).previous
    if year.starts <= month.first <= year.ends:
        return monthly.build_month(school, year, month, now=now)
    return None
