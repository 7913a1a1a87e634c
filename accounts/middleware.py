from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from . import second_factor
from .access import deny
from .actor import load_actor
from .audit import valid_ip

HAS_DEVICE = second_factor.HAS_DEVICE


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
    """Sets `request.actor` (user, current school, person, roles), enforces two-factor sign-in and a new
    password after a reset.

    A session that must first pass or set up a second factor opens nothing else
    (accounts.second_factor.gate); then one that must choose a new password (password_gate).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        request.actor = load_actor(user, request.session.get("school_id"), client_ip(request))
        if user.is_authenticated and (answer := second_factor.gate(request)) is not None:
            return answer
        if user.is_authenticated and (answer := password_gate(request)) is not None:
            return answer
        return self.get_response(request)


def password_gate(request):
    """A login with a temporary password (R-ACC-2) opens only the password page and sign-out until it
    chooses its own: GET is sent there, any other method is refused (403, logged)."""
    if not request.user.must_change_password or request.path.startswith(second_factor.OPEN_PREFIXES):
        return None
    if request.path in (reverse("accounts:password_change"), reverse("accounts:logout")):
        return None
    if request.method not in second_factor.SAFE_METHODS:
        deny(request.actor, "new password required")
    return redirect("accounts:password_change")
