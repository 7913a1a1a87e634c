"""The lesson calendar (R-TT-3): concrete lessons generated from the weekly timetable, and one-off changes.

`generate_lessons` turns the timetable into one `Lesson` row per dated lesson:
every date of every reporting period of the group's grade (its `PeriodScheme`),
from the `TimetableEntry` rows valid on that date, skipping holidays (all
grades, or only those a holiday names) and days without entries; times come
from the bells of that date and shift (`BellDay`, else the shift's default).

It is idempotent and incremental. A run computes the wanted lessons
``{(course, date, slot): entry, teacher, room, times}`` and reconciles the
existing rows with them:

- a lesson from the timetable (`origin=timetable`, planned or cancelled) at a
  wanted key is kept and updated in place when its entry, teacher, room,
  period or times changed; its status is left alone (a cancelled one stays
  cancelled);
- a wanted key without a lesson gets a new one;
- a lesson from the timetable that is no longer wanted is deleted when
  nothing hangs on it, else kept (and reported) — as planned, or cancelled
  when it would clash with the timetable;
- extra and moved lessons are never touched, and a planned one at a wanted key
  counts as that lesson.

"Has data" is decided generically: a lesson has data when a row of ANY reverse
relation of `Lesson` points at it (a substitution today; topics, marks,
attendance and homework of the journal tomorrow), looked up in one query per
relation, never per lesson.

Writes are ordered so that the database's exclusion constraints never see a
transient double booking: deletions first, then every changed row is parked
as cancelled (the constraints apply to planned lessons only) and written with
its final values, then new lessons are inserted. The final state is checked
for clashes in memory before anything is written (by real times, as the
constraints do), so an IntegrityError here is a bug, not a user error.

One-off changes on a date (`cancel_lesson`, `move_lesson`, `add_extra_lesson`,
`restore_lesson`) lock the year, check the period, the holidays, the bells and
every clash (teacher, room, group and students shared with another group)
and name the clash in their refusal; an IntegrityError from a concurrent write
becomes a ValidationError and nothing is half-saved.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import audit
from accounts.models import Person, Role, StaffRole

from .bells import BellBook, bells_for, hhmm
from .models import (
    AcademicYear,
    Course,
    CourseTeacher,
    Enrollment,
    GroupMembership,
    Holiday,
    Lesson,
    ReportingPeriod,
    Room,
    SchoolClass,
    StudyGroup,
    TimetableEntry,
)
from .selectors import covering, students_of_group
from .services.checks import Errors, fmt, iso, lock_open_year, refuse

DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)
BATCH = 2000
ID_CHUNK = 10000
PLANNED, CANCELLED = Lesson.Status.PLANNED, Lesson.Status.CANCELLED
TIMETABLE, EXTRA, MOVED = Lesson.Origin.TIMETABLE, Lesson.Origin.EXTRA, Lesson.Origin.MOVED

# Lesson fields a new generated lesson is written with, in this order.
INSERTED_FIELDS = (
    "school",
    "year",
    "period",
    "course",
    "group",
    "teacher",
    "room",
    "entry",
    "date",
    "shift",
    "slot",
    "starts",
    "ends",
    "status",
    "origin",
    "note",
)
# Lesson fields a regeneration may change on an existing row.
UPDATED_FIELDS = ("entry", "teacher", "room", "period", "shift", "starts", "ends", "status")

CONSTRAINT_ERRORS = {
    "lesson_teacher_free": gettext_lazy("The teacher already has a lesson at that time."),
    "lesson_room_free": gettext_lazy("The room is already taken at that time."),
    "lesson_group_free": gettext_lazy("The class or group already has a lesson at that time."),
    "lesson_once_per_slot": gettext_lazy("The course already has a lesson in that slot on that day."),
    "lesson_ends_after_start": gettext_lazy("The lesson must end after it starts."),
}


def day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


# ---------------------------------------------------------------------------
# Which lessons have data
# ---------------------------------------------------------------------------


def data_relations() -> list[tuple[type, str, str]]:
    """(model, column pointing at the lesson, what it is) for every reverse relation of Lesson.

    Hidden relations (``related_name="+"``) count too: a journal table must not
    lose its rows because it chose not to name its way back.
    """
    found = []
    for rel in Lesson._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and rel.is_relation):
            continue
        if rel.many_to_many:
            model = rel.through
            column = model._meta.get_field(rel.field.m2m_reverse_field_name()).attname
            label = rel.field.model._meta.verbose_name
        else:
            model, column, label = rel.related_model, rel.field.attname, rel.related_model._meta.verbose_name
        found.append((model, column, str(label)))
    return found


def lessons_with_data(lesson_ids: Iterable[int]) -> dict[int, list[str]]:
    """{lesson id: [what hangs on it]} for those of `lesson_ids` that have data; one query per relation."""
    ids = sorted(set(lesson_ids))
    found: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return found
    for model, column, label in data_relations():
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start : start + ID_CHUNK]
            rows = model._base_manager.filter(**{f"{column}__in": chunk}).values_list(column, flat=True)
            for pk in set(rows):
                if label not in found[pk]:
                    found[pk].append(label)
    return found


# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------


@dataclass
class Report:
    """What a generation did, in counts and in sentences for the person who ran it."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    kept_with_data: int = 0
    cancelled: int = 0  # kept lessons with data cancelled because the timetable now needs their time
    not_created: int = 0  # wanted lessons that could not be placed (missing bells, a clash)
    messages: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted + self.cancelled

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "kept_with_data": self.kept_with_data,
            "cancelled": self.cancelled,
            "not_created": self.not_created,
        }


@dataclass
class Want:
    """The lesson the timetable asks for at one (course, date, slot)."""

    entry_id: int
    group_id: int
    teacher_id: int
    room_id: int | None
    period_id: int
    shift: int
    starts: datetime.time
    ends: datetime.time


@dataclass
class Row:
    """An existing lesson, as much of it as the reconciliation needs."""

    pk: int
    course_id: int
    date: datetime.date
    slot: int
    group_id: int
    teacher_id: int
    room_id: int | None
    entry_id: int | None
    period_id: int
    shift: int
    starts: datetime.time
    ends: datetime.time
    status: str
    origin: str

    FIELDS = (
        "pk",
        "course_id",
        "date",
        "slot",
        "group_id",
        "teacher_id",
        "room_id",
        "entry_id",
        "period_id",
        "shift",
        "starts",
        "ends",
        "status",
        "origin",
    )

    @property
    def key(self):
        return (self.course_id, self.date, self.slot)


class Busy:
    """Who is taken when, per date: teachers, rooms and groups, compared by real times like the constraints."""

    def __init__(self):
        self.taken: dict[tuple, list[tuple[datetime.time, datetime.time, int, int]]] = defaultdict(list)

    @staticmethod
    def _keys(date, teacher_id, room_id, group_id):
        keys = [("teacher", teacher_id, date), ("group", group_id, date)]
        if room_id is not None:
            keys.append(("room", room_id, date))
        return keys

    def clash(self, date, starts, ends, teacher_id, room_id, group_id):
        """(what, course id, slot) of the first lesson that overlaps, or None."""
        for key in self._keys(date, teacher_id, room_id, group_id):
            for a, b, course_id, slot in self.taken.get(key, ()):
                if a < ends and starts < b:
                    return key[0], course_id, slot
        return None

    def add(self, date, starts, ends, teacher_id, room_id, group_id, course_id, slot):
        for key in self._keys(date, teacher_id, room_id, group_id):
            self.taken[key].append((starts, ends, course_id, slot))


def _check_generation_args(year, date_from, date_to, classes) -> list[SchoolClass]:
    errors = Errors()
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if not year.contains(value):
            errors.add(
                name,
                _("The date must lie inside the year %(year)s (%(starts)s – %(ends)s)."),
                year=year.name,
                starts=fmt(year.starts),
                ends=fmt(year.ends),
            )
    if not errors and date_to < date_from:
        errors.add("date_to", _("The end date is before the start date."))
    classes = list(classes or [])
    if any(c.year_id != year.pk for c in classes):
        errors.add("classes", _("Choose classes of the year %(year)s."), year=year.name)
    errors.raise_if_any()
    return classes


def _school_days(year, grades, date_from, date_to, report) -> dict[int, dict[datetime.date, int]]:
    """{grade: {date: reporting period id}} for the dates a grade has lessons: inside a period, not a holiday."""
    periods = list(
        ReportingPeriod.objects.filter(scheme__year=year).values_list(
            "pk", "starts", "ends", "scheme__grades"
        )
    )
    holidays = list(Holiday.objects.filter(year=year).values_list("starts", "ends", "grades"))
    days: dict[int, dict[datetime.date, int]] = {g: {} for g in grades}
    for pk, starts, ends, scheme_grades in periods:
        for grade in set(scheme_grades) & set(grades):
            d = max(starts, date_from)
            while d <= min(ends, date_to):
                days[grade][d] = pk
                d += DAY
    for starts, ends, only in holidays:
        for grade in grades:
            if only and grade not in only:
                continue
            d = max(starts, date_from)
            while d <= min(ends, date_to):
                days[grade].pop(d, None)
                d += DAY
    covered = {g for _pk, _a, _b, scheme_grades in periods for g in scheme_grades}
    for grade in sorted(set(grades) - covered):
        report.messages.append(
            _("Grade %(grade)s has no reporting periods: it gets no lessons.") % {"grade": grade}
        )
    return days


class Labels:
    """Names for the report: «5А Математика» for a course id (one query for the year's courses)."""

    def __init__(self, year):
        self.names = {
            pk: f"{group} {subject}"
            for pk, group, subject in Course.objects.filter(year=year).values_list(
                "pk", "group__name", "subject__name"
            )
        }

    def __call__(self, course_id) -> str:
        return self.names.get(course_id, "?")


CLASH_TEXT = {
    "teacher": gettext_lazy("the teacher has %(course)s then (lesson %(slot)s)"),
    "room": gettext_lazy("the room is taken by %(course)s then (lesson %(slot)s)"),
    "group": gettext_lazy("the class or group has %(course)s then (lesson %(slot)s)"),
}


@transaction.atomic
def generate_lessons(
    *,
    actor,
    year: AcademicYear,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    classes: Iterable[SchoolClass] | None = None,
) -> Report:
    """Create, update and delete the year's lessons so they follow the timetable; keep every lesson with data.

    `date_from`/`date_to` (default: the whole year) and `classes` (default: all;
    a class brings its subgroups and the cross-class groups of its grade)
    limit what is reconciled. Returns a `Report`; one audit event per run.
    """
    year = lock_open_year(year)
    date_from, date_to = date_from or year.starts, date_to or year.ends
    classes = _check_generation_args(year, date_from, date_to, classes)
    report = Report()
    label = Labels(year)

    groups = StudyGroup.objects.filter(year=year)
    if classes:
        groups = groups.filter(
            Q(school_class__in=[c.pk for c in classes])
            | Q(kind=StudyGroup.Kind.CROSS_CLASS, grade__in={c.grade for c in classes})
        )
    grade_of = dict(groups.values_list("pk", "grade"))
    school_days = _school_days(year, set(grade_of.values()), date_from, date_to, report)
    book = BellBook(year.school_id)

    # 1. What the timetable wants.
    wanted: dict[tuple, Want] = {}
    missing_bells: dict[tuple[int, int], list[datetime.date]] = defaultdict(list)
    doubled = 0
    entries = TimetableEntry.objects.filter(year=year, starts__lte=date_to).filter(
        Q(ends__isnull=True) | Q(ends__gte=date_from)
    )
    if classes:
        entries = entries.filter(group_id__in=list(grade_of))
    for pk, course_id, group_id, teacher_id, room_id, weekday, shift, slot, starts, ends in entries.order_by(
        "starts", "pk"
    ).values_list(
        "pk", "course_id", "group_id", "teacher_id", "room_id", "weekday", "shift", "slot", "starts", "ends"
    ):
        days = school_days.get(grade_of.get(group_id), {})
        first = max(starts, date_from)
        last = min(ends or date_to, date_to)
        d = first + datetime.timedelta(days=(weekday - first.isoweekday()) % 7)
        while d <= last:
            period_id = days.get(d)
            if period_id is not None:
                times = book.bells_for(d, shift).get(slot)
                if times is None:
                    missing_bells[shift, slot].append(d)
                elif (course_id, d, slot) in wanted:
                    doubled += 1
                else:
                    wanted[course_id, d, slot] = Want(
                        pk, group_id, teacher_id, room_id, period_id, shift, times[0], times[1]
                    )
            d += WEEK
    for (shift, slot), dates in sorted(missing_bells.items()):
        report.not_created += len(dates)
        report.messages.append(
            ngettext(
                "The bells of shift %(shift)s have no lesson %(slot)s on %(n)d day (first %(date)s): "
                "no lesson generated there.",
                "The bells of shift %(shift)s have no lesson %(slot)s on %(n)d days (first %(date)s): "
                "no lessons generated there.",
                len(dates),
            )
            % {"shift": shift, "slot": slot, "n": len(dates), "date": day(min(dates))}
        )
    if doubled:
        report.not_created += doubled
        report.messages.append(
            ngettext(
                "%(n)d lesson is asked twice by the timetable (two entries of a course in one slot): "
                "generated once.",
                "%(n)d lessons are asked twice by the timetable (two entries of a course in one slot): "
                "generated once.",
                doubled,
            )
            % {"n": doubled}
        )

    # 2. What exists.
    existing = Lesson.objects.filter(year=year, date__gte=date_from, date__lte=date_to)
    if classes:
        existing = existing.filter(group_id__in=list(grade_of))
    rows = [Row(*values) for values in existing.order_by("pk").values_list(*Row.FIELDS)]
    busy = Busy()
    if classes:  # planned lessons of the other classes stay as they are and take their times
        others = (
            Lesson.objects.filter(year=year, date__gte=date_from, date__lte=date_to, status=PLANNED)
            .exclude(group_id__in=list(grade_of))
            .values_list("date", "starts", "ends", "teacher_id", "room_id", "group_id", "course_id", "slot")
        )
        for values in others:
            busy.add(*values)

    match: dict[tuple, Row] = {}  # wanted key → the timetable lesson that is it
    unwanted: list[Row] = []  # timetable lessons no longer wanted
    for row in rows:
        if row.origin != TIMETABLE:
            if row.status == PLANNED:
                busy.add(
                    row.date,
                    row.starts,
                    row.ends,
                    row.teacher_id,
                    row.room_id,
                    row.group_id,
                    row.course_id,
                    row.slot,
                )
            continue
        if row.key not in wanted:
            unwanted.append(row)
        elif row.key not in match or (match[row.key].status != PLANNED and row.status == PLANNED):
            match[row.key] = row
    # A planned extra or moved lesson at a wanted key is that lesson.
    for row in rows:
        if row.origin != TIMETABLE and row.status == PLANNED and row.key in wanted and row.key not in match:
            del wanted[row.key]

    # 3. Place the wanted lessons; whatever clashes with lessons regeneration may not touch is left out.
    to_update: list[tuple] = []  # (pk, *values of UPDATED_FIELDS)
    to_create: list[tuple] = []  # values of INSERTED_FIELDS
    clashing_matches: list[tuple[Row, tuple]] = []
    for key in sorted(wanted, key=lambda k: (k[1], k[2], k[0])):
        want = wanted[key]
        course_id, date, slot = key
        row = match.get(key)
        status = row.status if row is not None else PLANNED
        if status == PLANNED:
            clash = busy.clash(date, want.starts, want.ends, want.teacher_id, want.room_id, want.group_id)
            if clash is not None:
                if row is not None:
                    clashing_matches.append((row, clash))
                else:
                    report.not_created += 1
                    report.messages.append(_not_placed(label, key, clash))
                continue
            busy.add(
                date, want.starts, want.ends, want.teacher_id, want.room_id, want.group_id, course_id, slot
            )
        if row is None:
            to_create.append(
                (
                    year.school_id,
                    year.pk,
                    want.period_id,
                    course_id,
                    want.group_id,
                    want.teacher_id,
                    want.room_id,
                    want.entry_id,
                    date,
                    want.shift,
                    slot,
                    want.starts,
                    want.ends,
                    PLANNED,
                    TIMETABLE,
                    "",
                )
            )
        elif _differs(row, want):
            to_update.append(
                (
                    row.pk,
                    want.entry_id,
                    want.teacher_id,
                    want.room_id,
                    want.period_id,
                    want.shift,
                    want.starts,
                    want.ends,
                    row.status,
                )
            )

    # 4. Lessons the timetable no longer has (or cannot place): delete, or keep those with data.
    data = lessons_with_data([r.pk for r in unwanted] + [r.pk for r, _c in clashing_matches])
    to_delete: list[int] = []
    to_cancel: list[int] = []
    for row, clash in clashing_matches:
        if row.pk in data:
            to_cancel.append(row.pk)
            report.cancelled += 1
            report.kept_with_data += 1
            report.messages.append(_kept_cancelled(label, row, data[row.pk], clash))
        else:
            to_delete.append(row.pk)
            report.not_created += 1
            report.messages.append(_not_placed(label, row.key, clash))
    for row in unwanted:
        if row.pk not in data:
            to_delete.append(row.pk)
            continue
        report.kept_with_data += 1
        clash = None
        if row.status == PLANNED:
            clash = busy.clash(row.date, row.starts, row.ends, row.teacher_id, row.room_id, row.group_id)
            if clash is None:
                busy.add(
                    row.date,
                    row.starts,
                    row.ends,
                    row.teacher_id,
                    row.room_id,
                    row.group_id,
                    row.course_id,
                    row.slot,
                )
        if clash is None:
            report.messages.append(_kept(label, row, data[row.pk]))
        else:
            to_cancel.append(row.pk)
            report.cancelled += 1
            report.messages.append(_kept_cancelled(label, row, data[row.pk], clash))

    # 5. Write: delete, park changed rows as cancelled, update them, insert the new ones.
    for start in range(0, len(to_delete), ID_CHUNK):
        qs = Lesson.objects.filter(pk__in=to_delete[start : start + ID_CHUNK])
        report.deleted += qs._raw_delete(qs.db)
    parked = [values[0] for values in to_update] + to_cancel
    for start in range(0, len(parked), ID_CHUNK):
        Lesson.objects.filter(pk__in=parked[start : start + ID_CHUNK], status=PLANNED).update(
            status=CANCELLED
        )
    report.updated = update_lessons(to_update)
    report.created = insert_lessons(to_create)

    audit.record(
        actor,
        "generate_lessons",
        year,
        school=year.school,
        data={
            **report.counts(),
            "date_from": iso(date_from),
            "date_to": iso(date_to),
            "classes": sorted(c.pk for c in classes),
        },
    )
    return report


def insert_lessons(rows: list[tuple]) -> int:
    """Write new lessons (tuples of INSERTED_FIELDS) with COPY: the constraints check every row as an INSERT's.

    A year's worth of lessons is tens of thousands of rows; COPY spares building a
    model instance and an SQL literal for each of them.
    """
    if not rows:
        return 0
    columns = ", ".join(
        connection.ops.quote_name(Lesson._meta.get_field(name).column) for name in INSERTED_FIELDS
    )
    table = connection.ops.quote_name(Lesson._meta.db_table)
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return len(rows)


def update_lessons(rows: list[tuple]) -> int:
    """Write changed lessons (tuples of pk and UPDATED_FIELDS) in one UPDATE joined to a COPY-filled temp table.

    A new bell schedule changes the times of every lesson of a year; one UPDATE
    from a table is seconds where a CASE per row and field would be minutes.
    """
    if not rows:
        return 0
    fields = [Lesson._meta.pk, *(Lesson._meta.get_field(name) for name in UPDATED_FIELDS)]
    qn = connection.ops.quote_name
    table, changes = qn(Lesson._meta.db_table), qn("lesson_changes")
    columns = ", ".join(f"{qn(f.column)} {f.db_type(connection).split()[0]}" for f in fields)
    assignments = ", ".join(f"{qn(f.column)} = c.{qn(f.column)}" for f in fields[1:])
    pk = qn(Lesson._meta.pk.column)
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {changes} ({columns}) ON COMMIT DROP")
        with cursor.copy(f"COPY {changes} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"UPDATE {table} SET {assignments} FROM {changes} c WHERE {table}.{pk} = c.{pk}")
        cursor.execute(f"DROP TABLE {changes}")
    return len(rows)


def _differs(row: Row, want: Want) -> bool:
    return (row.entry_id, row.teacher_id, row.room_id, row.period_id, row.shift, row.starts, row.ends) != (
        want.entry_id,
        want.teacher_id,
        want.room_id,
        want.period_id,
        want.shift,
        want.starts,
        want.ends,
    )


def _where(label, key) -> dict:
    course_id, date, slot = key
    return {"date": day(date), "slot": slot, "course": label(course_id)}


def _clash_text(label, clash) -> str:
    what, course_id, slot = clash
    return CLASH_TEXT[what] % {"course": label(course_id), "slot": slot}


def _not_placed(label, key, clash) -> str:
    return _("%(date)s, lesson %(slot)s, %(course)s: not generated, %(clash)s.") % {
        **_where(label, key),
        "clash": _clash_text(label, clash),
    }


def _kept(label, row: Row, what: list[str]) -> str:
    return _(
        "%(date)s, lesson %(slot)s, %(course)s has data (%(data)s) but the timetable no longer has it: kept."
    ) % {**_where(label, row.key), "data": ", ".join(what)}


def _kept_cancelled(label, row: Row, what: list[str], clash) -> str:
    return _(
        "%(date)s, lesson %(slot)s, %(course)s has data (%(data)s) but the timetable no longer has it and "
        "%(clash)s: kept as cancelled."
    ) % {**_where(label, row.key), "data": ", ".join(what), "clash": _clash_text(label, clash)}


# ---------------------------------------------------------------------------
# One-off changes on a date
# ---------------------------------------------------------------------------


@contextmanager
def lesson_constraints(field_name: str = NON_FIELD_ERRORS):
    """Turn a lesson constraint violation (a concurrent write) into a ValidationError naming the clash."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        message = CONSTRAINT_ERRORS.get(
            name, gettext_lazy("The change conflicts with other data; nothing was saved.")
        )
        raise ValidationError({field_name: message}) from exc


def _lock(lesson: Lesson) -> tuple[Lesson, AcademicYear]:
    """The open year (locked) and the lesson re-read under a row lock with what the checks need."""
    year = lock_open_year(lesson.year)
    locked = (
        Lesson.objects.select_for_update(of=("self",))
        .select_related("period", "group", "course__subject", "school")
        .get(pk=lesson.pk)
    )
    return locked, year


def _check_in_period(errors: Errors, lesson: Lesson, field_name=NON_FIELD_ERRORS):
    period = lesson.period
    if not period.starts <= lesson.date <= period.ends:
        errors.add(
            field_name,
            _(
                "The lesson of %(date)s lies outside its reporting period %(period)s (%(starts)s – %(ends)s); "
                "regenerate the calendar first."
            ),
            date=fmt(lesson.date),
            period=period.name,
            starts=fmt(period.starts),
            ends=fmt(period.ends),
        )


def _check_school_day(errors: Errors, year: AcademicYear, grade: int, date: datetime.date, field_name="date"):
    """Inside the year, not a Sunday, not a holiday of the grade."""
    if not year.contains(date):
        errors.add(
            field_name,
            _("The date must lie inside the year %(year)s (%(starts)s – %(ends)s)."),
            year=year.name,
            starts=fmt(year.starts),
            ends=fmt(year.ends),
        )
        return
    if date.isoweekday() == 7:
        errors.add(field_name, _("%(date)s is a Sunday."), date=fmt(date))
    holiday = (
        Holiday.objects.filter(year=year, starts__lte=date, ends__gte=date)
        .filter(Q(grades=[]) | Q(grades__contains=[grade]))
        .first()
    )
    if holiday is not None:
        errors.add(
            field_name,
            _("%(date)s falls in the holidays «%(name)s» (%(starts)s – %(ends)s)."),
            date=fmt(date),
            name=holiday.name,
            starts=fmt(holiday.starts),
            ends=fmt(holiday.ends),
        )


def _check_room(errors: Errors, school_id: int, room: Room | None):
    if room is not None and room.school_id != school_id:
        errors.add("room", _("This room does not belong to your school."))


def _times(errors: Errors, school_id, date, shift, slot, field_name="slot"):
    times = bells_for(school_id, date, shift).get(slot)
    if times is None:
        errors.add(
            field_name,
            _("The bells of shift %(shift)s on %(date)s have no lesson %(slot)s."),
            shift=shift,
            date=fmt(date),
            slot=slot,
        )
    return times


def _students(group: StudyGroup, date: datetime.date) -> set[int]:
    return set(students_of_group(group, date).values_list("pk", flat=True))


def _check_clashes(
    errors: Errors,
    *,
    school_id: int,
    course_id: int,
    group: StudyGroup,
    teacher_id: int,
    room_id: int | None,
    date: datetime.date,
    slot: int,
    starts: datetime.time,
    ends: datetime.time,
    exclude: int | None = None,
    field_name="slot",
):
    """Name every planned lesson the new times would collide with: teacher, room, group, shared students."""
    others = (
        Lesson.objects.filter(
            school_id=school_id, date=date, status=PLANNED, starts__lt=ends, ends__gt=starts
        )
        .exclude(pk=exclude)
        .select_related("course__subject", "group", "teacher", "room")
        .order_by("starts", "pk")
    )
    ours = None
    for other in others:
        where = {
            "course": f"{other.group.name} {other.course.subject.name}",
            "slot": other.slot,
            "starts": hhmm(other.starts),
            "ends": hhmm(other.ends),
        }
        if other.course_id == course_id and other.slot == slot:
            errors.add(
                field_name, _("The course already has this lesson: %(course)s, lesson %(slot)s."), **where
            )
        elif other.teacher_id == teacher_id:
            errors.add(
                field_name,
                _(
                    "The teacher %(teacher)s already has a lesson at that time: %(course)s, "
                    "lesson %(slot)s (%(starts)s–%(ends)s)."
                ),
                teacher=other.teacher.short_name,
                **where,
            )
        if room_id is not None and other.room_id == room_id:
            errors.add(
                "room",
                _(
                    "The room %(room)s is taken at that time: %(course)s, lesson %(slot)s (%(starts)s–%(ends)s)."
                ),
                room=other.room.name,
                **where,
            )
        if other.group_id == group.pk:
            if not (other.course_id == course_id and other.slot == slot):
                errors.add(
                    field_name,
                    _(
                        "%(group)s already has a lesson at that time: %(course)s, lesson %(slot)s (%(starts)s–%(ends)s)."
                    ),
                    group=group.name,
                    **where,
                )
        elif other.group.grade == group.grade and not (
            group.kind == StudyGroup.Kind.WHOLE_CLASS and other.group.kind == StudyGroup.Kind.WHOLE_CLASS
        ):  # two classes share no student on a date (one class at a time); other pairs may
            ours = _students(group, date) if ours is None else ours
            shared = ours & _students(other.group, date)
            if shared:
                errors.add(
                    field_name,
                    ngettext(
                        "%(n)d student of %(group)s has a lesson at that time: %(course)s, lesson %(slot)s "
                        "(%(starts)s–%(ends)s).",
                        "%(n)d students of %(group)s have a lesson at that time: %(course)s, lesson %(slot)s "
                        "(%(starts)s–%(ends)s).",
                        len(shared),
                    ),
                    n=len(shared),
                    group=group.name,
                    **where,
                )


def _lesson_data(lesson: Lesson) -> dict:
    return {
        "date": iso(lesson.date),
        "slot": lesson.slot,
        "starts": hhmm(lesson.starts),
        "ends": hhmm(lesson.ends),
        "room": lesson.room_id,
        "teacher": lesson.teacher_id,
        "status": lesson.status,
        "origin": lesson.origin,
    }


@transaction.atomic
def cancel_lesson(*, actor, lesson: Lesson, note: str = "") -> Lesson:
    """The lesson does not take place; the row and everything on it stay."""
    lesson, _year = _lock(lesson)
    errors = Errors()
    if lesson.status == CANCELLED:
        errors.add(NON_FIELD_ERRORS, _("The lesson is already cancelled."))
    _check_in_period(errors, lesson)
    errors.raise_if_any()
    old = _lesson_data(lesson)
    lesson.status, lesson.note = CANCELLED, (note or "").strip()[:200]
    lesson.save(update_fields=["status", "note"])
    audit.record(actor, "cancel_lesson", lesson, data={"old": old, "note": lesson.note})
    return lesson


@transaction.atomic
def restore_lesson(*, actor, lesson: Lesson) -> Lesson:
    """A cancelled lesson takes place after all, if its time is still free and the day still a school day."""
    lesson, year = _lock(lesson)
    errors = Errors()
    if lesson.status != CANCELLED:
        refuse(NON_FIELD_ERRORS, _("The lesson is not cancelled."))
    _check_in_period(errors, lesson)
    _check_school_day(errors, year, lesson.group.grade, lesson.date, NON_FIELD_ERRORS)
    times = bells_for(lesson.school_id, lesson.date, lesson.shift).get(lesson.slot) or (
        lesson.starts,
        lesson.ends,
    )
    if not errors:
        _check_clashes(
            errors,
            school_id=lesson.school_id,
            course_id=lesson.course_id,
            group=lesson.group,
            teacher_id=lesson.teacher_id,
            room_id=lesson.room_id,
            date=lesson.date,
            slot=lesson.slot,
            starts=times[0],
            ends=times[1],
            exclude=lesson.pk,
            field_name=NON_FIELD_ERRORS,
        )
    errors.raise_if_any()
    old = _lesson_data(lesson)
    lesson.status, lesson.note = PLANNED, ""
    lesson.starts, lesson.ends = times
    with lesson_constraints():
        lesson.save(update_fields=["status", "note", "starts", "ends"])
    audit.record(actor, "restore_lesson", lesson, data={"old": old, "new": _lesson_data(lesson)})
    return lesson


@transaction.atomic
def move_lesson(
    *,
    actor,
    lesson: Lesson,
    date: datetime.date | None = None,
    slot: int | None = None,
    room: Room | None = None,
) -> Lesson:
    """Move the lesson row (and what hangs on it) to another date, slot or room of its period.

    A lesson from the timetable becomes `moved` (an extra lesson stays `extra`), so
    regeneration leaves it alone; when it changes date or slot it leaves a cancelled
    copy at its old place, which tells the class where it went and keeps a
    regeneration from putting it back there.
    """
    lesson, year = _lock(lesson)
    date = date or lesson.date
    slot = slot or lesson.slot
    room_id = room.pk if room is not None else lesson.room_id
    errors = Errors()
    if lesson.status != PLANNED:
        refuse(NON_FIELD_ERRORS, _("A cancelled lesson cannot be moved; restore it first."))
    if (date, slot, room_id) == (lesson.date, lesson.slot, lesson.room_id):
        refuse(NON_FIELD_ERRORS, _("Choose another date, lesson or room."))
    _check_room(errors, lesson.school_id, room)
    _check_school_day(errors, year, lesson.group.grade, date)
    period = lesson.period
    if year.contains(date) and not period.starts <= date <= period.ends:
        errors.add(
            "date",
            _("The lesson belongs to %(period)s (%(starts)s – %(ends)s): it cannot move out of it."),
            period=period.name,
            starts=fmt(period.starts),
            ends=fmt(period.ends),
        )
    times = _times(errors, lesson.school_id, date, lesson.shift, slot)
    if not errors:
        _check_clashes(
            errors,
            school_id=lesson.school_id,
            course_id=lesson.course_id,
            group=lesson.group,
            teacher_id=lesson.teacher_id,
            room_id=room_id,
            date=date,
            slot=slot,
            starts=times[0],
            ends=times[1],
            exclude=lesson.pk,
        )
    errors.raise_if_any()
    old = _lesson_data(lesson)
    placeholder = None
    if lesson.origin == TIMETABLE and (date, slot) != (lesson.date, lesson.slot):
        placeholder = Lesson(
            school_id=lesson.school_id,
            year_id=lesson.year_id,
            period_id=lesson.period_id,
            course_id=lesson.course_id,
            group_id=lesson.group_id,
            teacher_id=lesson.teacher_id,
            room_id=lesson.room_id,
            entry_id=lesson.entry_id,
            date=lesson.date,
            shift=lesson.shift,
            slot=lesson.slot,
            starts=lesson.starts,
            ends=lesson.ends,
            status=CANCELLED,
            origin=TIMETABLE,
            note=_("moved to %(date)s, lesson %(slot)s") % {"date": fmt(date), "slot": slot},
        )
    lesson.date, lesson.slot, lesson.room_id = date, slot, room_id
    lesson.starts, lesson.ends = times
    if lesson.origin == TIMETABLE:
        lesson.origin = MOVED
    with lesson_constraints("slot"):
        lesson.save(update_fields=["date", "slot", "room", "starts", "ends", "origin"])
        if placeholder is not None:
            placeholder.save()
    audit.record(actor, "move_lesson", lesson, data={"old": old, "new": _lesson_data(lesson)})
    return lesson


def _teacher_on(course: Course, date: datetime.date) -> Person | None:
    assignment = (
        CourseTeacher.objects.filter(covering(date), course=course)
        .select_related("teacher")
        .order_by("pk")
        .first()
    )
    return assignment.teacher if assignment else None


@transaction.atomic
def add_extra_lesson(
    *,
    actor,
    course: Course,
    date: datetime.date,
    slot: int,
    room: Room | None = None,
    teacher: Person | None = None,
) -> Lesson:
    """A lesson the timetable does not have, on a school day of the course's period (default: its teacher)."""
    year = lock_open_year(course.year)
    course = Course.objects.select_related("group__school_class").get(pk=course.pk)
    group = course.group
    errors = Errors()
    _check_room(errors, course.school_id, room)
    if (
        teacher is not None
        and not StaffRole.objects.filter(
            school_id=course.school_id, person=teacher, role=Role.TEACHER
        ).exists()
    ):
        errors.add("teacher", _("Choose a teacher of your school."))
    _check_school_day(errors, year, group.grade, date)
    period = (
        ReportingPeriod.objects.filter(scheme__year=year, scheme__grades__contains=[group.grade])
        .filter(starts__lte=date, ends__gte=date)
        .first()
    )
    if year.contains(date) and period is None:
        errors.add(
            "date",
            _("%(date)s lies outside every reporting period of grade %(grade)s."),
            date=fmt(date),
            grade=group.grade,
        )
    teacher = teacher or _teacher_on(course, date)
    if teacher is None and "teacher" not in errors.errors:
        errors.add("teacher", _("The course has no teacher on %(date)s; choose one."), date=fmt(date))
    shift = group.school_class.shift if group.school_class_id else 1
    times = _times(errors, course.school_id, date, shift, slot) if year.contains(date) else None
    if not errors:
        _check_clashes(
            errors,
            school_id=course.school_id,
            course_id=course.pk,
            group=group,
            teacher_id=teacher.pk,
            room_id=room.pk if room else None,
            date=date,
            slot=slot,
            starts=times[0],
            ends=times[1],
        )
    errors.raise_if_any()
    lesson = Lesson(
        school_id=course.school_id,
        year=year,
        period=period,
        course=course,
        group=group,
        teacher=teacher,
        room=room,
        date=date,
        shift=shift,
        slot=slot,
        starts=times[0],
        ends=times[1],
        status=PLANNED,
        origin=EXTRA,
    )
    with lesson_constraints("slot"):
        lesson.save()
    audit.record(actor, "add_extra_lesson", lesson, data={"new": _lesson_data(lesson), "course": course.pk})
    return lesson


# ---------------------------------------------------------------------------
# Reads for the calendar pages
# ---------------------------------------------------------------------------


def groups_of_class_on(school_class: SchoolClass, date: datetime.date) -> list[int]:
    """The class's own groups and the cross-class groups its students belong to on `date`."""
    students = Enrollment.objects.filter(covering(date), school_class=school_class).values("student_id")
    cross = GroupMembership.objects.filter(
        covering(date), student_id__in=students, group__kind=StudyGroup.Kind.CROSS_CLASS
    ).values("group_id")
    return list(
        StudyGroup.objects.filter(Q(school_class=school_class) | Q(pk__in=cross)).values_list("pk", flat=True)
    )


def lessons_of_class_day(school_class: SchoolClass, date: datetime.date) -> list[Lesson]:
    """Every lesson (planned and cancelled) of the class's groups on `date`, in time order."""
    return list(
        Lesson.objects.filter(group_id__in=groups_of_class_on(school_class, date), date=date)
        .select_related("course__subject", "group", "teacher", "room", "substitution__substitute")
        .order_by("starts", "slot", "group__name", "status")
    )
