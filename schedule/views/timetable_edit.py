"""Editing the weekly timetable (R-TT-2): the overview of classes and the weekly grid of one class.

The grid's cells are small forms: with htmx the "+" loads the cell's form in
place and a POST answers with the new cell (and the hours summary, out of
band); without JavaScript the same URLs answer with the whole page and a
redirect. Staff read the grid, the admin and the deputy edit it.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_in_school, school_view

from .. import rules, selectors, timetable
from ..forms import add_service_errors
from ..forms_timetable import CellForm, EntryForm
from ..models import Room, SchoolClass, TimetableEntry, Weekday
from .common import bound, date_from_request, may, year_from_request

CLASSES = SchoolClass.objects.select_related("year", "school")


def _grid_url(school_class, on: datetime.date | None, anchor: str = "") -> str:
    url = reverse("schedule:timetable_class", args=[school_class.pk])
    if on is not None:
        url += "?" + urlencode({"on": on.isoformat()})
    return url + (f"#cell-{anchor}" if anchor else "")


def _on(request) -> datetime.date | None:
    """The date the page looks at, when the user chose one (GET ?on= or the form's hidden field)."""
    raw = request.POST.get("on") if request.method == "POST" else None
    if raw:
        try:
            return datetime.date.fromisoformat(raw)
        except ValueError:
            return None
    return date_from_request(request)


def _rooms(school):
    rooms = list(
        Room.objects.filter(school=school).select_related("building").order_by("building__name", "name")
    )
    return rooms, len({r.building_id for r in rooms}) > 1


def _page(request, school_class, *, target=None, show_form=False, form=None, saturday=None):
    """The grid page, or with htmx only the `target` cell (weekday, slot); `show_form` opens its form."""
    on = _on(request)
    if saturday is None:
        saturday = request.GET.get("sat") == "1" or bool(target and target[0] == Weekday.SATURDAY)
    grid = timetable.class_grid(school_class, on, saturday=saturday)
    may_manage = may(request, rules.manage_timetable) and not school_class.year.is_read_only
    if may_manage and show_form and form is None:
        rooms, with_building = _rooms(request.actor.school)
        form = CellForm(courses=grid.courses, rooms=rooms, with_building=with_building)
    context = {
        "school_class": school_class,
        "year": school_class.year,
        "grid": grid,
        "explicit_on": on,
        "may_manage": may_manage,
        "open_cell": target if show_form else None,
        "form": form,
        "saturday": saturday,
        "grid_url": _grid_url(school_class, on),
    }
    if target is not None and request.htmx:
        context["cell"] = grid.cell(*target)
        context["oob"] = request.method == "POST"
        return render(request, "schedule/timetable/_cell_response.html", context)
    return render(request, "schedule/timetable/class_grid.html", context)


@school_view(rules.view_timetables)
def timetable_index(request):
    year = year_from_request(request)
    on = date_from_request(request)
    return render(
        request,
        "schedule/timetable/index.html",
        {
            "year": year,
            "years": selectors.years_of_school(request.actor.school),
            "overview": timetable.overview(year, on) if year else None,
            "may_manage": may(request, rules.manage_timetable),
        },
    )


@school_view(rules.view_timetables)
def timetable_class(request, pk):
    school_class = get_in_school(request.actor, CLASSES, pk=pk)
    return _page(request, school_class)


def _cell(weekday: int, slot: int) -> tuple[int, int]:
    if weekday not in Weekday.values or not 1 <= slot <= 20:
        raise Http404
    return weekday, slot


@school_view(rules.manage_timetable)
def timetable_cell(request, pk, weekday, slot):
    """GET: the cell with its "add a lesson" form open. POST: place the lesson."""
    school_class = get_in_school(request.actor, CLASSES, pk=pk)
    cell = _cell(weekday, slot)
    if request.method != "POST":
        return _page(request, school_class, target=cell, show_form=request.GET.get("close") != "1")
    if school_class.year.is_read_only:
        messages.error(request, _("The year %(year)s is read-only.") % {"year": school_class.year.name})
        return redirect(_grid_url(school_class, _on(request)))
    rooms, with_building = _rooms(request.actor.school)
    courses = timetable.courses_of_class(school_class)
    form = CellForm(request.POST, courses=courses, rooms=rooms, with_building=with_building)
    if form.is_valid():
        try:
            timetable.place_lesson(
                actor=request.actor, weekday=weekday, slot=slot, starts=_on(request), **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if form.errors:
        return _page(request, school_class, target=cell, show_form=True, form=form)
    if request.htmx:
        return _page(request, school_class, target=cell)
    messages.success(request, _("The lesson is added to the timetable."))
    return redirect(_grid_url(school_class, _on(request), f"{weekday}-{slot}"))


ENTRIES = TimetableEntry.objects.select_related(
    "course__subject", "course__group", "group__school_class__year", "teacher", "room", "year"
)


@require_POST
@school_view(rules.manage_timetable)
def timetable_entry_remove(request, pk):
    """From the date the grid shows (default today) the entry no longer applies."""
    entry = get_in_school(request.actor, ENTRIES, pk=pk)
    school_class = _class_of(request, entry)
    on = _on(request) or selectors.day_in_year(entry.year, selectors.local_today(request.actor.school))
    try:
        timetable.remove_entry(actor=request.actor, entry=entry, on_date=on)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if not request.htmx:
            messages.success(request, _("The lesson is removed from the timetable."))
    if school_class is None:
        return redirect("schedule:timetable_index")
    if request.htmx:
        return _page(request, school_class, target=(entry.weekday, entry.slot))
    return redirect(_grid_url(school_class, _on(request), f"{entry.weekday}-{entry.slot}"))


def _class_of(request, entry) -> SchoolClass | None:
    """The class whose grid the request came from (`?cls=`), else the entry's group's class."""
    raw = request.POST.get("cls") or request.GET.get("cls")
    if raw:
        try:
            return CLASSES.get(school=request.actor.school, pk=int(raw))
        except (SchoolClass.DoesNotExist, ValueError):
            pass
    if entry.group.school_class_id:
        return CLASSES.get(pk=entry.group.school_class_id)
    return None


@school_view(rules.manage_timetable)
def timetable_entry(request, pk):
    """Change an entry from a date on: another weekday, lesson, room or teacher."""
    entry = get_in_school(request.actor, ENTRIES, pk=pk)
    school_class = _class_of(request, entry)
    bells = timetable.ShiftBells.load(request.actor.school.pk).bells(entry.shift)
    slots = [(n, "–".join(t.strftime("%H:%M") for t in times)) for n, times in bells.items()]
    today = selectors.day_in_year(entry.year, selectors.local_today(request.actor.school))
    initial = {
        "weekday": entry.weekday,
        "slot": entry.slot,
        "room": entry.room,
        "teacher": entry.teacher,
        "on_date": _on(request) or max(today, entry.starts),
    }
    form = EntryForm(bound(request), entry=entry, slots=slots, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        on_date = data.pop("on_date")
        try:
            timetable.replace_from(actor=request.actor, entry=entry, on_date=on_date, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The timetable entry is changed."))
            if school_class is not None:
                return redirect(_grid_url(school_class, on_date))
            return redirect("schedule:timetable_index")
    back = _grid_url(school_class, _on(request)) if school_class else reverse("schedule:timetable_index")
    return render(
        request,
        "schedule/timetable/entry_form.html",
        {"entry": entry, "form": form, "back": back, "year": entry.year, "school_class": school_class},
    )
