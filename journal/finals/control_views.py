"""The finals control page (R-F-4, R-F-5): who has entered the period's final marks, who is late.

The admin, director and deputy read it (`rules.control_finals`); the admin also
closes the period or reopens it for a named reason (`rules.manage_period_locks`,
through `journal.finals.services`). A fixed number of queries whatever the number
of courses: the courses of the period and their progress come from
`journal.finals.selectors` in a few summed queries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_in_school, school_view
from accounts.models import Person
from journal import rules
from journal.finals import selectors as fs
from journal.finals import services as finals_services
from journal.finals.control_forms import ControlFilterForm, ReopenPeriodForm
from journal.finals.values import deadline
from journal.models import LockEvent, PeriodClosure
from journal.policy import journal_settings
from schedule import selectors as ss
from schedule.forms import add_service_errors
from schedule.models import ReportingPeriod, SchoolClass

SOON = 14  # days: the default period is the latest one whose finals are due by then
EVENTS = 50


@dataclass
class ControlRow:
    """A course of the control table with its status: empty, locked, complete, late or due."""

    due: fs.CourseDue
    status: str
    days: int  # late by / due in so many days (status "late" / "due")

    @property
    def course(self):
        return self.due.course


def status_of(due: fs.CourseDue, today: datetime.date, closed: bool) -> tuple[str, int]:
    if due.needed == 0:
        return "empty", 0
    if due.missing == 0:
        return ("locked" if due.locked or closed else "complete"), 0
    if today > due.due:
        return "late", (today - due.due).days
    return "due", (due.due - today).days


def default_period(periods: list, settings, today: datetime.date):
    """The latest period whose finals are due within `SOON` days (or overdue), else the current one."""

    def due(p):
        return deadline(p.ends, settings.finals_deadline, settings.finals_deadline_days)

    near = [p for p in periods if due(p) <= today + datetime.timedelta(days=SOON)]
    if near:
        return max(near, key=lambda p: (due(p), len(p.scheme.grades)))
    current = [p for p in periods if p.starts <= today <= p.ends]
    if current:
        return max(current, key=lambda p: len(p.scheme.grades))
    return periods[0] if periods else None


def control_context(actor, data, *, reopen_form=None, close_errors=None, chosen_period=None) -> dict:
    """Everything the page shows: 9–11 queries, whatever the number of courses."""
    school = actor.school
    today = ss.local_today(school)
    year = ss.current_year(school)
    if year is None:
        return {"year": None}
    periods = list(
        ReportingPeriod.objects.filter(scheme__year=year).select_related("scheme").order_by("starts", "ends")
    )
    classes = list(SchoolClass.objects.filter(year=year).order_by("grade", "letter"))
    fallback = chosen_period or default_period(periods, journal_settings(school), today)
    form = ControlFilterForm(data, periods=periods, classes=classes, default_period=fallback)
    period, school_class, only_missing = form.chosen()
    if chosen_period is not None:
        period = next((p for p in periods if p.pk == chosen_period.pk), chosen_period)
    if period is None:
        return {"year": year, "form": form, "period": None}
    closure = PeriodClosure.objects.filter(period=period).select_related("closed_by").first()
    progress = fs.finals_progress(period, fs.courses_of_period(period, school_class=school_class))
    rows = [ControlRow(d, *status_of(d, today, closure is not None)) for d in progress]
    rows.sort(key=lambda r: (r.course.group.grade, r.course.group.name, r.course.subject.name, r.course.pk))
    shown = [r for r in rows if r.due.missing] if only_missing else rows
    people = Prefetch("actor__people", queryset=Person.objects.filter(school=school))
    events = list(
        LockEvent.objects.filter(period=period)
        .select_related("actor", "course__subject", "course__group")
        .prefetch_related(people)[:EVENTS]
    )
    for event in events:
        names = [p.short_name for p in event.actor.people.all()] if event.actor else []
        event.who = names[0] if names else (event.actor.username if event.actor else "")
    return {
        "year": year,
        "form": form,
        "period": period,
        "school_class": school_class,
        "only_missing": only_missing,
        "today": today,
        "due": progress[0].due if progress else None,
        "rows": shown,
        "total": len(rows),
        "complete": sum(r.status in ("complete", "locked") for r in rows),
        "late": sum(r.status == "late" for r in rows),
        "closure": closure,
        "events": events,
        "may_close": rules.manage_period_locks(actor),
        "reopen_form": reopen_form or ReopenPeriodForm(),
        "close_errors": close_errors or [],
    }


@school_view(rules.control_finals)
def finals_control(request):
    """The courses of a period with their finals entered/needed, the deadline and the status."""
    return render(request, "journal/finals/control.html", control_context(request.actor, request.GET))


def _period_from_post(request) -> ReportingPeriod:
    return get_in_school(
        request.actor, ReportingPeriod.objects.select_related("scheme"), pk=request.POST.get("period")
    )


def _back(period) -> str:
    return reverse("journal:finals_control") + f"?period={period.pk}"


@require_POST
@school_view(rules.manage_period_locks)
def close_period(request):
    """The admin closes the period for the whole school; a refusal is shown next to the button."""
    period = _period_from_post(request)
    try:
        finals_services.close_period(actor=request.actor, period=period)
    except ValidationError as exc:
        context = control_context(request.actor, {}, close_errors=exc.messages, chosen_period=period)
        return render(request, "journal/finals/control.html", context)
    messages.success(request, _("%(period)s is closed: it is read-only now.") % {"period": period.name})
    return redirect(_back(period))


@require_POST
@school_view(rules.manage_period_locks)
def reopen_period(request):
    """The admin reopens a closed period; the reason is required and recorded."""
    period = _period_from_post(request)
    form = ReopenPeriodForm(request.POST)
    if form.is_valid():
        try:
            finals_services.reopen_period(actor=request.actor, period=period, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(period)s is reopened.") % {"period": period.name})
            return redirect(_back(period))
    context = control_context(request.actor, {}, reopen_form=form, chosen_period=period)
    return render(request, "journal/finals/control.html", context)
