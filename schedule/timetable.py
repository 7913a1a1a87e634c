"""The weekly timetable (R-TT-2): placing, moving, ending and replacing entries, and finding clashes.

An entry says: on this weekday, in this lesson slot of the group's shift, this
course meets, from `starts` to `ends` (inclusive; empty = to the end of the year).

Two entries meet "at the same time" when they share a weekday, their date
ranges overlap and either their shift and slot are equal or, across shifts,
the times of the shifts' default bell schedules overlap (shift 1 lesson 7 and
shift 2 lesson 1). At the same time these clash:

- the same teacher, the same room, the same group (the database refuses these
  too for equal slots: exclusion constraints on `TimetableEntry`);
- a class's whole-class group and one of its subgroups;
- two groups sharing a student on a common day (a cross-class group and a
  class, two groups across classes…) — what the database cannot see. Two
  subgroups of one class with different students (English group 1 and
  group 2) may meet at the same time.

Every write locks the academic year row (`lock_open_year`), so timetable
writes of one year run one after another and the student check, which no
constraint backs, cannot race. Clashes are checked before the insert and named
in the message; an `IntegrityError` from the constraints becomes the same kind
of `ValidationError`. `class_grid` and `overview` are the reads of the pages.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.db.models import Case, Count, Exists, OuterRef, Q, Subquery, When
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit
from accounts.models import Person

from .bells import Bells, hhmm
from .models import (
    AcademicYear,
    BellSchedule,
    Course,
    CourseTeacher,
    Enrollment,
    GroupMembership,
    Room,
    SchoolClass,
    StudyGroup,
    TimetableEntry,
    Weekday,
)
from .selectors import covering, day_in_year, local_today
from .services.checks import (
    DAY,
    Errors,
    check_dates,
    check_teachers,
    constraint_checks,
    fmt,
    iso,
    lock_open_year,
    refuse,
)

WHOLE = StudyGroup.Kind.WHOLE_CLASS
CROSS = StudyGroup.Kind.CROSS_CLASS
CHANGEABLE = {"weekday", "slot", "room", "teacher"}
BATCH = 1000

CONSTRAINT_ERRORS = {
    "ttentry_dates": ("ends", gettext_lazy("The end date is before the start date.")),
    "ttentry_teacher_free": ("teacher", gettext_lazy("The teacher already has a lesson at that time.")),
    "ttentry_room_free": ("room", gettext_lazy("The room is already taken at that time.")),
    "ttentry_group_free": ("course", gettext_lazy("The class or group already has a lesson at that time.")),
}


# Bells of the shifts


@dataclass
class ShiftBells:
    """The default bell schedule of each shift: {shift: (schedule name, {slot: (starts, ends)})}."""

    shifts: dict[int, tuple[str, Bells]]

    @classmethod
    def load(cls, school_id: int) -> ShiftBells:
        """One query (a schedule without slots still counts)."""
        shifts: dict[int, tuple[str, Bells]] = {}
        rows = (
            BellSchedule.objects.filter(school_id=school_id, is_default=True)
            .order_by("shift", "slots__number")
            .values_list("shift", "name", "slots__number", "slots__starts", "slots__ends")
        )
        for shift, name, number, starts, ends in rows:
            bells = shifts.setdefault(shift, (name, {}))[1]
            if number is not None:
                bells[number] = (starts, ends)
        return cls(shifts)

    def bells(self, shift: int) -> Bells:
        return self.shifts.get(shift, ("", {}))[1]

    def name(self, shift: int) -> str | None:
        return self.shifts[shift][0] if shift in self.shifts else None

    def times(self, shift: int, slot: int):
        return self.bells(shift).get(slot)

    def concurrent_slots(self, shift: int, slot: int) -> list[tuple[int, int]]:
        """(shift, slot) pairs that meet at the same time as `slot` of `shift` (itself included)."""
        pairs = [(shift, slot)]
        own = self.times(shift, slot)
        if own is None:
            return pairs
        for other, (_name, bells) in self.shifts.items():
            if other == shift:
                continue
            pairs += [(other, n) for n, (a, b) in bells.items() if a < own[1] and own[0] < b]
        return pairs

    def concurrent(self, a: TimetableEntry, b: TimetableEntry) -> bool:
        return a.weekday == b.weekday and (b.shift, b.slot) in self.concurrent_slots(a.shift, a.slot)


def _q_slots(pairs: list[tuple[int, int]]) -> Q:
    q = Q()
    for shift, slot in pairs:
        q |= Q(shift=shift, slot=slot)
    return q


def _overlap(a_starts, a_ends, b_starts, b_ends) -> tuple[datetime.date, datetime.date | None] | None:
    """The common part of two inclusive ranges (None end = open), or None."""
    lo = max(a_starts, b_starts)
    ends = [e for e in (a_ends, b_ends) if e is not None]
    hi = min(ends) if ends else None
    return (lo, hi) if hi is None or lo <= hi else None


# Who is in which group when


def _short(last: str, first: str, patronymic: str) -> str:
    return Person(last_name=last, first_name=first, patronymic=patronymic).short_name


class Members:
    """Students' stays in groups: whole-class groups from enrollments, the others from memberships."""

    def __init__(self):
        self.stays: dict[int, dict[int, list[tuple]]] = defaultdict(lambda: defaultdict(list))
        self.names: dict[int, str] = {}

    def _add(self, group_id, student_id, starts, ends, names):
        self.stays[group_id][student_id].append((starts, ends))
        self.names[student_id] = _short(*names)

    NAMES = ("student__person__last_name", "student__person__first_name", "student__person__patronymic")

    @classmethod
    def of_groups(cls, groups: Iterable[StudyGroup]) -> Members:
        """Everyone who was ever in `groups` (two queries at most)."""
        members = cls()
        groups = list(groups)
        whole = {g.school_class_id: g.pk for g in groups if g.kind == WHOLE}
        others = [g.pk for g in groups if g.kind != WHOLE]
        if whole:
            rows = Enrollment.objects.filter(school_class_id__in=whole).values_list(
                "school_class_id", "student_id", "starts", "ends", *cls.NAMES
            )
            for class_id, student_id, starts, ends, *names in rows:
                members._add(whole[class_id], student_id, starts, ends, names)
        if others:
            rows = GroupMembership.objects.filter(group_id__in=others).values_list(
                "group_id", "student_id", "starts", "ends", *cls.NAMES
            )
            for group_id, student_id, starts, ends, *names in rows:
                members._add(group_id, student_id, starts, ends, names)
        return members

    @classmethod
    def of_students(cls, students: Q, year: AcademicYear) -> Members:
        """Every group of `year` the students matching `students` (a Q on student) were in (two queries)."""
        members = cls()
        whole = StudyGroup.objects.filter(school_class=OuterRef("school_class"), kind=WHOLE).values("pk")[:1]
        rows = (
            Enrollment.objects.filter(students, school_class__year=year)
            .annotate(group_id=Subquery(whole))
            .values_list("group_id", "student_id", "starts", "ends", *cls.NAMES)
        )
        for group_id, student_id, starts, ends, *names in rows:
            if group_id is not None:
                members._add(group_id, student_id, starts, ends, names)
        rows = GroupMembership.objects.filter(students, group__year=year).values_list(
            "group_id", "student_id", "starts", "ends", *cls.NAMES
        )
        for group_id, student_id, starts, ends, *names in rows:
            members._add(group_id, student_id, starts, ends, names)
        return members

    def group_ids(self) -> set[int]:
        return set(self.stays)

    def shared(self, a: int, b: int, starts, ends) -> list[str]:
        """Names of students in both groups on a common day of [starts, ends], by name."""
        in_a, in_b = self.stays.get(a, {}), self.stays.get(b, {})
        names = []
        for student_id in in_a.keys() & in_b.keys():
            if any(
                (both := _overlap(sa, ea, sb, eb)) and _overlap(both[0], both[1], starts, ends)
                for sa, ea in in_a[student_id]
                for sb, eb in in_b[student_id]
            ):
                names.append(self.names[student_id])
        return sorted(names)


# Clashes


def _class_name(group: StudyGroup) -> str:
    return group.school_class.name if group.school_class_id else group.name


def clashes_between(entry: TimetableEntry, other: TimetableEntry, members: Members | None):
    """(field, message, params) for each way `entry` clashes with `other`, known to meet at the same time.

    `other` has its course.subject, group.school_class, teacher and room loaded.
    """
    span = _overlap(entry.starts, entry.ends, other.starts, other.ends)
    if span is None:
        return []
    found = []
    subject = other.course.subject.name
    if entry.teacher_id == other.teacher_id:
        found.append(
            (
                "teacher",
                _("Teacher %(teacher)s already teaches %(group)s (%(subject)s) at this time."),
                {"teacher": other.teacher.short_name, "group": other.group.name, "subject": subject},
            )
        )
    if entry.room_id is not None and entry.room_id == other.room_id:
        found.append(
            (
                "room",
                _("Room %(room)s is taken: %(group)s, %(subject)s."),
                {"room": other.room.name, "group": other.group.name, "subject": subject},
            )
        )
    group, theirs = entry.group, other.group
    if group.pk == theirs.pk:
        if group.kind == WHOLE:
            found.append(
                (
                    "course",
                    _("Class %(class)s already has %(subject)s at this time."),
                    {"class": _class_name(group), "subject": subject},
                )
            )
        else:
            found.append(
                (
                    "course",
                    _("Group %(group)s already has %(subject)s at this time."),
                    {"group": group.name, "subject": subject},
                )
            )
    elif (
        group.school_class_id
        and group.school_class_id == theirs.school_class_id
        and WHOLE in (group.kind, theirs.kind)
    ):
        if theirs.kind == WHOLE:
            found.append(
                (
                    "course",
                    _("Class %(class)s already has %(subject)s at this time."),
                    {"class": _class_name(theirs), "subject": subject},
                )
            )
        else:
            found.append(
                (
                    "course",
                    _("Class %(class)s already has %(subject)s (%(group)s) at this time."),
                    {"class": _class_name(group), "subject": subject, "group": theirs.name},
                )
            )
    elif members is not None:
        names = members.shared(group.pk, theirs.pk, *span)
        if len(names) == 1:
            found.append(
                (
                    "course",
                    _("Student %(student)s is in %(group)s and in %(other)s, which meet at the same time."),
                    {"student": names[0], "group": group.name, "other": theirs.name},
                )
            )
        elif names:
            shown = ", ".join(names[:3]) + (" …" if len(names) > 3 else "")
            found.append(
                (
                    "course",
                    _(
                        "Students %(students)s are in %(group)s and in %(other)s, which meet at the same time."
                    ),
                    {"students": shown, "group": group.name, "other": theirs.name},
                )
            )
    return found


def _needs_members(entry: TimetableEntry, other: TimetableEntry) -> bool:
    a, b = entry.group, other.group
    return a.pk != b.pk and not (
        a.school_class_id and a.school_class_id == b.school_class_id and WHOLE in (a.kind, b.kind)
    )


def _others_query(entry: TimetableEntry, bells: ShiftBells, exclude: Iterable[int]):
    rows = TimetableEntry.objects.filter(year_id=entry.year_id, weekday=entry.weekday).filter(
        _q_slots(bells.concurrent_slots(entry.shift, entry.slot))
    )
    rows = rows.filter(Q(ends__isnull=True) | Q(ends__gte=entry.starts))
    if entry.ends is not None:
        rows = rows.filter(starts__lte=entry.ends)
    return rows.exclude(pk__in=list(exclude)).select_related(
        "course__subject", "group__school_class", "teacher", "room"
    )


def check_clashes(entry: TimetableEntry, bells: ShiftBells, exclude: Iterable[int] = ()) -> None:
    """Refuse `entry` (unsaved or changed) if it clashes with another entry of its year; name every clash."""
    others = list(_others_query(entry, bells, exclude))
    needing = [o for o in others if _needs_members(entry, o)]
    members = Members.of_groups([entry.group, *(o.group for o in needing)]) if needing else None
    errors = Errors()
    for other in others:
        for field_name, message, params in clashes_between(entry, other, members):
            errors.add(field_name, message, **params)
    errors.raise_if_any()


# Checks of one entry


def _shift_of(errors: Errors, group: StudyGroup, starts: datetime.date) -> int:
    """A class's shift; for a group across classes the one shift its students' classes study in."""
    if group.school_class_id:
        return group.school_class.shift
    member_ids = GroupMembership.objects.filter(group=group).values("student_id")
    shifts = set(
        Enrollment.objects.filter(student_id__in=member_ids, school_class__year_id=group.year_id).values_list(
            "school_class__shift", flat=True
        )
    )
    if not shifts:
        shifts = set(
            SchoolClass.objects.filter(year_id=group.year_id, grade=group.grade).values_list(
                "shift", flat=True
            )
        )
    if len(shifts) > 1:
        errors.add(
            "course",
            _(
                "The students of %(group)s study in different shifts (%(shifts)s); a group meets in one shift."
            ),
            group=group.name,
            shifts=", ".join(map(str, sorted(shifts))),
        )
    return min(shifts) if shifts else 1


def _teacher_of(errors: Errors, course: Course, teacher: Person | None, on: datetime.date, keep=None):
    """The teacher of the entry: `teacher` if they teach the course on `on`, else (when not given) `keep`
    if they do, else the course's first teacher on `on`."""
    active = list(
        CourseTeacher.objects.filter(covering(on), course=course)
        .select_related("teacher")
        .order_by("starts", "pk")
    )
    ids = {a.teacher_id for a in active}
    if teacher is not None:
        if teacher.pk not in ids:
            errors.add(
                "teacher",
                _("%(teacher)s does not teach %(course)s on %(date)s."),
                teacher=teacher.short_name,
                course=str(course),
                date=fmt(on),
            )
        return teacher
    if keep is not None and keep.pk in ids:
        return keep
    if not active:
        errors.add(
            "teacher",
            _("%(course)s has no teacher on %(date)s; assign one on the course page first."),
            course=str(course),
            date=fmt(on),
        )
        return None
    return active[0].teacher


def _check_room(errors: Errors, school_id: int, room: Room | None) -> None:
    if room is None:
        return
    if room.school_id != school_id:
        errors.add("room", _("This choice does not belong to your school."))
    elif room.building.school_id != school_id:
        errors.add("room", _("Room %(room)s is in a building of another school."), room=room.name)


def _check_slot(errors: Errors, bells: ShiftBells, shift: int, weekday, slot) -> None:
    if weekday not in Weekday.values:
        errors.add("weekday", _("Choose a weekday from Monday to Saturday."))
    name = bells.name(shift)
    if name is None:
        errors.add(
            "slot",
            _("Shift %(shift)s has no default bell schedule yet; create it on the bells page first."),
            shift=shift,
        )
    elif slot not in bells.bells(shift):
        errors.add(
            "slot",
            _("The bell schedule «%(name)s» of shift %(shift)s has no lesson %(slot)s."),
            name=name,
            shift=shift,
            slot=slot,
        )


def _prepare(
    *,
    actor,
    course: Course,
    year: AcademicYear,
    weekday,
    slot,
    room,
    teacher,
    starts,
    ends,
    keep_teacher=None,
    bells: ShiftBells,
) -> TimetableEntry:
    """An unsaved entry after every structural check (not the clashes); refuses with all problems at once."""
    school_id = actor.school.pk
    errors = Errors()
    check_dates(errors, year, starts, ends)
    _check_room(errors, school_id, room)
    if teacher is not None:
        check_teachers(errors, school_id, "teacher", [teacher])
    group = course.group
    shift = _shift_of(errors, group, starts)
    _check_slot(errors, bells, shift, weekday, slot)
    on = starts if year.contains(starts) else year.starts
    teacher = _teacher_of(errors, course, teacher, on, keep=keep_teacher)
    errors.raise_if_any()
    return TimetableEntry(
        school_id=school_id,
        year=year,
        course=course,
        group=group,
        teacher=teacher,
        room=room,
        weekday=weekday,
        shift=shift,
        slot=slot,
        starts=starts,
        ends=ends,
    )


def _load_course(actor, course: Course | None) -> Course:
    if course is None:
        refuse("course", _("Choose a course: a timetable entry needs one."))
    if course.school_id != actor.school.pk:
        refuse("course", _("This choice does not belong to your school."))
    return Course.objects.select_related("subject", "group__school_class", "year").get(pk=course.pk)


def _entry_data(entry: TimetableEntry) -> dict:
    return {
        "course": entry.course_id,
        "group": entry.group_id,
        "teacher": entry.teacher_id,
        "room": entry.room_id,
        "weekday": entry.weekday,
        "shift": entry.shift,
        "slot": entry.slot,
        "starts": iso(entry.starts),
        "ends": iso(entry.ends),
    }


def _save(entry: TimetableEntry) -> TimetableEntry:
    with constraint_checks(CONSTRAINT_ERRORS):
        entry.save()
    return entry


def _load_entry(actor, entry: TimetableEntry) -> TimetableEntry:
    if entry.school_id != actor.school.pk:
        refuse(NON_FIELD_ERRORS, _("This choice does not belong to your school."))
    return TimetableEntry.objects.select_related(
        "course__subject", "group__school_class", "teacher", "room", "year"
    ).get(pk=entry.pk)


# Writes


@transaction.atomic
def place_lesson(
    *,
    actor,
    course: Course,
    weekday: int,
    slot: int,
    room: Room | None = None,
    starts: datetime.date | None = None,
    ends: datetime.date | None = None,
    teacher: Person | None = None,
) -> TimetableEntry:
    """Put `course` into the weekly timetable on `weekday` in lesson `slot` of its group's shift.

    From `starts` (default: the year's first day or today, whichever is later) to `ends`
    (default: the end of the year); the teacher defaults to the course's teacher on `starts`.
    """
    course = _load_course(actor, course)
    year = lock_open_year(course.year)
    starts = starts or max(year.starts, local_today(actor.school))
    bells = ShiftBells.load(actor.school.pk)
    entry = _prepare(
        actor=actor,
        course=course,
        year=year,
        weekday=weekday,
        slot=slot,
        room=room,
        teacher=teacher,
        starts=starts,
        ends=ends,
        bells=bells,
    )
    check_clashes(entry, bells)
    _save(entry)
    audit.record(actor, "place_lesson", entry, data=_entry_data(entry))
    return entry


class _Distinct(Errors):
    """Errors that keep each message once: a batch breaking a rule in many rows says so once."""

    def __init__(self):
        super().__init__()
        self.seen: set = set()

    def add(self, field: str, message, **params):
        key = (field, str(message), tuple(sorted(params.items())))
        if key not in self.seen:
            self.seen.add(key)
            super().add(field, message, **params)


def _shifts_of(errors: Errors, year: AcademicYear, groups: Iterable[StudyGroup]) -> dict[int, int]:
    """`_shift_of` for many groups (two queries at most, none for class groups): group id → shift."""
    shifts = {g.pk: g.school_class.shift for g in groups if g.school_class_id}
    cross = {g.pk: g for g in groups if not g.school_class_id}
    if not cross:
        return shifts
    found: dict[int, set[int]] = defaultdict(set)
    rows = GroupMembership.objects.filter(
        group_id__in=cross, student__enrollments__school_class__year_id=year.pk
    ).values_list("group_id", "student__enrollments__school_class__shift")
    for group_id, shift in rows.distinct():
        found[group_id].add(shift)
    grades = {g.grade for pk, g in cross.items() if not found[pk]}
    by_grade: dict[int, set[int]] = defaultdict(set)
    if grades:
        classes = SchoolClass.objects.filter(year_id=year.pk, grade__in=grades)
        for grade, shift in classes.values_list("grade", "shift").distinct():
            by_grade[grade].add(shift)
    for pk, group in cross.items():
        own = found[pk] or by_grade[group.grade]
        if len(own) > 1:
            errors.add(
                "course",
                _(
                    "The students of %(group)s study in different shifts (%(shifts)s); a group meets in one shift."
                ),
                group=group.name,
                shifts=", ".join(map(str, sorted(own))),
            )
        shifts[pk] = min(own) if own else 1
    return shifts


def _check_batch_clashes(
    errors: Errors, year: AcademicYear, entries: Sequence[TimetableEntry], bells: ShiftBells
) -> None:
    """`check_clashes` for a batch: each entry against the others of the batch and the saved entries of
    the year (three queries: the saved entries, then who is in which group)."""
    saved = TimetableEntry.objects.filter(year_id=year.pk, weekday__in={e.weekday for e in entries})
    saved = saved.filter(Q(ends__isnull=True) | Q(ends__gte=min(e.starts for e in entries)))
    if all(e.ends is not None for e in entries):
        saved = saved.filter(starts__lte=max(e.ends for e in entries))
    saved = list(saved.select_related("course__subject", "group__school_class", "teacher", "room"))
    at: dict[tuple[int, int, int], list[TimetableEntry]] = defaultdict(list)
    for e in (*saved, *entries):
        at[e.weekday, e.shift, e.slot].append(e)
    position = {id(e): n for n, e in enumerate(entries)}
    pairs = []
    for n, entry in enumerate(entries):
        for shift, slot in bells.concurrent_slots(entry.shift, entry.slot):
            for other in at[entry.weekday, shift, slot]:
                if position.get(id(other), len(entries)) > n and _overlap(
                    entry.starts, entry.ends, other.starts, other.ends
                ):
                    pairs.append((entry, other))
    if not pairs:
        return
    groups = {g.pk: g for e, o in pairs for g in (e.group, o.group)}
    members = Members.of_groups(groups.values()) if any(_needs_members(e, o) for e, o in pairs) else None
    for entry, other in pairs:
        for field_name, message, params in clashes_between(entry, other, members):
            errors.add(field_name, message, **params)


@transaction.atomic
def place_lessons(
    *, actor, year: AcademicYear, entries: Sequence[TimetableEntry], note: str = ""
) -> list[TimetableEntry]:
    """`place_lesson` for many entries of one open year, kept in the order given, in a fixed number of
    queries; refuses the whole batch if any entry breaks a rule, and writes one audit event (summary `note`).

    Each entry (its `course`, `weekday`, `slot`, `room`, `starts`, `ends`, `teacher`; the group, school,
    year and shift are set here): a course of this year of the school, dates inside the year (from the
    year's first day or today when `starts` is empty), a room of the school, the weekday and the lesson
    in the default bells of the group's shift (a group across classes: the one shift its students study
    in), a teacher of the school who teaches the course on the entry's first day (the course's first
    teacher then when none is given), and no clash with another entry of the batch or a saved one of the
    year (the same teacher, room or group, a class and its subgroup, groups sharing a student).
    """
    year = lock_open_year(year)
    school_id = year.school_id
    errors = _Distinct()
    course_ids = {e.course_id for e in entries}
    courses = Course.objects.select_related("subject", "group__school_class").in_bulk(course_ids)
    if len(courses) < len(course_ids) or any(c.school_id != school_id for c in courses.values()):
        errors.add("course", _("This choice does not belong to your school."))
    elif any(c.year_id != year.pk for c in courses.values()):
        errors.add("course", _("Choose a group of this year."))
    errors.raise_if_any()
    room_ids = {e.room_id for e in entries if e.room_id is not None}
    rooms = Room.objects.select_related("building").in_bulk(room_ids) if room_ids else {}
    if len(rooms) < len(room_ids):
        errors.add("room", _("This choice does not belong to your school."))
    for room in rooms.values():
        _check_room(errors, school_id, room)
    given = {e.teacher_id for e in entries if e.teacher_id is not None}
    teaching: dict[int, list[tuple]] = defaultdict(list)
    rows = CourseTeacher.objects.filter(course_id__in=course_ids).order_by("starts", "pk")
    for course_id, teacher_id, starts, ends in rows.values_list("course_id", "teacher_id", "starts", "ends"):
        teaching[course_id].append((teacher_id, starts, ends))
    people = Person.objects.in_bulk(given | {t for rows in teaching.values() for t, _s, _e in rows})
    check_teachers(errors, school_id, "teacher", [people[t] for t in sorted(given) if t in people])
    if len(given - people.keys()):
        errors.add("teacher", _("This choice does not belong to your school."))
    shifts = _shifts_of(errors, year, {c.group_id: c.group for c in courses.values()}.values())
    bells = ShiftBells.load(school_id)
    today = None
    for e in entries:
        course = courses[e.course_id]
        if e.starts is None:
            today = today or local_today(year.school)
            e.starts = max(year.starts, today)
        e.school_id, e.year, e.course, e.group = school_id, year, course, course.group
        e.shift = shifts[course.group_id]
        if e.room_id is not None:
            e.room = rooms.get(e.room_id)
        check_dates(errors, year, e.starts, e.ends)
        _check_slot(errors, bells, e.shift, e.weekday, e.slot)
        on = e.starts if year.contains(e.starts) else year.starts
        active = [t for t, s, end in teaching[course.pk] if s <= on and (end is None or end >= on)]
        if e.teacher_id is None and not active:
            errors.add(
                "teacher",
                _("%(course)s has no teacher on %(date)s; assign one on the course page first."),
                course=str(course),
                date=fmt(on),
            )
        elif e.teacher_id is None:
            e.teacher = people[active[0]]
        elif e.teacher_id not in active and e.teacher_id in people:
            errors.add(
                "teacher",
                _("%(teacher)s does not teach %(course)s on %(date)s."),
                teacher=people[e.teacher_id].short_name,
                course=str(course),
                date=fmt(on),
            )
        else:
            e.teacher = people.get(e.teacher_id)
    errors.raise_if_any()
    if entries:
        _check_batch_clashes(errors, year, entries, bells)
    errors.raise_if_any()
    with constraint_checks(CONSTRAINT_ERRORS):
        created = TimetableEntry.objects.bulk_create(entries, batch_size=BATCH)
    audit.record(
        actor,
        "place_lessons",
        None,
        school=year.school,
        summary=note,
        data={"year": year.pk, "entries": len(created)},
    )
    return created


def _changed(actor, entry: TimetableEntry, year, bells, changes: dict, starts, ends) -> TimetableEntry:
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))} of a timetable entry")
    return _prepare(
        actor=actor,
        course=entry.course,
        year=year,
        weekday=changes.get("weekday", entry.weekday),
        slot=changes.get("slot", entry.slot),
        room=changes.get("room", entry.room),
        teacher=changes.get("teacher"),
        keep_teacher=entry.teacher,
        starts=starts,
        ends=ends,
        bells=bells,
    )


@transaction.atomic
def move_entry(*, actor, entry: TimetableEntry, **changes) -> TimetableEntry:
    """Correct an entry for its whole validity: `changes` among weekday, slot, room, teacher."""
    entry = _load_entry(actor, entry)
    year = lock_open_year(entry.year)
    bells = ShiftBells.load(actor.school.pk)
    new = _changed(actor, entry, year, bells, changes, entry.starts, entry.ends)
    check_clashes(new, bells, exclude=[entry.pk])
    old = _entry_data(entry)
    for name in ("teacher", "room", "weekday", "shift", "slot"):
        setattr(entry, name, getattr(new, name))
    _save(entry)
    audit.record(actor, "move_timetable_entry", entry, data={"old": old, "new": _entry_data(entry)})
    return entry


@transaction.atomic
def remove_entry(*, actor, entry: TimetableEntry, on_date: datetime.date) -> TimetableEntry | None:
    """From `on_date` the entry no longer applies: it ends the day before, or is deleted if it never took effect.

    Returns the shortened entry, or None when it was deleted.
    """
    entry = _load_entry(actor, entry)
    year = lock_open_year(entry.year)
    errors = Errors()
    check_dates(errors, year, on_date, None, start_field="on_date")
    if on_date is not None and entry.ends is not None and on_date > entry.ends:
        errors.add("on_date", _("This entry already ends on %(date)s."), date=fmt(entry.ends))
    errors.raise_if_any()
    data = _entry_data(entry)
    if on_date <= entry.starts:
        audit.record(actor, "remove_timetable_entry", entry, data={**data, "deleted": True})
        entry.delete()
        return None
    entry.ends = on_date - DAY
    _save(entry)
    audit.record(
        actor, "remove_timetable_entry", entry, data={**data, "deleted": False, "new_ends": iso(entry.ends)}
    )
    return entry


@transaction.atomic
def replace_from(*, actor, entry: TimetableEntry, on_date: datetime.date, **changes) -> TimetableEntry:
    """A change from `on_date` on: the old entry ends the day before and a new one (with `changes`) begins.

    On or before the entry's first day this is a correction of the whole entry (`move_entry`).
    """
    entry = _load_entry(actor, entry)
    year = lock_open_year(entry.year)
    errors = Errors()
    check_dates(errors, year, on_date, None, start_field="on_date")
    if on_date is not None and entry.ends is not None and on_date > entry.ends:
        errors.add("on_date", _("This entry already ends on %(date)s."), date=fmt(entry.ends))
    errors.raise_if_any()
    if on_date <= entry.starts:
        return move_entry(actor=actor, entry=entry, **changes)
    bells = ShiftBells.load(actor.school.pk)
    new = _changed(actor, entry, year, bells, changes, on_date, entry.ends)
    check_clashes(new, bells, exclude=[entry.pk])
    old = _entry_data(entry)
    entry.ends = on_date - DAY
    _save(entry)
    _save(new)
    audit.record(
        actor,
        "replace_timetable_entry",
        new,
        data={"old_entry": entry.pk, "old": old, "old_ends": iso(entry.ends), "new": _entry_data(new)},
    )
    return new


# Reads for the pages


@dataclass
class Cell:
    weekday: int
    slot: int
    entries: list[TimetableEntry] = field(default_factory=list)
    clashes: list[str] = field(default_factory=list)
    coming: list[TimetableEntry] = field(default_factory=list)  # entries that begin after the date shown

    @property
    def key(self) -> str:
        return f"{self.weekday}-{self.slot}"


@dataclass
class Row:
    slot: int
    times: tuple[datetime.time, datetime.time] | None
    cells: list[Cell]

    @property
    def label(self) -> str:
        return "–".join(map(hhmm, self.times)) if self.times else ""


@dataclass
class CourseHours:
    course: Course
    placed: int

    @property
    def missing(self) -> bool:
        return self.placed < self.course.hours_per_week

    @property
    def too_many(self) -> bool:
        return self.placed > self.course.hours_per_week


@dataclass
class ClassGrid:
    school_class: SchoolClass
    on: datetime.date
    shift: int
    bell_name: str | None
    weekdays: list[tuple[int, str]]
    rows: list[Row]
    courses: list[Course]
    hours: list[CourseHours]
    clash_count: int  # cells with a clash

    def cell(self, weekday: int, slot: int) -> Cell:
        for row in self.rows:
            if row.slot == slot:
                for cell in row.cells:
                    if cell.weekday == weekday:
                        return cell
        return Cell(weekday, slot)

    @property
    def placed(self) -> int:
        return sum(h.placed for h in self.hours)

    @property
    def planned(self):
        return sum(h.course.hours_per_week for h in self.hours)

    @property
    def day_tabs(self) -> list[tuple[int, str, bool]]:
        """(weekday, short name, shown first) for the one-day-at-a-time view of narrow screens."""
        first = self.on.isoweekday() if self.on.isoweekday() in dict(self.weekdays) else self.weekdays[0][0]
        return [(value, WEEKDAYS_ABBR[value - 1], value == first) for value, _label in self.weekdays]


def _clashes_of(entry, others, bells: ShiftBells, members: Members) -> list[tuple[int, str]]:
    """(other entry's pk, message) for each clash of `entry` with one of `others`."""
    found = []
    for other in others:
        if other.pk == entry.pk or not bells.concurrent(entry, other):
            continue
        for _field, message, params in clashes_between(entry, other, members):
            found.append((other.pk, message % params))
    return found


def groups_of_class(school_class: SchoolClass):
    """The whole-class group, the subgroups and the groups across classes a student of the class was ever in."""
    in_class = Enrollment.objects.filter(school_class=school_class).values("student_id")
    has_student = GroupMembership.objects.filter(group=OuterRef("pk"), student_id__in=in_class)
    return StudyGroup.objects.filter(year_id=school_class.year_id).filter(
        Q(school_class=school_class) | (Q(kind=CROSS, grade=school_class.grade) & Exists(has_student))
    )


def _courses(condition: Q):
    """Courses with subject and group: the whole class's first, then by group and subject order."""
    return (
        Course.objects.filter(condition)
        .select_related("subject", "group")
        .order_by(
            Case(When(group__kind=WHOLE, then=0), default=1),
            "group__name",
            "subject__position",
            "subject__name",
        )
    )


def courses_of_class(school_class: SchoolClass) -> list[Course]:
    """The courses a lesson of the class's grid can be: of the class and of its groups (one query)."""
    return list(_courses(Q(group__in=groups_of_class(school_class))))


def class_grid(
    school_class: SchoolClass, on: datetime.date | None = None, *, saturday: bool = False
) -> ClassGrid:
    """The weekly timetable of a class valid on `on`, with the clashes of each cell, in a fixed number of queries.

    The class's groups are its whole-class group, its subgroups and the groups across classes
    one of its students was in during the year. Saturday shows when it has entries or `saturday`.
    """
    year = school_class.year
    day = day_in_year(year, on)
    in_class = Enrollment.objects.filter(school_class=school_class).values("student_id")
    has_student = GroupMembership.objects.filter(group=OuterRef("pk"), student_id__in=in_class)
    groups = list(
        StudyGroup.objects.filter(year=year)
        .filter(
            Q(school_class=school_class) | (Q(kind=CROSS, grade=school_class.grade) & Exists(has_student))
        )
        .select_related("school_class")
    )
    group_ids = [g.pk for g in groups]
    courses = list(
        _courses(Q(group_id__in=group_ids)).annotate(
            placed=Count("timetable_entries", filter=covering(day, "timetable_entries__"), distinct=True)
        )
    )
    rows = list(
        TimetableEntry.objects.filter(covering(day) | Q(starts__gt=day), group_id__in=group_ids)
        .select_related("course__subject", "group__school_class", "teacher", "room")
        .order_by(
            "weekday", "slot", Case(When(group__kind=WHOLE, then=0), default=1), "group__name", "starts"
        )
    )
    entries = [e for e in rows if e.starts <= day]
    coming = [e for e in rows if e.starts > day]
    bells = ShiftBells.load(school_class.school_id)
    students = Q(student_id__in=in_class) | Q(
        student_id__in=GroupMembership.objects.filter(group_id__in=group_ids).values("student_id")
    )
    members = Members.of_students(students, year)
    teachers = {e.teacher_id for e in entries}
    rooms = {e.room_id for e in entries if e.room_id}
    related = members.group_ids() | set(group_ids)
    own = {e.pk for e in entries}
    others = (
        list(
            TimetableEntry.objects.filter(covering(day), year=year, weekday__in={e.weekday for e in entries})
            .filter(Q(teacher_id__in=teachers) | Q(room_id__in=rooms) | Q(group_id__in=related))
            .exclude(pk__in=own)
            .select_related("course__subject", "group__school_class", "teacher", "room")
        )
        if entries
        else []
    )
    shift = school_class.shift
    cells: dict[tuple[int, int], Cell] = {}
    reported: set[frozenset] = set()  # a clash between two entries of the grid is told once, in the first
    for entry in entries:
        found = _clashes_of(entry, entries + others, bells, members)
        entry.clashes = [message for _pk, message in found]
        cell = cells.setdefault((entry.weekday, entry.slot), Cell(entry.weekday, entry.slot))
        cell.entries.append(entry)
        for other_pk, message in found:
            if frozenset((entry.pk, other_pk)) not in reported and message not in cell.clashes:
                cell.clashes.append(message)
        reported |= {frozenset((entry.pk, other_pk)) for other_pk, _message in found}

    clash_count = sum(1 for cell in cells.values() if cell.clashes)
    for entry in coming:
        cells.setdefault((entry.weekday, entry.slot), Cell(entry.weekday, entry.slot)).coming.append(entry)
    slot_numbers = sorted(set(bells.bells(shift)) | {e.slot for e in rows})
    weekdays = [(value, label) for value, label in Weekday.choices]
    if not saturday and not any(e.weekday == Weekday.SATURDAY for e in rows):
        weekdays = weekdays[:-1]
    rows = [
        Row(
            slot=slot,
            times=bells.times(shift, slot),
            cells=[cells.get((w, slot)) or Cell(w, slot) for w, _label in weekdays],
        )
        for slot in slot_numbers
    ]
    return ClassGrid(
        school_class=school_class,
        on=day,
        shift=shift,
        bell_name=bells.name(shift),
        weekdays=weekdays,
        rows=rows,
        courses=courses,
        hours=[CourseHours(c, c.placed) for c in courses],
        clash_count=clash_count,
    )


@dataclass
class ClassHours:
    school_class: SchoolClass
    hours: list[CourseHours]

    @property
    def placed(self) -> int:
        return sum(h.placed for h in self.hours)

    @property
    def planned(self):
        return sum(h.course.hours_per_week for h in self.hours)

    @property
    def missing(self) -> list[CourseHours]:
        return [h for h in self.hours if h.missing or h.too_many]


@dataclass
class Overview:
    on: datetime.date
    classes: list[ClassHours]
    cross: list[CourseHours]


def overview(year: AcademicYear, on: datetime.date | None = None) -> Overview:
    """For each class of the year: lessons placed on `on` against the hours per week of its courses (two queries)."""
    day = day_in_year(year, on)
    classes = list(SchoolClass.objects.filter(year=year).order_by("grade", "letter"))
    courses = (
        Course.objects.filter(year=year)
        .select_related("subject", "group")
        .annotate(
            placed=Count("timetable_entries", filter=covering(day, "timetable_entries__"), distinct=True)
        )
        .order_by("group__kind", "group__name", "subject__position", "subject__name")
    )
    by_class: dict[int, list[CourseHours]] = defaultdict(list)
    cross = []
    for course in courses:
        hours = CourseHours(course, course.placed)
        if course.group.school_class_id:
            by_class[course.group.school_class_id].append(hours)
        else:
            cross.append(hours)
    return Overview(on=day, classes=[ClassHours(c, by_class[c.pk]) for c in classes], cross=cross)


# Following a course's change of teacher


@transaction.atomic
def follow_course_teachers(*, actor, course: Course, on_date: datetime.date) -> list[TimetableEntry]:
    """Timetable entries of `course` from `on_date` on pass to the course's teacher(s) of that date.

    An entry whose teacher still teaches the course stays; others are replaced from
    `on_date` (or corrected, if they start later) with the course's first teacher —
    refused, like any placement, when that teacher is busy at that time.
    """
    teaching = list(
        CourseTeacher.objects.filter(covering(on_date), course=course)
        .order_by("starts", "pk")
        .values_list("teacher_id", flat=True)
    )
    if not teaching:
        return []
    stale = (
        TimetableEntry.objects.filter(course=course)
        .filter(Q(ends__isnull=True) | Q(ends__gte=on_date))
        .exclude(teacher_id__in=teaching)
    )
    new_teacher = Person.objects.get(pk=teaching[0])
    return [
        replace_from(actor=actor, entry=entry, on_date=max(on_date, entry.starts), teacher=new_teacher)
        for entry in stale.order_by("starts", "pk")
    ]
