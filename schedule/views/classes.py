"""Classes, student movement (arrival, departure, transfer) and groups with their members."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_in_school, require, school_view
from accounts.models import Person, Role
from accounts.rules import is_class_teacher_of

from .. import rules, selectors
from ..forms import (
    ClassAccessForm,
    ClassForm,
    EndEnrollmentForm,
    EndMembershipForm,
    EnrollForm,
    GroupForm,
    GroupRenameForm,
    MemberForm,
    TransferForm,
)
from ..models import Enrollment, GroupMembership, SchoolClass, StudyGroup
from ..services import people, structure
from .common import (
    bound,
    date_from_request,
    form_page,
    may,
    posted,
    require_for_post,
    submit,
    url_with,
    year_from_request,
)

CLASSES = SchoolClass.objects.select_related("year", "class_teacher")


@school_view(rules.view_structure)
def class_list(request):
    year = year_from_request(request)
    classes = selectors.classes_of_year(year, on=date_from_request(request)) if year else []
    return render(
        request,
        "schedule/class_list.html",
        {
            "year": year,
            "years": selectors.years_of_school(request.actor.school),
            "classes": classes,
            "on": selectors.day_in_year(year, date_from_request(request)) if year else None,
            "may_manage": may(request, rules.manage_structure),
        },
    )


@school_view(rules.manage_structure)
def class_create(request):
    year = year_from_request(request)
    form = ClassForm(bound(request), school=request.actor.school)
    if (
        posted(request, form)
        and year
        and (school_class := submit(form, structure.create_class, actor=request.actor, year=year))
    ):
        messages.success(request, _("Class %(name)s is created.") % {"name": school_class.name})
        return redirect("schedule:class_detail", pk=school_class.pk)
    return render(
        request,
        "schedule/form_page.html",
        {
            "title": _("New class for %(year)s") % {"year": year.name} if year else _("New class"),
            "form": form if year else None,
            "year": year,
            "back": url_with("schedule:class_list", year=year),
        },
    )


@school_view(rules.may_open_class_pages)
def class_detail(request, pk):
    school_class = get_in_school(request.actor, CLASSES, pk=pk)
    require(request.actor, rules.view_class, school_class)
    page = selectors.class_page(school_class, on=date_from_request(request))
    return render(
        request,
        "schedule/class_detail.html",
        {
            "page": page,
            "school_class": school_class,
            "year": school_class.year,
            "may_manage": may(request, rules.manage_structure) and not school_class.year.is_read_only,
            "may_view_structure": may(request, rules.view_structure),
            # The students' diaries (journal.rules.view_diary's staff readers: the leadership, the class teacher).
            "reads_diaries": request.actor.has_role(Role.ADMIN, Role.DIRECTOR, Role.DEPUTY)
            or is_class_teacher_of(request.actor, school_class),
            "grants": selectors.class_access_grants(school_class)
            if may(request, rules.manage_structure)
            else None,
            "access_form": ClassAccessForm(school=request.actor.school),
        },
    )


@school_view(rules.manage_structure)
@require_POST
def class_access_grant(request, pk):
    """Read access to this class for one more teacher (a django-guardian object permission)."""
    school_class = get_in_school(request.actor, CLASSES, pk=pk)
    form = ClassAccessForm(request.POST, school=request.actor.school)
    if form.is_valid() and submit(
        form, structure.grant_class_access, actor=request.actor, school_class=school_class
    ):
        messages.success(request, _("Access granted."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("schedule:class_detail", pk=school_class.pk)


@school_view(rules.manage_structure)
@require_POST
def class_access_revoke(request, pk, person_pk):
    school_class = get_in_school(request.actor, CLASSES, pk=pk)
    person = get_in_school(request.actor, Person.objects, pk=person_pk)
    structure.revoke_class_access(actor=request.actor, school_class=school_class, person=person)
    messages.success(request, _("Access withdrawn."))
    return redirect("schedule:class_detail", pk=school_class.pk)


@school_view(rules.manage_structure)
def class_edit(request, pk):
    school_class = get_in_school(request.actor, CLASSES, pk=pk)
    initial = {
        "grade": school_class.grade,
        "letter": school_class.letter,
        "shift": school_class.shift,
        "class_teacher": school_class.class_teacher,
    }
    form = ClassForm(bound(request), school=request.actor.school, initial=initial)
    return form_page(
        request,
        form,
        service=structure.update_class,
        school_class=school_class,
        done=_("The class is saved."),
        to=url_with("schedule:class_detail", pk=school_class.pk),
        title=_("Class %(name)s") % {"name": school_class.name},
        page_year=school_class.year,
        back=url_with("schedule:class_detail", pk=school_class.pk),
    )


@school_view(rules.manage_structure)
def class_enroll(request, pk):
    school_class = get_in_school(request.actor, CLASSES, pk=pk)
    initial = {"starts": selectors.day_in_year(school_class.year)}
    form = EnrollForm(bound(request), school=request.actor.school, initial=initial)
    return form_page(
        request,
        form,
        service=people.enroll_student,
        school_class=school_class,
        done=_("The student is enrolled."),
        to=url_with("schedule:class_detail", pk=school_class.pk),
        title=_("Enroll a student in %(name)s") % {"name": school_class.name},
        page_year=school_class.year,
        back=url_with("schedule:class_detail", pk=school_class.pk),
    )


ENROLLMENTS = Enrollment.objects.select_related("school_class__year", "student__person")


@school_view(rules.manage_structure)
def enrollment_end(request, pk):
    enrollment = get_in_school(request.actor, ENROLLMENTS, pk=pk)
    initial = {
        "ends": enrollment.ends or selectors.day_in_year(enrollment.school_class.year),
        "departure_note": enrollment.departure_note,
    }
    form = EndEnrollmentForm(bound(request), initial=initial)
    return form_page(
        request,
        form,
        service=people.end_enrollment,
        enrollment=enrollment,
        done=_("The departure is recorded."),
        to=url_with("schedule:class_detail", pk=enrollment.school_class_id),
        title=_("%(student)s leaves %(class)s")
        % {"student": enrollment.student.person.full_name, "class": enrollment.school_class.name},
        page_year=enrollment.school_class.year,
        back=url_with("schedule:class_detail", pk=enrollment.school_class_id),
    )


@school_view(rules.manage_structure)
def enrollment_transfer(request, pk):
    enrollment = get_in_school(request.actor, ENROLLMENTS, pk=pk)
    year = enrollment.school_class.year
    form = TransferForm(
        bound(request),
        year=year,
        exclude=enrollment.school_class,
        initial={"on_date": selectors.day_in_year(year)},
    )
    return form_page(
        request,
        form,
        service=people.transfer_student,
        student=enrollment.student,
        done=_("The transfer is recorded."),
        to=url_with("schedule:class_detail", pk=enrollment.school_class_id),
        title=_("Transfer %(student)s from %(class)s")
        % {"student": enrollment.student.person.full_name, "class": enrollment.school_class.name},
        page_year=year,
        back=url_with("schedule:class_detail", pk=enrollment.school_class_id),
    )


GROUPS = StudyGroup.objects.select_related("year", "school_class")


@school_view(rules.view_structure)
def group_list(request):
    require_for_post(request, rules.manage_structure)
    year = year_from_request(request)
    form = GroupForm(bound(request), year=year)
    if (
        posted(request, form)
        and year
        and (group := submit(form, structure.create_group, actor=request.actor, year=year))
    ):
        messages.success(request, _("The group %(name)s is created.") % {"name": group.name})
        return redirect("schedule:group_detail", pk=group.pk)
    return render(
        request,
        "schedule/group_list.html",
        {
            "year": year,
            "years": selectors.years_of_school(request.actor.school),
            "form": form,
            "groups": selectors.groups_of_year(year) if year else [],
            "may_manage": may(request, rules.manage_structure) and year and not year.is_read_only,
        },
    )


@school_view(rules.view_structure)
def group_detail(request, pk):
    group = get_in_school(request.actor, GROUPS, pk=pk)
    if group.kind == StudyGroup.Kind.WHOLE_CLASS:
        return redirect("schedule:class_detail", pk=group.school_class_id)
    on = selectors.day_in_year(group.year, date_from_request(request))
    return render(
        request,
        "schedule/group_detail.html",
        {
            "group": group,
            "year": group.year,
            "on": on,
            "members": selectors.students_of_group(group, on),
            "history": selectors.group_history(group),
            "courses": selectors.courses_of_group(group),
            "form": MemberForm(group=group, initial={"starts": on}),
            "may_manage": may(request, rules.manage_structure) and not group.year.is_read_only,
        },
    )


@school_view(rules.manage_structure)
def group_edit(request, pk):
    group = get_in_school(request.actor, GROUPS, pk=pk)
    form = GroupRenameForm(bound(request), initial={"name": group.name})
    return form_page(
        request,
        form,
        service=structure.rename_group,
        group=group,
        done=_("The group is saved."),
        to=url_with("schedule:group_detail", pk=group.pk),
        title=_("Group %(name)s") % {"name": group.name},
        page_year=group.year,
        back=url_with("schedule:group_detail", pk=group.pk),
    )


@school_view(rules.manage_structure)
def group_member_add(request, pk):
    group = get_in_school(request.actor, GROUPS, pk=pk)
    form = MemberForm(bound(request), group=group, initial={"starts": selectors.day_in_year(group.year)})
    return form_page(
        request,
        form,
        service=people.add_group_member,
        group=group,
        done=_("The student is added to the group."),
        to=url_with("schedule:group_detail", pk=group.pk),
        title=_("Add a student to %(name)s") % {"name": group.name},
        page_year=group.year,
        back=url_with("schedule:group_detail", pk=group.pk),
    )


@school_view(rules.manage_structure)
def membership_end(request, pk):
    membership = get_in_school(
        request.actor, GroupMembership.objects.select_related("group__year", "student__person"), pk=pk
    )
    initial = {"ends": membership.ends or selectors.day_in_year(membership.group.year)}
    form = EndMembershipForm(bound(request), initial=initial)
    return form_page(
        request,
        form,
        service=people.end_group_membership,
        membership=membership,
        done=_("The student's last day in the group is recorded."),
        to=url_with("schedule:group_detail", pk=membership.group_id),
        title=_("%(student)s leaves %(group)s")
        % {"student": membership.student.person.full_name, "group": membership.group.name},
        page_year=membership.group.year,
        back=url_with("schedule:group_detail", pk=membership.group_id),
    )
