"""Forms of the journal settings page; they only carry the input, `journal.settings_services` judges it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EditWindow
from .settings_services import CODE_MAX, NAME_MAX


class EditWindowForm(forms.Form):
    edit_window = forms.ChoiceField(
        label=_("Teachers may change marks"),
        choices=EditWindow.choices,
        error_messages={
            "required": _("Choose a period from the list."),
            "invalid_choice": _("Choose a period from the list."),
        },
    )


class WorkTypeForm(forms.Form):
    """Code, name and weight as typed; empty, duplicate or out-of-range values come back from the service."""

    code = forms.CharField(
        label=_("Code"),
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"maxlength": CODE_MAX, "size": 6, "autocomplete": "off"}),
        help_text=_("Shown in the column header, for example КР."),
    )
    name = forms.CharField(
        label=_("Work type name"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": NAME_MAX, "autocomplete": "off"}),
    )
    weight = forms.CharField(
        label=_("Weight"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5, "autocomplete": "off"}),
        help_text=_("From 0.1 to 10, one digit after the point."),
    )
