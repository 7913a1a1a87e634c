"""Invite codes (R-ACC-1): one person's code, and the slips' layout (R-ACC-2).

The admin issues codes for anyone of the school; a class teacher for the
students of their class and those students' parents. A plain code is shown
once, in the response to the POST that issued it, and is never stored.
The invite-codes page and a class's codes and slips are `schedule.views.invites`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from .. import rules, selectors
from ..access import get_in_school, require, school_view
from ..forms_people import InviteIssueForm, apply_errors
from ..models import Person
from ..pdf import qr_data_uri
from ..services.invites import issue_invite

SLIPS_PER_ROW, ROWS_PER_PAGE = 2, 4


def slip_pages(cards: list) -> list[list[list]]:
    """Slips laid out for cutting: pages of rows of SLIPS_PER_ROW (templates/accounts/partials/slips_base.html)."""
    rows = [cards[i : i + SLIPS_PER_ROW] for i in range(0, len(cards), SLIPS_PER_ROW)]
    return [rows[i : i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)]


def join_url() -> str:
    return settings.SITE_URL + reverse("join:start")


def qr_payload(code: str) -> str:
    """The join page's address with the code in its fragment (static/js/join.js fills the form from it)."""
    return f"{join_url()}#{urlencode({'code': code})}"


def slip_context(*, school, person, label, code, expires_at) -> dict:
    url = join_url()
    return {
        "school": school,
        "person": person,
        "label": label,
        "code": code,
        "expires_at": expires_at,
        "url": url,
        # In the fragment, which browsers never send: a query string would land in access logs.
        "qr": qr_data_uri(qr_payload(code)),
    }


@never_cache
@school_view(rules.any_class_to_invite)
def invite_issue(request, pk):
    actor = request.actor
    person = get_in_school(actor, Person.objects.select_related("user"), pk=pk)
    require(actor, rules.may_issue_invite_for, person)
    roles = [r for r in selectors.person_roles(person) if rules.may_issue_invite_for(actor, person, r)]
    form = InviteIssueForm(request.POST or None, roles=roles, role=request.GET.get("role"))
    if request.method == "POST" and form.is_valid():
        try:
            invite, code = issue_invite(actor=actor, person=person, role=form.cleaned_data["role"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            slip = slip_context(
                school=actor.school,
                person=person,
                label=invite.get_role_display(),
                code=code,
                expires_at=invite.expires_at,
            )
            return render(
                request, "accounts/invites/issued.html", {"slip": slip, "back": _back(actor, person)}
            )
    return render(
        request,
        "accounts/invites/issue.html",
        {
            "form": form,
            "person": person,
            "roles": roles,
            "days": settings.INVITE_CODE_DAYS,
            "back": _back(actor, person),
        },
    )


def _back(actor, person) -> str:
    if rules.view_people(actor):
        return reverse("accounts:person_detail", args=[person.pk])
    return reverse("accounts:invites")
