"""Resets by the school (R-ACC-2): a temporary password on a login slip, and a lost second factor.

A reset password is printed once and never stored in plain text; the login must choose a new one at
its first sign-in with it (`User.must_change_password`, enforced by accounts.middleware). It signs in for
settings.TEMPORARY_PASSWORD_DAYS (`User.temporary_password_until`, printed on the slip); after that the
right password is refused with a message to ask the school for a new one, and the refusal is audited. Every reset
ends the login's sessions and unlocks it. A login that is linked to a person in another school, or
the district operator's, is never reset by one school: the school would take over roles it does not
grant.
"""

from __future__ import annotations

import datetime
import secrets
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import audit, rules
from ..models import Person, Role
from ..selectors import person_roles
from .security import _end_other_sessions

# Lower-case letters and digits that cannot be mistaken for one another on paper (no 0/o, 1/l/i).
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class Slip(NamedTuple):
    person: Person
    label: str
    username: str
    password: str
    valid_until: datetime.datetime


def temporary_password() -> str:
    """Fifteen characters in three groups («k7qm-2xd9-prt4»): about 74 bits, easy to copy from paper."""
    raw = "".join(secrets.choice(PASSWORD_ALPHABET) for _i in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def _lock_login(person: Person):
    """The person's login, row-locked; refused when another school or the operator shares it."""
    person = Person.objects.select_related("school").get(pk=person.pk)
    if person.user_id is None:
        raise ValidationError(_("%(name)s has no login yet.") % {"name": person.full_name})
    user = get_user_model().objects.select_for_update().get(pk=person.user_id)
    if user.is_superuser or user.people.exclude(school_id=person.school_id).exists():
        raise ValidationError(
            _("The login of %(name)s is also used in another school: only the district operator resets it.")
            % {"name": person.full_name}
        )
    return person, user


def reset_login(actor, person: Person, label: str) -> Slip:
    """A temporary password for the person's login, audited; the caller has checked the rule."""
    person, user = _lock_login(person)
    password = temporary_password()
    user.set_password(password)
    user.temporary_password_until = timezone.now() + datetime.timedelta(days=settings.TEMPORARY_PASSWORD_DAYS)
    user.must_change_password = True
    user.failed_login_count = 0
    user.locked_until = None
    user.save(
        update_fields=[
            "password",
            "temporary_password_until",
            "must_change_password",
            "failed_login_count",
            "locked_until",
        ]
    )
    _end_other_sessions(user)
    audit.record(
        actor,
        "password_reset_by_school",
        user,
        summary=person.short_name,
        data={
            "person": person.pk,
            "sessions_ended": True,
            "valid_until": user.temporary_password_until.isoformat(),
        },
    )
    return Slip(person, label, user.username, password, user.temporary_password_until)


def expired_temporary_password(user, *, actor) -> str | None:
    """The message refusing a sign-in with a school's temporary password past its date (audited), or None.

    Asked only once the password was found right, so it tells nothing to someone guessing.
    """
    until = user.temporary_password_until
    if until is None or until > timezone.now():
        return None
    audit.record(
        actor,
        "login_refused_temporary_password_expired",
        user,
        school=user.last_school,
        data={"valid_until": until.isoformat()},
    )
    day = formats.date_format(timezone.localtime(until), "d.m.Y")
    return _(
        "The temporary password from your slip was valid until %(date)s. Ask the school for a new one."
    ) % {"date": day}


def _label(person: Person) -> str:
    return ", ".join(str(Role(r).label) for r in person_roles(person))


@transaction.atomic
def reset_password(*, actor, person: Person) -> Slip:
    """A new temporary password for one person's login, to print; the login must change it at sign-in."""
    if not rules.may_reset_login(actor, person):
        raise PermissionDenied("accounts.rules.may_reset_login")
    return reset_login(actor, person, _label(person))


def remove_second_factor(user) -> int:
    """Delete the login's authenticators and backup codes (rows removed); the caller ends its sessions and audits."""
    return (
        TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    )


@transaction.atomic
def reset_second_factor(*, actor, person: Person) -> None:
    """Remove a login's authenticator and backup codes (a lost phone); it sets a new one up at its next
    sign-in before anything else, also where the school does not make two-factor mandatory (a login that
    had chosen two-factor keeps it). Ends the login's sessions."""
    if not rules.may_reset_second_factor(actor, person):
        raise PermissionDenied("accounts.rules.may_reset_second_factor")
    person, user = _lock_login(person)
    removed = remove_second_factor(user)
    if removed:
        user.must_set_up_second_factor = True
        user.save(update_fields=["must_set_up_second_factor"])
    _end_other_sessions(user)
    audit.record(
        actor,
        "2fa_reset_by_school",
        user,
        summary=person.short_name,
        data={"person": person.pk, "devices_removed": removed, "sessions_ended": True},
    )


@transaction.atomic
def finish_reset_by_mail(*, actor, form) -> None:
    """Set the password a parent chose through the link of a reset mail; ends the login's sessions and
    unlocks it."""
    user = form.save(commit=False)
    user.must_change_password = False
    user.failed_login_count = 0
    user.locked_until = None
    user.save()
    _end_other_sessions(user)
    audit.record(
        actor, "password_reset_by_mail", user, school=user.last_school, data={"sessions_ended": True}
    )
