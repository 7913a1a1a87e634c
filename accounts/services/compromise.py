"""A login reported compromised (R-ACC-7, seed 001 §3.3–3.4).

The report is an `AuditEvent` ("account_compromised", append-only) naming the login and the
moment from which its actions are in doubt; no table of its own. Reporting ends every session of
the login at once (the session generation) and makes it set a new password before anything else;
a staff login (or the operator's) also loses its authenticator and backup codes and must set up a
second factor again right after the new password, even where the school does not make it mandatory
(`User.must_set_up_second_factor`, enforced by accounts.second_factor.gate). A family login sets a
new password only.
The journal lists and rolls back what the login changed after that moment (`journal.rollback.services`).

Who reports: the school admin, for a login that has a person in their school; the district
operator, for a login of a school admin (the admin being compromised cannot be trusted to report
it). A report is filed under the school it names.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit
from ..models import AuditEvent, Role, School, StaffRole
from .resets import remove_second_factor
from .security import _end_other_sessions

COMPROMISED = "account_compromised"


def may_report(actor, user, school: School) -> bool:
    """The school's admin for any login of the school; the operator for a login of an admin of it."""
    if not getattr(actor, "is_authenticated", False) or user.pk == actor.user.pk:
        return False
    if actor.is_operator:
        return StaffRole.objects.filter(school=school, person__user=user, role=Role.ADMIN).exists()
    return (
        actor.school is not None
        and actor.school.pk == school.pk
        and actor.has_role(Role.ADMIN)
        and user.people.filter(school=school).exists()
    )


@transaction.atomic
def report_compromised(*, actor, user, school: School, since: datetime.datetime) -> AuditEvent:
    """Report `user` compromised from `since`: its sessions end, it must set a new password (and, staff,
    a new second factor); audited."""
    if not may_report(actor, user, school):
        raise PermissionDenied(
            _("Only the school admin (or the district operator, for an admin) can do this.")
        )
    now = timezone.now()
    if since > now:
        raise ValidationError({"since": _("The moment cannot be in the future.")})
    if since < now - datetime.timedelta(days=366):
        raise ValidationError({"since": _("The moment must be within the last year.")})
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    staff = user.is_superuser or StaffRole.objects.filter(person__user=user).exists()
    user.must_change_password = True
    user.must_set_up_second_factor = staff
    user.save(update_fields=["must_change_password", "must_set_up_second_factor"])
    removed = remove_second_factor(user) if staff else 0
    _end_other_sessions(user)
    return audit.record(
        actor,
        COMPROMISED,
        user,
        school=school,
        summary=f"{user.username} · {since.isoformat(timespec='minutes')}",
        data={
            "user": user.pk,
            "since": since.isoformat(),
            "reported_at": now.isoformat(),
            "second_factor_reset": staff,
            "devices_removed": removed,
        },
    )


def reports_of(school: School):
    """The school's compromise reports, newest first."""
    return AuditEvent.objects.filter(school=school, action=COMPROMISED).order_by("-at")


def since_of(report: AuditEvent) -> datetime.datetime:
    return datetime.datetime.fromisoformat(report.data["since"])
