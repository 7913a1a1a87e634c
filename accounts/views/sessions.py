"""Where a login is signed in ("Мои входы"), ending sessions, and the sign-in dialog's JSON endpoint."""

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device

from .. import second_factor, sessions
from ..auth import register_failure, throttled
from ..forms import LoginForm, wait_message
from ..models import UserSession
from ..services.resets import expired_temporary_password
from .auth import _signed_in


@_signed_in
def session_list(request):
    """The login's sessions, this one first."""
    rows = list(sessions.live(request.user, staff=request.session.get(sessions.STAFF, True)))
    current = request.session.session_key
    for row in rows:
        row.device = sessions.describe(row.user_agent)
        row.is_current = row.session_key == current
    rows.sort(key=lambda r: not r.is_current)
    return render(request, "accounts/sessions.html", {"rows": rows})


@_signed_in
@require_POST
def session_end(request, pk: int):
    """End one of the login's other sessions; another login's session id answers 404."""
    row = UserSession.objects.filter(user=request.user, pk=pk).first()
    if row is None:
        raise Http404
    if row.session_key == request.session.session_key:
        logout(request)
        return redirect("accounts:login")
    sessions.end(row, actor=request.actor)
    messages.success(request, _("The session has ended."))
    return redirect("accounts:sessions")


@_signed_in
@require_POST
def sessions_end_others(request):
    """End every session of the login but this one."""
    others = UserSession.objects.filter(user=request.user).exclude(session_key=request.session.session_key)
    for row in others:
        sessions.end(row, actor=request.actor)
    messages.success(request, _("All other sessions have ended."))
    return redirect("accounts:sessions")


@_signed_in
@require_POST
def session_stay(request):
    """ "Stay signed in" on the warning before the idle limit (static/js/session.js): the idle time starts
    again; answers the seconds the session now has left (null for a family session: no idle limit)."""
    return JsonResponse({"ok": True, "idle_left": sessions.stay(request)})


def _answer(status: int, error: str, **extra):
    return JsonResponse({"ok": False, "error": error, **extra}, status=status)


@require_POST
def sign_in(request):
    """The sign-in dialog (static/js/session.js): the same throttle, lockout and second factor as the page.

    Answers {"ok": true, "csrf": …} once signed in (the sign-in rotates the CSRF token the page must now
    send), {"need_code": true} when the login has a second factor and no right code was typed.
    """
    username, password = request.POST.get("username", ""), request.POST.get("password", "")
    code = request.POST.get("code", "")
    if not username.strip() or not password:
        return _answer(400, _("Type your login and password."))
    refusal = throttled(request, username)
    if refusal is not None:
        return _answer(429, wait_message(refusal.seconds))
    user = authenticate(request, username=username, password=password)
    if user is None:
        return _answer(400, str(LoginForm.error_messages["invalid_login"]))
    expired = expired_temporary_password(user, actor=request.actor)
    if expired:
        return _answer(400, expired)
    device = None
    if user_has_device(user, confirmed=True):
        if not code.strip():
            return _answer(400, _("Type the code from your authenticator app."), need_code=True)
        device = second_factor.matching_device(user, code)
        if device is None:
            register_failure(user, request, reason="second factor")
            user.refresh_from_db(fields=["locked_until"])
            if user.is_locked():
                return _answer(
                    429, _("Too many failed attempts: sign-in for this login is paused for a while.")
                )
            return _answer(
                400,
                _("The code does not match. Try the current code from the app, or a backup code."),
                need_code=True,
            )
    login(request, user)
    if device is not None:
        otp_login(request, device)
    if user.last_school_id:
        request.session["school_id"] = user.last_school_id
    return JsonResponse(
        {"ok": True, "csrf": get_token(request), "idle_left": sessions.idle_left_now(request)}
    )
