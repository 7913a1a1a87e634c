"""The periodic jobs page (R-CTL-6): the operator's and every school's admin's; the texts the operator's."""

from django.shortcuts import render
from django.utils import timezone

from .. import rules
from ..access import deployment_view
from ..selectors import school_zone
from ..selectors_jobs import beat_heartbeat, jobs_overview


@deployment_view(rules.view_jobs)
def jobs(request):
    actor = request.actor
    errors = rules.see_job_errors(actor)
    now = timezone.now()
    context = {
        "jobs": jobs_overview(errors=errors, now=now),
        "beat": beat_heartbeat(now),
        "errors": errors,
        "zone": school_zone(actor.school),
    }
    return render(request, "accounts/jobs.html", context)
