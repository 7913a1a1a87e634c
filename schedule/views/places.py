"""Buildings, rooms and subjects: school-wide, not tied to a year."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import get_in_school, school_view

from .. import rules, selectors
from ..forms import BuildingForm, RoomForm, SubjectForm
from ..models import Building, Room, Subject
from ..services import structure
from .common import bound, form_page, may, posted, require_for_post, submit, url_with


@school_view(rules.view_structure)
def building_list(request):
    require_for_post(request, rules.manage_structure)
    form = BuildingForm(bound(request))
    if posted(request, form) and submit(form, structure.save_building, actor=request.actor):
        messages.success(request, _("The building is saved."))
        return redirect("schedule:building_list")
    return render(
        request,
        "schedule/building_list.html",
        {
            "buildings": selectors.buildings_of_school(request.actor.school),
            "form": form,
            "may_manage": may(request, rules.manage_structure),
        },
    )


@school_view(rules.manage_structure)
def building_edit(request, pk):
    building = get_in_school(request.actor, Building.objects, pk=pk)
    form = BuildingForm(bound(request), initial={"name": building.name, "address": building.address})
    return form_page(
        request,
        form,
        service=structure.save_building,
        building=building,
        done=_("The building is saved."),
        to=url_with("schedule:building_list"),
        title=_("Building: %(name)s") % {"name": building.name},
        back=url_with("schedule:building_list"),
    )


@school_view(rules.view_structure)
def room_list(request):
    require_for_post(request, rules.manage_structure)
    form = RoomForm(bound(request), school=request.actor.school)
    if posted(request, form) and submit(form, structure.save_room, actor=request.actor):
        messages.success(request, _("The room is saved."))
        return redirect("schedule:room_list")
    return render(
        request,
        "schedule/room_list.html",
        {
            "rooms": selectors.rooms_of_school(request.actor.school),
            "form": form,
            "may_manage": may(request, rules.manage_structure),
        },
    )


@school_view(rules.manage_structure)
def room_edit(request, pk):
    room = get_in_school(request.actor, Room.objects.select_related("building"), pk=pk)
    initial = {
        "building": room.building,
        "name": room.name,
        "capacity": room.capacity,
        "subjects": list(room.subjects.all()),
    }
    form = RoomForm(bound(request), school=request.actor.school, initial=initial)
    return form_page(
        request,
        form,
        service=structure.save_room,
        room=room,
        done=_("The room is saved."),
        to=url_with("schedule:room_list"),
        title=_("Room: %(name)s") % {"name": room.name},
        back=url_with("schedule:room_list"),
    )


@school_view(rules.view_structure)
def subject_list(request):
    require_for_post(request, rules.manage_structure)
    form = SubjectForm(bound(request), school=request.actor.school)
    if posted(request, form) and submit(form, structure.save_subject, actor=request.actor):
        messages.success(request, _("The subject is saved."))
        return redirect("schedule:subject_list")
    return render(
        request,
        "schedule/subject_list.html",
        {
            "subjects": selectors.subjects_of_school(request.actor.school),
            "form": form,
            "may_manage": may(request, rules.manage_structure),
        },
    )


@school_view(rules.manage_structure)
def subject_edit(request, pk):
    subject = get_in_school(request.actor, Subject.objects, pk=pk)
    initial = {
        "name": subject.name,
        "short_name": subject.short_name,
        "position": subject.position,
        "no_final_assessment": subject.no_final_assessment,
        "teachers": list(subject.teachers.all()),
    }
    form = SubjectForm(bound(request), school=request.actor.school, initial=initial)
    return form_page(
        request,
        form,
        service=structure.save_subject,
        subject=subject,
        done=_("The subject is saved."),
        to=url_with("schedule:subject_list"),
        title=_("Subject: %(name)s") % {"name": subject.name},
        back=url_with("schedule:subject_list"),
    )
