"""Editing a person, unlinking a parent, and consent (R-ACC-8).

The admin writes. The list, the person page, a new person and linking (they show or take classes) are
in `schedule.views.people`.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import rules, selectors
from ..access import get_in_school, school_view
from ..forms_people import ConsentForm, ConsentWithdrawForm, PersonForm, apply_errors
from ..models import Consent, ParentLink, Person
from ..services import people as people_services


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
            "has_consent": selectors.has_valid_consent(person, selectors.local_today(actor.school)),
        },
    )


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
