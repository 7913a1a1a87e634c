"""Calendar setup: academic years (opening, moving, closing), their period schemes and reporting
periods, and holidays. Each write locks the year and refuses when it is closed or archived.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.db.models import F, Max, Min
from django.utils.translation import gettext as _

from accounts import audit

from ..models import (
    AcademicYear,
    CourseTeacher,
    Enrollment,
    GroupMembership,
    Holiday,
    PeriodScheme,
    ReportingPeriod,
)
from .checks import (
    DAY,
    Errors,
    check_dates,
    check_grades,
    database_checks,
    fmt,
    iso,
    lock_open_year,
    overlapping,
    refuse,
    save,
)

# Years and reporting periods


def _template_periods(kind: str, starts: datetime.date, ends: datetime.date):
    """Usual Russian school dates for a September-to-May/June year, around the customary holidays."""
    y = starts.year
    d = datetime.date
    if kind == PeriodScheme.Kind.QUARTERS:
        return [
            (starts, d(y, 10, 26)),
            (d(y, 11, 5), d(y, 12, 28)),
            (d(y + 1, 1, 12), d(y + 1, 3, 22)),
            (d(y + 1, 4, 1), ends),
        ]
    if kind == PeriodScheme.Kind.HALVES:
        return [(starts, d(y, 12, 28)), (d(y + 1, 1, 12), ends)]
    return [(starts, d(y, 11, 30)), (d(y, 12, 1), d(y + 1, 2, 28)), (d(y + 1, 3, 1), ends)]


def default_periods(
    kind: str, starts: datetime.date, ends: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    """Default period dates of a scheme; an even split when the year is not September to May/June."""
    count = {PeriodScheme.Kind.QUARTERS: 4, PeriodScheme.Kind.HALVES: 2}.get(kind, 3)
    if starts.month in (8, 9) and ends.year == starts.year + 1 and ends.month in (5, 6, 7):
        dates = _template_periods(kind, starts, ends)
        if all(a <= b for a, b in dates) and all(
            b < c for (_a, b), (c, _d) in zip(dates, dates[1:], strict=False)
        ):
            return dates
    days = (ends - starts).days + 1
    bounds = [starts + datetime.timedelta(days=days * i // count) for i in range(count + 1)]
    return [(bounds[i], bounds[i + 1] - DAY) for i in range(count)]


def period_name(kind: str, number: int) -> str:
    if kind == PeriodScheme.Kind.QUARTERS:
        return _("%(number)s quarter") % {"number": number}
    if kind == PeriodScheme.Kind.HALVES:
        return _("%(number)s half-year") % {"number": number}
    return _("%(number)s trimester") % {"number": number}


def _create_scheme(year: AcademicYear, kind: str, grades: list[int]) -> PeriodScheme:
    # grades are checked by the callers; an empty list (a scheme nobody follows yet) is allowed
    scheme = save(
        PeriodScheme(school_id=year.school_id, year=year, kind=kind, grades=sorted(grades)), "grades"
    )
    for number, (starts, ends) in enumerate(default_periods(kind, year.starts, year.ends), start=1):
        save(
            ReportingPeriod(
                school_id=year.school_id,
                scheme=scheme,
                number=number,
                name=period_name(kind, number),
                starts=starts,
                ends=ends,
            )
        )
    return scheme


def _check_year(errors: Errors, school_id: int, name: str, starts, ends, year: AcademicYear | None = None):
    others = AcademicYear.objects.filter(school_id=school_id).exclude(pk=year.pk if year else None)
    if not name:
        errors.add("name", _("This field is required."))
    elif others.filter(name=name).exists():
        errors.add("name", _("A year with this name already exists."))
    if starts and ends and ends <= starts:
        errors.add("ends", _("The last day must be after the first day."))
    elif starts and ends:
        clash = others.filter(starts__lte=ends, ends__gte=starts).first()
        if clash:
            errors.add(
                "starts",
                _("These dates overlap the year %(year)s (%(starts)s – %(ends)s)."),
                year=clash.name,
                starts=fmt(clash.starts),
                ends=fmt(clash.ends),
            )


@transaction.atomic
def create_year(*, actor, name: str, starts: datetime.date, ends: datetime.date) -> AcademicYear:
    """Create an open academic year with the default schemes: quarters for grades 1–9, half-years for 10–11."""
    school_id = actor.school.pk
    name = (name or "").strip()
    errors = Errors()
    _check_year(errors, school_id, name, starts, ends)
    errors.raise_if_any()
    year = save(AcademicYear(school_id=school_id, name=name, starts=starts, ends=ends))
    _create_scheme(year, PeriodScheme.Kind.QUARTERS, list(range(1, 10)))
    _create_scheme(year, PeriodScheme.Kind.HALVES, [10, 11])
    audit.record(actor, "create_year", year, data={"name": name, "starts": iso(starts), "ends": iso(ends)})
    return year


def _year_data_bounds(year: AcademicYear) -> list[tuple[str, datetime.date | None, datetime.date | None]]:
    """(what, earliest start, latest end) of the dated rows of a year."""
    tables = [
        (_("reporting periods"), ReportingPeriod.objects.filter(scheme__year=year)),
        (_("holidays"), Holiday.objects.filter(year=year)),
        (_("class enrollments"), Enrollment.objects.filter(school_class__year=year)),
        (_("group memberships"), GroupMembership.objects.filter(group__year=year)),
        (_("course teachers"), CourseTeacher.objects.filter(course__year=year)),
    ]
    return [(what, *qs.aggregate(a=Min("starts"), b=Max("ends")).values()) for what, qs in tables]


@transaction.atomic
def update_year(*, actor, year: AcademicYear, name: str, starts, ends, status: str) -> AcademicYear:
    """Rename, move or close/reopen a year. A closed year can only be reopened; an archived one not at all."""
    locked = AcademicYear.objects.select_for_update().get(pk=year.pk)
    errors = Errors()
    name = (name or "").strip()
    changed = (name, starts, ends) != (locked.name, locked.starts, locked.ends)
    if locked.status == AcademicYear.Status.ARCHIVED:
        refuse(
            NON_FIELD_ERRORS,
            _("The year %(year)s is archived and can no longer be changed."),
            year=locked.name,
        )
    if status not in (AcademicYear.Status.OPEN, AcademicYear.Status.CLOSED):
        errors.add("status", _("A year is archived by the archiving procedure, not by editing it."))
    if changed and locked.is_read_only and status != AcademicYear.Status.OPEN:
        errors.add(
            NON_FIELD_ERRORS,
            _("The year %(year)s is %(status)s: reopen it to change its name or dates."),
            year=locked.name,
            status=locked.get_status_display(),
        )
    _check_year(errors, locked.school_id, name, starts, ends, locked)
    if not errors and (starts != locked.starts or ends != locked.ends):
        for what, first, last in _year_data_bounds(locked):
            if first and first < starts:
                errors.add(
                    "starts",
                    _("Some %(what)s start on %(date)s, before this day; change them first."),
                    what=what,
                    date=fmt(first),
                )
            if last and last > ends:
                errors.add(
                    "ends",
                    _("Some %(what)s end on %(date)s, after this day; change them first."),
                    what=what,
                    date=fmt(last),
                )
    errors.raise_if_any()
    old = {
        "name": locked.name,
        "starts": iso(locked.starts),
        "ends": iso(locked.ends),
        "status": locked.status,
    }
    locked.name, locked.starts, locked.ends, locked.status = name, starts, ends, status
    save(locked)
    new = {"name": name, "starts": iso(starts), "ends": iso(ends), "status": status}
    audit.record(actor, "update_year", locked, data={"old": old, "new": new})
    return locked


@transaction.atomic
def create_scheme(*, actor, year: AcademicYear, kind: str, grades: Iterable[int] = ()) -> PeriodScheme:
    """Add a period scheme (e.g. trimesters) with default periods; its grades must not follow another scheme."""
    year = lock_open_year(year)
    grades = sorted(set(grades))
    errors = Errors()
    if kind not in PeriodScheme.Kind.values:
        errors.add("kind", _("Choose a kind of scheme."))
    elif PeriodScheme.objects.filter(year=year, kind=kind).exists():
        errors.add("kind", _("This year already has a scheme of this kind."))
    check_grades(errors, "grades", grades)
    taken = PeriodScheme.objects.filter(year=year, grades__overlap=grades or [0]).first()
    if taken:
        errors.add(
            "grades",
            _("Grades %(grades)s already follow %(scheme)s; move them in the grade table."),
            grades=", ".join(str(g) for g in grades if g in taken.grades),
            scheme=taken.get_kind_display(),
        )
    errors.raise_if_any()
    scheme = _create_scheme(year, kind, grades)
    audit.record(actor, "create_scheme", scheme, data={"year": year.pk, "kind": kind, "grades": grades})
    return scheme


@transaction.atomic
def assign_scheme_grades(
    *, actor, year: AcademicYear, grades: dict[int, PeriodScheme | None]
) -> AcademicYear:
    """Say which scheme each grade follows (`None`: none yet); a grade follows at most one scheme."""
    year = lock_open_year(year)
    schemes = {s.pk: s for s in PeriodScheme.objects.select_for_update().filter(year=year)}
    errors = Errors()
    check_grades(errors, NON_FIELD_ERRORS, grades)
    for grade, scheme in grades.items():
        if scheme is not None and scheme.pk not in schemes:
            errors.add(f"grade_{grade}", _("Choose a scheme of this year."))
    errors.raise_if_any()
    old = {s.kind: s.grades for s in schemes.values()}
    wanted = {pk: sorted(g for g, s in grades.items() if s is not None and s.pk == pk) for pk in schemes}
    for pk, scheme in schemes.items():
        kept = [g for g in scheme.grades if g not in grades]  # grades the caller did not mention stay
        scheme.grades = sorted(set(kept) | set(wanted[pk]))
        save(scheme, "grades")
    audit.record(
        actor,
        "assign_scheme_grades",
        year,
        data={"old": old, "new": {s.kind: s.grades for s in schemes.values()}},
    )
    return year


def _renumber(scheme: PeriodScheme):
    """Period numbers follow the order of the dates (1, 2, 3…)."""
    periods = list(ReportingPeriod.objects.filter(scheme=scheme).order_by("starts"))
    if [p.number for p in periods] == list(range(1, len(periods) + 1)):
        return
    ReportingPeriod.objects.filter(scheme=scheme).update(number=F("number") + 1000)
    for number, period in enumerate(periods, start=1):
        ReportingPeriod.objects.filter(pk=period.pk).update(number=number)


@transaction.atomic
def save_period(
    *, actor, scheme: PeriodScheme, name: str, starts, ends, period: ReportingPeriod | None = None
) -> ReportingPeriod:
    """Create or change a reporting period: inside the year, not overlapping the scheme's other periods."""
    year = lock_open_year(scheme.year)
    errors = Errors()
    check_dates(errors, year, starts, ends, ends_required=True)
    if period is not None and period.scheme_id != scheme.pk:
        errors.add(NON_FIELD_ERRORS, _("The period belongs to another scheme."))
    if not errors:
        others = ReportingPeriod.objects.filter(scheme=scheme).exclude(pk=period.pk if period else None)
        clash = overlapping(others, starts, ends).first()
        if clash:
            errors.add(
                "starts",
                _("The dates overlap %(name)s (%(starts)s – %(ends)s)."),
                name=clash.name,
                starts=fmt(clash.starts),
                ends=fmt(clash.ends),
            )
    errors.raise_if_any()
    old = {"name": period.name, "starts": iso(period.starts), "ends": iso(period.ends)} if period else None
    if period is None:
        number = (ReportingPeriod.objects.filter(scheme=scheme).aggregate(n=Max("number"))["n"] or 0) + 1
        period = ReportingPeriod(school_id=scheme.school_id, scheme=scheme, number=number)
    period.name, period.starts, period.ends = (name or "").strip(), starts, ends
    save(period)
    _renumber(scheme)
    period.refresh_from_db(fields=["number"])
    audit.record(
        actor,
        "save_period",
        period,
        data={
            "scheme": scheme.kind,
            "old": old,
            "new": {"name": period.name, "starts": iso(starts), "ends": iso(ends)},
        },
    )
    return period


@transaction.atomic
def delete_period(*, actor, period: ReportingPeriod) -> None:
    """Remove a reporting period (and renumber the rest of its scheme)."""
    lock_open_year(period.scheme.year)
    data = {
        "scheme": period.scheme.kind,
        "name": period.name,
        "starts": iso(period.starts),
        "ends": iso(period.ends),
    }
    audit.record(actor, "delete_period", period, data=data)
    with database_checks():
        period.delete()
    _renumber(period.scheme)


# Holidays


@transaction.atomic
def save_holiday(
    *,
    actor,
    year: AcademicYear,
    name: str,
    starts,
    ends,
    grades: Iterable[int] = (),
    holiday: Holiday | None = None,
) -> Holiday:
    """Create or change a holiday inside the year; `grades` empty means the whole school."""
    year = lock_open_year(year)
    grades = sorted(set(grades))
    errors = Errors()
    check_dates(errors, year, starts, ends, ends_required=True)
    check_grades(errors, "grades", grades)
    if holiday is not None and holiday.year_id != year.pk:
        errors.add(NON_FIELD_ERRORS, _("The holiday belongs to another year."))
    errors.raise_if_any()
    old = (
        {
            "name": holiday.name,
            "starts": iso(holiday.starts),
            "ends": iso(holiday.ends),
            "grades": holiday.grades,
        }
        if holiday
        else None
    )
    holiday = holiday or Holiday(school_id=year.school_id, year=year)
    holiday.name, holiday.starts, holiday.ends, holiday.grades = (name or "").strip(), starts, ends, grades
    save(holiday)
    audit.record(
        actor,
        "save_holiday",
        holiday,
        data={
            "old": old,
            "new": {"name": holiday.name, "starts": iso(starts), "ends": iso(ends), "grades": grades},
        },
    )
    return holiday


@transaction.atomic
def delete_holiday(*, actor, holiday: Holiday) -> None:
    lock_open_year(holiday.year)
    audit.record(
        actor,
        "delete_holiday",
        holiday,
        data={"name": holiday.name, "starts": iso(holiday.starts), "ends": iso(holiday.ends)},
    )
    with database_checks():
        holiday.delete()
