"""The parent's notification settings form (R-D-4)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Delivery


class NotificationForm(forms.Form):
    marks = forms.ChoiceField(label=_("New marks"), choices=Delivery.choices, widget=forms.RadioSelect)
    attendance = forms.ChoiceField(
        label=_("Absences and lateness"), choices=Delivery.choices, widget=forms.RadioSelect
    )
    remarks = forms.ChoiceField(
        label=_("Remarks and praise"), choices=Delivery.choices, widget=forms.RadioSelect
    )
    weekly = forms.BooleanField(
        label=_("Weekly digest: marks by subject, absences and remarks of the week (on Sunday evening)"),
        required=False,
    )

    @classmethod
    def for_preference(cls, data, preference):
        initial = {name: getattr(preference, name) for name in ("marks", "attendance", "remarks", "weekly")}
        return cls(data, initial=initial)
