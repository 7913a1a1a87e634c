"""The class's weekly attendance reconciliation page and its one write (R-J-8).

Readers (admin, director, deputy) see the page; the class teacher and the admin
set reasons (`rules.reconcile_class`) while the year is open. Reads go through
`journal.reconcile.selectors.class_week`, the write through `journal.reconcile.services.set_reasons`.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.access import get_in_school, require, school_view
from journal import rules
from journal.models import Attendance
from journal.reconcile import services as reconcile
from journal.reconcile.selectors import class_week, day_ids, week_monday
from schedule import selectors as ss
from schedule.models import SchoolClass
from schedule.weeks import monday_of

# Short labels for the selects and the table (the models' labels are phrases: "по уважительной причине").
REASON_LABELS = {
    Attendance.Reason.ILLNESS: gettext_lazy("Illness"),
    Attendance.Reason.EXCUSED: gettext_lazy("Excused"),
    Attendance.Reason.UNEXCUSED: gettext_lazy("Unexcused"),
}
# The totals' names where the table turns into cards (a phone).
TOTAL_LABELS = {
    "missed": gettext_lazy("Missed"),
    "illness": gettext_lazy("Illness"),
    "excused": gettext_lazy("Excused"),
    "unexcused": gettext_lazy("Unexcused"),
    "late": gettext_lazy("Late"),
    "pending": gettext_lazy("No reason yet"),
}


MAX_ID = 2**63 - 1  # bigint: a larger number would reach the database as an error


class IdsField(forms.Field):
    """Several integer ids sent under one name (`attendance=1&attendance=2`)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            ids = [int(v) for v in value or []]
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("The absences chosen are not valid."), code="invalid") from exc
        if any(not 0 < pk <= MAX_ID for pk in ids):
            raise ValidationError(_("The absences chosen are not valid."), code="invalid")
        return ids


class ReasonForm(forms.Form):
    """A reason for all of one student's absences of one day, or for the rows listed in `attendance`."""

    reason = forms.ChoiceField(
        label=gettext_lazy("reason"),
        choices=[("", "—"), *Attendance.Reason.choices],
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose a reason from the list.")},
    )
    student = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    date = forms.DateField(required=False)
    attendance = IdsField(required=False)
    week = forms.DateField(required=False)

    def clean(self):
        data = super().clean()
        if not data.get("attendance") and not (data.get("student") and data.get("date")):
            raise ValidationError(_("No absences or lateness were chosen."), code="empty")
        return data


def _week_param(request) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(request.GET.get("week", "")[:10])
    except ValueError:
        return None


def _class(actor, class_pk) -> SchoolClass:
    return get_in_school(actor, SchoolClass.objects.select_related("year", "school"), pk=class_pk)


def week_url(school_class, day: datetime.date | None = None, anchor: str = "") -> str:
    url = reverse("journal:reconcile", args=[school_class.pk])
    if day is not None:
        url += "?" + urlencode({"week": monday_of(day).isoformat()})
    return url + (f"#{anchor}" if anchor else "")


@school_view(rules.open_journal)
def reconcile_week(request, class_pk):
    """The class's absences and lateness of one week by student and day, with their reasons."""
    actor = request.actor
    school_class = _class(actor, class_pk)
    require(actor, rules.view_class_attendance, school_class)
    monday = week_monday(school_class, _week_param(request), ss.local_today(actor.school))
    week = class_week(school_class, monday)
    classes = []
    if rules.reads_everything(actor):
        classes = list(SchoolClass.objects.filter(year=school_class.year_id).order_by("grade", "letter"))
    editable = rules.reconcile_class(actor, school_class) and not school_class.year.is_read_only
    return render(
        request,
        "journal/reconcile/reconcile.html",
        {
            "school_class": school_class,
            "week": week,
            "editable": editable,
            "classes": classes,
            "reasons": [(r, str(label)) for r, label in REASON_LABELS.items()],
            "labels": {k: str(v) for k, v in TOTAL_LABELS.items()},
        },
    )


@require_POST
@school_view()
def set_reason(request, class_pk):
    """Sets the reason of a student's absences of one day, or of the lessons chosen; back to the week."""
    actor = request.actor
    school_class = _class(actor, class_pk)
    require(actor, rules.reconcile_class, school_class)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(week_url(school_class, form.cleaned_data.get("week")))
    data = form.cleaned_data
    back = week_url(
        school_class, data["week"] or data["date"], f"s{data['student']}" if data["student"] else ""
    )
    ids = data["attendance"] or day_ids(school_class, data["student"], data["date"])
    if not ids:
        messages.error(request, _("This student has no absences or lateness in the class on that day."))
        return redirect(back)
    try:
        changed = reconcile.set_reasons(
            actor=actor, school_class=school_class, attendance=ids, reason=data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    if changed:
        messages.success(
            request,
            ngettext(
                "Reason saved for %(count)d lesson.", "Reason saved for %(count)d lessons.", len(changed)
            )
            % {"count": len(changed)},
        )
    else:
        messages.info(request, _("Nothing changed: the reason was already set."))
    return redirect(back)
