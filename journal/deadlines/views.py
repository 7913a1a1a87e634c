"""Pages of the deadlines (R-CTL-1…4): the school's settings, the deputy's control page with its list and
workbook, and sending each teacher and class teacher their results (seed 002 8.3).

The admin, director and deputy read the control page and the settings (`rules.control_deadlines`); only
the admin changes the settings (`schedule.rules.manage_structure`), through
`journal.deadlines.services`. Bad input renders the page again with the message next to the field.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import get_in_school, school_view
from accounts.models import Person
from accounts.selectors import local_today
from journal import rules
from journal.models import DeadlineMeasure, WorkType
from journal.settings.services import work_types_with_use
from schedule.forms import add_service_errors
from schedule.models import ReportingPeriod
from schedule.rules import manage_structure
from schedule.selectors import current_year

from . import control, services, xlsx
from .forms import DeadlineSettingsForm, RangeForm, WorkTypeDeadlineForm
from .results import send_results


def _settings_page(request, *, form=None, status=200):
    school = request.actor.school
    settings = services.settings_of(school)
    return render(
        request,
        "journal/deadlines/settings.html",
        {
            "settings": settings,
            "form": form or DeadlineSettingsForm.of(settings),
            "types": [row.work_type for row in work_types_with_use(school)],
            "deadline_choices": WorkTypeDeadlineForm.base_fields["deadline"].choices,
            "may_edit": manage_structure(request.actor),
        },
        status=status,
    )


@school_view(rules.control_deadlines)
def settings_page(request):
    """The deadlines with the clause each comes from; read-only for the director and deputy."""
    return _settings_page(request)


@require_POST
@school_view(manage_structure)
def save_settings(request):
    form = DeadlineSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.save_settings(actor=request.actor, school=request.actor.school, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The deadlines are saved; tonight's measurement uses them."))
            return redirect("journal:deadline_settings")
    return _settings_page(request, form=form)


@require_POST
@school_view(manage_structure)
def set_type_deadline(request, pk):
    work_type = get_in_school(request.actor, WorkType.objects.select_related("school"), pk=pk)
    form = WorkTypeDeadlineForm(request.POST)
    if form.is_valid():
        services.set_work_type_deadline(
            actor=request.actor, work_type=work_type, deadline=form.cleaned_data["deadline"]
        )
        messages.success(request, _("The deadline of %(code)s is saved.") % {"code": work_type.code})
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(reverse("journal:deadline_settings") + "#dl-types")


def default_range(school, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """From the first day of yesterday's month to yesterday (the measures are stored up to last night)."""
    last = today - datetime.timedelta(days=1)
    return last.replace(day=1), last


def _ranges(school, today: datetime.date) -> list[dict]:
    """Quick choices: last week, this month, last month, each period of the year so far."""
    yesterday = today - datetime.timedelta(days=1)
    month_start = yesterday.replace(day=1)
    prev_end = month_start - datetime.timedelta(days=1)
    choices = [
        (_("Last 7 days"), today - datetime.timedelta(days=7), yesterday),
        (_("This month"), month_start, yesterday),
        (_("Last month"), prev_end.replace(day=1), prev_end),
    ]
    year = current_year(school, today)
    if year is not None:
        seen = set()
        for p in ReportingPeriod.objects.filter(scheme__year=year, starts__lte=today).order_by(
            "starts", "ends"
        ):
            if (p.name, p.starts) in seen:
                continue
            seen.add((p.name, p.starts))
            choices.append((p.name, p.starts, min(p.ends, yesterday)))
    return [{"label": label, "from": a, "to": b} for label, a, b in choices if a <= b]


def _range(request):
    school = request.actor.school
    today = local_today(school)
    form = RangeForm(request.GET or None)
    first, last = form.range_or(default_range(school, today))
    return form, first, last, today


@school_view(rules.control_deadlines)
def control_page(request):
    """Per teacher and clause, the share on time, late and missing for the chosen days (3 queries)."""
    form, first, last, today = _range(request)
    school = request.actor.school
    query = urlencode({"date_from": first.isoformat(), "date_to": last.isoformat()})
    return render(
        request,
        "journal/deadlines/control.html",
        {
            "form": form,
            "first": first,
            "last": last,
            "query": query,
            "overview": control.overview(school, first, last),
            "ranges": _ranges(school, today),
            "clauses": DeadlineMeasure.Clause.choices,
        },
    )


@school_view(rules.control_deadlines)
def control_details(request):
    """The lessons, columns and plans behind one figure of the control page (1 query, at most 500 rows)."""
    form, first, last, _today = _range(request)
    school = request.actor.school
    data = form.cleaned_data if form.is_valid() else {}
    teacher = None
    if data.get("teacher"):
        teacher = get_in_school(request.actor, Person.objects.all(), pk=data["teacher"])
    clause, state = data.get("clause") or None, data.get("state") or None
    rows = control.details(
        school, first, last, teacher_id=teacher.pk if teacher else None, clause=clause, state=state
    )
    return render(
        request,
        "journal/deadlines/details.html",
        {
            "form": form,
            "first": first,
            "last": last,
            "teacher": teacher,
            "clause": clause,
            "clause_label": dict(DeadlineMeasure.Clause.choices).get(clause, ""),
            "state": state,
            "state_label": dict(DeadlineMeasure.State.choices).get(state, ""),
            "rows": rows,
            "limit": control.DETAILS_LIMIT,
            "back": reverse("journal:deadline_control")
            + "?"
            + urlencode({"date_from": first.isoformat(), "date_to": last.isoformat()}),
        },
    )


@school_view(rules.control_deadlines)
def control_xlsx(request):
    """The control page as a workbook: the overview sheet and the list of every late or missing deadline."""
    _form, first, last, _today = _range(request)
    school = request.actor.school
    body = xlsx.workbook(school, first, last)
    response = HttpResponse(body, content_type=xlsx.CONTENT_TYPE)
    name = f"deadlines-{first.isoformat()}-{last.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@school_view(rules.control_deadlines)
def send_to_teachers(request):
    """Seed 002 8.3: each teacher gets their results for the days, each class teacher those of their class."""
    form = RangeForm(request.POST)
    school = request.actor.school
    today = local_today(school)
    first, last = form.range_or(default_range(school, today))
    queued = send_results(actor=request.actor, school=school, first=first, last=last)
    if queued:
        messages.success(
            request,
            ngettext("%(n)d letter is on its way.", "%(n)d letters are on their way.", queued)
            % {"n": queued},
        )
    else:
        messages.info(
            request,
            _(
                "No letters to send: nobody with an e-mail had deadlines these days, or they were sent already."
            ),
        )
    return redirect(
        reverse("journal:deadline_control")
        + "?"
        + urlencode({"date_from": first.isoformat(), "date_to": last.isoformat()})
    )
