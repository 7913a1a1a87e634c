"""The report catalogue: every report's code, title, audience, parameters, query and access rule.

The class teacher's reports (R-R-1) are listed in `reports/catalog_class.py`, the
subject teacher's and the leadership's (R-R-2, R-R-3) in `reports/catalog_staff.py`;
each module defines `SPECS: list[ReportSpec]`. The views (reports/views.py) read
`REPORTS` and never know a report by name.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from .tables import ReportData

# Parameters a report may ask for; the page shows a selector for each, in this order.
PARAMS = ("class", "teacher", "course", "period", "month", "dates")
AUDIENCES = ("class_teacher", "subject_teacher", "leadership")


@dataclass
class Params:
    """What a report is run for: the school and year always, the rest as its spec asks."""

    school: object  # accounts.School
    year: object  # schedule.AcademicYear
    school_class: object | None = None  # schedule.SchoolClass
    teacher: object | None = None  # accounts.Person (staff)
    course: object | None = None  # schedule.Course
    period: object | None = None  # schedule.ReportingPeriod
    month: datetime.date | None = None  # the first day of the month
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    today: datetime.date | None = None


@dataclass
class ReportSpec:
    code: str  # URL-safe, e.g. "class_attendance"; bench entry "report_<code>"
    title: str  # lazy translation
    audience: str  # one of AUDIENCES: where the index lists it
    params: tuple[str, ...]  # a subset of PARAMS
    query: Callable[[Params], ReportData]
    # allowed(actor, params) -> bool: whether the actor may see this report for these parameters
    # (e.g. the class teacher for their own class; admin, director, deputy for any).
    allowed: Callable[[object, Params], bool]
    description: str = ""
    # The period a page opens with: "current" (under way) or "ended" (the last one ended: reports of final
    # marks, which a period under way has not got yet).
    default_period: str = "current"


def _load() -> dict[str, ReportSpec]:
    from . import catalog_class, catalog_staff

    specs = [*catalog_class.SPECS, *catalog_staff.SPECS]
    codes = [s.code for s in specs]
    if len(codes) != len(set(codes)):
        raise ValueError(f"duplicate report codes: {codes}")
    return {s.code: s for s in specs}


_REPORTS: dict[str, ReportSpec] | None = None


def reports() -> dict[str, ReportSpec]:
    global _REPORTS
    if _REPORTS is None:
        _REPORTS = _load()
    return _REPORTS
