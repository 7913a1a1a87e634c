from celery import shared_task

from .services.housekeeping import purge_stale_invite_codes


@shared_task(acks_late=True)
def purge_stale_invite_codes_task() -> int:
    """Hourly: drop invite codes that expired or were revoked long ago (they hold nothing useful)."""
    return purge_stale_invite_codes()


# Parents' notifications: imported here so the worker registers them (autodiscovery reads tasks.py only).
from .notify_tasks import (  # noqa: E402, F401
    daily_summaries_task,
    deliver_notification_task,
    flush_outbox_task,
    purge_outbox_task,
    weekly_digest_task,
)
