"""Password and second-factor resets by the school (R-ACC-2, issue 14).

The admin resets anyone of the school; a class teacher the students of their class and those
students' parents. A temporary password is shown only on the PDF slip returned by the POST that set it.
A class's resets are `schedule.views.invites.reset_class`.
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

from .. import rules
from ..access import get_in_school, require, school_view
from ..models import Person
from ..pdf import pdf_response, qr_data_uri, render_pdf
from ..services import resets
from .invites import _back, slip_pages


def slips_pdf(actor, slips) -> bytes:
    """Temporary-password slips as one PDF, laid out for cutting."""
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
                content = slips_pdf(actor, [slip])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            return pdf_response(content, f"password-{slip.username}.pdf")
    return render(request, "accounts/resets/person.html", {"person": person, "back": _back(actor, person)})


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
