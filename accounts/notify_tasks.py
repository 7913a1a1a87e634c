"""Celery tasks of parents' notifications (accounts/notify/); thin wrappers, each safe to run twice.

Registered through accounts/tasks.py (Celery's autodiscovery imports `<app>.tasks` only);
the beat schedule in ejournal/settings.py runs the periodic ones. The weekly digest's task is the
journal's (journal/diary/tasks.py `weekly_digest_task`): it hands the digest the week's journal news.
"""

from celery import shared_task

from . import notify


@shared_task(acks_late=True, ignore_result=True)
def deliver_notification_task(message_id: int) -> str:
    """Send one outbox message; a second delivery of the task finds it claimed or sent and does nothing."""
    return notify.deliver(message_id)


@shared_task(ignore_result=True)
def flush_outbox_task() -> int:
    """Every minute: send what the broker never got, the retries that are due, dead workers' claims."""
    return notify.flush_outbox()


@shared_task(ignore_result=True)
def daily_summaries_task() -> int:
    """Hourly: each parent's daily summary of the events before 18:00 school time."""
    return notify.build_daily_summaries()


@shared_task(ignore_result=True)
def purge_outbox_task() -> int:
    """Nightly: forget sent and failed messages older than 90 days."""
    return notify.purge_sent()
