"""Bell schedules (R-TT-1): numbered lesson slots with start and end times.

A school has one default schedule per shift and may have others (a shortened
day); a `BellDay` says that on a date a shift follows another schedule.

Reads for other modules:

- `slots_of(schedule)` → ``{number: (starts, ends)}`` of one schedule.
- `bells_for(school, date, shift)` → ``{number: (starts, ends)}`` valid on that
  date for that shift: the schedule of a `BellDay` of that date and shift if
  there is one, else the shift's default schedule, else ``{}``.
- `BellBook(school)` loads every schedule and special day of a school in three
  queries and answers `bells_for(date, shift)` from memory (for generating a
  whole year of lessons).

Writes (keyword-only, an actor, one transaction, audited; refusals are
`ValidationError`s keyed by argument name): `save_bell_schedule`, `save_slots`,
`delete_bell_schedule`, `save_bell_day`, `delete_bell_day`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.db.models import Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit

from .models import AcademicYear, BellDay, BellSchedule, BellSlot, TimetableEntry
from .selectors import local_today
from .services.checks import Errors, constraint_checks, fmt, lock_open_year, refuse

Bells = dict[int, tuple[datetime.time, datetime.time]]


def slots_of(schedule: BellSchedule | int) -> Bells:
    """The slots of one bell schedule (instance or pk): ``{number: (starts, ends)}`` ordered by number."""
    schedule_id = getattr(schedule, "pk", schedule)
    rows = BellSlot.objects.filter(schedule_id=schedule_id).order_by("number")
    return {number: (starts, ends) for number, starts, ends in rows.values_list("number", "starts", "ends")}


def schedule_for(school, date: datetime.date, shift: int) -> BellSchedule | None:
    """The bell schedule a shift follows on a date: the BellDay's, else the shift's default, else None."""
    school_id = getattr(school, "pk", school)
    day = (
        BellDay.objects.filter(school_id=school_id, date=date, shift=shift).select_related("schedule").first()
    )
    if day is not None:
        return day.schedule
    return BellSchedule.objects.filter(school_id=school_id, shift=shift, is_default=True).first()


def bells_for(school, date: datetime.date, shift: int) -> Bells:
    """``{slot number: (starts, ends)}`` for `shift` on `date` (BellDay override, else the shift's default).

    Empty when the shift has neither a special day nor a default schedule. One query.
    """
    school_id = getattr(school, "pk", school)
    special = BellDay.objects.filter(school_id=school_id, date=date, shift=shift).values("schedule_id")[:1]
    default = BellSchedule.objects.filter(school_id=school_id, shift=shift, is_default=True).values("pk")[:1]
    rows = BellSlot.objects.filter(schedule_id=Coalesce(Subquery(special), Subquery(default))).order_by(
        "number"
    )
    return {number: (starts, ends) for number, starts, ends in rows.values_list("number", "starts", "ends")}


class BellBook:
    """Every bell schedule and special day of a school, loaded once (three queries).

    ``BellBook(school).bells_for(date, shift)`` answers like the module's `bells_for`
    without further queries; ``default(shift)`` is the shift's default bells.
    """

    def __init__(self, school):
        school_id = getattr(school, "pk", school)
        self.schedules: dict[int, Bells] = {}
        self.defaults: dict[int, int] = {}
        rows = BellSlot.objects.filter(school_id=school_id).order_by("schedule_id", "number")
        for schedule_id, number, starts, ends in rows.values_list("schedule_id", "number", "starts", "ends"):
            self.schedules.setdefault(schedule_id, {})[number] = (starts, ends)
        for pk, shift, is_default in BellSchedule.objects.filter(school_id=school_id).values_list(
            "pk", "shift", "is_default"
        ):
            self.schedules.setdefault(pk, {})
            if is_default:
                self.defaults[shift] = pk
        self.days: dict[tuple[datetime.date, int], int] = {
            (date, shift): schedule_id
            for date, shift, schedule_id in BellDay.objects.filter(school_id=school_id).values_list(
                "date", "shift", "schedule_id"
            )
        }

    def default(self, shift: int) -> Bells:
        return self.schedules.get(self.defaults.get(shift), {})

    def bells_for(self, date: datetime.date, shift: int) -> Bells:
        schedule_id = self.days.get((date, shift))
        if schedule_id is not None:
            return self.schedules.get(schedule_id, {})
        return self.default(shift)


# Writes

SHIFTS = (1, 2)

CONSTRAINT_ERRORS = {
    "bells_name_unique": ("name", gettext_lazy("A bell schedule with this name already exists.")),
    "bells_one_default_per_shift": (
        "is_default",
        gettext_lazy("This shift already has a default bell schedule."),
    ),
    "bellslot_number_unique": ("slots", gettext_lazy("Two lessons have the same number.")),
    "bellslot_ends_after_start": ("slots", gettext_lazy("A lesson ends before it starts.")),
    "bellslot_no_overlap": ("slots", gettext_lazy("Two lessons overlap in time.")),
    "bellday_unique": ("date", gettext_lazy("This shift already has special bells on that date.")),
}


def hhmm(value: datetime.time) -> str:
    return value.strftime("%H:%M")


def _schedule_data(schedule: BellSchedule) -> dict:
    return {"name": schedule.name, "shift": schedule.shift, "is_default": schedule.is_default}


def _used_slot_numbers(school_id: int, shift: int, on: datetime.date) -> dict[int, int]:
    """Slot numbers of `shift` that timetable entries valid on or after `on` use → how many entries."""
    rows = TimetableEntry.objects.filter(
        Q(ends__isnull=True) | Q(ends__gte=on),
        school_id=school_id,
        shift=shift,
        year__status=AcademicYear.Status.OPEN,
    )
    used: dict[int, int] = {}
    for slot in rows.values_list("slot", flat=True):
        used[slot] = used.get(slot, 0) + 1
    return used


def check_slots(errors: Errors, slots: list[tuple[int, datetime.time, datetime.time]]) -> None:
    """Numbers positive and unique, each lesson ending after it starts, no two overlapping, numbers in time order."""
    seen: set[int] = set()
    for number, starts, ends in slots:
        if number is None or number < 1:
            errors.add("slots", _("A lesson number must be 1 or more."))
            continue
        if number in seen:
            errors.add("slots", _("Lesson number %(number)s appears twice."), number=number)
        seen.add(number)
        if starts is None or ends is None:
            errors.add("slots", _("Lesson %(number)s needs a start and an end time."), number=number)
        elif ends <= starts:
            errors.add(
                "slots",
                _("Lesson %(number)s ends (%(ends)s) before it starts (%(starts)s)."),
                number=number,
                starts=hhmm(starts),
                ends=hhmm(ends),
            )
    timed = sorted(
        (s for s in slots if s[0] is not None and s[1] is not None and s[2] is not None and s[2] > s[1]),
        key=lambda s: (s[1], s[0]),
    )
    for i, (number, starts, ends) in enumerate(timed):
        for other, o_starts, o_ends in timed[i + 1 :]:
            if o_starts >= ends:
                break
            if other == number:
                continue
            errors.add(
                "slots",
                _("Lesson %(first)s (%(first_time)s) and lesson %(second)s (%(second_time)s) overlap."),
                first=min(number, other),
                second=max(number, other),
                first_time="–".join(map(hhmm, (starts, ends) if number < other else (o_starts, o_ends))),
                second_time="–".join(map(hhmm, (o_starts, o_ends) if number < other else (starts, ends))),
            )
    if errors:
        return
    by_number = sorted(timed)
    for (number, starts, _ends), (later, l_starts, _l_ends) in zip(by_number, by_number[1:], strict=False):
        if l_starts < starts:
            errors.add(
                "slots",
                _(
                    "Lesson %(later)s starts before lesson %(number)s: number the lessons in the order of the day."
                ),
                later=later,
                number=number,
            )


def _check_default_keeps_used_slots(errors: Errors, schedule: BellSchedule, numbers: set[int]) -> None:
    """A default schedule must keep every lesson number the current or coming timetable of its shift uses."""
    if not schedule.is_default:
        return
    used = _used_slot_numbers(schedule.school_id, schedule.shift, local_today(schedule.school))
    missing = sorted(n for n in used if n not in numbers)
    if missing:
        errors.add(
            "slots",
            _(
                "The timetable of shift %(shift)s uses lesson %(numbers)s (%(count)s entries): "
                "keep that lesson or move those entries first."
            ),
            shift=schedule.shift,
            numbers=", ".join(map(str, missing)),
            count=sum(used[n] for n in missing),
        )


@transaction.atomic
def save_bell_schedule(
    *,
    actor,
    name: str,
    shift: int,
    is_default: bool = False,
    slots: Iterable[tuple[int, datetime.time, datetime.time]] | None = None,
    schedule: BellSchedule | None = None,
) -> BellSchedule:
    """Create or change a bell schedule and, when `slots` is given, replace its slots (all or nothing)."""
    school_id = actor.school.pk
    name = (name or "").strip()
    errors = Errors()
    if schedule is not None:
        schedule = BellSchedule.objects.select_for_update().get(pk=schedule.pk, school_id=school_id)
    if not name:
        errors.add("name", _("This field is required."))
    elif (
        BellSchedule.objects.filter(school_id=school_id, name=name)
        .exclude(pk=getattr(schedule, "pk", None))
        .exists()
    ):
        errors.add("name", _("A bell schedule with this name already exists."))
    if shift not in SHIFTS:
        errors.add("shift", _("The shift must be 1 or 2."))
    elif is_default:
        other = (
            BellSchedule.objects.filter(school_id=school_id, shift=shift, is_default=True)
            .exclude(pk=getattr(schedule, "pk", None))
            .first()
        )
        if other is not None:
            errors.add(
                "is_default",
                _("Shift %(shift)s already uses «%(name)s» by default; untick it there first."),
                shift=shift,
                name=other.name,
            )
    slots = _normalise(slots) if slots is not None else None
    if slots is not None:
        check_slots(errors, slots)
    if schedule is not None and schedule.is_default and (not is_default or shift != schedule.shift):
        used = _used_slot_numbers(school_id, schedule.shift, local_today(actor.school))
        if used:
            errors.add(
                "is_default",
                _(
                    "The timetable of shift %(shift)s follows this schedule (%(count)s entries); "
                    "make another schedule the default of that shift instead."
                ),
                shift=schedule.shift,
                count=sum(used.values()),
            )
    errors.raise_if_any()
    old = _schedule_data(schedule) if schedule else None
    schedule = schedule or BellSchedule(school_id=school_id)
    schedule.name, schedule.shift, schedule.is_default = name, shift, bool(is_default)
    with constraint_checks(CONSTRAINT_ERRORS):
        schedule.save()
    audit.record(actor, "save_bell_schedule", schedule, data={"old": old, "new": _schedule_data(schedule)})
    if slots is not None:
        _replace_slots(actor, schedule, slots)
    return schedule


def _normalise(slots) -> list[tuple[int, datetime.time, datetime.time]]:
    return [(number, starts, ends) for number, starts, ends in slots]


def _replace_slots(actor, schedule: BellSchedule, slots: list) -> None:
    errors = Errors()
    _check_default_keeps_used_slots(errors, schedule, {n for n, _s, _e in slots})
    errors.raise_if_any()
    old = [[n, hhmm(a), hhmm(b)] for n, (a, b) in slots_of(schedule).items()]
    with constraint_checks(CONSTRAINT_ERRORS):
        BellSlot.objects.filter(schedule=schedule).delete()
        BellSlot.objects.bulk_create(
            BellSlot(school_id=schedule.school_id, schedule=schedule, number=n, starts=a, ends=b)
            for n, a, b in sorted(slots)
        )
    audit.record(
        actor,
        "save_bell_slots",
        schedule,
        data={"old": old, "new": [[n, hhmm(a), hhmm(b)] for n, a, b in sorted(slots)]},
    )


@transaction.atomic
def save_slots(
    *, actor, schedule: BellSchedule, slots: Iterable[tuple[int, datetime.time, datetime.time]]
) -> BellSchedule:
    """Replace every slot of `schedule` by `slots` = [(number, starts, ends), …], all or nothing."""
    schedule = BellSchedule.objects.select_for_update().get(pk=schedule.pk, school_id=actor.school.pk)
    slots = _normalise(slots)
    errors = Errors()
    check_slots(errors, slots)
    errors.raise_if_any()
    _replace_slots(actor, schedule, slots)
    return schedule


@transaction.atomic
def delete_bell_schedule(*, actor, schedule: BellSchedule) -> None:
    """Delete a schedule no special day and no current timetable depends on."""
    schedule = BellSchedule.objects.select_for_update().get(pk=schedule.pk, school_id=actor.school.pk)
    days = schedule.days.count()
    if days:
        refuse(
            NON_FIELD_ERRORS,
            _("«%(name)s» is used on %(count)s special days; delete those days first."),
            name=schedule.name,
            count=days,
        )
    if schedule.is_default:
        used = _used_slot_numbers(schedule.school_id, schedule.shift, local_today(actor.school))
        if used:
            refuse(
                NON_FIELD_ERRORS,
                _("The timetable of shift %(shift)s follows «%(name)s» (%(count)s entries)."),
                shift=schedule.shift,
                name=schedule.name,
                count=sum(used.values()),
            )
    data = {
        **_schedule_data(schedule),
        "slots": [[n, hhmm(a), hhmm(b)] for n, (a, b) in slots_of(schedule).items()],
    }
    audit.record(actor, "delete_bell_schedule", schedule, data=data)
    schedule.delete()


def _year_of(school_id: int, date: datetime.date) -> AcademicYear | None:
    return AcademicYear.objects.filter(school_id=school_id, starts__lte=date, ends__gte=date).first()


@transaction.atomic
def save_bell_day(
    *, actor, date: datetime.date, shift: int, schedule: BellSchedule, bell_day: BellDay | None = None
) -> BellDay:
    """On `date` the lessons of `shift` follow `schedule` (a shortened day, a holiday eve…)."""
    school_id = actor.school.pk
    errors = Errors()
    if schedule is None or schedule.school_id != school_id:
        errors.add("schedule", _("This choice does not belong to your school."))
    elif schedule.shift != shift:
        errors.add(
            "schedule",
            _("«%(name)s» is a schedule of shift %(other)s, not of shift %(shift)s."),
            name=schedule.name,
            other=schedule.shift,
            shift=shift,
        )
    if shift not in SHIFTS:
        errors.add("shift", _("The shift must be 1 or 2."))
    year = _year_of(school_id, date) if date else None
    if date is None:
        errors.add("date", _("This field is required."))
    elif year is None:
        errors.add("date", _("No academic year of the school contains %(date)s."), date=fmt(date))
    if not errors:
        lock_open_year(year)
        clash = (
            BellDay.objects.filter(school_id=school_id, date=date, shift=shift)
            .exclude(pk=getattr(bell_day, "pk", None))
            .select_related("schedule")
            .first()
        )
        if clash is not None:
            errors.add(
                "date",
                _("Shift %(shift)s already follows «%(name)s» on %(date)s."),
                shift=shift,
                name=clash.schedule.name,
                date=fmt(date),
            )
    errors.raise_if_any()
    old = (
        {"date": bell_day.date.isoformat(), "shift": bell_day.shift, "schedule": bell_day.schedule_id}
        if bell_day
        else None
    )
    bell_day = bell_day or BellDay(school_id=school_id)
    bell_day.date, bell_day.shift, bell_day.schedule = date, shift, schedule
    with constraint_checks(CONSTRAINT_ERRORS):
        bell_day.save()
    audit.record(
        actor,
        "save_bell_day",
        bell_day,
        data={"old": old, "new": {"date": date.isoformat(), "shift": shift, "schedule": schedule.pk}},
    )
    return bell_day


@transaction.atomic
def delete_bell_day(*, actor, bell_day: BellDay) -> None:
    """That date follows the shift's default schedule again."""
    if bell_day.school_id != actor.school.pk:
        refuse(NON_FIELD_ERRORS, _("This choice does not belong to your school."))
    year = _year_of(bell_day.school_id, bell_day.date)
    if year is not None:
        lock_open_year(year)
    audit.record(
        actor,
        "delete_bell_day",
        bell_day,
        data={"date": bell_day.date.isoformat(), "shift": bell_day.shift, "schedule": bell_day.schedule_id},
    )
    bell_day.delete()
