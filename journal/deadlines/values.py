"""When each part of the journal is due and how a thing done (or not) is judged: pure functions, no queries.

Every moment is an aware datetime in the school's time zone. A deadline "within N days" runs to the end
of the N-th day after the lesson (midnight that begins the day after), so a teacher who marks an oral
answer the next evening is on time; a time of day (20:00) or an offset from the class's last lesson
(one hour after it ends) is exact to the minute.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from django.utils.translation import gettext as _

ON_TIME, LATE, MISSING = "on_time", "late", "missing"
# Marks are due in grades 2–11; the first grade has none (seed 002 5.7).
FIRST_MARKED_GRADE = 2
SENIOR_GRADE = 10  # grades 10–11 have 10 days for written work (seed 002 2.4)


@dataclass(frozen=True)
class Rules:
    """The school's deadline settings as plain values (`DeadlineSettings` carries the same fields)."""

    record_by: datetime.time = datetime.time(20, 0)
    homework_hours: int = 1
    oral_days: int = 1
    written_days: int = 7
    written_days_senior: int = 10
    written_working_days: int | None = None
    plan_days: int = 2

    @classmethod
    def of(cls, settings) -> Rules:
        return cls(
            record_by=settings.record_by,
            homework_hours=settings.homework_hours,
            oral_days=settings.oral_days,
            written_days=settings.written_days,
            written_days_senior=settings.written_days_senior,
            written_working_days=settings.written_working_days,
            plan_days=settings.plan_days,
        )


def end_of_day(day: datetime.date, tz: datetime.tzinfo) -> datetime.datetime:
    """The midnight that ends `day` in the school's zone (the start of the next day)."""
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), tzinfo=tz)


def record_due(day: datetime.date, rules: Rules, tz: datetime.tzinfo) -> datetime.datetime:
    """R-CTL-1: the topic and attendance of a lesson on `day`, by the school's hour of that day."""
    return datetime.datetime.combine(day, rules.record_by, tzinfo=tz)


def homework_due(
    day: datetime.date, last_lesson_ends: datetime.time, rules: Rules, tz: datetime.tzinfo
) -> datetime.datetime:
    """R-CTL-2: homework at most `homework_hours` after the end of the class's last lesson of `day`."""
    ends = datetime.datetime.combine(day, last_lesson_ends, tzinfo=tz)
    return ends + datetime.timedelta(hours=rules.homework_hours)


def working_days_after(day: datetime.date, n: int, holidays: Collection[datetime.date]) -> datetime.date:
    """The n-th working day after `day`: Monday to Friday, not a holiday of the school's calendar."""
    current, left = day, n
    while left > 0:
        current += datetime.timedelta(days=1)
        if current.isoweekday() <= 5 and current not in holidays:
            left -= 1
    return current


def marks_due(
    day: datetime.date,
    grade: int,
    kind: str,
    rules: Rules,
    tz: datetime.tzinfo,
    holidays: Collection[datetime.date] = (),
) -> datetime.datetime | None:
    """R-CTL-3: the marks of a work of `kind` ("oral", "written", "none") given at a lesson on `day`.

    None when no deadline applies: the first grade, or a work type without one. The stricter rule
    (written work within N working days, seed 004 6.1) applies where the school turned it on.
    """
    if grade < FIRST_MARKED_GRADE or kind not in ("oral", "written"):
        return None
    if kind == "oral":
        return end_of_day(day + datetime.timedelta(days=rules.oral_days), tz)
    if rules.written_working_days:
        return end_of_day(working_days_after(day, rules.written_working_days, holidays), tz)
    days = rules.written_days_senior if grade >= SENIOR_GRADE else rules.written_days
    return end_of_day(day + datetime.timedelta(days=days), tz)


def plan_due(period_starts: datetime.date, rules: Rules, tz: datetime.tzinfo) -> datetime.datetime:
    """Seed 001 A.16: a course's thematic plan by the end of the day `plan_days` before the period starts."""
    return end_of_day(period_starts - datetime.timedelta(days=rules.plan_days), tz)


def judge(
    due: datetime.datetime, done: datetime.datetime | None, now: datetime.datetime
) -> tuple[str, datetime.timedelta | None] | None:
    """(state, late by) of a thing due at `due`, done at `done` (None: not yet), seen at `now`.

    None while it is not due yet and not done: nothing to report. Done at the very moment it is due
    counts as on time.
    """
    if done is None:
        return (MISSING, None) if now > due else None
    if done <= due:
        return ON_TIME, None
    return LATE, done - due


def late_text(delta: datetime.timedelta | None) -> str:
    """How late, rounded down to minutes: "2 d 3 h", "1 h 5 min", "45 min" (minutes dropped past a day)."""
    if delta is None:
        return ""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d d") % {"n": days})
    if hours:
        parts.append(_("%(n)d h") % {"n": hours})
    if mins and not days:
        parts.append(_("%(n)d min") % {"n": mins})
    return " ".join(parts) or _("%(n)d min") % {"n": 0}
