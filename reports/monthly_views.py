"""The monthly activity reports (R-R-4): the list of months with their figures and downloads.

The reports are built by the beat (reports/monthly.py); these views only read the stored files. Another
school's report answers 404 (an audited probe), anyone but the admin, director and deputy 403.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import render

from accounts.access import get_in_school, school_view

from . import rules
from .models import MonthlyReport
from .monthly import file_stem
from .queries_monthly import Month

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@school_view(rules.view_monthly_reports)
def index(request):
    """The school's built monthly reports, newest first, with the school's figures of each month."""
    reports = MonthlyReport.objects.filter(school=request.actor.school, built_at__isnull=False)
    rows = [(report, Month(report.month).title()) for report in reports.order_by("-month")]
    return render(request, "reports/monthly.html", {"rows": rows})


@school_view(rules.view_monthly_reports)
def download(request, pk, kind):
    """A month's report as PDF or XLSX, as it was built."""
    report = get_in_school(request.actor, MonthlyReport.objects.filter(built_at__isnull=False), pk=pk)
    field = getattr(report, kind)
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    name = f"{file_stem(request.actor.school, Month(report.month))}.{kind}"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES[kind])
    response["Cache-Control"] = "no-store"
    return response
