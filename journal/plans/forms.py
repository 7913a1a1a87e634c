"""Forms of the plan pages: the XLSX upload (parsed and validated here) and the confirmation of clearing."""

from django import forms
from django.utils.translation import gettext_lazy as _

from journal.plans.xlsx import parse_plan


class PlanImportForm(forms.Form):
    file = forms.FileField(
        label=_("Plan file (.xlsx)"),
        help_text=_("The whole plan of the course is replaced by the file. Up to 2 MB, at most 1000 topics."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.rows = parse_plan(upload)
        return upload


class ClearPlanForm(forms.Form):
    confirm = forms.BooleanField(required=False)
