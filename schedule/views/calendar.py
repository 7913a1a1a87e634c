"""The lesson calendar: generating it from the timetable, and a class's day with its one-off changes."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_in_school, school_view

from .. import calendar, rules, selectors
from ..forms_calendar import CancelForm, ExtraLessonForm, GenerateForm, MoveForm
from ..models import Lesson, SchoolClass
from .common import bound, date_from_request, may, posted, require_for_post, submit, year_from_request

LESSONS = Lesson.objects.select_related("course__subject", "group", "teacher", "room", "year")


def day_url(school_class_id: int, on: datetime.date) -> str:
    query = QueryDict(mutable=True)
    query["on"] = on.isoformat()
    return f"{reverse('schedule:calendar_day', kwargs={'pk': school_class_id})}?{query.urlencode()}"


def back_to(request, lesson: Lesson, on: datetime.date | None = None) -> str:
    """Where a lesson action returns: the page it came from (`next`), else the class's day of the lesson."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    if lesson.group.school_class_id:
        return day_url(lesson.group.school_class_id, on or lesson.date)
    return reverse("schedule:calendar_generate")


def refusal(request, exc: ValidationError):
    for message in exc.messages:
        messages.error(request, message)


@school_view(rules.manage_timetable)
def generate(request):
    actor = request.actor
    year = year_from_request(request)
    form = GenerateForm(bound(request), school=actor.school, year=year, initial={"year": year})
    report = None
    if posted(request, form):
        data = form.cleaned_data
        report = submit(
            form,
            calendar.generate_lessons,
            actor=actor,
            data={
                "year": data["year"],
                "date_from": data["date_from"],
                "date_to": data["date_to"],
                "classes": list(data["classes"]),
            },
        )
    return render(
        request,
        "schedule/calendar/generate.html",
        {
            "year": year,
            "years": selectors.years_of_school(actor.school),
            "form": form,
            "report": report,
            "classes": selectors.classes_of_year(year) if year else [],
            "today": selectors.local_today(actor.school),
        },
    )


@school_view(rules.view_timetables)
def day(request, pk):
    actor = request.actor
    school_class = get_in_school(actor, SchoolClass.objects.select_related("year"), pk=pk)
    year = school_class.year
    on = selectors.day_in_year(year, date_from_request(request) or selectors.local_today(actor.school))
    require_for_post(request, rules.manage_timetable)
    groups = calendar.groups_of_class_on(school_class, on)
    form = ExtraLessonForm(bound(request), school=actor.school, groups=groups)
    if posted(request, form) and submit(form, calendar.add_extra_lesson, actor=actor, date=on):
        messages.success(request, _("The extra lesson is added."))
        return redirect(day_url(school_class.pk, on))
    return render(
        request,
        "schedule/calendar/day.html",
        {
            "school_class": school_class,
            "year": year,
            "on": on,
            "previous": on - datetime.timedelta(days=1) if on > year.starts else None,
            "next": on + datetime.timedelta(days=1) if on < year.ends else None,
            "classes": SchoolClass.objects.filter(year=year).order_by("grade", "letter"),
            "lessons": calendar.lessons_of_class_day(school_class, on),
            "form": form,
            "may_manage": may(request, rules.manage_timetable) and not year.is_read_only,
            "here": day_url(school_class.pk, on),
        },
    )


@require_POST
@school_view(rules.manage_timetable)
def lesson_cancel(request, pk):
    lesson = get_in_school(request.actor, LESSONS, pk=pk)
    form = CancelForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        calendar.cancel_lesson(actor=request.actor, lesson=lesson, note=note)
    except ValidationError as exc:
        refusal(request, exc)
    else:
        messages.success(request, _("The lesson is cancelled."))
    return redirect(back_to(request, lesson))


@require_POST
@school_view(rules.manage_timetable)
def lesson_restore(request, pk):
    lesson = get_in_school(request.actor, LESSONS, pk=pk)
    try:
        calendar.restore_lesson(actor=request.actor, lesson=lesson)
    except ValidationError as exc:
        refusal(request, exc)
    else:
        messages.success(request, _("The lesson takes place again."))
    return redirect(back_to(request, lesson))


@school_view(rules.manage_timetable)
def lesson_move(request, pk):
    lesson = get_in_school(request.actor, LESSONS, pk=pk)
    form = MoveForm(
        bound(request), school=request.actor.school, initial={"date": lesson.date, "slot": lesson.slot}
    )
    if posted(request, form) and (
        moved := submit(form, calendar.move_lesson, actor=request.actor, lesson=lesson)
    ):
        messages.success(request, _("The lesson is moved."))
        if moved.group.school_class_id:
            return redirect(day_url(moved.group.school_class_id, moved.date))
        return redirect(back_to(request, moved))
    return render(
        request,
        "schedule/form_page.html",
        {
            "title": _("Move the lesson: %(course)s, %(date)s, lesson %(slot)s")
            % {
                "course": f"{lesson.group.name} {lesson.course.subject.name}",
                "date": calendar.day(lesson.date),
                "slot": lesson.slot,
            },
            "form": form,
            "year": lesson.year,
            "back": back_to(request, lesson),
        },
    )
