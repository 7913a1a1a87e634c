"""Celery tasks of the mark log: its XLSX exports and the parents' news read from it (thin wrappers).

Their names stay "journal.tasks.<name>" (the beat schedule and messages already queued use them);
journal/tasks.py imports them so that Celery's autodiscovery registers them.
"""

from celery import shared_task


@shared_task(name="journal.tasks.build_marklog_export_task")
def build_marklog_export_task(export_id: int) -> str:
    """Build one mark log export; a second delivery of a finished export does nothing."""
    from journal.marklog import exports

    export = exports.build_export(export_id)
    return export.status if export is not None else "missing"


@shared_task(name="journal.tasks.tidy_marklog_exports_task")
def tidy_marklog_exports_task() -> int:
    """Every 15 minutes: resend exports the broker never got, delete those older than a week."""
    from journal.marklog import exports

    exports.retry_unsent()
    return exports.purge_old_exports()


@shared_task(name="journal.tasks.dispatch_notifications_task")
def dispatch_notifications_task(school_id: int | None = None) -> int:
    """Parents' notifications of new marks and absences from the mark log (journal.marklog.notifications)."""
    from accounts.models import School
    from journal.marklog import notifications

    if school_id is None:
        return notifications.dispatch_all()
    school = School.objects.filter(pk=school_id, is_active=True).first()
    return notifications.dispatch(school) if school else 0
