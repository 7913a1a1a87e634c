"""Set forms of the structure's services, for a builder that writes a whole school at once (the demo
school): subjects, rooms, classes with their whole-class groups, subgroups, enrollments, group
memberships, class teachers and courses, and the end of a year's stays (enrollments, memberships and
timetable entries). The timetable's own set form is `schedule.timetable.place_lessons`.

Each checks the same domain rules as its single-row service (`structure`, `people`), over the whole
batch in a fixed number of queries, refuses the batch if any row breaks one (a `ValidationError` keyed
by the service's argument), inserts each table in one statement and writes one audit event for the
batch, whose summary is the caller's `note`.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Person, School, Student

from ..models import (
    AcademicYear,
    Building,
    Course,
    CourseTeacher,
    Enrollment,
    GroupMembership,
    Room,
    SchoolClass,
    StudyGroup,
    Subject,
    TimetableEntry,
)
from .checks import (
    GRADES,
    Errors,
    check_dates,
    check_teachers,
    covered,
    database_checks,
    fmt,
    iso,
    lock_open_year,
)

BATCH = 1000


def _record(actor, action: str, school, note: str, **data) -> None:
    audit.record(actor, action, None, school=school, summary=note, data=data)


def _check_school(errors: Errors, field: str, school_id: int, objs: Iterable) -> None:
    if any(o.school_id != school_id for o in objs):
        errors.add(field, _("This choice does not belong to your school."))


def _duplicates(names: Iterable) -> set:
    return {n for n, count in Counter(names).items() if count > 1}


@transaction.atomic
def create_subjects(*, actor, school: School, subjects: Sequence[Subject], note: str = "") -> list[Subject]:
    """`create_subject` for many: each name given once, none taken by a subject of the school."""
    errors = Errors()
    for s in subjects:
        s.school_id = school.pk
        s.name = (s.name or "").strip()
        s.short_name = (s.short_name or "").strip() or s.name[:30]
    names = [s.name for s in subjects]
    taken = _duplicates(names) | set(
        Subject.objects.filter(school=school, name__in=names).values_list("name", flat=True)
    )
    if "" in names:
        errors.add("subjects", _("This field is required."))
    if taken:
        errors.add("subjects", _("A subject with this name already exists."))
    errors.raise_if_any()
    with database_checks():
        created = Subject.objects.bulk_create(subjects, batch_size=BATCH)
    _record(actor, "create_subjects", school, note, subjects=len(created))
    return created


@transaction.atomic
def create_rooms(
    *,
    actor,
    building: Building,
    rooms: Sequence[tuple[Room, Sequence[Subject]]],
    note: str = "",
) -> list[Room]:
    """`save_room` for many new rooms of one building, each with the subjects it suits."""
    errors = Errors()
    school_id = building.school_id
    _check_school(errors, "subjects", school_id, (s for _r, subjects in rooms for s in subjects))
    names = [(r.name or "").strip() for r, _s in rooms]
    taken = _duplicates(names) | set(
        Room.objects.filter(building=building, name__in=names).values_list("name", flat=True)
    )
    if taken:
        errors.add("rooms", _("This building already has a room with this name."))
    errors.raise_if_any()
    for (room, _s), name in zip(rooms, names, strict=True):
        room.school_id, room.building, room.name = school_id, building, name
    with database_checks():
        created = Room.objects.bulk_create([r for r, _s in rooms], batch_size=BATCH)
        Through = Room.subjects.through
        Through.objects.bulk_create(
            [
                Through(room_id=r.pk, subject_id=s.pk)
                for r, (_r, ss) in zip(created, rooms, strict=True)
                for s in ss
            ],
            batch_size=BATCH,
        )
    _record(actor, "create_rooms", building.school, note, building=building.pk, rooms=len(created))
    return created


@transaction.atomic
def create_classes(
    *, actor, year: AcademicYear, classes: Sequence[tuple[int, str]], note: str = ""
) -> tuple[list[SchoolClass], list[StudyGroup]]:
    """`create_class` for many: the classes (grade, letter) of an open year and their whole-class groups,
    in the order given; no name twice, none taken by a class or group of the year."""
    year = lock_open_year(year)
    errors = Errors()
    classes = [(grade, (letter or "").strip().upper()) for grade, letter in classes]
    if any(grade not in GRADES for grade, _l in classes):
        errors.add("classes", _("The grade must be between 1 and 11."))
    if any(not letter for _g, letter in classes):
        errors.add("classes", _("This field is required."))
    names = [f"{grade}{letter}" for grade, letter in classes]
    wanted = set(classes)
    taken = _duplicates(names)
    taken |= {c.name for c in SchoolClass.objects.filter(year=year) if (c.grade, c.letter) in wanted}
    taken |= set(StudyGroup.objects.filter(year=year, name__in=names).values_list("name", flat=True))
    for name in sorted(taken):
        errors.add("classes", _("Class %(name)s already exists in %(year)s."), name=name, year=year.name)
    errors.raise_if_any()
    school_id = year.school_id
    with database_checks():
        created = SchoolClass.objects.bulk_create(
            [SchoolClass(school_id=school_id, year=year, grade=g, letter=x) for g, x in classes],
            batch_size=BATCH,
        )
        groups = StudyGroup.objects.bulk_create(
            [
                StudyGroup(
                    school_id=school_id,
                    year=year,
                    kind=StudyGroup.Kind.WHOLE_CLASS,
                    name=c.name,
                    grade=c.grade,
                    school_class=c,
                )
                for c in created
            ],
            batch_size=BATCH,
        )
    _record(actor, "create_classes", year.school, note, year=year.pk, classes=names)
    return created, groups


@transaction.atomic
def create_subgroups(
    *, actor, year: AcademicYear, groups: Sequence[tuple[SchoolClass, str]], note: str = ""
) -> list[StudyGroup]:
    """`create_group` for many subgroups: (class, name) each, the class of this open year, no name taken."""
    year = lock_open_year(year)
    errors = Errors()
    groups = [(c, (name or "").strip()) for c, name in groups]
    if any(c.year_id != year.pk for c, _n in groups):
        errors.add("groups", _("Choose a class of this year."))
    names = [name for _c, name in groups]
    if "" in names:
        errors.add("groups", _("This field is required."))
    taken = _duplicates(names) | set(
        StudyGroup.objects.filter(year=year, name__in=names).values_list("name", flat=True)
    )
    if taken:
        errors.add("groups", _("A group with this name already exists in this year."))
    errors.raise_if_any()
    with database_checks():
        created = StudyGroup.objects.bulk_create(
            [
                StudyGroup(
                    school_id=year.school_id,
                    year=year,
                    kind=StudyGroup.Kind.SUBGROUP,
                    name=name,
                    grade=c.grade,
                    school_class=c,
                )
                for c, name in groups
            ],
            batch_size=BATCH,
        )
    _record(actor, "create_groups", year.school, note, year=year.pk, groups=len(created))
    return created


def _check_stays(errors: Errors, year: AcademicYear, stays: Sequence) -> None:
    """Each stay (an enrollment or a membership) of a student of the school, inside the year."""
    _check_school(errors, "student", year.school_id, (x.student for x in stays))
    for x in stays:
        x.school_id = year.school_id
        check_dates(errors, year, x.starts, x.ends)
        if errors:
            return


def _clash(stays: Sequence, saved: Iterable, key) -> tuple | None:
    """A new stay of `stays` and another (given or `saved`) with the same `key` that share a day."""
    ranges = defaultdict(list)
    for x in (*stays, *saved):
        ranges[key(x)].append(x)
    for rows in ranges.values():
        rows.sort(key=lambda x: x.starts)
        for a, b in zip(rows, rows[1:], strict=False):
            if a.ends is None or b.starts <= a.ends:
                return (a, b) if a.pk is None else (b, a)
    return None


def _lock_students(ids: Iterable[int]) -> None:
    """Serialise with the single-row services, which lock the student's row before a move."""
    list(Student.objects.select_for_update().filter(pk__in=sorted(set(ids))).values_list("pk", flat=True))


@transaction.atomic
def enroll_students(
    *, actor, year: AcademicYear, stays: Sequence[Enrollment], note: str = ""
) -> list[Enrollment]:
    """`enroll_student` for many stays of one open year, kept in the order given: each student of the
    school in a class of the year, inside the year, and in one class at a time (the stays given
    and those already saved)."""
    year = lock_open_year(year)
    errors = Errors()
    classes = {e.school_class_id: e.school_class for e in stays}
    if any(c.year_id != year.pk for c in classes.values()):
        errors.add("school_class", _("Choose a class of this year."))
    _check_stays(errors, year, stays)
    errors.raise_if_any()
    for e in stays:
        e.arrival_note, e.departure_note = (e.arrival_note or "").strip(), (e.departure_note or "").strip()
    student_ids = {e.student_id for e in stays}
    _lock_students(student_ids)
    saved = Enrollment.objects.filter(student_id__in=student_ids).select_related("school_class")
    clash = _clash(stays, saved, key=lambda e: e.student_id)
    if clash:
        stay, other = clash
        errors.add(
            "student",
            _(
                "%(student)s is in class %(class)s from %(starts)s to %(ends)s; "
                "use a transfer or end that stay first."
            ),
            student=stay.student.person.short_name,
            **{"class": other.school_class.name},
            starts=fmt(other.starts),
            ends=fmt(other.ends),
        )
    errors.raise_if_any()
    with database_checks():
        created = Enrollment.objects.bulk_create(stays, batch_size=BATCH)
    _record(actor, "enroll_students", year.school, note, year=year.pk, enrollments=len(created))
    return created


@transaction.atomic
def add_group_members(
    *, actor, year: AcademicYear, memberships: Sequence[GroupMembership], note: str = ""
) -> list[GroupMembership]:
    """`add_group_member` for many memberships of subgroups and cross-class groups of one open year,
    kept in the order given: inside the year, no stay in a group twice at once, and each student
    enrolled in the group's class (or a class of its grade) on every day of the stay."""
    year = lock_open_year(year)
    errors = Errors()
    groups = {m.group_id: m.group for m in memberships}
    if any(g.year_id != year.pk for g in groups.values()):
        errors.add("group", _("Choose a group of this year."))
    if any(g.kind == StudyGroup.Kind.WHOLE_CLASS for g in groups.values()):
        errors.add(
            NON_FIELD_ERRORS,
            _("A whole-class group follows the class enrollments; enroll the student in the class instead."),
        )
    _check_stays(errors, year, memberships)
    errors.raise_if_any()
    student_ids = {m.student_id for m in memberships}
    _lock_students(student_ids)
    saved = GroupMembership.objects.filter(student_id__in=student_ids, group_id__in=groups)
    clash = _clash(memberships, saved, key=lambda m: (m.student_id, m.group_id))
    if clash:
        stay, other = clash
        errors.add(
            "starts",
            _("%(student)s is already in this group from %(starts)s to %(ends)s."),
            student=stay.student.person.short_name,
            starts=fmt(other.starts),
            ends=fmt(other.ends),
        )
    errors.raise_if_any()
    enrolled = defaultdict(list)  # student → (class id, grade, starts, ends) of its stays this year
    rows = Enrollment.objects.filter(student_id__in=student_ids, school_class__year=year)
    for sid, cid, grade, s, e in rows.values_list(
        "student_id", "school_class_id", "school_class__grade", "starts", "ends"
    ):
        enrolled[sid].append((cid, grade, s, e or year.ends))
    for m in memberships:
        g = groups[m.group_id]
        ranges = [
            (s, e)
            for cid, grade, s, e in enrolled[m.student_id]
            if (cid == g.school_class_id if g.kind == StudyGroup.Kind.SUBGROUP else grade == g.grade)
        ]
        if not covered(ranges, m.starts, m.ends or year.ends):
            if g.kind == StudyGroup.Kind.SUBGROUP:
                errors.add(
                    "student",
                    _("%(student)s is not in class %(class)s for all of these dates."),
                    student=m.student.person.short_name,
                    **{"class": g.school_class.name},
                )
            else:
                errors.add(
                    "student",
                    _("%(student)s is not in a grade %(grade)s class for all of these dates."),
                    student=m.student.person.short_name,
                    grade=g.grade,
                )
            break
    errors.raise_if_any()
    with database_checks():
        created = GroupMembership.objects.bulk_create(memberships, batch_size=BATCH)
    _record(actor, "add_group_members", year.school, note, year=year.pk, memberships=len(created))
    return created


@transaction.atomic
def set_class_teachers(
    *, actor, year: AcademicYear, leads: Sequence[tuple[SchoolClass, Person]], note: str = ""
) -> None:
    """`update_class`'s class teacher for many classes of an open year: each a teacher of the school."""
    year = lock_open_year(year)
    errors = Errors()
    if any(c.year_id != year.pk for c, _t in leads):
        errors.add("leads", _("Choose a class of this year."))
    check_teachers(errors, year.school_id, "class_teacher", {t.pk: t for _c, t in leads}.values())
    errors.raise_if_any()
    for c, t in leads:
        c.class_teacher = t
    SchoolClass.objects.bulk_update([c for c, _t in leads], ["class_teacher"], batch_size=BATCH)
    _record(
        actor, "set_class_teachers", year.school, note, year=year.pk, leads={c.pk: t.pk for c, t in leads}
    )


@transaction.atomic
def create_courses(
    *,
    actor,
    year: AcademicYear,
    courses: Sequence[tuple[Course, Person]],
    starts: datetime.date | None = None,
    note: str = "",
) -> list[Course]:
    """`create_course` for many (course, its teacher) of an open year, taught from `starts` (the year's
    first day by default): a group of the year, a subject and a teacher of the school, the hours
    more than 0 and less than 100, a subject taught to a group once. The teachers are also recorded
    as teaching their subjects (the subject's teachers of `save_subject`)."""
    year = lock_open_year(year)
    starts = starts or year.starts
    errors = Errors()
    if any(c.group.year_id != year.pk for c, _t in courses):
        errors.add("group", _("Choose a group of this year."))
    _check_school(errors, "subject", year.school_id, (c.subject for c, _t in courses))
    check_teachers(errors, year.school_id, "teachers", {t.pk: t for _c, t in courses}.values())
    if any(c.hours_per_week is None or not (0 < Decimal(c.hours_per_week) < 100) for c, _t in courses):
        errors.add("hours_per_week", _("Hours per week must be more than 0 and less than 100."))
    check_dates(errors, year, starts, None)
    pairs = [(c.group_id, c.subject_id) for c, _t in courses]
    groups = {g for g, _s in pairs}
    taught = _duplicates(pairs) | set(
        Course.objects.filter(group_id__in=groups).values_list("group_id", "subject_id")
    ) & set(pairs)
    if taught:
        errors.add("subject", _("This subject is already taught to this group."))
    errors.raise_if_any()
    for c, _t in courses:
        c.school_id, c.year = year.school_id, year
    with database_checks():
        created = Course.objects.bulk_create([c for c, _t in courses], batch_size=BATCH)
        CourseTeacher.objects.bulk_create(
            [
                CourseTeacher(school_id=year.school_id, course=c, teacher=t, starts=starts)
                for c, (_c, t) in zip(created, courses, strict=True)
            ],
            batch_size=BATCH,
        )
        Through = Subject.teachers.through
        Through.objects.bulk_create(
            [
                Through(subject_id=s, person_id=p)
                for s, p in sorted({(c.subject_id, t.pk) for c, t in courses})
            ],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
    _record(
        actor, "create_courses", year.school, note, year=year.pk, courses=len(created), starts=iso(starts)
    )
    return created


def _lock_stays(model, stays: Sequence, year_field: str) -> dict[int, tuple]:
    """The saved rows of `stays` under a row lock: pk → (starts, ends, year id)."""
    rows = model.objects.select_for_update(of=("self",)).filter(pk__in=[x.pk for x in stays])
    return {pk: (s, e, y) for pk, s, e, y in rows.values_list("pk", "starts", "ends", year_field)}


def _check_ending(errors: Errors, field: str, year: AcademicYear, stays: Sequence, saved: dict, ends) -> None:
    """Each stay of the year, begun by `ends` and not ended before it (a stay is shortened, never lengthened)."""
    if any(saved.get(x.pk, (None, None, None))[2] != year.pk for x in stays):
        errors.add(
            field,
            _("Choose a class of this year.")
            if field == "enrollments"
            else _("Choose a group of this year."),
        )
        return
    for x in stays:
        starts, was, _y = saved[x.pk]
        check_dates(errors, year, starts, ends)
        if was is not None and was < ends:
            errors.add("ends", _("This entry already ends on %(date)s."), date=fmt(was))
        if errors:
            return


@transaction.atomic
def end_stays(
    *,
    actor,
    year: AcademicYear,
    ends: datetime.date,
    enrollments: Sequence[Enrollment] = (),
    memberships: Sequence[GroupMembership] = (),
    entries: Sequence[TimetableEntry] = (),
    note: str = "",
) -> None:
    """`end_enrollment`, `end_group_membership` and `remove_entry` for many stays of one open year that end
    on the same last day `ends` (the year's end: its stays close so the next year's can begin): each an
    enrollment, a group membership or a weekly timetable entry of this year, begun by `ends` and not ended
    before it, `ends` inside the year. An enrollment keeps the departure note it carries. As
    `end_enrollment` does, the ended students' other stays in their class's subgroups and its grade's
    groups across classes that run past `ends` end with it (and go, if they had not begun).

    The rows are locked and re-read; the objects given are changed in place. A shortened stay cannot
    meet another, so the one-class-at-a-time check of `end_enrollment` has nothing to find.
    """
    year = lock_open_year(year)
    errors = Errors()
    check_dates(errors, year, ends, None, start_field="ends")
    if ends is None:
        errors.add("ends", _("This field is required."))
    errors.raise_if_any()
    student_ids = {e.student_id for e in enrollments}
    _lock_students(student_ids)
    saved = {
        "enrollments": _lock_stays(Enrollment, enrollments, "school_class__year_id") if enrollments else {},
        "memberships": _lock_stays(GroupMembership, memberships, "group__year_id") if memberships else {},
        "entries": _lock_stays(TimetableEntry, entries, "year_id") if entries else {},
    }
    for field, stays in (("enrollments", enrollments), ("memberships", memberships), ("entries", entries)):
        _check_ending(errors, field, year, stays, saved[field], ends)
    errors.raise_if_any()
    cut, gone = [], []
    if enrollments:
        # end_enrollment's cut, for every ended student at once: their groups of the class and its grade.
        left = {(e.student_id, e.school_class_id) for e in enrollments}
        grade_of = dict(SchoolClass.objects.filter(pk__in={c for _s, c in left}).values_list("pk", "grade"))
        left_grade = {(s, grade_of[c]) for s, c in left}
        rows = (
            GroupMembership.objects.select_for_update(of=("self",))
            .filter(student_id__in=student_ids, group__year=year)
            .filter(Q(ends__isnull=True) | Q(ends__gt=ends))
            .exclude(pk__in=[m.pk for m in memberships])
            .values_list(
                "pk", "student_id", "starts", "group__kind", "group__school_class_id", "group__grade"
            )
        )
        for pk, student_id, starts, kind, class_id, grade in rows:
            if (kind == StudyGroup.Kind.SUBGROUP and (student_id, class_id) in left) or (
                kind == StudyGroup.Kind.CROSS_CLASS and (student_id, grade) in left_grade
            ):
                (gone if starts > ends else cut).append(pk)
    notes = defaultdict(list)
    for e in enrollments:
        e.ends, e.departure_note = ends, (e.departure_note or "").strip()
        notes[e.departure_note].append(e.pk)
    for x in (*memberships, *entries):
        x.ends = ends
    with database_checks():
        if enrollments:
            Enrollment.objects.filter(pk__in=saved["enrollments"]).update(
                ends=ends,
                departure_note=Case(
                    *(When(pk__in=pks, then=Value(text)) for text, pks in notes.items()),
                    default=F("departure_note"),
                ),
            )
        if memberships or cut:
            GroupMembership.objects.filter(pk__in=[*saved["memberships"], *cut]).update(ends=ends)
        if gone:
            GroupMembership.objects.filter(pk__in=gone).delete()
        if entries:
            TimetableEntry.objects.filter(pk__in=saved["entries"]).update(ends=ends)
    _record(
        actor,
        "end_stays",
        year.school,
        note,
        year=year.pk,
        ends=iso(ends),
        enrollments=len(enrollments),
        memberships=len(memberships) + len(cut),
        memberships_removed=len(gone),
        entries=len(entries),
    )
