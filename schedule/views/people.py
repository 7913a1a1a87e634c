"""People of the school as the admin, the director and deputies see them (R-SET people part): the list
and the consent list with each student's class, a person's page with their classes, a new person with a
class, and linking a parent and a child. The admin writes; the director and deputies read.

Editing a person, unlinking and consent are `accounts.views.people`; the URLs are in the "accounts"
namespace (schedule/urls_people.py).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import rules, selectors
from accounts.access import get_in_school, school_view
from accounts.forms_people import PeopleFilterForm, apply_errors
from accounts.models import Person
from accounts.services import people as people_services

from .. import selectors_people
from ..forms_people import NewPersonForm, link_form_for
from ..services.people import create_person

PAGE_SIZE = 50


@school_view(rules.view_people)
def people_list(request):
    actor = request.actor
    filters = PeopleFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    people = selectors_people.people_list(actor.school, **{k: v for k, v in params.items() if v})
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
            "card": selectors_people.person_card(person, selectors.local_today(actor.school)),
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
    form = NewPersonForm(request.POST or None, school=actor.school)
    if request.method == "POST" and form.is_valid():
        try:
            person = create_person(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is added.") % {"name": person.full_name})
            return redirect("accounts:person_detail", pk=person.pk)
    return render(request, "accounts/people/form.html", {"form": form, "person": None})


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


@school_view(rules.view_people)
def consent_missing(request):
    actor = request.actor
    filters = PeopleFilterForm(request.GET or None)
    kind = filters.cleaned_data.get("kind", "") if filters.is_valid() else ""
    people = selectors_people.people_without_consent(actor.school, kind=kind)
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
