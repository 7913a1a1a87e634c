"""Login slips and password resets for a class (R-ACC-2): fresh invite codes for its students and their
parents without a login, temporary passwords for those with one. One person's code or password:
`accounts.services.invites`, `accounts.services.resets`.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit, rules
from accounts.models import Person, Role
from accounts.services.invites import Slip, holds_staff_role, issue_code, may_grant_staff
from accounts.services.resets import Slip as PasswordSlip
from accounts.services.resets import reset_login

from ..models import AcademicYear, SchoolClass
from ..selectors_people import class_invite_rows


@transaction.atomic
def issue_class_slips(
    *, actor, school_class: SchoolClass, now: datetime.datetime | None = None
) -> list[Slip]:
    """Fresh codes for every student of the class and every parent of theirs who has no login yet."""
    if school_class.school_id != actor.school.pk or not rules.issue_invites_for_class(actor, school_class):
        raise PermissionDenied("accounts.rules.issue_invites_for_class")
    if school_class.year.status != AcademicYear.Status.OPEN:
        raise ValidationError(_("Login slips are printed only for classes of an open school year."))
    now = now or timezone.now()
    order, roles, children = [], {}, {}
    for row in class_invite_rows(school_class):
        if row.person.user_id is not None:
            continue
        if row.person.pk not in roles:
            order.append(row.person.pk)
            roles[row.person.pk] = row.role
        if row.role == Role.PARENT:
            # Surname and name: a slip has room for two or three children, not for patronymics.
            children.setdefault(row.person.pk, []).append(f"{row.child.last_name} {row.child.first_name}")
    # Locked in id order, so two printouts of one class at once wait for each other instead of deadlocking.
    people = Person.objects.select_for_update().select_related("school").order_by("pk").in_bulk(order)
    slips = []
    grants_staff = may_grant_staff(actor.user, actor.school)
    for pk in order:
        person, role = people[pk], roles[pk]
        if person.user_id is not None:  # joined between the read and the lock
            continue
        if not grants_staff and holds_staff_role(person):
            # A parent who also works at the school: their login would open the staff roles too.
            audit.record(
                actor,
                "invite_refused",
                person,
                summary="staff person, issuer is not the admin",
                data={"reason": "staff person, issuer is not the admin", "service": "issue_class_slips"},
            )
            continue
        if role == Role.PARENT:
            label = _("parent of %(child)s") % {"child": ", ".join(children[pk])}
        else:
            label = _("student of class %(class)s") % {"class": school_class.name}
        _invite, code = issue_code(actor, person, role, now)
        slips.append(Slip(person, role, code, label))
    audit.record(
        actor,
        "invite_slips_issued",
        school_class,
        summary=school_class.name,
        data={"class": school_class.pk, "count": len(slips)},
    )
    return slips


@transaction.atomic
def reset_class_passwords(*, actor, school_class: SchoolClass, people: list[int]) -> list[PasswordSlip]:
    """Temporary passwords for the chosen students and parents of a class who have a login."""
    if school_class.school_id != actor.school.pk or not rules.issue_invites_for_class(actor, school_class):
        raise PermissionDenied("accounts.rules.issue_invites_for_class")
    chosen = set(people)
    rows = [r for r in class_invite_rows(school_class) if r.person.pk in chosen and r.person.user_id]
    if {r.person.pk for r in rows} != chosen:
        raise PermissionDenied("a chosen person is not a student or parent of this class with a login")
    slips, seen = [], set()
    for row in sorted(rows, key=lambda r: r.person.pk):  # locks in id order: no deadlock between two resets
        if row.person.pk in seen:
            continue
        seen.add(row.person.pk)
        if not rules.may_reset_login(actor, row.person):
            raise PermissionDenied("accounts.rules.may_reset_login")
        if row.role == Role.PARENT:
            label = _("parent, class %(class)s") % {"class": school_class.name}
        else:
            label = _("student of class %(class)s") % {"class": school_class.name}
        slips.append(reset_login(actor, row.person, label))
    order = {r.person.pk: i for i, r in enumerate(rows)}
    return sorted(slips, key=lambda s: order[s.person.pk])
