"""The deputy's substitution day (R-TT-4): pick a date and an absent teacher, give each lesson a free teacher."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_in_school, school_view
from accounts.models import Person

from .. import rules, substitutions, weeks
from .. import selectors as ss
from ..forms_weeks import SubstitutionForm
from ..models import Lesson, Substitution
from .common import date_from_request


def _day_url(day, teacher_id=None) -> str:
    query = {"date": day.isoformat()}
    if teacher_id:
        query["teacher"] = teacher_id
    return f"{reverse('schedule:substitution_day')}?{urlencode(query)}"


@school_view(rules.manage_timetable)
def substitution_day(request):
    actor = request.actor
    day = date_from_request(request, "date") or ss.local_today(actor.school)
    absent = None
    if request.GET.get("teacher"):
        absent = get_in_school(actor, Person.objects, pk=request.GET["teacher"])
    page = weeks.substitution_day(actor.school, day, absent=absent, now=timezone.now())
    return render(
        request,
        "schedule/substitutions/day.html",
        {"page": page, "day": day, "is_admin": actor.is_admin, "today": ss.local_today(actor.school)},
    )


@school_view(rules.manage_timetable)
@require_POST
def substitution_record(request, pk):
    actor = request.actor
    lesson = get_in_school(actor, Lesson.objects, pk=pk)
    form = SubstitutionForm(request.POST, school=actor.school)
    if form.is_valid():
        try:
            done = substitutions.assign_substitute(actor=actor, lesson=lesson, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            message = _("Substitute recorded: %(name)s, %(lesson)s.") % {
                "name": done.substitute.short_name,
                "lesson": substitutions.describe(done.lesson),
            }
            if done.late:
                message += " " + _("Recorded after the lesson began: marked as late.")
            messages.success(request, message)
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(_day_url(lesson.date, lesson.teacher_id))


@school_view(rules.manage_timetable)
@require_POST
def substitution_cancel(request, pk):
    actor = request.actor
    substitution = get_in_school(actor, Substitution.objects.select_related("lesson"), pk=pk)
    lesson = substitution.lesson
    try:
        substitutions.cancel_substitution(actor=actor, substitution=substitution)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The substitution is withdrawn."))
    return redirect(_day_url(lesson.date, lesson.teacher_id))
