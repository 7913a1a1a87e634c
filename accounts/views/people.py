"""People of the school (R-SET people part) and their consent (R-ACC-8).

The admin writes; the director and deputies read.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import rules, selectors
from ..access import get_in_school, school_view
from ..forms_people import (
    ConsentForm,
    ConsentWithdrawForm,
    PeopleFilterForm,
    PersonForm,
    apply_errors,
    link_form_for,
)
from ..models import Consent, ParentLink, Person
from ..services import people as people_services

PAGE_SIZE = 50


@school_view(rules.view_people)
def people_list(request):
    actor = request.actor
    filters = PeopleFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    people = selectors.people_list(actor.school, **{k: v for k, v in params.items() if v})
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_role_labels(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/people/list.html",
        {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "can_manage": rules.manage_people(actor),
        },
    )


def _detail(request, person, link_form=None):
    actor = request.actor
    can_manage = rules.manage_people(actor)
    if link_form is None and can_manage:
        link_form = link_form_for(person, actor.school)
    return render(
        request,
        "accounts/people/detail.html",
        {
            "card": selectors.person_card(person),
            "person": person,
            "link_form": link_form,
            "can_manage": can_manage,
            "can_consent": rules.manage_consent(actor),
            "can_invite": rules.may_issue_invite_for(actor, person),
        },
    )


@school_view(rules.view_people)
def person_detail(request, pk):
    person = get_in_school(request.actor, Person.objects.select_related("student", "parent", "user"), pk=pk)
    return _detail(request, person)


@school_view(rules.manage_people)
def person_create(request):
    actor = request.actor
    form = PersonForm(request.POST or None, school=actor.school)
    if request.method == "POST" and form.is_valid():
        try:
            person = people_services.create_person(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is added.") % {"name": person.full_name})
            return redirect("accounts:person_detail", pk=person.pk)
    return render(request, "accounts/people/form.html", {"form": form, "person": None})


@school_view(rules.manage_people)
def person_edit(request, pk):
    actor = request.actor
    person = get_in_school(actor, Person.objects.all(), pk=pk)
    initial = {
        "last_name": person.last_name,
        "first_name": person.first_name,
        "patronymic": person.patronymic,
        "birth_date": person.birth_date,
        "email": person.email,
        "phone": person.phone,
        "roles": selectors.person_roles(person),
    }
    form = PersonForm(request.POST or None, initial=initial, school=actor.school, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            people_services.update_person(actor=actor, person=person, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("accounts:person_detail", pk=person.pk)
    return render(
        request,
        "accounts/people/form.html",
        {
            "form": form,
            "person": person,
            "has_consent": selectors.has_valid_consent(person),
        },
    )


@school_view(rules.manage_people)
@require_POST
def person_link(request, pk):
    actor = request.actor
    person = get_in_school(actor, Person.objects.select_related("student", "parent"), pk=pk)
    form = link_form_for(person, actor.school, request.POST)
    if form is None:
        messages.error(request, _("Only parents and students are linked to each other."))
        return redirect("accounts:person_detail", pk=pk)
    if form.is_valid():
        data = form.cleaned_data
        pair = (
            {"parent": person, "student": data["student"]}
            if "student" in data
            else {"parent": data["parent"], "student": person}
        )
        try:
            people_services.link_parent(actor=actor, relation=data["relation"], **pair)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Linked."))
            return redirect("accounts:person_detail", pk=pk)
    return _detail(request, person, link_form=form)


@school_view(rules.manage_people)
@require_POST
def person_unlink(request, pk, link_pk):
    actor = request.actor
    person = get_in_school(actor, Person.objects.all(), pk=pk)
    link = get_in_school(
        actor,
        ParentLink.objects.select_related("parent", "student"),
        pk=link_pk,
    )
    if person.pk not in (link.parent.person_id, link.student.person_id):
        return redirect("accounts:person_detail", pk=pk)
    people_services.unlink_parent(actor=actor, link=link)
    messages.success(request, _("The link is removed."))
    return redirect("accounts:person_detail", pk=pk)


@school_view(rules.manage_consent)
def consent_record(request, pk):
    actor = request.actor
    person = get_in_school(actor, Person.objects.all(), pk=pk)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            people_services.record_consent(actor=actor, person=person, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The consent is recorded."))
            if request.POST.get("next") == "missing":
                return redirect("accounts:consent_missing")
            return redirect("accounts:person_detail", pk=pk)
    return render(
        request,
        "accounts/people/consent_form.html",
        {
            "form": form,
            "person": person,
            "next": request.GET.get("next", request.POST.get("next", "")),
        },
    )


@school_view(rules.manage_consent)
def consent_withdraw(request, pk):
    actor = request.actor
    consent = get_in_school(actor, Consent.objects.select_related("person"), pk=pk)
    form = ConsentWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            people_services.withdraw_consent(actor=actor, consent=consent, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The withdrawal is recorded."))
            return redirect("accounts:person_detail", pk=consent.person_id)
    return render(request, "accounts/people/consent_withdraw.html", {"form": form, "consent": consent})


@school_view(rules.view_people)
def consent_missing(request):
    actor = request.actor
    filters = PeopleFilterForm(request.GET or None)
    kind = filters.cleaned_data.get("kind", "") if filters.is_valid() else ""
    people = selectors.people_without_consent(actor.school, kind=kind)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_role_labels(page.object_list)
    return render(
        request,
        "accounts/people/consent_missing.html",
        {
            "filters": filters,
            "page": page,
            "kind": kind,
            "can_consent": rules.manage_consent(actor),
        },
    )
