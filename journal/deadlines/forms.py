"""Forms of the deadlines pages; they carry the input, `journal.deadlines.services` judges the settings."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from journal.models import MarksDeadline

from .control import CLAUSES, STATES

MAX_DAYS = 400  # a range of at most a school year and a bit


def _number(label, help_text=""):
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 3, "autocomplete": "off"}),
    )


def _time(label, help_text=""):
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "size": 5, "placeholder": "20:00", "autocomplete": "off"}
        ),
    )


class DeadlineSettingsForm(forms.Form):
    """The school's deadlines as typed; each field carries the clause of the regulation it comes from."""

    record_by = _time(
        _("Topic and attendance, on the day of the lesson by"),
        _("E-journal regulation, 6.4.1: on the day of the lesson, at the latest by 20:00."),
    )
    homework_hours = _number(
        _("Homework, hours after the class's last lesson"),
        _(
            "Model procedure for the e-journal, 2.8: no later than 1 hour after the end of the class's lessons"
            " that day (by that day's bells)."
        ),
    )
    oral_days = _number(_("Oral answers, days"), _("E-journal regulation, 2.4: within a day, grades 2–11."))
    written_days = _number(
        _("Written, test and laboratory work, days (grades 2–9)"),
        _("E-journal regulation, 2.4: within 7 days."),
    )
    written_days_senior = _number(
        _("Written, test and laboratory work, days (grades 10–11)"),
        _("E-journal regulation, 2.4: within 10 days."),
    )
    written_working_days = _number(
        _("Stricter rule: written work within working days"),
        _("Some schools' regulations (6.1): within 3 working days. Leave empty to use the days above."),
    )
    plan_days = _number(
        _("Thematic plan and timetable, days before each period"),
        _("Model procedure for the e-journal, annex A.16 and A.19: 2 days before each period."),
    )
    remind = forms.BooleanField(
        label=_("Send teachers a daily letter of what is late and due"), required=False
    )
    remind_at = _time(_("The letter is sent from"), _("School time; at most one letter a day per teacher."))

    @classmethod
    def of(cls, settings) -> DeadlineSettingsForm:
        return cls(
            initial={
                "record_by": settings.record_by.strftime("%H:%M"),
                "homework_hours": settings.homework_hours,
                "oral_days": settings.oral_days,
                "written_days": settings.written_days,
                "written_days_senior": settings.written_days_senior,
                "written_working_days": settings.written_working_days or "",
                "plan_days": settings.plan_days,
                "remind": settings.remind,
                "remind_at": settings.remind_at.strftime("%H:%M"),
            }
        )


class WorkTypeDeadlineForm(forms.Form):
    deadline = forms.ChoiceField(
        label=_("Marks are due"),
        choices=MarksDeadline.choices,
        error_messages={
            "invalid_choice": _("Choose a deadline from the list."),
            "required": _("Choose a deadline from the list."),
        },
    )


class RangeForm(forms.Form):
    """The days of the control page: from, to (inclusive); a teacher, clause and state for the list."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    teacher = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    clause = forms.ChoiceField(
        required=False, choices=[("", "")] + [(c, c) for c in CLAUSES], widget=forms.HiddenInput
    )
    state = forms.ChoiceField(
        required=False, choices=[("", "")] + [(s, s) for s in STATES], widget=forms.HiddenInput
    )

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last:
            if last < first:
                self.add_error("date_to", _("The end date must not be before the start date."))
            elif (last - first).days > MAX_DAYS:
                self.add_error("date_to", _("Choose at most %(days)d days.") % {"days": MAX_DAYS})
        return data

    def range_or(self, default: tuple[datetime.date, datetime.date]) -> tuple[datetime.date, datetime.date]:
        """The chosen days, or `default` where the form is empty or wrong."""
        if not self.is_valid():
            return default
        return self.cleaned_data.get("date_from") or default[0], self.cleaned_data.get("date_to") or default[
            1
        ]
