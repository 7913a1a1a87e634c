"""Sign-in, sign-out, two-factor (TOTP + backup codes), password and school choice."""

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import second_factor
from ..access import deny
from ..auth import register_failure
from ..forms import LoginForm, SchoolChoiceForm, TokenForm
from ..services import security as security_service


def _signed_in(view):
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("accounts:login")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


def _safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


class PortalLoginView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if user.last_school_id:
            self.request.session["school_id"] = user.last_school_id
        return response


login_view = PortalLoginView.as_view()


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


@_signed_in
def otp_verify(request):
    """Second step of sign-in: a TOTP code or a backup code."""
    user = request.user
    if user.is_verified() or not user_has_device(user, confirmed=True):
        return redirect(_safe_next(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip().replace(" ", "").lower()
        # Six digits go to the authenticator, anything else to the backup codes, so a typo
        # throttles only the device it was meant for.
        kind = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
        candidates = [d for d in devices_for_user(user, confirmed=True) if isinstance(d, kind)]
        device = next((d for d in candidates if d.verify_token(token)), None)
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        register_failure(user, request, reason="second factor")
        user.refresh_from_db(fields=["locked_until"])
        if user.is_locked():
            logout(request)
            messages.error(
                request, _("Too many failed attempts: sign-in for this login is paused for a while.")
            )
            return redirect("accounts:login")
        form.add_error(
            "token", _("The code does not match. Try the current code from the app, or a backup code.")
        )
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request, "")})


def _second_factor_passed(view):
    """Pages that change or show a second factor: a login that has one must have passed it in this session."""

    def wrapped(request, *args, **kwargs):
        return second_factor.passed_or_none(request) or view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


@_signed_in
@_second_factor_passed
def otp_setup(request):
    """Connect an authenticator app: scan the QR code, type the code it shows."""
    device = security_service.pending_totp_device(request.user, fresh=request.method == "GET")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = security_service.confirm_totp(
                actor=request.actor, device=device, token=form.cleaned_data["token"], request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            otp_login(request, device)
            messages.success(request, _("Two-factor sign-in is on."))
            return render(request, "accounts/backup_codes.html", {"codes": codes, "fresh": True})
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#1d2330")
    return render(
        request,
        "accounts/otp_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": security_service.totp_secret_base32(device)},
    )


@_signed_in
@_second_factor_passed
def backup_codes(request):
    if not request.user.is_verified():
        return redirect("accounts:security")
    if request.method == "POST":
        codes = security_service.regenerate_backup_codes(
            actor=request.actor, user=request.user, request=request
        )
        return render(request, "accounts/backup_codes.html", {"codes": codes, "fresh": True})
    left = StaticToken.objects.filter(device__user=request.user).count()
    return render(request, "accounts/backup_codes.html", {"left": left})


@_signed_in
@require_POST
@_second_factor_passed
def otp_disable(request):
    try:
        security_service.disable_two_factor(actor=request.actor, user=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Two-factor sign-in is off."))
    return redirect("accounts:security")


@_signed_in
def security(request):
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "has_totp": user_has_device(user, confirmed=True),
            "backup_left": StaticToken.objects.filter(device__user=user).count(),
            "required": second_factor.required(user),
        },
    )


@_signed_in
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        security_service.change_password(actor=request.actor, request=request, form=form)
        messages.success(request, _("Your password has been changed."))
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


@_signed_in
def choose_school(request):
    form = SchoolChoiceForm(request.POST or None, user=request.user)
    if not form.fields["school"].choices:
        deny(request.actor, "no school to choose")
    if request.method == "POST" and form.is_valid():
        security_service.choose_school(
            actor=request.actor, request=request, school_id=form.cleaned_data["school"]
        )
        return redirect("home")
    return render(request, "accounts/choose_school.html", {"form": form})
