"""The academic year of a date (or the year just ended, in the summer): reporting periods of
quarters and half-years, the holidays."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from schedule.models import (
    AcademicYear,
    Holiday,
    PeriodScheme,
    ReportingPeriod,
)
from schedule.services import years

from .context import Ctx


def monday_on_or_after(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def academic_start_year(today: datetime.date) -> int:
    """The year whose 1 September starts the academic year of `today`.

    The summer (1 June – 31 August) belongs to the year just ended: its journal, finals and signed
    printouts are what families look at until 1 September, while the school prepares the next year
    (`build_next_year`)."""
    return today.year if today.month >= 9 else today.year - 1


def in_summer(today: datetime.date, year: AcademicYear) -> bool:
    """Whether `today` falls after the last day of `year` (the summer before the next year starts)."""
    return today > year.ends


@dataclass
class Calendar:
    year: AcademicYear
    schemes: dict[str, PeriodScheme]
    periods: list[ReportingPeriod]
    holidays: list[Holiday]


def build_calendar(ctx: Ctx, start_year: int | None = None) -> Calendar:
    """The academic year starting on 1 September of `start_year` (default: the year of `today`):
    quarters for grades 1–9, half-years for 10–11, holidays."""
    y = academic_start_year(ctx.today) if start_year is None else start_year
    d = datetime.date
    # The year comes with the default schemes (quarters for 1–9, half-years for 10–11); the demo's
    # periods keep their names and take this calendar's dates.
    year = years.create_year(actor=ctx.actor, name=f"{y}/{y + 1}", starts=d(y, 9, 1), ends=d(y + 1, 5, 31))
    schemes = {s.kind: s for s in PeriodScheme.objects.filter(year=year)}
    quarters, halves = schemes[PeriodScheme.Kind.QUARTERS], schemes[PeriodScheme.Kind.HALVES]
    spans = {
        quarters: [
            ("1 четверть", d(y, 9, 1), d(y, 10, 24)),
            ("2 четверть", d(y, 11, 5), d(y, 12, 28)),
            ("3 четверть", d(y + 1, 1, 12), d(y + 1, 3, 20)),
            ("4 четверть", d(y + 1, 3, 30), d(y + 1, 5, 31)),
        ],
        halves: [
            ("1 полугодие", d(y, 9, 1), d(y, 12, 28)),
            ("2 полугодие", d(y + 1, 1, 12), d(y + 1, 5, 31)),
        ],
    }
    periods = [
        years.save_period(actor=ctx.actor, scheme=scheme, period=period, name=name, starts=a, ends=b)
        for scheme, rows in spans.items()
        for period, (name, a, b) in zip(scheme.periods.order_by("number"), rows, strict=True)
    ]
    february = monday_on_or_after(d(y + 1, 2, 9))
    holidays = [
        years.save_holiday(actor=ctx.actor, year=year, name=name, starts=a, ends=b, grades=grades)
        for name, a, b, grades in (
            ("Осенние каникулы", d(y, 10, 25), d(y, 11, 4), ()),
            ("Зимние каникулы", d(y, 12, 29), d(y + 1, 1, 11), ()),
            (
                "Дополнительные каникулы для первых классов",
                february,
                february + datetime.timedelta(days=6),
                [1],
            ),
            ("Весенние каникулы", d(y + 1, 3, 21), d(y + 1, 3, 29), ()),
        )
    ]
    return Calendar(year, {"quarters": quarters, "halves": halves}, periods, holidays)
