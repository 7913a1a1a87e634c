"""Who may do what in accounts (people, logins, invite codes, consent).

| rule                     | admin | director | deputy | class teacher      | teacher | student | parent |
|--------------------------|-------|----------|--------|--------------------|---------|---------|--------|
| manage_people            | yes   | –        | –      | –                  | –       | –       | –      |
| view_people              | yes   | yes      | yes    | –                  | –       | –       | –      |
| issue_invites_for_class  | yes   | –        | –      | own class only     | –       | –       | –      |
| manage_consent           | yes   | –        | –      | –                  | –       | –       | –      |
| manage_school_settings   | yes   | –        | –      | –                  | –       | –       | –      |
| own_security (2FA, pwd)  | any signed-in user                                                             |

The district operator (superuser) creates schools and their first admin and
sees none of a school's people.
"""

from . import selectors
from .models import ParentLink, Role


def manage_people(actor) -> bool:
    return actor.has_role(Role.ADMIN)


def view_people(actor) -> bool:
    return actor.has_role(Role.ADMIN, Role.DIRECTOR, Role.DEPUTY)


def manage_consent(actor) -> bool:
    return actor.has_role(Role.ADMIN)


def manage_school_settings(actor) -> bool:
    return actor.has_role(Role.ADMIN)


def is_class_teacher_of(actor, school_class) -> bool:
    return bool(
        actor.person is not None
        and school_class.class_teacher_id == actor.person.pk
        and actor.has_role(Role.TEACHER)
    )


def issue_invites_for_class(actor, school_class) -> bool:
    return actor.has_role(Role.ADMIN) or is_class_teacher_of(actor, school_class)


def any_class_to_invite(actor) -> bool:
    """Sees the invite-codes page at all: admins, and teachers (who see only their own classes)."""
    return actor.has_role(Role.ADMIN, Role.TEACHER)


def signed_in(actor) -> bool:
    return actor.is_authenticated


def may_issue_invite_for(actor, person, role: str | None = None) -> bool:
    """The admin issues codes for anyone; a class teacher for the students of their classes and their parents.

    `role=None` asks "for any role at all".
    """
    if actor.school is None or person.school_id != actor.school.pk:
        return False
    if actor.has_role(Role.ADMIN):
        return True
    if role not in (None, Role.STUDENT, Role.PARENT):
        return False
    for school_class in selectors.invite_classes(actor):
        students = selectors.class_students(school_class)
        if role in (None, Role.STUDENT) and students.filter(pk=person.pk).exists():
            return True
        if (
            role in (None, Role.PARENT)
            and ParentLink.objects.filter(parent__person=person, student__person__in=students).exists()
        ):
            return True
    return False
