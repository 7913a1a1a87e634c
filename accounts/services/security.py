"""Writes about a login's own security: second factor, backup codes, password, current school."""

import base64

from django.contrib.auth import get_user_model, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import audit, second_factor, sessions

BACKUP_CODE_COUNT = 10


def pending_totp_device(user, *, fresh: bool = False) -> TOTPDevice:
    """The unconfirmed authenticator being set up.

    `fresh` (each visit to the setup page) replaces the pending ones with a new secret, so a secret shown
    to one session is never the one another session confirms.
    """
    if fresh:
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def _end_other_sessions(user, request=None) -> None:
    """Every session of the login ends but this request's: its second factor changed."""
    User = get_user_model()
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    sessions.forget_others(user, keep=request.session.session_key if request is not None else None)
    if request is not None:
        update_session_auth_hash(request, user)
        request.session.pop(second_factor.HAS_DEVICE, None)  # asked again on the next request


def _new_backup_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="backup", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def confirm_totp(*, actor, device: TOTPDevice, token: str, request=None) -> list[str]:
    """Confirm the authenticator with a code from it; replaces older ones, issues backup codes, ends the
    login's other sessions."""
    if not device.verify_token(token.strip().replace(" ", "")):
        raise ValidationError(
            {"token": _("The code does not match. Check the time on your phone and try again.")}
        )
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    if device.user.must_set_up_second_factor:
        device.user.must_set_up_second_factor = False
        device.user.save(update_fields=["must_set_up_second_factor"])
    codes = _new_backup_codes(device.user)
    _end_other_sessions(device.user, request)
    audit.record(actor, "2fa_enabled", device.user, data={"other_sessions_ended": True})
    return codes


@transaction.atomic
def regenerate_backup_codes(*, actor, user, request=None) -> list[str]:
    """A fresh set of one-time backup codes; the old ones stop working and the other sessions end."""
    codes = _new_backup_codes(user)
    _end_other_sessions(user, request)
    audit.record(actor, "2fa_backup_codes_regenerated", user, data={"other_sessions_ended": True})
    return codes


@transaction.atomic
def disable_two_factor(*, actor, user, request=None) -> None:
    """Remove the login's authenticator and backup codes (where it is not mandatory); ends the other sessions."""
    if second_factor.required(user):
        if user.is_superuser:
            raise ValidationError(
                _("The district operator must use two-factor sign-in; it cannot be turned off.")
            )
        raise ValidationError(
            _("Your school requires two-factor sign-in for staff; it cannot be turned off.")
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _end_other_sessions(user, request)
    audit.record(actor, "2fa_disabled", user, data={"other_sessions_ended": True})


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
