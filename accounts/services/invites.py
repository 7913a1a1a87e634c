"""Invite codes (R-ACC-1, R-ACC-2): issuing them and joining with one (a class's login slips:
`schedule.services.invites`).

A code binds to one person and role, is single-use and expires after
settings.INVITE_CODE_DAYS days. Only its hash is stored: the plain code is
returned once, to be shown or printed, and never again. Issuing a new code
for a person revokes their earlier unused ones, so only the newest slip works.
"""

from __future__ import annotations

import datetime
import re
from functools import wraps
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .. import audit
from ..actor import Actor
from ..models import STAFF_ROLES, InviteCode, Person, Role, StaffRole, hash_code, new_code
from ..rules import may_issue_invite_for
from ..selectors import person_roles

USERNAME_RE = re.compile(r"^[\w.\-]+\Z")
# Spaces, hyphens and the dashes a word processor or phone keyboard substitutes.
CODE_NOISE_RE = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014\u2212]+")


class Refusal(ValidationError):
    """A refusal that leaves its reason in the audit trail, written after the refused transaction rolls back."""

    def __init__(self, field: str, message: str, *, obj, reason: str):
        super().__init__({field: message}, code=reason)
        self.obj, self.reason = obj, reason


def _audits_refusals(service):
    """Run `service` in a transaction; a `Refusal` it raises is recorded outside it (R-ACC-9), then re-raised."""
    atomic = transaction.atomic(service)

    @wraps(service)
    def wrapped(*, actor, **kwargs):
        try:
            return atomic(actor=actor, **kwargs)
        except Refusal as exc:
            audit.record(
                actor,
                "invite_refused",
                exc.obj,
                summary=exc.reason,
                data={"reason": exc.reason, "service": service.__name__},
                school=getattr(exc.obj, "school", None),
            )
            raise

    return wrapped


def may_grant_staff(user, school) -> bool:
    """Whether codes issued by `user` may open a login to a staff member: the school's admin, or the operator
    (who creates the first admin). A login gets the whole person, so a code grants every role they hold."""
    if user is None:
        return False
    if user.is_superuser:
        return True
    return StaffRole.objects.filter(school=school, person__user=user, role=Role.ADMIN).exists()


def holds_staff_role(person: Person) -> bool:
    """Whether the person is on the school's staff (a login opens every role they hold)."""
    return StaffRole.objects.filter(person=person).exists()


def _check_grantable(invite: InviteCode) -> None:
    """At redemption: the person may have become staff after a class teacher issued the code."""
    staff = invite.role in STAFF_ROLES or holds_staff_role(invite.person)
    if staff and not may_grant_staff(invite.issued_by, invite.school):
        raise Refusal(
            "code",
            _(
                "This code cannot open a login for a member of the school's staff: only the school admin "
                "issues their codes. Ask the admin for a new code."
            ),
            obj=invite,
            reason="staff person, code not issued by the admin",
        )


class Slip(NamedTuple):
    person: Person
    role: str
    code: str
    label: str


def code_expiry(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(days=settings.INVITE_CODE_DAYS)


def issue_code(actor, person: Person, role: str, now: datetime.datetime) -> tuple[InviteCode, str]:
    """Revoke the person's unused codes and create a new one; the caller holds the person's row lock."""
    InviteCode.objects.filter(person=person, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    for attempt in range(3):
        code = new_code()
        try:
            with transaction.atomic():
                invite = InviteCode.objects.create(
                    school=person.school,
                    person=person,
                    role=role,
                    code_hash=hash_code(code),
                    created_at=now,
                    expires_at=code_expiry(now),
                    issued_by=actor.user,
                )
            break
        except IntegrityError:  # a hash collision: 31^12 codes make it all but impossible
            if attempt == 2:
                raise
    audit.record(
        actor,
        "invite_issued",
        invite,
        summary=f"{person.short_name} ({role})",
        data={"person": person.pk, "role": role, "expires_at": invite.expires_at.isoformat()},
    )
    return invite, code


def _check_issuable(person: Person, role: str) -> None:
    if person.user_id is not None:
        raise ValidationError({"role": _("%(name)s already has a login.") % {"name": person.full_name}})
    if role not in person_roles(person):
        raise ValidationError({"role": _("This person does not hold this role.")})


@_audits_refusals
def issue_invite(
    *, actor, person: Person, role: str, now: datetime.datetime | None = None
) -> tuple[InviteCode, str]:
    """A new code for one person and role; returns the row and the plain code (shown once)."""
    if not may_issue_invite_for(actor, person, role):
        raise PermissionDenied("accounts.rules.may_issue_invite_for")
    # The row lock serialises two admins issuing for the same person at once.
    person = Person.objects.select_for_update().select_related("school").get(pk=person.pk)
    _check_issuable(person, role)
    if not may_grant_staff(actor.user, person.school) and holds_staff_role(person):
        raise Refusal(
            "role",
            _(
                "%(name)s is also on the school's staff, and a login opens all of their roles: "
                "only the school admin issues their code."
            )
            % {"name": person.full_name},
            obj=person,
            reason="staff person, issuer is not the admin",
        )
    return issue_code(actor, person, role, now or timezone.now())


# Joining with a code ------------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    return CODE_NOISE_RE.sub("", code or "").upper()


def check_invite(invite: InviteCode | None, now: datetime.datetime | None = None) -> InviteCode:
    """The invite if it can still be used, else a ValidationError for the code field saying why."""
    now = now or timezone.now()
    if invite is None or not invite.school.is_active:
        raise ValidationError(
            {
                "code": _(
                    "There is no such code. Check it character by character, or ask the school for a new one."
                )
            },
            code="unknown",
        )
    if invite.used_at is not None:
        raise ValidationError(
            {"code": _("This code has already been used. Sign in with the login created with it.")},
            code="used",
        )
    if invite.revoked_at is not None:
        raise ValidationError(
            {"code": _("This code was replaced by a newer one. Use the latest slip the school gave you.")},
            code="revoked",
        )
    if invite.expires_at <= now:
        expired = formats.date_format(timezone.localtime(invite.expires_at), "SHORT_DATE_FORMAT")
        raise ValidationError(
            {"code": _("This code expired on %(date)s. Ask the school for a new one.") % {"date": expired}},
            code="expired",
        )
    if invite.person.user_id is not None:
        raise ValidationError({"code": _("This person already has a login. Sign in with it.")}, code="linked")
    return invite


def find_invite(code: str) -> InviteCode:
    """The usable invite for a typed code (case, spaces and dashes do not matter)."""
    normal = normalise_code(code)
    if not normal:
        raise ValidationError({"code": _("Enter the code from your slip.")}, code="required")
    return invite_by_hash(hash_code(normal))


def invite_by_hash(code_hash: str) -> InviteCode:
    invite = InviteCode.objects.select_related("person", "school").filter(code_hash=code_hash).first()
    return check_invite(invite)


def _lock_invite(code_hash: str) -> InviteCode:
    """Lock the person's row, then the code's, and check again: of two redemptions only one gets through.

    Person first, as issuing does (it locks the person, then revokes their codes), so the two never deadlock.
    """
    person_id = InviteCode.objects.filter(code_hash=code_hash).values_list("person_id", flat=True).first()
    if person_id is not None:
        list(Person.objects.select_for_update().filter(pk=person_id))
    invite = (
        InviteCode.objects.select_for_update(of=("self",))
        .select_related("person", "school")
        .filter(code_hash=code_hash)
        .first()
    )
    return check_invite(invite)


def validate_username(username: str) -> str:
    username = (username or "").strip()
    if len(username) < 3:
        raise ValidationError({"username": _("A login has at least 3 characters.")})
    if len(username) > 150 or not USERNAME_RE.match(username):
        raise ValidationError(
            {
                "username": _(
                    "Use only letters, digits and the characters . _ - (at most 150), without spaces."
                )
            }
        )
    if get_user_model().objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This login is taken. Choose another one.")})
    return username


def _mark_used(invite: InviteCode, user, now) -> None:
    invite.used_at = now
    invite.used_by = user
    invite.save(update_fields=["used_at", "used_by"])


@_audits_refusals
def redeem_invite(*, actor, code_hash: str, username: str, password: str) -> tuple[object, Person]:
    """Create a login for the code's person; returns the new user and the person."""
    invite = _lock_invite(code_hash)
    _check_grantable(invite)
    person = invite.person
    username = validate_username(username)
    User = get_user_model()
    user = User(
        username=username,
        first_name=person.first_name,
        last_name=person.last_name,
        patronymic=person.patronymic,
        email=person.email,
        last_school=invite.school,
    )
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same login taken a moment ago (case-insensitive unique index)
        raise ValidationError({"username": _("This login is taken. Choose another one.")}) from exc
    person.user = user
    person.save(update_fields=["user"])
    now = timezone.now()
    _mark_used(invite, user, now)
    audit.record(
        Actor(user=user, school=invite.school, ip=getattr(actor, "ip", None)),
        "invite_redeemed",
        invite,
        summary=f"{person.short_name} → {username}",
        data={"person": person.pk, "role": invite.role, "user": user.pk},
    )
    return user, person


@_audits_refusals
def link_invite(*, actor, code_hash: str) -> Person:
    """Link the code's person to the signed-in login (a second school or role for the same login)."""
    user = actor.user
    if not actor.is_authenticated:
        raise PermissionDenied("sign-in required")
    invite = _lock_invite(code_hash)
    if user.is_superuser:
        raise Refusal(
            "code",
            _(
                "The district operator's login reaches no school page and cannot be linked to a person. "
                "Sign out and create a separate login with this code."
            ),
            obj=invite,
            reason="operator login",
        )
    _check_grantable(invite)
    person = invite.person
    if Person.objects.filter(school=invite.school, user=user).exists():
        raise ValidationError(
            {
                "code": _(
                    "Your login is already linked to a person in this school. Ask the school to add the role to it."
                )
            }
        )
    person.user = user
    person.save(update_fields=["user"])
    _mark_used(invite, user, timezone.now())
    audit.record(
        Actor(user=user, school=invite.school, ip=getattr(actor, "ip", None)),
        "invite_linked",
        invite,
        summary=f"{person.short_name} → {user.username}",
        data={"person": person.pk, "role": invite.role},
    )
    return person
