"""Forms of the finals view's endpoints: plain ids and the raw value; the services judge the rest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from journal.models import FinalKind


class SaveFinalForm(forms.Form):
    course = forms.IntegerField(min_value=1)
    student = forms.IntegerField(min_value=1)
    kind = forms.ChoiceField(choices=FinalKind.choices)
    period = forms.IntegerField(min_value=1, required=False)
    value = forms.CharField(max_length=40, required=False, strip=False)
    version = forms.IntegerField(min_value=0, required=False)


class AcceptFinalsForm(forms.Form):
    course = forms.IntegerField(min_value=1)
    kind = forms.ChoiceField(
        choices=[(FinalKind.PERIOD, FinalKind.PERIOD.label), (FinalKind.YEAR, FinalKind.YEAR.label)]
    )
    period = forms.IntegerField(min_value=1, required=False)


class LockFinalsForm(forms.Form):
    course = forms.IntegerField(min_value=1)
    period = forms.IntegerField(min_value=1)


class ReopenFinalsForm(forms.Form):
    course = forms.IntegerField(min_value=1)
    period = forms.IntegerField(min_value=1)
    reason = forms.CharField(
        label=_("reason"),
        max_length=300,
        error_messages={"required": _("Say why the period is reopened: it is recorded.")},
    )
