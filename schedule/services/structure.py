"""The structure of a year: buildings, rooms and subjects; classes and their groups; courses and
who teaches them (the weekly timetable follows a course to its new teacher); and the read access to
a class granted beyond the roles (django-guardian).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts import audit
from accounts.models import Person, Role, StaffRole

from ..models import (
    AcademicYear,
    Building,
    Course,
    CourseTeacher,
    Room,
    SchoolClass,
    StudyGroup,
    Subject,
)
from ..rules import CLASS_GRANT
from ..timetable import follow_course_teachers
from .checks import (
    DAY,
    GRADES,
    Errors,
    check_dates,
    check_school,
    check_teachers,
    database_checks,
    iso,
    lock_open_year,
    refuse,
    save,
)

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
