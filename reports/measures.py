"""The measures every report shares (R-R-1…3), each defined once (docs/decisions.md, "Reports").

- A student's category for a period, from their period finals in the courses that need one from them
  (`category`): a «2» in any of them makes them failing; otherwise a missing final makes them not
  assessed; otherwise only «5» is excellent, «4» and «5» good, one «3» or more than one «3». For one
  course a student has one final, so the same categories apply to it (`categories_of_finals`).
- Progress (успеваемость): students assessed without a «2» out of all students; quality (качество
  знаний): excellent and good students out of all students (`progress_and_quality`). All students are
  those in the class or group on the period's last day, so a missing final lowers both rates; before
  anyone is assessed there is no rate ("—"), not 0 %.
- Rates are percentages with one decimal, averages two decimals, rounded half up; dates dd.mm.yyyy;
  names «Фамилия Имя Отчество» or «Фамилия И. О.».

The reports' queries read through `fetch`, one query each, whatever the size of the school.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils.translation import gettext as _

from schedule.selectors import local_today

CENT = Decimal("0.01")
TENTH = Decimal("0.1")

# The categories of students by their finals, in the order a school lists them.
EXCELLENT, GOOD, ONE_THREE, THREES, FAILING, NOT_ASSESSED = (
    "excellent",
    "good",
    "one_three",
    "threes",
    "failing",
    "not_assessed",
)
CATEGORIES = (EXCELLENT, GOOD, ONE_THREE, THREES, FAILING, NOT_ASSESSED)


def category(needed: int, entered: int, five: int, four: int, three: int, two: int) -> str:
    """A student's category from the counts of their finals: `needed` finals, `entered` of them, by mark."""
    if two:
        return FAILING
    if entered < needed or not needed:
        return NOT_ASSESSED
    if five == needed:
        return EXCELLENT
    if three == 0:
        return GOOD
    return ONE_THREE if three == 1 else THREES


def category_labels() -> dict[str, str]:
    return {
        EXCELLENT: _("only «5» (excellent students)"),
        GOOD: _("«4» and «5» (good students)"),
        ONE_THREE: _("with one «3»"),
        THREES: _("with more than one «3»"),
        FAILING: _("with a «2» (failing)"),
        NOT_ASSESSED: _("not assessed (a final mark is missing)"),
    }


def categories_of_finals(counts: Mapping[int, int], students: int) -> dict[str, int]:
    """The categories of a course's `students` from the counts of its finals ({5: n, 4: n, 3: n, 2: n}):
    each student has one final of it, and those without one are not assessed."""
    return {
        EXCELLENT: counts[5],
        GOOD: counts[4],
        ONE_THREE: counts[3],
        THREES: 0,
        FAILING: counts[2],
        NOT_ASSESSED: max(0, students - sum(counts.values())),
    }


def rate(part: int, whole: int) -> Decimal | None:
    """A percentage rounded to one decimal (half up), None when there is no one to count."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, ROUND_HALF_UP)


def progress_and_quality(counts: Mapping[str, int], students: int) -> tuple[Decimal | None, Decimal | None]:
    """Progress and quality rates of `students` sorted into categories (those missing count as not assessed)."""
    assessed = sum(counts.get(c, 0) for c in CATEGORIES if c != NOT_ASSESSED)
    if not assessed:
        return None, None
    return (
        rate(assessed - counts.get(FAILING, 0), students),
        rate(counts.get(EXCELLENT, 0) + counts.get(GOOD, 0), students),
    )


def rates_note(on: datetime.date | None = None) -> str:
    """The definition printed under every table of progress and quality rates out of all students, who
    are those in the class (or group) `on` the period's last day when given."""
    note = _(
        "Progress: students assessed without a «2» out of all students; quality: students with only «4» and "
        "«5» out of all students. A missing final counts as not assessed; a «2» counts as failing even if "
        "another final is missing."
    )
    if on is None:
        return note
    return (
        _("Students: in the class or group on the period's last day, %(date)s.") % {"date": fmt_date(on)}
        + " "
        + note
    )


def cents(value) -> Decimal | None:
    """An average rounded half up to two decimals, as the grid shows it."""
    return None if value is None else Decimal(value).quantize(CENT, ROUND_HALF_UP)


def tenths(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(TENTH, ROUND_HALF_UP)


def full_name(last: str, first: str, patronymic: str = "") -> str:
    """«Фамилия Имя Отчество», without the parts a person has not got."""
    return " ".join(p for p in (last, first, patronymic) if p)


def short_name(last: str, first: str, patronymic: str = "") -> str:
    """«Иванов И. И.», as `accounts.Person.short_name`."""
    initials = " ".join(f"{p[0]}." for p in (first, patronymic) if p)
    return f"{last} {initials}".strip()


def fmt_date(day: datetime.date) -> str:
    return f"{day:%d.%m.%Y}"


def today_of(params) -> datetime.date:
    """The report's today: the one it was run for, else today in the school's time zone."""
    return params.today or local_today(params.school)


def as_of(period, today: datetime.date) -> datetime.date:
    """Today moved into the period: its first day before it, its last day after it."""
    return min(max(today, period.starts), period.ends)


def fetch(sql: str, params) -> list[tuple]:
    """The rows of one query."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
