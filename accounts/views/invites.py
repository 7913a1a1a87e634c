"""Invite codes (R-ACC-1) and login slips for a class as one PDF (R-ACC-2).

The admin issues codes for anyone of the school; a class teacher for the
students of their class and those students' parents. A plain code is shown
once, in the response to the POST that issued it, and is never stored.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from schedule.models import SchoolClass

from .. import rules, selectors
from ..access import get_in_school, require, school_view
from ..forms_people import InviteIssueForm, apply_errors
from ..models import Person
from ..pdf import pdf_response, qr_data_uri, render_pdf
from ..services.invites import code_expiry, issue_class_slips, issue_invite

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


@school_view(rules.any_class_to_invite)
def invite_index(request):
    actor = request.actor
    year = selectors.current_open_year(actor.school)
    return render(
        request,
        "accounts/invites/index.html",
        {
            "year": year,
            "classes": selectors.invite_classes(actor, year),
            "staff": selectors.staff_for_invites(actor.school) if actor.is_admin else [],
        },
    )


def _class_for(actor, pk) -> SchoolClass:
    school_class = get_in_school(actor, SchoolClass.objects.select_related("year", "class_teacher"), pk=pk)
    require(actor, rules.issue_invites_for_class, school_class)
    return school_class


@school_view(rules.any_class_to_invite)
def invite_class(request, pk):
    school_class = _class_for(request.actor, pk)
    rows = selectors.class_invite_rows(school_class)
    return render(
        request,
        "accounts/invites/class.html",
        {
            "school_class": school_class,
            "rows": rows,
            "without_login": sum(1 for row in rows if row.person.user_id is None),
        },
    )


@school_view(rules.any_class_to_invite)
@require_POST
def invite_class_slips(request, pk):
    actor = request.actor
    school_class = _class_for(actor, pk)
    now = timezone.now()
    try:
        # Rendering inside the transaction: if the PDF fails, the old codes stay valid and no new one exists.
        with transaction.atomic():
            slips = issue_class_slips(actor=actor, school_class=school_class, now=now)
            if slips:
                expires_at = code_expiry(now)
                cards = [
                    slip_context(
                        school=actor.school,
                        person=s.person,
                        label=s.label,
                        code=s.code,
                        expires_at=expires_at,
                    )
                    for s in slips
                ]
                content = render_pdf(
                    "accounts/invites/slips.html",
                    {
                        "pages": slip_pages(cards),
                        "school_class": school_class,
                        "school": actor.school,
                    },
                )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:invite_class", pk=pk)
    if not slips:
        messages.info(
            request,
            _("Everyone in class %(class)s already has a login: there is nothing to print.")
            % {"class": school_class.name},
        )
        return redirect("accounts:invite_class", pk=pk)
    return pdf_response(content, f"login-slips-{school_class.name}.pdf")


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
