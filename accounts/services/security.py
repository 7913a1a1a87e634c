"""Writes about a login's own security: second factor, backup codes, password, current school."""

import base64

from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import audit

BACKUP_CODE_COUNT = 10


def pending_totp_device(user) -> TOTPDevice:
    """The unconfirmed authenticator being set up (created on first call, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@transaction.atomic
def confirm_totp(*, actor, device: TOTPDevice, token: str) -> list[str]:
    """Confirm the authenticator with a code from it; replaces older ones and issues backup codes."""
    if not device.verify_token(token.strip().replace(" ", "")):
        raise ValidationError(
            {"token": _("The code does not match. Check the time on your phone and try again.")}
        )
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = regenerate_backup_codes(actor=actor, user=device.user, audit_it=False)
    audit.record(actor, "2fa_enabled", device.user)
    return codes


@transaction.atomic
def regenerate_backup_codes(*, actor, user, audit_it=True) -> list[str]:
    """A fresh set of one-time backup codes; the old ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="backup", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    if audit_it:
        audit.record(actor, "2fa_backup_codes_regenerated", user)
    return codes


@transaction.atomic
def disable_two_factor(*, actor, user) -> None:
    if actor.school and actor.school.require_staff_2fa and actor.is_staff_member:
        raise ValidationError(
            _("Your school requires two-factor sign-in for staff; it cannot be turned off.")
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(actor, "2fa_disabled", user)


@transaction.atomic
def change_password(*, actor, request, form) -> None:
    user = form.save()
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    update_session_auth_hash(request, user)
    audit.record(actor, "password_changed", user)


@transaction.atomic
def choose_school(*, actor, request, school_id: int) -> None:
    """Switch the school the login acts in; only schools where the login has a person."""
    person = actor.user.people.filter(school_id=school_id, school__is_active=True).first()
    if person is None:
        raise ValidationError(_("You have no role in that school."))
    request.session["school_id"] = person.school_id
    actor.user.last_school_id = person.school_id
    actor.user.save(update_fields=["last_school"])
