"""XLSX exports of the mark log (R-J-11), built by a Celery worker instead of the web request.

A year's log of a large school (~140 000 entries) takes close to a minute in openpyxl,
longer than a web worker may block. The page asks for an export (`request_export`), a
worker builds it (`build_export`, updating `rows_done` as it goes) and the page polls the
user's exports until the file is there. Files live under MEDIA_ROOT/exports/<school>/ and
are served only by `journal:marklog_export_file`; `purge_old_exports` removes them after a week.
"""

from __future__ import annotations

import datetime
import logging
import tempfile

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import audit, jobs
from journal import rules
from journal.marklog import report
from journal.marklog.forms import MarkLogFilterForm
from journal.models import MarkLogExport

log = logging.getLogger(__name__)

Status = MarkLogExport.Status
PROGRESS_EVERY = 2000  # rows between two progress updates (one cheap UPDATE each)
MAX_ACTIVE = 3  # queued or running exports one user may have at a time
KEEP = datetime.timedelta(days=7)
UNSENT = MarkLogExport.UNSENT
FILTER_FIELDS = ("year", "actor", "school_class", "date_from", "date_to", "kind", "student")


def filter_values(data) -> dict[str, str]:
    """The filter fields of a query dict as plain strings (what an export stores)."""
    return {name: str(data.get(name, "") or "") for name in FILTER_FIELDS}


def _enqueue(export_id: int, *, at_once: bool = False) -> None:
    """Publish after the commit, or `at_once` (accounts/jobs.py); an export the broker did not get stays queued,
    marked so the page can say why, and `retry_unsent` sends it again."""
    from journal.marklog.tasks import build_marklog_export_task

    queued = MarkLogExport.objects.filter(pk=export_id, status=Status.QUEUED)
    send = jobs.publish if at_once else jobs.publish_after_commit
    send(build_marklog_export_task, export_id, then=jobs.mark_unsent(queued, "error", UNSENT))


@transaction.atomic
def request_export(*, actor, filters: dict) -> MarkLogExport:
    """Ask for the filtered log as XLSX; a worker builds it after the commit."""
    if not rules.view_mark_log(actor):
        raise PermissionDenied("journal.rules.view_mark_log")
    school = actor.school
    values = filter_values(filters)
    form = MarkLogFilterForm(values, school=school)
    wanted = form.log_filter()
    if wanted is None:
        raise ValidationError(form.errors or _("The school has no academic year yet."))
    values["year"] = str(wanted.year.pk)
    values["language"] = translation.get_language() or settings.LANGUAGE_CODE  # of the file's headings
    active = MarkLogExport.objects.filter(
        school=school, requested_by=actor.user, status__in=[Status.QUEUED, Status.RUNNING]
    )
    if active.count() >= MAX_ACTIVE:
        raise ValidationError(
            _("You already have %(n)d exports in progress: wait until one is ready.") % {"n": MAX_ACTIVE},
            code="too_many",
        )
    export = MarkLogExport.objects.create(
        school=school, requested_by=actor.user, filters=values, file_name=report.file_name(wanted.year)
    )
    audit.record(actor, "journal.marklog_export_requested", export, school=school, data={"filters": values})
    _enqueue(export.pk)
    return export


def recent_exports(actor, limit: int = 10) -> list[MarkLogExport]:
    """The user's latest exports in the current school, newest first (one query)."""
    return list(
        MarkLogExport.objects.filter(school=actor.school, requested_by=actor.user)
        .defer("filters")
        .order_by("-created_at", "-pk")[:limit]
    )


def _counted(rows, export_id: int, total: int):
    """The rows, with the export's `rows_done` moved forward every PROGRESS_EVERY rows."""
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0 and done < total:
            MarkLogExport.objects.filter(pk=export_id).update(rows_done=done)


def build_export(export_id: int) -> MarkLogExport | None:
    """Build the export's file (a done export is left as it is); runs outside a transaction.

    Progress updates are committed one by one, so the page sees them while the file grows.
    """
    export = MarkLogExport.objects.select_related("school").filter(pk=export_id).first()
    if export is None or export.status == Status.DONE:
        return export
    with translation.override(export.filters.get("language") or settings.LANGUAGE_CODE):
        return _build(export)


def _build(export: MarkLogExport) -> MarkLogExport:
    school = export.school
    form = MarkLogFilterForm(export.filters, school=school)
    wanted = form.log_filter()
    if wanted is None:
        return _fail(export, _("The filters are no longer valid: ask for the export again."))
    entries = report.matching(school, wanted)
    total = entries.count()
    MarkLogExport.objects.filter(pk=export.pk).update(status=Status.RUNNING, rows_total=total, rows_done=0)
    try:
        with tempfile.TemporaryFile(suffix=".xlsx") as out:
            written = report.write_workbook(
                _counted(report.iter_rows(school, entries), export.pk, total), out
            )
            out.seek(0)
            export.file.save(f"{export.pk}.xlsx", File(out), save=False)
    except Exception as exc:
        log.exception("mark log export %s failed", export.pk)
        return _fail(export, _("The file could not be built: %(error)s") % {"error": type(exc).__name__})
    finished = MarkLogExport.objects.filter(pk=export.pk).exclude(status=Status.DONE)
    if not finished.update(
        status=Status.DONE,
        rows_total=written,
        rows_done=written,
        file=export.file.name,
        error="",
        finished_at=timezone.now(),
    ):
        # Another delivery of the task finished first: keep its file, drop this one.
        export.file.storage.delete(export.file.name)
    export.refresh_from_db()
    return export


def _fail(export: MarkLogExport, error: str) -> MarkLogExport:
    MarkLogExport.objects.filter(pk=export.pk).exclude(status=Status.DONE).update(
        status=Status.FAILED, error=error, finished_at=timezone.now()
    )
    export.refresh_from_db()
    return export


def retry_unsent() -> int:
    """Send again the exports whose task never reached the broker; returns how many were tried."""
    ids = list(
        MarkLogExport.objects.filter(status=Status.QUEUED, error=UNSENT).values_list("pk", flat=True)[:100]
    )
    for pk in ids:
        _enqueue(pk, at_once=True)
    return len(ids)


def purge_old_exports(*, now=None) -> int:
    """Delete exports (rows and files) older than a week; returns how many."""
    cutoff = (now or timezone.now()) - KEEP
    with transaction.atomic():
        old = list(
            MarkLogExport.objects.select_for_update(skip_locked=True)
            .filter(created_at__lt=cutoff)
            .values_list("pk", "file")
        )
        MarkLogExport.objects.filter(pk__in=[pk for pk, _name in old]).delete()
        names = [name for _pk, name in old if name]
        storage = MarkLogExport._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in names])
    return len(old)
