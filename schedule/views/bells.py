"""Bell schedules and special bell days (R-TT-1): staff read them, the admin and the deputy edit them."""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_in_school, school_view

from .. import bells, rules
from ..forms import add_service_errors
from ..forms_timetable import BellDayForm, BellScheduleForm, slot_formset
from ..models import BellDay, BellSchedule, BellSlot
from ..selectors import local_today
from .common import bound, may, posted, require_for_post, submit


def _schedules(school):
    return BellSchedule.objects.filter(school=school).prefetch_related(
        Prefetch("slots", queryset=BellSlot.objects.order_by("number"))
    )


@school_view(rules.view_timetables)
def bell_list(request):
    school = request.actor.school
    today = local_today(school)
    return render(
        request,
        "schedule/bells/bell_list.html",
        {
            "schedules": _schedules(school),
            "coming_days": BellDay.objects.filter(school=school, date__gte=today)
            .select_related("schedule")
            .order_by("date", "shift")[:10],
            "may_manage": may(request, rules.manage_timetable),
        },
    )


def _save_schedule(request, form, formset, schedule=None):
    """Both forms valid → one service call that saves the schedule and its slots, or nothing."""
    if not (request.method == "POST" and form.is_valid() & formset.is_valid()):
        return None
    try:
        return bells.save_bell_schedule(
            actor=request.actor, schedule=schedule, slots=formset.slots(), **form.cleaned_data
        )
    except ValidationError as exc:
        errors = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
        formset.service_errors = [m for e in errors.pop("slots", []) for m in e.messages]
        if errors:
            add_service_errors(form, ValidationError(errors))
        return None


def _schedule_page(request, form, formset, schedule=None):
    return render(
        request,
        "schedule/bells/bell_form.html",
        {"form": form, "formset": formset, "schedule": schedule},
    )


@school_view(rules.manage_timetable)
def bell_create(request):
    school = request.actor.school
    copy = request.GET.get("copy")
    source = get_in_school(request.actor, BellSchedule.objects, pk=copy) if copy else None
    initial = (
        {"shift": source.shift}
        if source
        else {"is_default": not BellSchedule.objects.filter(school=school).exists()}
    )
    form = BellScheduleForm(bound(request), initial=initial)
    formset = slot_formset(
        bound(request), slots=bells.slots_of(source) if source else {}, blank=3 if source else 8
    )
    schedule = _save_schedule(request, form, formset)
    if schedule is not None:
        messages.success(request, _("The bell schedule is saved."))
        return redirect("schedule:bell_list")
    return _schedule_page(request, form, formset)


@school_view(rules.manage_timetable)
def bell_edit(request, pk):
    schedule = get_in_school(request.actor, BellSchedule.objects, pk=pk)
    initial = {"name": schedule.name, "shift": schedule.shift, "is_default": schedule.is_default}
    form = BellScheduleForm(bound(request), initial=initial)
    formset = slot_formset(bound(request), slots=bells.slots_of(schedule))
    if _save_schedule(request, form, formset, schedule) is not None:
        messages.success(request, _("The bell schedule is saved."))
        return redirect("schedule:bell_list")
    return _schedule_page(request, form, formset, schedule)


@require_POST
@school_view(rules.manage_timetable)
def bell_delete(request, pk):
    schedule = get_in_school(request.actor, BellSchedule.objects, pk=pk)
    try:
        bells.delete_bell_schedule(actor=request.actor, schedule=schedule)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("schedule:bell_edit", pk=schedule.pk)
    messages.success(request, _("The bell schedule is deleted."))
    return redirect("schedule:bell_list")


@school_view(rules.view_timetables)
def bellday_list(request):
    require_for_post(request, rules.manage_timetable)
    school = request.actor.school
    form = BellDayForm(bound(request), school=school)
    if posted(request, form) and submit(form, bells.save_bell_day, actor=request.actor):
        messages.success(request, _("The special bell day is saved."))
        return redirect("schedule:bellday_list")
    return render(
        request,
        "schedule/bells/bellday_list.html",
        {
            "days": BellDay.objects.filter(school=school)
            .select_related("schedule")
            .order_by("-date", "shift"),
            "today": local_today(school),
            "form": form,
            "may_manage": may(request, rules.manage_timetable),
            "has_schedules": form.fields["schedule"].queryset.exists(),
        },
    )


@require_POST
@school_view(rules.manage_timetable)
def bellday_delete(request, pk):
    day = get_in_school(request.actor, BellDay.objects, pk=pk)
    try:
        bells.delete_bell_day(actor=request.actor, bell_day=day)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The special bell day is deleted."))
    return redirect("schedule:bellday_list")
