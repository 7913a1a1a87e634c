"""Sign-in: case-insensitive logins, the throttle and the lock after repeated failures (R-ACC-9).

Every login, failed login, throttled attempt and lock is written to the audit trail. Before a
password is checked, accounts.throttle may refuse the attempt (per login and address, per address,
per login). Failures are counted per login in PostgreSQL; after settings.LOGIN_FAILURE_LIMIT in a
row the login is locked for settings.LOGIN_LOCK_MINUTES, and even the right password is refused
until then. An audit entry that cannot be written never undoes the count or the sign-in.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import DatabaseError, transaction
from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone
from django_otp import user_has_device

from . import audit, throttle
from .actor import Actor, people_of

log = logging.getLogger(__name__)


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        try:
            user = User.objects.get(username__iexact=username.strip())
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing hint
            return None
        if user.is_locked():
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The session's user with their people in active schools in one query (`load_actor` reuses them).

        A user with no person in an active school (the district operator) is loaded on its own.
        """
        people = list(people_of(user_id=user_id).select_related("user"))
        if not people:
            return super().get_user(user_id)
        user = people[0].user
        for person in people:
            person.user = user
        user.loaded_people = people
        return user if self.user_can_authenticate(user) else None


def find_user(username: str):
    User = get_user_model()
    return User.objects.filter(username__iexact=(username or "").strip()).first()


def _ip(request):
    return getattr(getattr(request, "actor", None), "ip", None) or (
        request.META.get("REMOTE_ADDR") if request else None
    )


def _audit(*args, **kwargs) -> None:
    """An audit entry of a sign-in, in a savepoint: if it fails, the counts and the sign-in still stand."""
    try:
        with transaction.atomic():
            audit.record(*args, **kwargs)
    except DatabaseError:
        log.exception("sign-in audit entry not written")


def _unknown(username: str) -> dict:
    """What the audit keeps of a login that does not exist: never the text (often a mistyped password)."""
    return {"login": throttle.login_digest(username)}


def throttled(request, username: str) -> throttle.Refusal | None:
    """Whether this sign-in attempt must wait before its password is even checked; a refusal is audited."""
    user = find_user(username)
    refusal = throttle.check(username, _ip(request), user)
    if refusal is not None:
        _audit(
            Actor(user=None, ip=_ip(request)),
            "login_throttled",
            user,
            summary="" if user else "unknown login",
            data={
                "reason": refusal.reason,
                "seconds": refusal.seconds,
                **({} if user else _unknown(username)),
            },
            school=user.last_school if user else None,
        )
    return refusal


@transaction.atomic
def register_failure(user, request=None, reason="password") -> None:
    """Count a failed attempt; lock the login when the limit is reached."""
    User = get_user_model()
    User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
    user.refresh_from_db(fields=["failed_login_count", "locked_until"])
    data = {"reason": reason, "count": user.failed_login_count}
    if user.failed_login_count >= settings.LOGIN_FAILURE_LIMIT:
        user.locked_until = timezone.now() + datetime.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        user.failed_login_count = 0
        user.save(update_fields=["locked_until", "failed_login_count"])
        data["locked_until"] = user.locked_until.isoformat()
    _audit(Actor(user=None, ip=_ip(request)), "login_failed", user, data=data, school=user.last_school)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get("username", "")
    user = find_user(username)  # the throttle counted the attempt before the password was checked
    if user is None:
        _audit(
            Actor(user=None, ip=_ip(request)),
            "login_failed",
            summary="unknown login",
            data=_unknown(username),
        )
        return
    if user.is_locked():
        _audit(Actor(user=None, ip=_ip(request)), "login_refused_locked", user, school=user.last_school)
        return
    register_failure(user, request)


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    if user.failed_login_count or user.locked_until:
        get_user_model().objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
    throttle.record_success(user.username, _ip(request))
    _audit(Actor(user=user, ip=_ip(request)), "login", user, school=user.last_school)
    if request is not None and hasattr(request, "session"):
        # The middleware asks this once per session (see accounts.middleware._has_device).
        from .middleware import HAS_DEVICE

        request.session[HAS_DEVICE] = user_has_device(user, confirmed=True)
