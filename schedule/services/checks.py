"""The checks and helpers every write of the schedule app shares: collecting field errors,
refusing, turning a constraint violation into a `ValidationError` on the right field,
the open-year lock, date, grade, school and teacher checks, and date ranges.

The services of the structure (`schedule.services.*`), the bells, the timetable, the
lesson calendar and substitutions build on this module; it imports none of them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Person, Role, StaffRole

from ..models import AcademicYear

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
def constraint_checks(messages: dict):
    """Turn a constraint violation (a concurrent write the checks could not see) into a ValidationError.

    `messages` maps a constraint name to (field, message); nothing of the block is saved.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        field, message = messages.get(
            name, (NON_FIELD_ERRORS, gettext_lazy("The change conflicts with other data; nothing was saved."))
        )
        raise ValidationError({field: message}) from exc


@contextmanager
def database_checks():
    """Turn a constraint violation into a ValidationError on the right field."""
    try:
        with constraint_checks(CONSTRAINT_ERRORS):
            yield
    except ProtectedError as exc:
        raise ValidationError(
            {NON_FIELD_ERRORS: gettext_lazy("Other records depend on this one, so it cannot be deleted.")}
        ) from exc


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
