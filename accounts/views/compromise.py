"""The district operator reports a school admin's login compromised (R-ACC-7): the admin cannot be
trusted to report their own login. The school's other admins then roll back its changes."""

import datetime

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..access import operator_view
from ..models import Role, School, StaffRole
from ..services.compromise import report_compromised


@require_http_methods(["GET", "POST"])
@operator_view
def operator_compromised(request, pk):
    school = get_object_or_404(School, pk=pk)
    admins = (
        StaffRole.objects.filter(school=school, role=Role.ADMIN, person__user__isnull=False)
        .select_related("person__user")
        .order_by("person__last_name", "person__first_name")
    )
    errors, done = [], None
    if request.method == "POST":
        chosen = next(
            (a.person.user for a in admins if str(a.person.user_id) == request.POST.get("user")), None
        )
        try:
            if chosen is None:
                raise ValidationError(_("Choose the admin's login."))
            since = datetime.datetime.fromisoformat(request.POST.get("since", "").strip())
            since = timezone.make_aware(since) if timezone.is_naive(since) else since
            done = report_compromised(actor=request.actor, user=chosen, school=school, since=since)
        except ValueError:
            errors = [_("Enter the date and time, e.g. 09.12.2026 13:00.")]
        except ValidationError as exc:
            errors = exc.messages
    now = timezone.localtime().replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")
    return render(
        request,
        "accounts/operator/compromised.html",
        {"school": school, "admins": admins, "errors": errors, "done": done, "now": now},
    )
