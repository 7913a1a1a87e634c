"""Celery task of the diary: the parents' weekly digest (name "journal.tasks.weekly_digest_task",
registered through journal/tasks.py)."""

from celery import shared_task


@shared_task(name="journal.tasks.weekly_digest_task", ignore_result=True)
def weekly_digest_task() -> int:
    """Hourly: the parents' weekly digest of every school whose week ended (Sunday 18:00 school time)."""
    from accounts import notify
    from journal.diary import digest

    return notify.build_weekly_digests(read_week=digest.week_news)
