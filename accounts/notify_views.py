"""The parent's notification settings page (R-D-4)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import notify
from .access import school_view
from .forms_people import apply_errors
from .notify_forms import NotificationForm
from .rules import may_set_notifications


@school_view(may_set_notifications)
def notifications(request):
    actor = request.actor
    page = notify.preferences_page(actor)
    form = NotificationForm.for_preference(request.POST or None, page.preference)
    if request.method == "POST" and form.is_valid():
        try:
            notify.save_preferences(actor=actor, parent=actor.parent, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Notification settings saved."))
            return redirect("accounts:notifications")
    return render(request, "accounts/notifications.html", {"form": form, "page": page})
