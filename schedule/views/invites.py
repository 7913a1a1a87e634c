"""The invite-codes page and a class's codes (R-ACC-1), its login slips as one PDF and its password resets
(R-ACC-2): the admin for every class of the current open year, a class teacher for their own.

One person's code or password is `accounts.views.invites` / `accounts.views.resets`; the URLs are in the
"accounts" namespace (schedule/urls_people.py).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import rules, selectors
from accounts.access import deny, get_in_school, require, school_view
from accounts.pdf import pdf_response, render_pdf
from accounts.services.invites import code_expiry
from accounts.views.invites import slip_context, slip_pages
from accounts.views.resets import slips_pdf

from .. import selectors_people
from ..models import SchoolClass
from ..selectors import current_open_year
from ..services.invites import issue_class_slips, reset_class_passwords


@school_view(rules.any_class_to_invite)
def invite_index(request):
    actor = request.actor
    year = current_open_year(actor.school)
    return render(
        request,
        "accounts/invites/index.html",
        {
            "year": year,
            "classes": selectors_people.invite_classes(actor, year),
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
    rows = selectors_people.class_invite_rows(school_class)
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
def reset_class(request, pk):
    actor = request.actor
    school_class = _class_for(actor, pk)
    rows = [
        row
        for row in selectors_people.class_invite_rows(school_class)
        if row.person.user_id and rules.may_reset_login(actor, row.person)
    ]
    if request.method == "POST":
        chosen = {int(v) for v in request.POST.getlist("people") if v.isdigit()}
        if not chosen:
            messages.error(request, _("Tick at least one person."))
            return redirect("accounts:reset_class", pk=pk)
        if not chosen <= {row.person.pk for row in rows}:
            deny(actor, "password reset for someone outside the class's families")
        try:
            with transaction.atomic():
                slips = reset_class_passwords(actor=actor, school_class=school_class, people=sorted(chosen))
                content = slips_pdf(actor, slips)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("accounts:reset_class", pk=pk)
        return pdf_response(content, f"passwords-{school_class.name}.pdf")
    return render(request, "accounts/resets/class.html", {"school_class": school_class, "rows": rows})
