"""The admin's pages of a compromised login (R-ACC-7): report it, list its changes, roll back, the result."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import get_in_school, school_view
from accounts.models import AuditEvent, Person
from accounts.services.compromise import COMPROMISED, report_compromised, reports_of
from journal import rules
from journal.rollback import services as rollback


def _report(actor, pk):
    return get_in_school(actor, AuditEvent.objects.filter(action=COMPROMISED), pk=pk)


def _since(raw: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(raw.strip())
    except (AttributeError, ValueError) as exc:
        raise ValidationError({"since": _("Enter the date and time, e.g. 09.12.2026 13:00.")}) from exc
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@require_http_methods(["GET", "POST"])
@school_view(rules.roll_back_compromised)
def report_person(request, pk):
    """A person's login reported compromised from a moment: its sessions end, it must set a new password."""
    person = get_in_school(request.actor, Person.objects.select_related("user"), pk=pk)
    errors = []
    if request.method == "POST" and person.user is not None:
        try:
            since = _since(request.POST.get("since", ""))
            event = report_compromised(
                actor=request.actor, user=person.user, school=request.actor.school, since=since
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            return redirect("journal:compromised_changes", event.pk)
    now = timezone.localtime().replace(second=0, microsecond=0)
    return render(
        request,
        "journal/rollback/report.html",
        {
            "person": person,
            "errors": errors,
            "now": now.strftime("%Y-%m-%dT%H:%M"),
            "reports": reports_of(request.actor.school).filter(data__user=person.user_id)
            if person.user_id
            else [],
        },
    )


@require_http_methods(["GET", "POST"])
@school_view(rules.roll_back_compromised)
def changes(request, pk):
    """GET: what the login changed after the moment. POST: roll back the selected changes, or all."""
    report = _report(request.actor, pk)
    if request.method == "POST":
        keys = None if "all" in request.POST else request.POST.getlist("change")
        rollback.roll_back(actor=request.actor, report=report, keys=keys)
        result = (
            AuditEvent.objects.filter(
                school=request.actor.school, action=rollback.ROLLED_BACK, data__report=report.pk
            )
            .order_by("-pk")
            .first()
        )
        return redirect("journal:compromised_result", report.pk, result.pk)
    found = rollback.changes_since(report)
    person = Person.objects.filter(school=request.actor.school, user=found.user).first()
    return render(request, "journal/rollback/changes.html", {"found": found, "person": person})


@school_view(rules.roll_back_compromised)
def result(request, pk, result_pk):
    """What a rollback did: the changes put back and those skipped, with the reasons."""
    report = _report(request.actor, pk)
    event = get_in_school(
        request.actor,
        AuditEvent.objects.filter(action=rollback.ROLLED_BACK, data__report=report.pk),
        pk=result_pk,
    )
    found = {c.key: c for c in rollback.changes_since(report).journal}
    done = [found[k] for k in event.data["done"] if k in found]
    skipped = [(found[k], reason) for k, reason in event.data["skipped"] if k in found]
    return render(
        request,
        "journal/rollback/result.html",
        {"report": report, "event": event, "done": done, "skipped": skipped},
    )
