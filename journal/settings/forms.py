"""Forms of the journal settings page; they only carry the input, `journal.settings.services` judges it."""

from decimal import Decimal

from django import forms
from django.utils.formats import localize
from django.utils.translation import gettext_lazy as _

from journal.models import EditWindow, FinalsDeadline
from journal.settings.services import CODE_MAX, NAME_MAX


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


class FinalsRulesForm(forms.Form):
    """The thresholds of a proposed final and the finals deadline as typed; the service judges them."""

    threshold_3 = forms.CharField(
        label=_("Lowest average for 3"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5, "autocomplete": "off"}),
    )
    threshold_4 = forms.CharField(
        label=_("Lowest average for 4"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5, "autocomplete": "off"}),
    )
    threshold_5 = forms.CharField(
        label=_("Lowest average for 5"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5, "autocomplete": "off"}),
        help_text=_("Two digits after the point; each higher than the one before, at most 5."),
    )
    round_average = forms.BooleanField(
        label=_("Round the average to two decimals (half up) before comparing it with the thresholds"),
        required=False,
        help_text=_("Without it 3.645 proposes 3; with it 3.645 becomes 3.65 and proposes 4."),
    )
    finals_deadline = forms.CharField(
        label=_("Final marks are due"),
        required=False,
        widget=forms.Select(choices=FinalsDeadline.choices),
    )
    finals_deadline_days = forms.CharField(
        label=_("Days"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 3, "autocomplete": "off"}),
        help_text=_("From 0 to 60; not used for the period's last day."),
    )

    def threshold_fields(self):
        return [self[name] for name in ("threshold_3", "threshold_4", "threshold_5")]

    def deadline_fields(self):
        return [self["finals_deadline"], self["finals_deadline_days"]]

    @classmethod
    def of(cls, settings) -> "FinalsRulesForm":
        return cls(
            initial={
                "threshold_3": localize(Decimal(settings.threshold_3)),
                "threshold_4": localize(Decimal(settings.threshold_4)),
                "threshold_5": localize(Decimal(settings.threshold_5)),
                "round_average": settings.round_average,
                "finals_deadline": settings.finals_deadline,
                "finals_deadline_days": settings.finals_deadline_days,
            }
        )
