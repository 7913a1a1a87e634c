from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

from .actor import load_actor
from .audit import valid_ip

# Paths a signed-in but not yet second-factor-verified user may still open.
OTP_EXEMPT_PREFIXES = ("/static/", "/i18n/", "/accounts/logout/", "/accounts/2fa/", "/join/", "/favicon")


HAS_DEVICE = "_otp_has_device"


def _has_device(request, user) -> bool:
    """Whether the unverified user has a confirmed second factor, asked once per session.

    A device set up in this session verifies the session at once; one set up
    elsewhere applies from the next sign-in (the answer is cached in the session).
    """
    known = request.session.get(HAS_DEVICE)
    if known is None:
        known = request.session[HAS_DEVICE] = user_has_device(user, confirmed=True)
    return known


def client_ip(request) -> str | None:
    """The client's address: the one the last of settings.TRUSTED_PROXY_COUNT proxies saw.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so
    only the last TRUSTED_PROXY_COUNT values are theirs; everything to the left of them is the
    client's own claim. A header shorter than that, or a value that is not an address, means the
    chain is not what the deployment declared: the socket's address is used instead.
    """
    remote = valid_ip(request.META.get("REMOTE_ADDR"))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < count:
        return remote
    return valid_ip(hops[-count]) or remote


class SchoolMiddleware:
    """Sets `request.actor` (user, current school, person, roles) and enforces two-factor sign-in.

    A user with a confirmed second factor must pass it after the password; staff
    of a school that makes it mandatory must set one up before anything else.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        request.actor = load_actor(user, request.session.get("school_id"), client_ip(request))
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(OTP_EXEMPT_PREFIXES)
        ):
            if _has_device(request, user):
                return redirect(f"{reverse('accounts:otp_verify')}?next={request.get_full_path()}")
            actor = request.actor
            if actor.school and actor.school.require_staff_2fa and actor.is_staff_member:
                return redirect("accounts:otp_setup")
        if (
            user.is_authenticated
            and user.must_change_password
            and not request.path.startswith(OTP_EXEMPT_PREFIXES + ("/accounts/password/",))
        ):
            return redirect("accounts:password_change")
        return self.get_response(request)
