"""Two-factor sign-in (R-ACC-3): who must pass a second factor, and what a session that has not may open.

- A login with a confirmed second factor passes it after the password; until then the session opens
  only the verify page and sign-out. Everything else: GET is sent to the verify page, any other
  method is refused (403, logged).
- A login that must use two-factor (`required`: staff of a school that makes it mandatory, the district
  operator) and has none yet opens only the setup page, the verify page and sign-out.
- A staff login reported compromised (`User.must_set_up_second_factor`) lost its second factor: once it
  has chosen a new password it opens only the setup page, the verify page and sign-out, whether or not
  the school makes two-factor mandatory, until it confirms a new authenticator.
- The pages that change or show a second factor (setup, backup codes, turning it off) ask the database
  themselves (`passed_or_none`), so a device confirmed after the session began guards them too.
"""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device

from .access import deny
from .actor import people_of
from .models import STAFF_ROLES

HAS_DEVICE = "_otp_has_device"
# Open to every session: static files, the language switch, the liveness probe.
OPEN_PREFIXES = ("/static/", "/i18n/", "/favicon", "/health/")
SAFE_METHODS = ("GET", "HEAD")


def has_device(request, user) -> bool:
    """Whether the unverified user has a confirmed second factor, asked once per session.

    Confirming or removing a second factor ends the login's other sessions
    (services.security), so the answer cached in a session cannot go stale.
    """
    known = request.session.get(HAS_DEVICE)
    if known is None:
        known = request.session[HAS_DEVICE] = user_has_device(user, confirmed=True)
    return known


def required(user) -> bool:
    """The login must use two-factor: the district operator, or staff of a school that makes it mandatory.

    No query when the auth backend loaded the login's people with it.
    """
    if user.is_superuser:
        return True
    people = getattr(user, "loaded_people", None)
    if people is None:
        people = people_of(user=user)
    return any(p.school.require_staff_2fa and STAFF_ROLES.intersection(p.staff) for p in people)


def _to(request, name: str):
    if request.method not in SAFE_METHODS:
        deny(request.actor, f"second factor required ({name})")
    url = reverse(name)
    if name == "accounts:otp_verify":
        url += "?" + urlencode({"next": request.get_full_path()})
    return redirect(url)


def gate(request):
    """The answer for a signed-in session that must first pass or set up a second factor, else None."""
    user = request.user
    if user.is_verified() or request.path.startswith(OPEN_PREFIXES):
        return None
    if has_device(request, user):
        target, open_names = "accounts:otp_verify", ("accounts:otp_verify", "accounts:logout")
    elif user.must_set_up_second_factor or required(user):
        if user.must_set_up_second_factor and user.must_change_password:
            return None  # reported compromised: a new password first (password_gate), then this
        target = "accounts:otp_setup"
        open_names = ("accounts:otp_setup", "accounts:otp_verify", "accounts:logout")
    else:
        return None
    if request.path in {reverse(name) for name in open_names}:
        return None
    return _to(request, target)


def passed_or_none(request):
    """For the pages that change or show a second factor: None when the session may, else where it goes."""
    user = request.user
    if user.is_verified() or not user_has_device(user, confirmed=True):
        return None
    return _to(request, "accounts:otp_verify")


def matching_device(user, code: str):
    """The confirmed device of `user` that accepts `code`, or None.

    Six digits go to the authenticator, anything else to the backup codes, so a typo throttles only the
    device it was meant for.
    """
    from django_otp import devices_for_user
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    code = (code or "").strip().replace(" ", "").lower()
    kind = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    candidates = [d for d in devices_for_user(user, confirmed=True) if isinstance(d, kind)]
    return next((d for d in candidates if d.verify_token(code)), None)
