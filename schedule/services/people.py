"""People in classes and groups (R-SET-4): a student's enrollment in a class (one class at a
time), leaving it, a transfer between classes of one year, and memberships of subgroups and
cross-class groups (only while enrolled in the class or grade they split); a new person created
with a class, and the roles a person keeps while a class holds them.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Person, Role, Student
from accounts.selectors import local_today
from accounts.services import people

from ..models import AcademicYear, Enrollment, GroupMembership, SchoolClass, StudyGroup
from ..selectors import current_open_year
from ..selectors_people import class_date
from .checks import (
    DAY,
    Errors,
    check_dates,
    check_school,
    covered,
    fmt,
    iso,
    lock_open_year,
    overlapping,
    refuse,
    save,
)

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


# A person with a class


def create_person(
    *, actor, school_class: SchoolClass | None = None, enrolled_from: datetime.date | None = None, **fields
) -> Person:
    """A new person of the actor's school (`accounts.services.people.create_person`); a student given a
    class is enrolled into it at once, from `enrolled_from` (default the school's today in the class's year),
    inside the person's transaction."""
    if school_class is None:
        return people.create_person(actor=actor, **fields)

    def enrol(person: Person, roles: set[str]) -> dict:
        if Role.STUDENT not in roles:
            raise ValidationError({"school_class": _("Only a student can be enrolled into a class.")})
        starts = enrolled_from or class_date(school_class, local_today(actor.school))
        year = current_open_year(actor.school)
        if school_class.school_id != actor.school.pk or year is None or school_class.year_id != year.pk:
            raise ValidationError({"school_class": _("Choose a class of the current school year.")})
        if not school_class.year.contains(starts):
            raise ValidationError({"enrolled_from": _("The date must fall within the class's school year.")})
        enrollment = enroll_student(
            actor=actor, student=person.student, school_class=school_class, starts=starts
        )
        return {"enrollment": {"class": school_class.name, "starts": starts.isoformat(), "id": enrollment.pk}}

    return people.create_person(actor=actor, after_roles=enrol, **fields)


def enrolled_student_refusal(person: Person) -> str | None:
    """Registered with accounts (schedule/apps.py): a student with class enrolments keeps the role."""
    if Enrollment.objects.filter(student__person=person).exists():
        return _("This student has class enrolments; record their departure instead.")
    return None


def class_teacher_refusal(person: Person) -> str | None:
    """Registered with accounts (schedule/apps.py): a teacher leading a class of an open year keeps the role."""
    if SchoolClass.objects.filter(class_teacher=person, year__status=AcademicYear.Status.OPEN).exists():
        return _("This teacher leads a class; appoint another class teacher first.")
    return None
