"""The admin's mark log pages (R-J-11): the filtered log for a year, and the same as XLSX."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.access import school_view

from . import marklog_report as report
from . import rules
from .marklog_forms import MarkLogFilterForm

PAGE_SIZE = 100


def _query(request, drop=("page",)) -> str:
    query = request.GET.copy()
    for name in drop:
        query.pop(name, None)
    return query.urlencode()


@school_view(rules.view_mark_log)
def mark_log(request):
    """The school's mark log for a year, newest first, 100 entries a page; a bad filter shows its message."""
    school = request.actor.school
    form = MarkLogFilterForm(request.GET, school=school)
    wanted = form.log_filter()
    page = rows = None
    if wanted is not None:
        page = Paginator(report.matching(school, wanted), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = report.page_rows(school, page.object_list)
    return render(
        request,
        "journal/marklog.html",
        {
            "form": form,
            "filter": wanted,
            "page": page,
            "rows": rows,
            "summary": report.summary(school),
            "query": _query(request),
            "empty": report.EMPTY,
        },
    )


@school_view(rules.view_mark_log)
def mark_log_xlsx(request):
    """The filtered log as an XLSX file; bad filters send the admin back to the page to see why."""
    school = request.actor.school
    form = MarkLogFilterForm(request.GET, school=school)
    wanted = form.log_filter()
    if wanted is None:
        query = _query(request)
        return redirect(reverse("journal:marklog") + (f"?{query}" if query else ""))
    out = report.build_file(report.iter_rows(school, report.matching(school, wanted)))
    return FileResponse(
        out, as_attachment=True, filename=report.file_name(wanted.year), content_type=report.CONTENT_TYPE
    )
