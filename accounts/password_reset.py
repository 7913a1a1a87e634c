"""Parents reset their own password by e-mail (R-ACC-2, issue 14): who gets a mail, and how often.

Only a family login gets a mail: a login linked to a parent whose school entered this e-mail on
their `Person` (the school types it from the parent's own form, so it counts as confirmed: there is
no separate confirmation step), holding no staff role anywhere and not the district operator.
Staff reset through the school admin, never by e-mail. The answer is the same page whether the
address is known, unknown or throttled.

Rate limit: at most RESET_EMAIL_LIMIT requests per e-mail and RESET_ADDRESS_LIMIT per client address
in a window of RESET_WINDOW_MINUTES, counted in Redis (the sign-in throttle's server, behind its
breaker). When Redis cannot be reached the same caps apply per process, in memory: nobody waits on the
outage, nobody gets more than the caps per worker, and the log hears of it once a minute.

The letter's job is durable (accounts/jobs.py `publish_durably`): a request made while the broker is
down is mailed once by the beat when it is back, while its link would still be valid.
"""

from __future__ import annotations

import datetime
import hashlib
import threading
import uuid

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template import loader
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from . import audit, jobs, throttle
from .actor import Actor
from .models import AuditEvent, Person, StaffRole

RESET_EMAIL_LIMIT = 3
RESET_ADDRESS_LIMIT = 10
RESET_WINDOW_MINUTES = 60
PREFIX = throttle.PREFIX + "password-reset:"  # throttle.forget_all() clears these too
_local: dict[str, int] = {}
_local_lock = threading.Lock()


def _key(kind: str, value: str, window: int) -> str:
    return PREFIX + kind + ":" + hashlib.sha256(f"{value}\0{window}".encode()).hexdigest()[:32]


def allowed(email: str, ip: str | None) -> bool:
    """Count one request for this e-mail and address; False when either is over its cap in this window."""
    length = RESET_WINDOW_MINUTES * 60
    window = int(timezone.now().timestamp() // length)
    keys = [
        (_key("email", (email or "").strip().lower(), window), RESET_EMAIL_LIMIT),
        (_key("address", ip or "-", window), RESET_ADDRESS_LIMIT),
    ]
    counts = _count_in_redis(keys, length)
    if counts is None:
        with _local_lock:
            for stale in [k for k in _local if not k.endswith(f":{window}")]:
                del _local[stale]
            counts = []
            for key, _limit in keys:
                local = f"{key}:{window}"
                _local[local] = _local.get(local, 0) + 1
                counts.append(_local[local])
    return all(count <= limit for count, (_key_, limit) in zip(counts, keys, strict=True))


def _count_in_redis(keys, length: int) -> list[int] | None:
    """The counts after this request, or None while Redis is unreachable (the throttle's breaker)."""
    breaker = throttle._breaker()
    if breaker.is_open:
        return None
    try:
        pipe = throttle._client().pipeline()
        for key, _limit in keys:
            pipe.incr(key)
            pipe.expire(key, 2 * length)
        counts = pipe.execute()[::2]
    except throttle.UNREACHABLE as exc:
        breaker.failed(exc)
        return None
    breaker.succeeded()
    return counts


def forget_all() -> None:
    """Drop every counter (tests)."""
    _local.clear()
    client = throttle._client()
    for key in client.scan_iter(match=PREFIX + "*", count=500):
        client.delete(key)


def family_logins(email: str) -> list:
    """Active family logins whose parent record carries this e-mail, each with `reset_email` set to the
    address as the school stored it (the mail goes there, never to the typed spelling)."""
    people = (
        Person.objects.filter(
            email__iexact=(email or "").strip(),
            parent__isnull=False,
            user__isnull=False,
            user__is_active=True,
            user__is_superuser=False,
            school__is_active=True,
        )
        .exclude(user__in=StaffRole.objects.values("person__user"))
        .select_related("user")
        .order_by("user_id", "pk")
    )
    users = {}
    for person in people:
        if person.user.has_usable_password() and person.user_id not in users:
            person.user.reset_email = person.email
            users[person.user_id] = person.user
    return list(users.values())


def may_reset_by_mail(user) -> bool:
    """Still a family login with an e-mail on record (asked again when the link is opened)."""
    emails = Person.objects.filter(user=user).exclude(email="").values_list("email", flat=True)
    return any(user.pk in {u.pk for u in family_logins(email)} for email in emails)


@transaction.atomic
def request_reset(*, email: str, ip: str | None) -> None:
    """Queue the letters for this address (a pending job, published after the commit), whether or not it
    belongs to a family login."""
    from .tasks import mail_password_reset_task

    language = translation.get_language() or settings.LANGUAGE_CODE
    jobs.publish_durably(mail_password_reset_task, email, ip, language, uuid.uuid4().hex)


def valid_hours() -> int:
    """How long a reset link stays valid, in whole hours (at least one), as the letter says."""
    return max(1, round(settings.PASSWORD_RESET_TIMEOUT / 3600))


def mail_reset_links(*, email: str, ip: str | None, language: str, request_id: str) -> int:
    """Send a reset link to each family login of this address (in the worker); returns how many went.

    Each letter is sent once per request even when the task runs twice; a letter that fails raises, and
    the task's retry sends that one (and the ones not yet sent) again.
    """
    sent = 0
    with translation.override(language):
        for user in family_logins(email):
            sent += _mail_one(user, ip=ip, request_id=request_id)
    return sent


@transaction.atomic
def _mail_one(user, *, ip, request_id: str) -> int:
    key = int(hashlib.sha256(f"password-reset:{request_id}:{user.pk}".encode()).hexdigest()[:15], 16)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
    done = AuditEvent.objects.filter(
        action="password_reset_mailed",
        at__gte=timezone.now() - datetime.timedelta(days=1),
        object_id=str(user.pk),
        data__request=request_id,
    )
    if done.exists():
        return 0
    context = {
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "site_url": settings.SITE_URL.rstrip("/"),
        "hours": valid_hours(),
    }
    subject = "".join(loader.render_to_string("emails/password_reset_subject.txt", context).splitlines())
    message = EmailMultiAlternatives(
        subject,
        loader.render_to_string("emails/password_reset_body.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [user.reset_email],
    )
    message.attach_alternative(
        loader.render_to_string("emails/password_reset_body.html", context), "text/html"
    )
    message.send()
    audit.record(
        Actor(user=None, ip=ip),
        "password_reset_mailed",
        user,
        school=user.last_school,
        data={"request": request_id},
    )
    return 1
