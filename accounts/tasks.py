from celery import shared_task

from .services.housekeeping import purge_stale_invite_codes


@shared_task(acks_late=True)
def purge_stale_invite_codes_task() -> int:
    """Hourly: drop invite codes that expired or were revoked long ago (they hold nothing useful)."""
    return purge_stale_invite_codes()
