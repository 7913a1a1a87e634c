"""The admin's mark log pages (R-J-11): the filtered log for a year, and its XLSX exports (built by Celery)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import deny, get_in_school, school_view
from journal import rules
from journal.marklog import exports, report
from journal.marklog.forms import MarkLogFilterForm
from journal.models import MarkLogExport

PAGE_SIZE = 100


def _query(request, drop=("page",)) -> str:
    query = request.GET.copy()
    for name in drop:
        query.pop(name, None)
    return query.urlencode()


def _exports(actor) -> dict:
    recent = exports.recent_exports(actor)
    return {"exports": recent, "polling": any(e.active for e in recent)}


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
        "journal/marklog/log.html",
        {
            "form": form,
            "filter": wanted,
            "page": page,
            "rows": rows,
            "summary": report.summary(school),
            "query": _query(request),
            "empty": report.EMPTY,
            "export_filters": exports.filter_values(form.data) if wanted is not None else None,
            **_exports(request.actor),
        },
    )


@require_http_methods(["GET", "POST"])
@school_view(rules.view_mark_log)
def mark_log_exports(request):
    """GET: the user's exports box (polled while one is being built). POST: ask for an export."""
    if request.method == "GET":
        return render(request, "journal/marklog/exports.html", _exports(request.actor))
    values = exports.filter_values(request.POST)
    back = reverse("journal:marklog") + "?" + urlencode({k: v for k, v in values.items() if v})
    try:
        export = exports.request_export(actor=request.actor, filters=values)
    except ValidationError as exc:
        if getattr(exc, "code", None) == "too_many":
            messages.error(request, " ".join(exc.messages))
        return redirect(back)  # bad filters: the page shows the message next to the field
    export.refresh_from_db(fields=["error", "status"])
    if export.unsent:
        messages.warning(
            request,
            _(
                "The export service is not answering: your export waits in the queue and is built once it is back."
            ),
        )
    else:
        messages.success(request, _("The export is being prepared: the file appears below when it is ready."))
    return redirect(back + "#marklog-exports")


@school_view()
def mark_log_export_file(request, pk):
    """A finished export's file: its requester or anyone who reads the school's mark log."""
    actor = request.actor
    export = get_in_school(actor, MarkLogExport.objects.all(), pk=pk)
    if export.requested_by_id != actor.user.pk and not rules.view_mark_log(actor):
        deny(actor, "journal.rules.view_mark_log")
    if export.status != MarkLogExport.Status.DONE or not export.file:
        raise Http404
    try:
        out = export.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(out, as_attachment=True, filename=export.file_name, content_type=report.CONTENT_TYPE)
