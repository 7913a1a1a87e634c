"""Signed-in sessions (issue 14, ASVS V3): the registry, the time limits, and what a request learns when it
arrives after its session ended.

- Every sign-in writes a `UserSession` row (device, address, times) and marks the session with its start,
  its last activity and its kind: staff (any staff role, or the operator) end after SESSION_STAFF_IDLE
  without a request and SESSION_STAFF_MAX in all; families (parents, students) after SESSION_FAMILY_MAX.
  Both limits are checked here against the application's clock, not left to Redis's expiry.
- Cost per request: the limits are compared with two numbers already in the session (no query). At most
  once a minute a request also saves the session (one Redis SET and one upsert in PostgreSQL, as
  cached_db does for any change) and updates the registry row (one UPDATE). A session's first request of a
  day in its school also counts the day (accounts/activity.py: one upsert); a sign-in counts itself.
- A request whose session has ended and which a script sent (fetch or htmx: `HX-Request`,
  `X-Requested-With` or `Accept: application/json`) gets 401 JSON and `X-Signed-Out: 1` instead of a
  redirect to the sign-in page, so the page can sign in again in place and retry (static/js/session.js).
- A plain form POSTed after the session ended is kept in the new anonymous session (which survives sign-in)
  for KEEP_POST_SECONDS; after sign-in the form's page is opened and static/js/session.js fills it back in.
  File fields, passwords and codes are not kept; when the session ended by its time limit, the form is given
  back only to the same login (a session deleted from the store leaves no trace of whose it was).
- Sign-in, sign-out, the end of a session by its time limit and by its owner are audited.
- A staff page learns how long its session has left (`request.session_idle_left`: the sign-in dialog's
  partial renders it, and every response of a staff session carries it in `X-Session-Idle-Left`), so
  static/js/session.js warns two minutes before the idle limit and "Stay signed in" posts to
  accounts:session_stay, which touches the session (`stay`). Families have no idle limit and no warning.
- `purge_expired` (beat, hourly) removes what no request will ever come back for: registry rows of sessions
  past their limits with their store entries, rows whose session is gone, and Django's expired sessions.
"""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import models, transaction
from django.dispatch import receiver
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import activity, audit
from .actor import Actor, people_of
from .models import STAFF_ROLES, StaffRole, UserSession

STARTED, SEEN, STAFF = "_ej_started", "_ej_seen", "_ej_staff"
KEPT, LAST_USER = "_ej_kept_post", "_ej_last_user"
TOUCH_EVERY = 60  # seconds between two writes of the last activity
KEEP_POST_SECONDS = 15 * 60
STAFF_IDLE = datetime.timedelta(minutes=getattr(settings, "SESSION_STAFF_IDLE_MINUTES", 30))
STAFF_MAX = datetime.timedelta(hours=getattr(settings, "SESSION_STAFF_MAX_HOURS", 12))
FAMILY_MAX = datetime.timedelta(days=getattr(settings, "SESSION_FAMILY_DAYS", 30))


def limits(staff: bool) -> tuple[datetime.timedelta | None, datetime.timedelta]:
    """(idle limit or None, limit in all) of a staff or a family session."""
    return (STAFF_IDLE, STAFF_MAX) if staff else (None, FAMILY_MAX)


def is_staff_login(user) -> bool:
    """Staff rules apply to the operator and to any login with a staff role in any school."""
    if user.is_superuser:
        return True
    people = getattr(user, "loaded_people", None)
    if people is None:
        people = people_of(user=user)
    return any(STAFF_ROLES.intersection(p.staff) for p in people)


def _ip(request):
    from .middleware import client_ip

    return client_ip(request)


def store():
    return import_string(settings.SESSION_ENGINE + ".SessionStore")


# --- signals: sign-in and sign-out -------------------------------------------------------------


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    session = request.session
    now = timezone.now()
    if getattr(user, "loaded_people", None) is None:  # read once for the limits and the day's activity
        user.loaded_people = list(people_of(user=user))
    staff = is_staff_login(user)
    session[STARTED] = session[SEEN] = now.timestamp()
    session[STAFF] = staff
    session.set_expiry(int(limits(staff)[1].total_seconds()))
    if session.session_key is None:
        session.save()
    row = UserSession(
        session_key=session.session_key,
        user=user,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        ip=audit.valid_ip(_ip(request)),
        created_at=now,
        last_seen_at=now,
    )
    # One INSERT … ON CONFLICT: a fresh key normally, an existing row for a session from before the registry.
    fields = ["user", "user_agent", "ip", "created_at", "last_seen_at"]
    UserSession.objects.bulk_create(
        [row], update_conflicts=True, unique_fields=["session_key"], update_fields=fields
    )


@receiver(user_logged_in)
def count_sign_in(sender, request, user, **kwargs):
    """A sign-in counts in the day's activity (accounts/activity.py): one upsert."""
    if request is not None and hasattr(request, "session"):
        activity.note_sign_in(request, user)


@receiver(user_logged_out)
def on_logged_out(sender, request, user, **kwargs):
    if user is None or request is None:
        return
    if request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()
    audit.record(Actor(user=user, ip=_ip(request)), "logout", user, school=user.last_school)


def live(user, *, staff: bool):
    """The login's sessions that may still be alive; rows of sessions past their limits are dropped (their
    session left the store by its expiry, without a request to say so)."""
    UserSession.objects.filter(user=user).filter(_past_limits(timezone.now(), staff=staff)).delete()
    return UserSession.objects.filter(user=user).order_by("-last_seen_at")


def _past_limits(now, *, staff: bool) -> models.Q:
    idle, in_all = limits(staff)
    stale = models.Q(created_at__lt=now - in_all)
    if idle is not None:
        stale |= models.Q(last_seen_at__lt=now - idle - datetime.timedelta(seconds=TOUCH_EVERY))
    return stale


def purge_expired(*, now=None) -> dict[str, int]:
    """Drop registry rows of sessions past their limits (and those sessions from the store), rows whose
    session is gone, and Django's expired sessions (what `clearsessions` does); returns what went."""
    now = now or timezone.now()
    staff_users = StaffRole.objects.filter(person__school__is_active=True, role__in=STAFF_ROLES).values(
        "person__user"
    )
    staff = models.Q(user__is_superuser=True) | models.Q(user__in=staff_users)
    dead = (staff & _past_limits(now, staff=True)) | (~staff & _past_limits(now, staff=False))
    keys = list(UserSession.objects.filter(dead).values_list("session_key", flat=True))
    prefix = store().cache_key_prefix
    caches[settings.SESSION_CACHE_ALIAS].delete_many([prefix + key for key in keys])
    with transaction.atomic():
        ended = Session.objects.filter(session_key__in=keys).delete()[0]
        expired = Session.objects.filter(expire_date__lt=now).delete()[0]
        rows = UserSession.objects.filter(session_key__in=keys).delete()[0]
        rows += UserSession.objects.exclude(session_key__in=Session.objects.values("session_key")).delete()[0]
    return {"registry_rows": rows, "sessions": ended + expired}


# --- ending sessions ---------------------------------------------------------------------------


def end(row: UserSession, *, actor, reason: str = "ended_by_owner") -> None:
    """End one session: out of the session store and the registry, audited."""
    store()(session_key=row.session_key).delete()
    row.delete()
    audit.record(
        actor,
        "session_ended",
        row.user,
        data={"reason": reason, "session": row.pk, "ip": row.ip, "device": describe(row.user_agent)},
        school=getattr(actor, "school", None) or row.user.last_school,
    )


def forget_others(user, keep: str | None = None) -> None:
    """The login's sessions but `keep` leave the registry and the store (after commit); the caller audits.

    Raising `session_generation` already makes them invalid; this makes "Мои входы" say so at once.
    """
    rows = UserSession.objects.filter(user=user).exclude(session_key=keep or "")
    keys = list(rows.values_list("session_key", flat=True))
    rows.delete()
    transaction.on_commit(lambda: [store()(session_key=key).delete() for key in keys])


def _expire(request, user, reason: str) -> None:
    """The request's own session ran out of time: it becomes an anonymous request."""
    key = request.session.session_key
    UserSession.objects.filter(session_key=key).delete()
    audit.record(
        Actor(user=user, ip=_ip(request)),
        "session_expired",
        user,
        data={"reason": reason},
        school=user.last_school,
    )
    request.session.flush()
    request.session[LAST_USER] = user.pk  # a form kept from this request is only given back to this login
    anonymous = AnonymousUser()
    anonymous.otp_device = None  # what django_otp's middleware gives every user
    anonymous.is_verified = lambda: False
    request.user = anonymous


# --- the middleware ----------------------------------------------------------------------------


def wants_json(request) -> bool:
    return bool(
        request.headers.get("HX-Request")
        or request.headers.get("X-Requested-With")
        or "application/json" in request.headers.get("Accept", "")
    )


class SessionMiddleware:
    """Time limits and activity of signed-in sessions; 401 JSON for scripts whose session ended.

    Sits after the authentication middlewares and before accounts.middleware.SchoolMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        request.session_idle_left = None
        if SESSION_KEY in session:
            self._check(request, session)
        request.kept_post = kept_post(request) if KEPT in session else None
        response = self.get_response(request)
        if request.user.is_authenticated:
            activity.note_request(request)  # no query but on a session's first request of a day
        if request.session_idle_left is not None:
            response["X-Session-Idle-Left"] = str(request.session_idle_left)
        if not request.user.is_authenticated and self._to_login(response):
            if wants_json(request):
                return signed_out_response()
            if request.method == "POST":
                _keep_post(request)
        return response

    @staticmethod
    def _check(request, session):
        started, seen = session.get(STARTED), session.get(SEEN)
        user = request.user
        if not user.is_authenticated:
            return  # the login's sessions were ended (session_generation) or the login is gone
        now = timezone.now().timestamp()
        if started is None:  # a session from before the registry: it starts now
            on_logged_in(None, request, user)
            return
        idle, in_all = limits(session.get(STAFF, True))
        if now - started > in_all.total_seconds():
            _expire(request, user, "max_age")
        elif idle is not None and now - seen > idle.total_seconds():
            _expire(request, user, "idle")
        else:
            if now - seen >= TOUCH_EVERY:
                _touch(request, now)
            if idle is not None:
                request.session_idle_left = idle_left(session, now)

    @staticmethod
    def _to_login(response) -> bool:
        return response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL))


def _touch(request, now: float) -> None:
    request.session[SEEN] = now
    stamp = datetime.datetime.fromtimestamp(now, tz=datetime.UTC)
    if not UserSession.objects.filter(session_key=request.session.session_key).update(last_seen_at=stamp):
        on_logged_in(None, request, request.user)  # a row lost (e.g. purged): written again


def idle_left(session, now: float) -> int:
    """Whole seconds until a staff session reaches its idle limit."""
    return max(0, int(session[SEEN] + STAFF_IDLE.total_seconds() - now))


def idle_left_now(request, now: float | None = None) -> int | None:
    """What the request's signed-in session has left before its idle limit; None for one without (families)."""
    if not request.session.get(STAFF, True):
        return None
    request.session_idle_left = idle_left(request.session, now or timezone.now().timestamp())
    return request.session_idle_left


def stay(request) -> int | None:
    """The user is still there ("Stay signed in"): the idle time starts again now (the limit in all still
    holds); returns `idle_left_now`."""
    now = timezone.now().timestamp()
    _touch(request, now)
    return idle_left_now(request, now)


def signed_out_response():
    response = JsonResponse(
        {"ok": False, "signed_out": True, "error": _("You have been signed out. Sign in again to continue.")},
        status=401,
    )
    response["X-Signed-Out"] = "1"
    return response


# --- plain forms posted after the session ended ------------------------------------------------

NOT_KEPT = {"csrfmiddlewaretoken", "password", "password1", "password2", "old_password", "new_password1",
            "new_password2", "token"}  # fmt: skip


def _keep_post(request) -> None:
    """Keep what a form posted after its session ended, for its page to fill back in after sign-in."""
    data = {k: v for k, v in request.POST.lists() if k not in NOT_KEPT}
    if not data:
        return
    request.session[KEPT] = {
        "path": request.path,
        "data": data,
        "at": timezone.now().timestamp(),
        "user": request.session.get(LAST_USER),
    }


def kept_post(request) -> dict | None:
    """What a form posted after the session ended, once, on a GET of that form's page by a signed-in user."""
    kept = request.session.get(KEPT)
    if not kept or request.method != "GET" or not request.user.is_authenticated:
        return None
    if timezone.now().timestamp() - kept["at"] > KEEP_POST_SECONDS:
        del request.session[KEPT]
        return None
    if kept.get("user") not in (None, request.user.pk):
        del request.session[KEPT]  # another login signed in on this browser: not theirs to see
        return None
    if kept["path"] != request.path:
        return None
    del request.session[KEPT]
    return kept["data"]


# --- the device in plain words -----------------------------------------------------------------

_BROWSERS = [
    ("YaBrowser/", "Яндекс Браузер"),
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
]
_SYSTEMS = [
    (re.compile(r"iPhone"), "iPhone"),
    (re.compile(r"iPad"), "iPad"),
    (re.compile(r"Android"), "Android"),
    (re.compile(r"Windows"), "Windows"),
    (re.compile(r"Mac OS X|Macintosh"), "macOS"),
    (re.compile(r"CrOS"), "ChromeOS"),
    (re.compile(r"Linux"), "Linux"),
]


def describe(user_agent: str) -> str:
    """ "Chrome on Windows" from a user agent; an unknown one says so."""
    ua = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in ua), None)
    system = next((name for pattern, name in _SYSTEMS if pattern.search(ua)), None)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown device")
