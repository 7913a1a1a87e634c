import math

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .actor import Actor
from .auth import _ip, throttled
from .services.resets import expired_temporary_password


def wait_message(seconds: int) -> str:
    """The one refusal of a throttled sign-in, whatever its cause, so it never tells whether a login exists."""
    if seconds < 60:
        return ngettext(
            "Too many failed sign-in attempts. Try again in %(count)d second.",
            "Too many failed sign-in attempts. Try again in %(count)d seconds.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(count)d minute.",
        "Too many failed sign-in attempts. Try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong login or password. Logins are not case-sensitive; passwords are."),
    }

    def clean(self):
        refusal = throttled(self.request, self.cleaned_data.get("username", ""))
        if refusal is not None:
            raise forms.ValidationError(wait_message(refusal.seconds), code="throttled")
        return super().clean()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        refusal = expired_temporary_password(user, actor=Actor(user=None, ip=_ip(self.request)))
        if refusal:
            raise forms.ValidationError(refusal, code="temporary_password_expired")


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("Six digits from the authenticator app, or one of your backup codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class SchoolChoiceForm(forms.Form):
    school = forms.TypedChoiceField(label=_("School"), coerce=int)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [
            (p.school_id, p.school.short_name)
            for p in user.people.select_related("school").filter(school__is_active=True)
        ]
