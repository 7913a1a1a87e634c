from smtplib import SMTPException

from celery import shared_task

from . import jobruns, jobs, password_reset, sessions
from .services.housekeeping import purge_stale_invite_codes


@shared_task(acks_late=True)
def purge_stale_invite_codes_task() -> int:
    """Hourly: drop invite codes that expired or were revoked long ago (they hold nothing useful)."""
    return purge_stale_invite_codes()


@shared_task(ignore_result=True)
def purge_expired_sessions_task() -> dict[str, int]:
    """Hourly: sessions past their time limits leave the registry and the store; Django's expired ones go."""
    return sessions.purge_expired()


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    max_retries=4,
)
def mail_password_reset_task(email: str, ip: str | None, language: str, request_id: str, job=None) -> int:
    """A reset link for each family login of the address (accounts/password_reset.py); safe to run twice.
    `job` is its `PendingJob` (accounts/jobs.py), marked done once every letter went."""
    sent = password_reset.mail_reset_links(email=email, ip=ip, language=language, request_id=request_id)
    jobs.done(job)
    return sent


@shared_task(ignore_result=True)
def republish_pending_jobs_task() -> int:
    """Every minute: publish again the pending jobs the broker never got (a reset asked during an outage)."""
    return jobs.republish_pending()


@shared_task(ignore_result=True)
def purge_job_runs_task() -> int:
    """Nightly: forget the periodic jobs' runs older than 30 days (accounts/jobruns.py)."""
    return jobruns.purge()


# Parents' notifications: imported here so the worker registers them (autodiscovery reads tasks.py only).
from .notify_tasks import (  # noqa: E402, F401
    daily_summaries_task,
    deliver_notification_task,
    flush_outbox_task,
    purge_outbox_task,
)
