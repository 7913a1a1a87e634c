"""Parents reset their own password by e-mail (R-ACC-2, issue 14): who gets a mail, and how often.

Only a family login gets a mail: a login linked to a parent whose school entered this e-mail on
their `Person` (the school types it from the parent's own form, so it counts as confirmed: there is
no separate confirmation step), holding no staff role anywhere and not the district operator.
Staff reset through the school admin, never by e-mail. The answer is the same page whether the
address is known, unknown or throttled.

Rate limit: at most RESET_EMAIL_LIMIT requests per e-mail and RESET_ADDRESS_LIMIT per client address
in a window of RESET_WINDOW_MINUTES, counted in Redis (the sign-in throttle's server). When Redis
cannot be reached the same caps apply per process, in memory: nobody waits on the outage, and nobody
gets more than the caps per worker.
"""

from __future__ import annotations

import hashlib
import logging
import threading

import redis
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.utils import timezone

from . import throttle
from .models import Person, StaffRole

log = logging.getLogger(__name__)

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
    try:
        pipe = throttle._client().pipeline()
        for key, _limit in keys:
            pipe.incr(key)
            pipe.expire(key, 2 * length)
        counts = pipe.execute()[::2]
    except redis.RedisError as exc:
        log.warning("password-reset limit: Redis unreachable, counted in this process (%s)", exc)
        with _local_lock:
            for stale in [k for k in _local if not k.endswith(f":{window}")]:
                del _local[stale]
            counts = []
            for key, _limit in keys:
                local = f"{key}:{window}"
                _local[local] = _local.get(local, 0) + 1
                counts.append(_local[local])
    return all(count <= limit for count, (_key_, limit) in zip(counts, keys, strict=True))


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


class FamilyPasswordResetForm(PasswordResetForm):
    def get_users(self, email):
        return family_logins(email)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(subject, body, from_email, [context["user"].reset_email])
        if html_email_template_name:
            message.attach_alternative(
                loader.render_to_string(html_email_template_name, context), "text/html"
            )
        message.send()
