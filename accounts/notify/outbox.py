"""The outbox: queue letters in the caller's transaction, publish them after the commit, claim, send, retry, purge."""

from __future__ import annotations

import datetime
import logging
import uuid

from django.db.models import F, Q
from django.utils import timezone

from .. import channels, jobs
from ..models import DigestItem, OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # 1 + 2 + 4 + … minutes: about four hours of trying before a row is failed
LEASE = datetime.timedelta(minutes=10)  # a claim older than this is taken to be a dead worker's
FLUSH_BATCH = 500
KEEP_SENT = datetime.timedelta(days=90)

Status = OutboxMessage.Status


def queue(messages: list[OutboxMessage]) -> None:
    """Insert the rows (a repeated dedupe key is skipped) and publish them after the commit."""
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    ids = list(
        OutboxMessage.objects.filter(
            channel=channels.EMAIL, dedupe_key__in=[m.dedupe_key for m in messages], status=Status.PENDING
        ).values_list("pk", flat=True)
    )
    publish(ids)


def publish(ids) -> None:
    """Hand the messages to Celery after the commit; those the broker does not get wait for the flush."""
    from ..notify_tasks import deliver_notification_task

    for pk in ids:
        jobs.publish_after_commit(deliver_notification_task, pk)


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 240))


def claim(message_id: int, *, now=None) -> OutboxMessage | None:
    """Take the message for sending if it is due and nobody holds it; None otherwise."""
    now = now or timezone.now()
    token = uuid.uuid4()
    due = Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, claimed_at__lt=now - LEASE
    )
    taken = OutboxMessage.objects.filter(due, pk=message_id).update(
        status=Status.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1
    )
    if not taken:
        return None
    return OutboxMessage.objects.filter(pk=message_id, claim_token=token).first()


def deliver(message_id: int, *, now=None) -> str:
    """Send one message if it is due and unclaimed; returns its status afterwards ("skipped" if not ours)."""
    message = claim(message_id, now=now)
    if message is None:
        return "skipped"
    mine = OutboxMessage.objects.filter(pk=message.pk, claim_token=message.claim_token)
    try:
        channels.get(message.channel).send(message)
    except Exception as exc:  # the channel's own errors: SMTP, network, an unknown channel
        failed = message.attempts >= MAX_ATTEMPTS or isinstance(exc, KeyError)
        log.warning("notification %s: attempt %d failed: %r", message.pk, message.attempts, exc)
        mine.update(
            status=Status.FAILED if failed else Status.PENDING,
            next_attempt_at=timezone.now() + _backoff(message.attempts),
            claim_token=None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return Status.FAILED if failed else Status.PENDING
    mine.update(status=Status.SENT, sent_at=timezone.now(), claim_token=None, last_error="")
    return Status.SENT


def flush_outbox(*, now=None, limit: int = FLUSH_BATCH) -> int:
    """Send the due messages (those the broker never got, retries, dead workers' claims); returns how many went."""
    now = now or timezone.now()
    due = Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, claimed_at__lt=now - LEASE
    )
    ids = list(
        OutboxMessage.objects.filter(due)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(deliver(pk, now=now) == Status.SENT for pk in ids)


def purge_sent(*, now=None) -> int:
    """Forget sent and failed messages older than KEEP_SENT (their items go with them)."""
    cutoff = (now or timezone.now()) - KEEP_SENT
    old = OutboxMessage.objects.filter(status__in=[Status.SENT, Status.FAILED], created_at__lt=cutoff)
    DigestItem.objects.filter(message__in=old).delete()
    return old.delete()[1].get(OutboxMessage._meta.label, 0)
