"""The deadlines of the demo's year so far, measured as the nightly job would have (journal/deadlines): the
control page, the report and the teachers' home pages have their realistic mix of on time, late and
missing from the first day (the journal step writes a few topics late or not yet, and a few columns
marked after their deadline)."""

from __future__ import annotations

import datetime
import zoneinfo

from journal.deadlines import services

from .calendar import Calendar
from .context import Ctx


def measure_deadlines(ctx: Ctx, calendar: Calendar):
    """`journal.deadlines.services.measure` of the year's days up to yesterday, at 01:30 of the build's day."""
    year = calendar.year
    last = min(ctx.journal_today - datetime.timedelta(days=1), year.ends)
    if last < year.starts:
        return None
    tz = zoneinfo.ZoneInfo(ctx.school.timezone)
    now = datetime.datetime.combine(ctx.journal_today, datetime.time(1, 30), tzinfo=tz)
    return services.measure(ctx.school, year.starts, last, now=now)
