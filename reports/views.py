"""The report pages (R-R-1…3): the index, a report as HTML, and the same report as XLSX and PDF.

The views know no report by name: they read the catalogue (`reports.catalog.reports()`),
validate the parameters with `ReportForm`, ask the spec's rule and run its query;
`reports.render` formats the one `ReportData` three ways. A bad parameter shows the
page with the message next to its field (the downloads too), an object of another
school answers 404, a report the actor may not run 403.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from accounts.access import require, school_view
from accounts.pdf import pdf_response
from schedule import selectors as ss

from . import printout_rules, rules
from . import render as r
from .catalog import reports
from .forms import ReportForm

AUDIENCE_TITLES = {
    "class_teacher": _("Class teacher"),
    "subject_teacher": _("Subject teacher"),
    "leadership": _("Administration"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@school_view(rules.open_reports)
def index(request):
    """The reports the actor may open, grouped by audience."""
    actor = request.actor
    year = ss.current_year(actor.school)
    groups = [
        (audience, AUDIENCE_TITLES[audience], [s for s in reports().values() if s.audience == audience])
        for audience in rules.AUDIENCES
        if rules.sees_audience(actor, audience, year)
    ]
    return render(
        request,
        "reports/index.html",
        {
            "year": year,
            "groups": [g for g in groups if g[2]],
            "printouts": printout_rules.view_printout_list(actor),
            "monthly": rules.view_monthly_reports(actor),
        },
    )


def _run(request, code: str):
    """(spec, year, form, data): data is None when the input is refused (the form says why)."""
    spec = reports().get(code)
    if spec is None:
        raise Http404
    actor = request.actor
    year = ss.current_year(actor.school)
    if year is None:
        return spec, None, None, None
    require(actor, lambda a: rules.sees_audience(a, spec.audience, year))
    form = ReportForm(request.GET, spec=spec, actor=actor, year=year, today=ss.local_today(actor.school))
    if form.refers_to_other_school():
        raise Http404
    if not form.is_valid():
        return spec, year, form, None
    params = form.params()
    require(actor, spec.allowed, params)
    return spec, year, form, spec.query(params)


def _page(request, spec, year, form, data, status=200):
    context = {"spec": spec, "year": year, "form": form, "data": data}
    if data is not None:
        context.update(tables=r.html_tables(data), query=form.query_string())
    return render(request, "reports/report.html", context, status=status)


@school_view(rules.open_reports)
def report(request, code):
    """One report as a page: the parameters form above its tables."""
    return _page(request, *_run(request, code))


@school_view(rules.open_reports)
def report_xlsx(request, code):
    """The same report as an XLSX workbook (or the page with the messages when the input is refused)."""
    spec, year, form, data = _run(request, code)
    if data is None:
        return _page(request, spec, year, form, data)
    response = HttpResponse(r.xlsx_bytes(data, request.actor.school.name), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=r.filename(data)
    )
    response["Cache-Control"] = "no-store"
    return response


@school_view(rules.open_reports)
def report_pdf(request, code):
    """The same report as a PDF (or the page with the messages when the input is refused)."""
    spec, year, form, data = _run(request, code)
    if data is None:
        return _page(request, spec, year, form, data)
    return pdf_response(r.pdf_bytes(data, request.actor.school, request), r.filename(data, ext="pdf"))
