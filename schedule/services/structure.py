"""Every write to the school structure: years, periods, holidays, buildings, rooms,
subjects, classes, groups, enrollments, group memberships and courses.

Each service is keyword-only, takes the acting `Actor`, runs in one transaction,
checks the domain rules (whoever writes: a page, an import or a task) and
writes its audit event in the same transaction. Refusals are
`ValidationError`s keyed by the service's own argument names, which the forms
use as field names, so a message lands next to the field that caused it.

The database constraints (exclusion constraints on date ranges, unique names)
stay the last line of defence: an `IntegrityError` that slips past the checks
(a concurrent write) becomes a `ValidationError`, and nothing is half-saved.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from contextlib import contextmanager
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min, ProtectedError, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from accounts import audit
from accounts.models import Person, Role, StaffRole, Student

from .models import (
    AcademicYear,
    Building,
    Course,
    CourseTeacher,
    Enrollment,
    GroupMembership,
    Holiday,
    PeriodScheme,
    ReportingPeriod,
    Room,
    SchoolClass,
    StudyGroup,
    Subject,
)
from .rules import CLASS_GRANT

GRADES = range(1, 12)
DAY = datetime.timedelta(days=1)

# Constraint name → (field, message) for the rare IntegrityError that passes the checks.
CONSTRAINT_ERRORS = {
    "year_name_unique": ("name", gettext_lazy("A year with this name already exists.")),
    "year_no_overlap": ("starts", gettext_lazy("These dates overlap another academic year.")),
    "year_ends_after_start": ("ends", gettext_lazy("The last day must be after the first day.")),
    "scheme_kind_unique": ("kind", gettext_lazy("This year already has a scheme of this kind.")),
    "period_number_unique": ("starts", gettext_lazy("Another period was saved at the same time; try again.")),
    "period_no_overlap": ("starts", gettext_lazy("The period overlaps another period of the scheme.")),
    "period_ends_after_start": ("ends", gettext_lazy("The last day is before the first day.")),
    "holiday_ends_after_start": ("ends", gettext_lazy("The last day is before the first day.")),
    "building_name_unique": ("name", gettext_lazy("A building with this name already exists.")),
    "room_name_unique": ("name", gettext_lazy("This building already has a room with this name.")),
    "subject_name_unique": ("name", gettext_lazy("A subject with this name already exists.")),
    "class_name_unique": ("letter", gettext_lazy("This class already exists in this year.")),
    "class_grade_range": ("grade", gettext_lazy("The grade must be between 1 and 11.")),
    "group_name_unique": ("name", gettext_lazy("A group with this name already exists in this year.")),
    "group_one_whole_per_class": (
        NON_FIELD_ERRORS,
        gettext_lazy("The class already has its whole-class group."),
    ),
    "enrollment_dates": ("ends", gettext_lazy("The end date is before the start date.")),
    "enrollment_one_class_at_a_time": (
        "starts",
        gettext_lazy("The student is in another class on these dates."),
    ),
    "membership_dates": ("ends", gettext_lazy("The end date is before the start date.")),
    "membership_no_overlap": ("starts", gettext_lazy("The student is already in this group on these dates.")),
    "course_unique": ("subject", gettext_lazy("This subject is already taught to this group.")),
    "courseteacher_dates": ("on_date", gettext_lazy("The end date is before the start date.")),
    "courseteacher_no_overlap": (
        "teachers",
        gettext_lazy("The teacher already teaches this course on these dates."),
    ),
}


# Helpers


class Errors:
    """Collects field errors so a form shows every problem at once."""

    def __init__(self):
        self.errors: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message, **params):
        self.errors.setdefault(field, []).append(ValidationError(message, params=params or None))

    def __bool__(self):
        return bool(self.errors)

    def raise_if_any(self):
        if self.errors:
            raise ValidationError(self.errors)


def refuse(field: str, message, **params):
    raise ValidationError({field: ValidationError(message, params=params or None)})


@contextmanager
def database_checks():
    """Turn a constraint violation into a ValidationError on the right field."""
    try:
        with transaction.atomic():
            yield
    except ProtectedError as exc:
        raise ValidationError(
            {NON_FIELD_ERRORS: gettext_lazy("Other records depend on this one, so it cannot be deleted.")}
        ) from exc
    except IntegrityError as exc:
        name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        field, message = CONSTRAINT_ERRORS.get(
            name, (NON_FIELD_ERRORS, gettext_lazy("The change conflicts with other data; nothing was saved."))
        )
        raise ValidationError({field: message}) from exc


def fmt(day: datetime.date | None) -> str:
    return date_format(day, "SHORT_DATE_FORMAT") if day else "…"


def iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def save(obj, *exclude: str):
    """full_clean (fields; constraints are checked by the services and the database), then save."""
    obj.full_clean(exclude=list(exclude) or None, validate_constraints=False)
    with database_checks():
        obj.save()
    return obj


def lock_open_year(year: AcademicYear) -> AcademicYear:
    """Re-read the year under a row lock and refuse if it is not open (closed and archived years are read-only)."""
    locked = AcademicYear.objects.select_for_update(no_key=True).get(pk=year.pk)
    if locked.is_read_only:
        refuse(
            NON_FIELD_ERRORS,
            _("The year %(year)s is %(status)s: its structure can no longer be changed."),
            year=locked.name,
            status=locked.get_status_display(),
        )
    return locked


def check_school(errors: Errors, school_id: int, field: str, *objs):
    for obj in objs:
        if obj is not None and obj.school_id != school_id:
            errors.add(field, _("This choice does not belong to your school."))
            return


def check_dates(
    errors: Errors,
    year: AcademicYear,
    starts,
    ends,
    *,
    start_field="starts",
    end_field="ends",
    ends_required=False,
):
    """Both ends inside the year; the end not before the start."""
    if starts is not None and not year.contains(starts):
        errors.add(
            start_field,
            _("The date must lie inside the year %(year)s (%(starts)s – %(ends)s)."),
            year=year.name,
            starts=fmt(year.starts),
            ends=fmt(year.ends),
        )
    if ends is None:
        if ends_required:
            errors.add(end_field, _("This field is required."))
        return
    if not year.contains(ends):
        errors.add(
            end_field,
            _("The date must lie inside the year %(year)s (%(starts)s – %(ends)s)."),
            year=year.name,
            starts=fmt(year.starts),
            ends=fmt(year.ends),
        )
    elif starts is not None and ends < starts:
        errors.add(end_field, _("The end date is before the start date."))


def check_grades(errors: Errors, field: str, grades: Iterable[int]):
    bad = sorted(g for g in grades if g not in GRADES)
    if bad:
        errors.add(
            field, _("Grades must be between 1 and 11 (got %(grades)s)."), grades=", ".join(map(str, bad))
        )


def check_teachers(errors: Errors, school_id: int, field: str, teachers: Iterable[Person]):
    teachers = list(teachers)
    ids = {t.pk for t in teachers}
    if not ids:
        return
    ok = set(
        StaffRole.objects.filter(school_id=school_id, role=Role.TEACHER, person_id__in=ids).values_list(
            "person_id", flat=True
        )
    )
    missing = [t for t in teachers if t.pk not in ok or t.school_id != school_id]
    if missing:
        errors.add(
            field,
            _("%(people)s is not a teacher of this school."),
            people=", ".join(p.short_name for p in missing),
        )


def overlapping(queryset, starts: datetime.date, ends: datetime.date | None):
    """Rows of `queryset` whose inclusive [starts, ends] range meets [starts, ends]."""
    rows = queryset.filter(Q(ends__isnull=True) | Q(ends__gte=starts))
    return rows.filter(starts__lte=ends) if ends is not None else rows


def covered(ranges: Iterable[tuple[datetime.date, datetime.date]], starts, ends) -> bool:
    """Whether the union of inclusive `ranges` covers every day of [starts, ends]."""
    day = starts
    for s, e in sorted(ranges):
        if e < day:
            continue
        if s > day:
            return False
        day = e + DAY
        if day > ends:
            return True
    return day > ends


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


# Buildings, rooms, subjects


@transaction.atomic
def save_building(*, actor, name: str, address: str = "", building: Building | None = None) -> Building:
    school_id = actor.school.pk
    name = (name or "").strip()
    others = Building.objects.filter(school_id=school_id).exclude(pk=building.pk if building else None)
    if others.filter(name=name).exists():
        refuse("name", _("A building with this name already exists."))
    old = {"name": building.name, "address": building.address} if building else None
    building = building or Building(school_id=school_id)
    building.name, building.address = name, (address or "").strip()
    save(building)
    audit.record(
        actor,
        "save_building",
        building,
        data={"old": old, "new": {"name": name, "address": building.address}},
    )
    return building


@transaction.atomic
def save_room(
    *,
    actor,
    building: Building,
    name: str,
    capacity: int | None = None,
    subjects: Iterable[Subject] = (),
    room: Room | None = None,
) -> Room:
    """Create or change a room; `subjects` are those it suits (a lab, a gym…)."""
    school_id = actor.school.pk
    subjects = list(subjects)
    name = (name or "").strip()
    errors = Errors()
    check_school(errors, school_id, "building", building)
    check_school(errors, school_id, "subjects", *subjects)
    if room is not None and room.school_id != school_id:
        errors.add(NON_FIELD_ERRORS, _("This choice does not belong to your school."))
    others = Room.objects.filter(building=building).exclude(pk=room.pk if room else None)
    if not errors and others.filter(name=name).exists():
        errors.add("name", _("This building already has a room with this name."))
    errors.raise_if_any()
    old = {"building": room.building_id, "name": room.name, "capacity": room.capacity} if room else None
    room = room or Room(school_id=school_id)
    room.building, room.name, room.capacity = building, name, capacity
    save(room)
    room.subjects.set(subjects)
    audit.record(
        actor,
        "save_room",
        room,
        data={
            "old": old,
            "new": {
                "building": building.pk,
                "name": name,
                "capacity": capacity,
                "subjects": [s.pk for s in subjects],
            },
        },
    )
    return room


@transaction.atomic
def save_subject(
    *,
    actor,
    name: str,
    short_name: str,
    no_final_assessment: bool = False,
    position: int = 0,
    teachers: Iterable[Person] = (),
    subject: Subject | None = None,
) -> Subject:
    """Create or change a subject, its «no final assessment» flag and the teachers who teach it."""
    school_id = actor.school.pk
    teachers = list(teachers)
    name = (name or "").strip()
    errors = Errors()
    if subject is not None and subject.school_id != school_id:
        errors.add(NON_FIELD_ERRORS, _("This choice does not belong to your school."))
    others = Subject.objects.filter(school_id=school_id).exclude(pk=subject.pk if subject else None)
    if others.filter(name=name).exists():
        errors.add("name", _("A subject with this name already exists."))
    check_teachers(errors, school_id, "teachers", teachers)
    errors.raise_if_any()
    old = (
        {
            "name": subject.name,
            "short_name": subject.short_name,
            "no_final_assessment": subject.no_final_assessment,
        }
        if subject
        else None
    )
    subject = subject or Subject(school_id=school_id)
    subject.name, subject.short_name = name, (short_name or "").strip() or name[:30]
    subject.no_final_assessment, subject.position = bool(no_final_assessment), position or 0
    save(subject)
    subject.teachers.set(teachers)
    audit.record(
        actor,
        "save_subject",
        subject,
        data={
            "old": old,
            "new": {
                "name": name,
                "short_name": subject.short_name,
                "no_final_assessment": subject.no_final_assessment,
                "teachers": [t.pk for t in teachers],
            },
        },
    )
    return subject


# Classes and groups


def _check_class(errors: Errors, year: AcademicYear, grade, letter, class_teacher, school_class=None):
    if grade not in GRADES:
        errors.add("grade", _("The grade must be between 1 and 11."))
    if not letter:
        errors.add("letter", _("This field is required."))
    elif grade in GRADES:
        name = f"{grade}{letter}"
        others = SchoolClass.objects.filter(year=year).exclude(pk=school_class.pk if school_class else None)
        if others.filter(grade=grade, letter=letter).exists():
            errors.add("letter", _("Class %(name)s already exists in %(year)s."), name=name, year=year.name)
        elif (
            StudyGroup.objects.filter(year=year, name=name)
            .exclude(kind=StudyGroup.Kind.WHOLE_CLASS, school_class=school_class)
            .exists()
        ):
            errors.add(
                "letter",
                _("A group named %(name)s already exists in %(year)s; rename it first."),
                name=name,
                year=year.name,
            )
    if class_teacher is not None:
        check_teachers(errors, year.school_id, "class_teacher", [class_teacher])


def _class_data(c: SchoolClass) -> dict:
    return {"grade": c.grade, "letter": c.letter, "class_teacher": c.class_teacher_id, "shift": c.shift}


@transaction.atomic
def create_class(
    *, actor, year: AcademicYear, grade: int, letter: str, class_teacher: Person | None = None, shift: int = 1
) -> SchoolClass:
    """Create a class and its whole-class group together."""
    year = lock_open_year(year)
    letter = (letter or "").strip().upper()
    errors = Errors()
    _check_class(errors, year, grade, letter, class_teacher)
    errors.raise_if_any()
    school_class = save(
        SchoolClass(
            school_id=year.school_id,
            year=year,
            grade=grade,
            letter=letter,
            class_teacher=class_teacher,
            shift=shift or 1,
        )
    )
    save(
        StudyGroup(
            school_id=year.school_id,
            year=year,
            kind=StudyGroup.Kind.WHOLE_CLASS,
            name=school_class.name,
            grade=grade,
            school_class=school_class,
        )
    )
    audit.record(actor, "create_class", school_class, data=_class_data(school_class))
    return school_class


@transaction.atomic
def update_class(
    *, actor, school_class: SchoolClass, grade: int, letter: str, class_teacher: Person | None, shift: int = 1
) -> SchoolClass:
    """Change a class's name, class teacher or shift; the grade only while nobody is enrolled."""
    year = lock_open_year(school_class.year)
    letter = (letter or "").strip().upper()
    errors = Errors()
    _check_class(errors, year, grade, letter, class_teacher, school_class)
    if grade != school_class.grade and school_class.enrollments.exists():
        errors.add("grade", _("Students are enrolled in this class: its grade can no longer change."))
    errors.raise_if_any()
    old = _class_data(school_class)
    school_class.grade, school_class.letter = grade, letter
    school_class.class_teacher, school_class.shift = class_teacher, shift or 1
    save(school_class)
    with database_checks():
        StudyGroup.objects.filter(school_class=school_class).update(grade=grade)
        StudyGroup.objects.filter(school_class=school_class, kind=StudyGroup.Kind.WHOLE_CLASS).update(
            name=school_class.name
        )
    audit.record(actor, "update_class", school_class, data={"old": old, "new": _class_data(school_class)})
    return school_class


@transaction.atomic
def create_group(
    *,
    actor,
    year: AcademicYear,
    kind: str,
    name: str,
    school_class: SchoolClass | None = None,
    grade: int | None = None,
) -> StudyGroup:
    """A subgroup of one class, or a group across the classes of one grade."""
    year = lock_open_year(year)
    name = (name or "").strip()
    errors = Errors()
    if kind == StudyGroup.Kind.SUBGROUP:
        if school_class is None:
            errors.add("school_class", _("Choose the class this subgroup splits."))
        elif school_class.year_id != year.pk:
            errors.add("school_class", _("Choose a class of this year."))
        else:
            grade = school_class.grade
    elif kind == StudyGroup.Kind.CROSS_CLASS:
        school_class = None
        if grade not in GRADES:
            errors.add("grade", _("The grade must be between 1 and 11."))
    else:
        errors.add(
            "kind", _("Choose a subgroup or a group across classes; whole-class groups come with classes.")
        )
    if not name:
        errors.add("name", _("This field is required."))
    elif StudyGroup.objects.filter(year=year, name=name).exists():
        errors.add("name", _("A group with this name already exists in this year."))
    errors.raise_if_any()
    group = save(
        StudyGroup(
            school_id=year.school_id, year=year, kind=kind, name=name, grade=grade, school_class=school_class
        )
    )
    audit.record(
        actor,
        "create_group",
        group,
        data={
            "kind": kind,
            "name": name,
            "grade": grade,
            "school_class": school_class.pk if school_class else None,
        },
    )
    return group


@transaction.atomic
def rename_group(*, actor, group: StudyGroup, name: str) -> StudyGroup:
    """Rename a subgroup or cross-class group (a whole-class group is named after its class)."""
    lock_open_year(group.year)
    name = (name or "").strip()
    if group.kind == StudyGroup.Kind.WHOLE_CLASS:
        refuse("name", _("A whole-class group is named after its class; rename the class instead."))
    if StudyGroup.objects.filter(year_id=group.year_id, name=name).exclude(pk=group.pk).exists():
        refuse("name", _("A group with this name already exists in this year."))
    old = group.name
    group.name = name
    save(group)
    audit.record(actor, "rename_group", group, data={"old": old, "new": name})
    return group


# Student movement (R-SET-4)


def _enrollment_data(e: Enrollment) -> dict:
    return {
        "student": e.student_id,
        "school_class": e.school_class_id,
        "starts": iso(e.starts),
        "ends": iso(e.ends),
        "arrival_note": e.arrival_note,
        "departure_note": e.departure_note,
    }


def _check_no_other_class(errors: Errors, field: str, student: Student, starts, ends, exclude=None):
    rows = Enrollment.objects.filter(student=student).exclude(pk=exclude.pk if exclude else None)
    clash = overlapping(rows, starts, ends).select_related("school_class").first()
    if clash:
        errors.add(
            field,
            _(
                "%(student)s is in class %(class)s from %(starts)s to %(ends)s; "
                "use a transfer or end that stay first."
            ),
            student=student.person.short_name,
            **{"class": clash.school_class.name},
            starts=fmt(clash.starts),
            ends=fmt(clash.ends),
        )


def _cut_memberships(student: Student, groups, last_day: datetime.date) -> list[dict]:
    """End the student's memberships of `groups` on `last_day`; drop those that had not started."""
    changes = []
    rows = GroupMembership.objects.select_for_update().filter(student=student, group__in=groups)
    for m in overlapping(rows, last_day + DAY, None):
        changes.append({"membership": m.pk, "group": m.group_id, "ends": iso(m.ends)})
        if m.starts > last_day:
            m.delete()
        else:
            m.ends = last_day
            m.save(update_fields=["ends"])
    return changes


def _class_groups(school_class: SchoolClass, *, with_grade_groups: bool):
    kinds = Q(school_class=school_class, kind=StudyGroup.Kind.SUBGROUP)
    if with_grade_groups:
        kinds |= Q(year_id=school_class.year_id, kind=StudyGroup.Kind.CROSS_CLASS, grade=school_class.grade)
    return StudyGroup.objects.filter(kinds)


@transaction.atomic
def enroll_student(
    *,
    actor,
    student: Student,
    school_class: SchoolClass,
    starts: datetime.date,
    arrival_note: str = "",
    ends: datetime.date | None = None,
) -> Enrollment:
    """A student arrives in a class (from `starts`; `ends` empty: still there). One class at a time."""
    year = lock_open_year(school_class.year)
    Student.objects.select_for_update().filter(pk=student.pk).first()  # serialises moves of one student
    errors = Errors()
    check_school(errors, school_class.school_id, "student", student)
    check_dates(errors, year, starts, ends)
    if not errors:
        _check_no_other_class(errors, "student", student, starts, ends)
    errors.raise_if_any()
    enrollment = save(
        Enrollment(
            school_id=school_class.school_id,
            student=student,
            school_class=school_class,
            starts=starts,
            ends=ends,
            arrival_note=(arrival_note or "").strip(),
        )
    )
    audit.record(
        actor,
        "enroll_student",
        enrollment,
        data=_enrollment_data(enrollment),
        summary=f"{student.person.short_name} → {school_class.name}",
    )
    return enrollment


@transaction.atomic
def end_enrollment(
    *, actor, enrollment: Enrollment, ends: datetime.date, departure_note: str = ""
) -> Enrollment:
    """A student leaves a class on `ends` (their last day); their groups of that class end with it."""
    school_class = enrollment.school_class
    year = lock_open_year(school_class.year)
    Student.objects.select_for_update().filter(pk=enrollment.student_id).first()
    enrollment = Enrollment.objects.select_related("student__person").get(pk=enrollment.pk)
    errors = Errors()
    check_dates(errors, year, enrollment.starts, ends, ends_required=True)
    if ends is not None and not errors:
        _check_no_other_class(errors, "ends", enrollment.student, enrollment.starts, ends, exclude=enrollment)
    errors.raise_if_any()
    old = _enrollment_data(enrollment)
    enrollment.ends, enrollment.departure_note = ends, (departure_note or "").strip()
    save(enrollment)
    cut = _cut_memberships(enrollment.student, _class_groups(school_class, with_grade_groups=True), ends)
    audit.record(
        actor,
        "end_enrollment",
        enrollment,
        data={"old": old, "new": _enrollment_data(enrollment), "memberships_ended": cut},
        summary=f"{enrollment.student.person.short_name} ← {school_class.name}",
    )
    return enrollment


@transaction.atomic
def transfer_student(
    *, actor, student: Student, to_class: SchoolClass, on_date: datetime.date, note: str = ""
) -> Enrollment:
    """Move a student to another class of the same year from `on_date`: close the old stay the day before, open
    a new one, end their subgroups of the old class. The history keeps both stays."""
    year = lock_open_year(to_class.year)
    Student.objects.select_for_update().filter(pk=student.pk).first()
    errors = Errors()
    check_school(errors, to_class.school_id, "to_class", student)
    if not year.contains(on_date):
        errors.add(
            "on_date",
            _("The date must lie inside the year %(year)s (%(starts)s – %(ends)s)."),
            year=year.name,
            starts=fmt(year.starts),
            ends=fmt(year.ends),
        )
    errors.raise_if_any()
    current = (
        Enrollment.objects.select_for_update()
        .filter(student=student, starts__lte=on_date)
        .filter(Q(ends__isnull=True) | Q(ends__gte=on_date))
        .select_related("school_class")
        .first()
    )
    if current is None:
        refuse(
            "on_date",
            _("%(student)s is not in any class on %(date)s; enroll them instead."),
            student=student.person.short_name,
            date=fmt(on_date),
        )
    old_class = current.school_class
    if old_class.year_id != to_class.year_id:
        errors.add(
            "to_class", _("Choose a class of the same year; moving to the next year is the year rollover.")
        )
    elif old_class.pk == to_class.pk:
        errors.add("to_class", _("The student is already in this class."))
    if current.starts >= on_date:
        errors.add(
            "on_date",
            _(
                "The student arrived in %(class)s on %(date)s: a transfer must be later. "
                "Correct the enrollment instead."
            ),
            **{"class": old_class.name},
            date=fmt(current.starts),
        )
    errors.raise_if_any()
    old = _enrollment_data(current)
    note = (note or "").strip()
    planned_end, planned_note = current.ends, current.departure_note
    current.ends = on_date - DAY
    current.departure_note = note or _("transferred to %(class)s") % {"class": to_class.name}
    save(current)
    new = save(
        Enrollment(
            school_id=to_class.school_id,
            student=student,
            school_class=to_class,
            starts=on_date,
            ends=planned_end,
            arrival_note=_("from %(class)s") % {"class": old_class.name},
            departure_note=planned_note if planned_end else "",
        )
    )
    cut = _cut_memberships(
        student, _class_groups(old_class, with_grade_groups=old_class.grade != to_class.grade), current.ends
    )
    audit.record(
        actor,
        "transfer_student",
        new,
        summary=f"{student.person.short_name}: {old_class.name} → {to_class.name}",
        data={
            "closed": {"old": old, "new": _enrollment_data(current)},
            "opened": _enrollment_data(new),
            "memberships_ended": cut,
        },
    )
    return new


def _check_member_enrolled(errors: Errors, group: StudyGroup, student: Student, starts, ends):
    last = ends or group.year.ends
    rows = Enrollment.objects.filter(student=student)
    if group.kind == StudyGroup.Kind.SUBGROUP:
        rows = rows.filter(school_class_id=group.school_class_id)
    else:
        rows = rows.filter(school_class__year_id=group.year_id, school_class__grade=group.grade)
    ranges = [
        (s, e or group.year.ends) for s, e in overlapping(rows, starts, last).values_list("starts", "ends")
    ]
    if covered(ranges, starts, last):
        return
    if group.kind == StudyGroup.Kind.SUBGROUP:
        errors.add(
            "student",
            _("%(student)s is not in class %(class)s for all of these dates."),
            student=student.person.short_name,
            **{"class": group.school_class.name},
        )
    else:
        errors.add(
            "student",
            _("%(student)s is not in a grade %(grade)s class for all of these dates."),
            student=student.person.short_name,
            grade=group.grade,
        )


@transaction.atomic
def add_group_member(
    *, actor, group: StudyGroup, student: Student, starts: datetime.date, ends: datetime.date | None = None
) -> GroupMembership:
    """Add a student to a subgroup (must be in its class) or cross-class group (must be in a class of its grade)."""
    year = lock_open_year(group.year)
    Student.objects.select_for_update().filter(pk=student.pk).first()
    errors = Errors()
    check_school(errors, group.school_id, "student", student)
    if group.kind == StudyGroup.Kind.WHOLE_CLASS:
        errors.add(
            NON_FIELD_ERRORS,
            _("A whole-class group follows the class enrollments; enroll the student in the class instead."),
        )
    check_dates(errors, year, starts, ends)
    errors.raise_if_any()
    clash = overlapping(GroupMembership.objects.filter(group=group, student=student), starts, ends).first()
    if clash:
        errors.add(
            "starts",
            _("%(student)s is already in this group from %(starts)s to %(ends)s."),
            student=student.person.short_name,
            starts=fmt(clash.starts),
            ends=fmt(clash.ends),
        )
    else:
        _check_member_enrolled(errors, group, student, starts, ends)
    errors.raise_if_any()
    membership = save(
        GroupMembership(school_id=group.school_id, student=student, group=group, starts=starts, ends=ends)
    )
    audit.record(
        actor,
        "add_group_member",
        membership,
        summary=f"{student.person.short_name} → {group.name}",
        data={"group": group.pk, "student": student.pk, "starts": iso(starts), "ends": iso(ends)},
    )
    return membership


@transaction.atomic
def end_group_membership(*, actor, membership: GroupMembership, ends: datetime.date) -> GroupMembership:
    """A student leaves a group on `ends` (their last day in it)."""
    year = lock_open_year(membership.group.year)
    membership = (
        GroupMembership.objects.select_for_update().select_related("student__person").get(pk=membership.pk)
    )
    errors = Errors()
    check_dates(errors, year, membership.starts, ends, ends_required=True)
    errors.raise_if_any()
    old = iso(membership.ends)
    membership.ends = ends
    save(membership)
    audit.record(
        actor,
        "end_group_membership",
        membership,
        summary=membership.student.person.short_name,
        data={"group": membership.group_id, "old_ends": old, "ends": iso(ends)},
    )
    return membership


# Courses


def _check_hours(errors: Errors, hours):
    if hours is None or not (Decimal("0") < Decimal(hours) < Decimal("100")):
        errors.add("hours_per_week", _("Hours per week must be more than 0 and less than 100."))


def _set_teachers(course: Course, teachers: list[Person], on_date: datetime.date) -> dict:
    """From `on_date` the course is taught by exactly `teachers`; earlier assignments stay as history."""
    wanted = {t.pk: t for t in teachers}
    active = list(
        CourseTeacher.objects.select_for_update()
        .filter(course=course)
        .filter(Q(ends__isnull=True) | Q(ends__gte=on_date))
    )
    ended, added = [], []
    for assignment in active:
        if assignment.teacher_id in wanted:
            if assignment.starts > on_date:
                assignment.starts = on_date
                save(assignment)
            wanted.pop(assignment.teacher_id)
            continue
        ended.append(assignment.teacher_id)
        if assignment.starts >= on_date:
            assignment.delete()
        else:
            assignment.ends = on_date - DAY
            save(assignment)
    for teacher in wanted.values():
        save(CourseTeacher(school_id=course.school_id, course=course, teacher=teacher, starts=on_date))
        added.append(teacher.pk)
    return {"on_date": iso(on_date), "ended": ended, "added": added}


def _follow_in_timetable(actor, course: Course, on_date: datetime.date) -> None:
    """The weekly timetable follows the new teacher from `on_date` (refused if they are busy then)."""
    from .timetable import follow_course_teachers  # timetable builds on this module

    follow_course_teachers(actor=actor, course=course, on_date=on_date)


@transaction.atomic
def create_course(
    *,
    actor,
    subject: Subject,
    group: StudyGroup,
    teachers: Iterable[Person],
    hours_per_week=1,
    starts: datetime.date | None = None,
) -> Course:
    """A subject taught to a group in its year by `teachers` (from `starts`, default the year's first day)."""
    year = lock_open_year(group.year)
    teachers = list(teachers)
    starts = starts or year.starts
    errors = Errors()
    check_school(errors, group.school_id, "subject", subject)
    check_teachers(errors, group.school_id, "teachers", teachers)
    _check_hours(errors, hours_per_week)
    check_dates(errors, year, starts, None)
    if not errors and Course.objects.filter(group=group, subject=subject).exists():
        errors.add(
            "subject",
            _("%(subject)s is already taught to %(group)s."),
            subject=subject.name,
            group=group.name,
        )
    errors.raise_if_any()
    course = save(
        Course(
            school_id=group.school_id, year=year, subject=subject, group=group, hours_per_week=hours_per_week
        )
    )
    for teacher in teachers:
        save(CourseTeacher(school_id=group.school_id, course=course, teacher=teacher, starts=starts))
    audit.record(
        actor,
        "create_course",
        course,
        data={
            "subject": subject.pk,
            "group": group.pk,
            "hours_per_week": str(hours_per_week),
            "teachers": [t.pk for t in teachers],
            "starts": iso(starts),
        },
    )
    return course


@transaction.atomic
def set_course_teachers(
    *, actor, course: Course, teachers: Iterable[Person], on_date: datetime.date
) -> Course:
    """From `on_date` the course is taught by `teachers`; those who stop keep their earlier dates."""
    year = lock_open_year(course.year)
    teachers = list(teachers)
    errors = Errors()
    check_teachers(errors, course.school_id, "teachers", teachers)
    check_dates(errors, year, on_date, None, start_field="on_date")
    errors.raise_if_any()
    change = _set_teachers(course, teachers, on_date)
    _follow_in_timetable(actor, course, on_date)
    audit.record(actor, "set_course_teachers", course, data=change)
    return course


@transaction.atomic
def update_course(
    *, actor, course: Course, hours_per_week, teachers: Iterable[Person], on_date: datetime.date
) -> Course:
    """Change the hours per week and, from `on_date`, the teachers of a course."""
    year = lock_open_year(course.year)
    teachers = list(teachers)
    errors = Errors()
    _check_hours(errors, hours_per_week)
    check_teachers(errors, course.school_id, "teachers", teachers)
    check_dates(errors, year, on_date, None, start_field="on_date")
    errors.raise_if_any()
    old_hours = str(course.hours_per_week)
    course.hours_per_week = hours_per_week
    save(course)
    change = _set_teachers(course, teachers, on_date)
    _follow_in_timetable(actor, course, on_date)
    audit.record(
        actor,
        "update_course",
        course,
        data={"hours_per_week": {"old": old_hours, "new": str(hours_per_week)}, "teachers": change},
    )
    return course


# Read access to a class beyond the roles (django-guardian object permissions)


@transaction.atomic
def grant_class_access(*, actor, school_class: SchoolClass, person: Person) -> None:
    """Let a teacher who neither leads nor teaches the class read its page (a psychologist, say)."""
    if (
        person.school_id != school_class.school_id
        or person.user_id is None
        or not StaffRole.objects.filter(person=person, role=Role.TEACHER).exists()
    ):
        refuse("person", _("Choose a teacher of this school who has a login."))
    assign_perm(CLASS_GRANT, person.user, school_class)
    audit.record(
        actor, "class_access_granted", school_class, data={"person": person.pk, "user": person.user_id}
    )


@transaction.atomic
def revoke_class_access(*, actor, school_class: SchoolClass, person: Person) -> None:
    if person.user_id is not None:
        remove_perm(CLASS_GRANT, person.user, school_class)
    audit.record(
        actor, "class_access_revoked", school_class, data={"person": person.pk, "user": person.user_id}
    )
