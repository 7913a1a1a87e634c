"""Forms of the finals control page (R-F-4, R-F-5): the filters, and the admin's period reopening.

They only carry the input: the periods and classes offered are the current year's
(loaded once by the view), and `journal.finals.services` judges a closing or reopening.
"""

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

MISSING, ALL = "missing", "all"


class ControlFilterForm(forms.Form):
    """GET filters: the period, one class or all, only the courses with finals missing or every course."""

    period = forms.ChoiceField(
        label=_("Reporting period"),
        error_messages={"invalid_choice": _("Choose a period from the list.")},
    )
    school_class = forms.ChoiceField(
        label=_("Class"),
        required=False,
        error_messages={"invalid_choice": _("Choose a class from the list.")},
    )
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[(MISSING, _("only with finals missing")), (ALL, _("all courses"))],
        error_messages={"invalid_choice": _("Choose from the list.")},
    )

    def __init__(self, data, *, periods, classes, default_period):
        data = data.copy()
        data.setdefault("period", str(default_period.pk) if default_period else "")
        data.setdefault("show", MISSING)
        super().__init__(data)
        self.periods = {str(p.pk): p for p in periods}
        self.classes = {str(c.pk): c for c in classes}
        self.fields["period"].choices = [
            (
                str(p.pk),
                f"{p.name} ({date_format(p.starts, 'd.m')}–{date_format(p.ends, 'd.m.Y')})",
            )
            for p in periods
        ]
        self.fields["school_class"].choices = [("", _("all classes"))] + [
            (str(c.pk), c.name) for c in classes
        ]
        self.default_period = default_period

    def chosen(self):
        """(period, class or None, only missing): what is valid of the input, the defaults for the rest."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        period = self.periods.get(data.get("period") or "", self.default_period)
        school_class = self.classes.get(data.get("school_class") or "")
        return period, school_class, data.get("show", MISSING) != ALL


class ReopenPeriodForm(forms.Form):
    """The reason the school reopens a closed period (the service refuses an empty one)."""

    reason = forms.CharField(
        label=_("Reason for reopening"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"maxlength": 300, "autocomplete": "off"}),
        help_text=_("Recorded in the history of the period, for example: a mark corrected after an appeal."),
        error_messages={"max_length": _("The reason may be at most 300 characters long.")},
    )
