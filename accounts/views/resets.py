"""Password and second-factor resets by the school (R-ACC-2, issue 14).

The admin resets anyone of the school; a class teacher the students of their class and those
students' parents. A temporary password is shown only on the PDF slip returned by the POST that set it.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .. import rules, selectors
from ..access import deny, get_in_school, require, school_view
from ..models import Person
from ..pdf import pdf_response, qr_data_uri, render_pdf
from ..services import resets
from .invites import _back, _class_for, slip_pages


def _slips_pdf(actor, slips) -> bytes:
    url = settings.SITE_URL + reverse("accounts:login")
    qr = qr_data_uri(url)  # the sign-in page only: the password never goes into a QR code
    cards = [
        {
            "school": actor.school,
            "person": s.person,
            "label": s.label,
            "username": s.username,
            "password": s.password,
            "valid_until": s.valid_until,
            "url": url,
            "qr": qr,
        }
        for s in slips
    ]
    return render_pdf("accounts/resets/slips.html", {"pages": slip_pages(cards)})


@never_cache
@school_view(rules.any_class_to_invite)
def reset_person(request, pk):
    actor = request.actor
    person = get_in_school(actor, Person.objects.select_related("user"), pk=pk)
    require(actor, rules.may_reset_login, person)
    if request.method == "POST":
        try:
            # Rendering inside the transaction: if the PDF fails, the old password stays.
            with transaction.atomic():
                slip = resets.reset_password(actor=actor, person=person)
                content = _slips_pdf(actor, [slip])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            return pdf_response(content, f"password-{slip.username}.pdf")
    return render(request, "accounts/resets/person.html", {"person": person, "back": _back(actor, person)})


@never_cache
@school_view(rules.any_class_to_invite)
def reset_class(request, pk):
    actor = request.actor
    school_class = _class_for(actor, pk)
    rows = [
        row
        for row in selectors.class_invite_rows(school_class)
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
                slips = resets.reset_class_passwords(
                    actor=actor, school_class=school_class, people=sorted(chosen)
                )
                content = _slips_pdf(actor, slips)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("accounts:reset_class", pk=pk)
        return pdf_response(content, f"passwords-{school_class.name}.pdf")
    return render(request, "accounts/resets/class.html", {"school_class": school_class, "rows": rows})


@school_view(rules.manage_people)
@require_POST
def reset_second_factor(request, pk):
    actor = request.actor
    person = get_in_school(actor, Person.objects.select_related("user"), pk=pk)
    require(actor, rules.may_reset_second_factor, person)
    try:
        resets.reset_second_factor(actor=actor, person=person)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The second factor of %(name)s is removed: they set it up again at their next sign-in.")
            % {"name": person.full_name},
        )
    return redirect("accounts:person_detail", pk=person.pk)
