"""The reports built by the beat: the monthly activity reports (R-R-4) and the periods' progress-and-quality
reports (seed 002 9.2) and the year's, listed on one page with their figures and downloads; a period's report rebuilt on request.

The reports are built by the beat (reports/monthly.py); these views only read the stored files. Another
school's report answers 404 (an audited probe), anyone but the admin, director and deputy 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_in_school, school_view

from . import period_reports, rules
from .models import MonthlyReport, PeriodReport
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
    periods = [
        (report, period_reports.title(report))
        for report in PeriodReport.objects.filter(school=request.actor.school, built_at__isnull=False)
        .select_related("period__scheme__year", "built_by")
        .order_by("-period__scheme__year__starts", "-period__ends", "-kind", "period__scheme__kind")
    ]
    return render(
        request,
        "reports/monthly.html",
        {"rows": rows, "periods": periods, "can_rebuild": rules.rebuild_period_reports(request.actor)},
    )


def _file(field, name, kind):
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES[kind])
    response["Cache-Control"] = "no-store"
    return response


@school_view(rules.view_monthly_reports)
def period_download(request, pk, kind):
    """A period's progress report as PDF or XLSX, as it was last built."""
    queryset = PeriodReport.objects.filter(built_at__isnull=False).select_related("period__scheme__year")
    report = get_in_school(request.actor, queryset, pk=pk)
    name = f"{period_reports.file_stem(request.actor.school, report.period, report.kind)}.{kind}"
    return _file(getattr(report, kind), name, kind)


@require_POST
@school_view(rules.rebuild_period_reports)
def period_rebuild(request, pk):
    """Build a period's report again with the finals as they are now (audited)."""
    report = get_in_school(request.actor, PeriodReport.objects.filter(built_at__isnull=False), pk=pk)
    if period_reports.rebuild(request.actor, report) is None:
        messages.warning(request, _("The report is being built right now; try again in a minute."))
    else:
        messages.success(
            request,
            _(
                "The report will be built again with the current final marks in a minute or two; reload the page."
            ),
        )
    return redirect("reports:monthly")


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
