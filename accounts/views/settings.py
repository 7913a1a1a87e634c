"""The school's own settings: names, address, time zone, mandatory two-factor sign-in for staff."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import rules
from ..access import school_view
from ..forms_people import SchoolSettingsForm, apply_errors
from ..services.schools import update_school_settings


@school_view(rules.manage_school_settings)
def school_settings(request):
    actor = request.actor
    form = SchoolSettingsForm(request.POST or None, school=actor.school)
    if request.method == "POST" and form.is_valid():
        try:
            update_school_settings(actor=actor, school=actor.school, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("School settings saved."))
            return redirect("accounts:school_settings")
    return render(request, "accounts/settings.html", {"form": form})
