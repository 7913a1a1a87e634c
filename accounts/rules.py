"""Who may do what in accounts (people, logins, invite codes, consent).

| rule                     | admin | director | deputy | class teacher      | teacher | student | parent |
|--------------------------|-------|----------|--------|--------------------|---------|---------|--------|
| manage_people            | yes   | –        | –      | –                  | –       | –       | –      |
| view_people              | yes   | yes      | yes    | –                  | –       | –       | –      |
| issue_invites_for_class  | yes   | –        | –      | own class only     | –       | –       | –      |
| manage_consent           | yes   | –        | –      | –                  | –       | –       | –      |
| may_reset_login          | yes   | –        | –      | own class's        | –       | –       | –      |
|                          |       |          |        | students, parents  |         |         |        |
| may_reset_second_factor  | yes   | –        | –      | –                  | –       | –       | –      |
| manage_school_settings   | yes   | –        | –      | –                  | –       | –       | –      |
| may_set_notifications    | –     | –        | –      | –                  | –       | –       | own    |
| is_operator              | the district operator only: the schools' pages                                 |
| view_jobs                | yes   | –        | –      | –                  | –       | –       | –      |
|                          | and the district operator                                                      |
| see_job_errors           | the district operator only                                                     |
| own_security (2FA, pwd)  | any signed-in user                                                             |

A class teacher never resets the login of someone on the school's staff (a parent who also teaches):
that login opens the staff roles too. A login shared with another school is reset by nobody here
(accounts.services.resets).

The district operator (superuser) creates schools and their first admin and
sees none of a school's people.

The periodic jobs are the deployment's, not a school's: the jobs page (view_jobs) is the operator's and
every school's admin's, and the error and result texts (see_job_errors), which may name any school's
data, are the operator's alone; an admin sees each run's outcome.
"""

from .models import ParentLink, Role, StaffRole

# The students of each class the actor leads in the current year, one queryset per class: accounts does not
# import schedule, which registers its selector when it loads (schedule/apps.py). Unregistered: nobody's.
_led_class_students = None


def register_led_class_students(selector) -> None:
    """schedule/apps.py: `selector(actor)` answers the students of each class the actor leads this year."""
    global _led_class_students
    _led_class_students = selector


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


def may_set_notifications(actor) -> bool:
    """Parents choose their own notifications (R-D-4); nobody else has any here."""
    return actor.parent is not None


def is_operator(actor) -> bool:
    """The district operator's pages: the schools, a new school, a school admin's compromised login."""
    return actor.is_operator


def view_jobs(actor) -> bool:
    """The periodic jobs page (R-CTL-6): the district operator and each school's admin."""
    return actor.is_operator or actor.has_role(Role.ADMIN)


def see_job_errors(actor) -> bool:
    """A job's error or result text may name any school's data: the operator's alone."""
    return actor.is_operator


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
    for students in _led_class_students(actor) if _led_class_students else []:
        if role in (None, Role.STUDENT) and students.filter(pk=person.pk).exists():
            return True
        if (
            role in (None, Role.PARENT)
            and ParentLink.objects.filter(parent__person=person, student__person__in=students).exists()
        ):
            return True
    return False


def may_reset_login(actor, person) -> bool:
    """A temporary password (R-ACC-2): the admin for anyone of the school with a login; a class teacher for
    their class's students and parents who hold no staff role."""
    if actor.school is None or person.school_id != actor.school.pk or person.user_id is None:
        return False
    if actor.has_role(Role.ADMIN):
        return True
    if StaffRole.objects.filter(person=person).exists():
        return False
    return may_issue_invite_for(actor, person)


def may_reset_second_factor(actor, person) -> bool:
    """Removing a lost second factor: the admin, for anyone of the school with a login."""
    return (
        actor.school is not None
        and person.school_id == actor.school.pk
        and person.user_id is not None
        and actor.has_role(Role.ADMIN)
    )
