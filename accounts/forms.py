from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext_lazy as _

from .auth import find_user


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong login or password. Logins are not case-sensitive; passwords are."),
        "locked": _("Too many failed attempts: sign-in for this login is paused until %(time)s."),
    }

    def clean(self):
        user = find_user(self.cleaned_data.get("username", ""))
        if user is not None and user.is_locked():
            local = timezone.localtime(user.locked_until)
            raise forms.ValidationError(
                self.error_messages["locked"], code="locked", params={"time": time_format(local, "H:i")}
            )
        return super().clean()


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
