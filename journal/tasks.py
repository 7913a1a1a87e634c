"""Celery tasks of the journal: thin wrappers that take ids and call a service."""

from celery import shared_task

from journal.marklog import exports


@shared_task
def build_marklog_export_task(export_id: int) -> str:
    """Build one mark log export; a second delivery of a finished export does nothing."""
    export = exports.build_export(export_id)
    return export.status if export is not None else "missing"


@shared_task
def tidy_marklog_exports_task() -> int:
    """Every 15 minutes: resend exports the broker never got, delete those older than a week."""
    exports.retry_unsent()
    return exports.purge_old_exports()


@shared_task
def dispatch_notifications_task(school_id: int | None = None) -> int:
    """Parents' notifications of new marks and absences from the mark log (journal.marklog.notifications)."""
    from accounts.models import School
    from journal.marklog import notifications

    if school_id is None:
        return notifications.dispatch_all()
    school = School.objects.filter(pk=school_id, is_active=True).first()
    return notifications.dispatch(school) if school else 0


@shared_task
def remind_finals_task() -> int:
    """Teachers' reminders of the finals they owe (journal.finals.reminders), each active school."""
    from accounts.models import School
    from journal.finals.reminders import remind

    return sum(remind(school) for school in School.objects.filter(is_active=True).order_by("pk"))


@shared_task(ignore_result=True)
def weekly_digest_task() -> int:
    """Hourly: the parents' weekly digest of every school whose week ended (Sunday 18:00 school time)."""
    from accounts import notify
    from journal.diary import digest

    return notify.build_weekly_digests(read_week=digest.week_news)
