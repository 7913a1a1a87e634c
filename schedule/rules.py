"""Who may do what with the school structure (years, periods, classes, groups, courses…).

| rule              | admin | director | deputy | class teacher  | teacher | student | parent |
|-------------------|-------|----------|--------|----------------|---------|---------|--------|
| manage_structure  | yes   | –        | –      | –              | –       | –       | –      |
| manage_periods    | yes   | –        | yes    | –              | –       | –       | –      |
| view_structure    | yes   | yes      | yes    | –              | –       | –       | –      |
| view_class (obj)  | yes   | yes      | yes    | own class only | granted | –       | –      |

- `manage_structure`: years, holidays, buildings, rooms, subjects, classes,
  groups, enrollments, group memberships, courses.
- `manage_periods`: reporting-period schemes, periods and which grade uses
  which scheme (SPEC §1: the deputy changes reporting periods).
- `view_class`: a class page (students with their movement history, groups,
  courses). `classes_visible_to` is its queryset twin.
- `may_open_class_pages` lets a request reach the class loader at all; the
  object rule then answers 403 for a class that is not the teacher's own.
- "granted": the exceptions no role expresses (a school psychologist or social
  pedagogue who follows one class) are django-guardian object permissions
  `schedule.view_schoolclass` that the admin grants and revokes on the class
  page (`services.grant_class_access`).

Timetable (SPEC §3):

| rule                          | admin | director | deputy | class teacher | teacher | student  | parent      |
|-------------------------------|-------|----------|--------|---------------|---------|----------|-------------|
| manage_timetable              | yes   | –        | yes    | –             | –       | –        | –           |
| view_timetables (any week)    | yes   | yes      | yes    | yes           | yes     | –        | –           |
| view_student_week (obj)       | yes   | yes      | yes    | yes           | yes     | own      | own children|
| record_substitution (obj)     | before the lesson starts: admin, deputy; afterwards: admin only (marked late)          |

- `manage_timetable`: bell schedules, the weekly timetable, generating the
  lesson calendar, one-off changes (cancel, move, extra lesson).
- Staff read every class, teacher and room week (the timetable hangs on the
  staff-room wall); students and parents read only their own / their
  children's week (R-ACC-4).

Objects of another school answer 404 whatever the role (`get_in_school`).
"""

import datetime
import zoneinfo

from django.db.models import Q, QuerySet
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from accounts.models import Role
from accounts.rules import is_class_teacher_of

from .models import Lesson, SchoolClass


def manage_structure(actor) -> bool:
    return actor.has_role(Role.ADMIN)


def manage_periods(actor) -> bool:
    return actor.has_role(Role.ADMIN, Role.DEPUTY)


def view_structure(actor) -> bool:
    return actor.has_role(Role.ADMIN, Role.DIRECTOR, Role.DEPUTY)


def may_open_class_pages(actor) -> bool:
    return view_structure(actor) or actor.has_role(Role.TEACHER)


CLASS_GRANT = "schedule.view_schoolclass"


def has_class_grant(actor, school_class) -> bool:
    """A guardian grant on this class (never the superuser shortcut: operators see no classes)."""
    if actor.is_operator or not actor.has_role(Role.TEACHER):
        return False
    return school_class.pk in granted_class_ids(actor)


def granted_class_ids(actor) -> set[int]:
    cache = getattr(actor, "_granted_class_ids", None)
    if cache is None:
        cache = set(
            get_objects_for_user(
                actor.user,
                CLASS_GRANT,
                klass=SchoolClass.objects.filter(school=actor.school),
                accept_global_perms=False,
                with_superuser=False,
            ).values_list("pk", flat=True)
        )
        actor._granted_class_ids = cache
    return cache


def view_class(actor, school_class) -> bool:
    return (
        view_structure(actor)
        or is_class_teacher_of(actor, school_class)
        or has_class_grant(actor, school_class)
    )


def classes_visible_to(actor) -> QuerySet[SchoolClass]:
    """The classes `view_class` allows, as a queryset (all years)."""
    classes = SchoolClass.objects.filter(school=actor.school)
    if view_structure(actor):
        return classes
    if actor.person is not None and actor.has_role(Role.TEACHER) and not actor.is_operator:
        return classes.filter(Q(class_teacher=actor.person) | Q(pk__in=granted_class_ids(actor)))
    return classes.none()


# Timetable


def manage_timetable(actor) -> bool:
    return actor.has_role(Role.ADMIN, Role.DEPUTY)


def view_timetables(actor) -> bool:
    return actor.is_staff_member


def view_student_week(actor, student) -> bool:
    """`student` is an accounts.Student."""
    if actor.is_staff_member:
        return True
    if actor.student is not None and actor.student.pk == student.pk:
        return True
    if actor.parent is not None:
        return actor.parent.links.filter(student=student).exists()
    return False


def record_substitution(actor, lesson: Lesson, now=None) -> bool:
    """Before the lesson begins the deputy or admin; afterwards only the admin (the service marks it late)."""
    if actor.has_role(Role.ADMIN):
        return True
    return actor.has_role(Role.DEPUTY) and not lesson_has_begun(lesson, now)


def lesson_has_begun(lesson: Lesson, now=None) -> bool:
    """Whether the lesson's start (in its school's time zone) has passed."""
    begins = datetime.datetime.combine(
        lesson.date, lesson.starts, tzinfo=zoneinfo.ZoneInfo(lesson.school.timezone)
    )
    return (now or timezone.now()) >= begins
