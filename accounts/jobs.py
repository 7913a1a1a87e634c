"""Publishing Celery jobs after the commit, in one place, so a broker outage costs one warning a minute.

Every job a write starts is published after its transaction commits (`publish_after_commit`), one quick
try with no retry loop (Celery's `retry=False` is *slower* with the broker down: kombu then waits out
`broker_connection_timeout`; `retry=True, max_retries=0` fails within about 0.1 s, or after the broker's
2 s read timeout when Redis hangs). A failed publish opens the broker's breaker (accounts/outage.py): for
REDIS_RETRY_SECONDS no publish even tries, so a hung Redis costs one request its timeout, not each one,
and the log gets one warning a minute while the broker is away instead of one line per write.

Nothing is lost: each job's durable state is in PostgreSQL, written with the change, and a beat job sends
it again. The outbox rows (accounts/notify/), the queued printouts and exports marked unsent
(reports/signoff.py, journal/marklog/exports.py) and the mark log (journal/marklog/notifications.py) have their own; a
job whose request leaves no row (the password-reset letter) gets a `PendingJob` from `publish_durably`,
which the task marks done and `republish_pending` (every minute) sends again while it is pending.
"""

from __future__ import annotations

import datetime
import logging

import redis
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from .models import PendingJob
from .outage import Breaker

log = logging.getLogger(__name__)

ONE_TRY = {"max_retries": 0}
UNREACHABLE = (BrokerError, redis.RedisError, OSError)
RESEND_AFTER = datetime.timedelta(minutes=5)  # a published job not done by then is published again
KEEP = datetime.timedelta(days=1)  # pending-job rows are forgotten after a day, done or not
_breakers: dict[str, Breaker] = {}  # per process and broker


def breaker(app=None) -> Breaker:
    """The broker's breaker in this process (one per broker URL)."""
    url = (app or current_app).conf.broker_url
    if url not in _breakers:
        _breakers[url] = Breaker("broker (Redis)", seconds=settings.REDIS_RETRY_SECONDS, log=log)
    return _breakers[url]


def publish(task, *args, then=None, **options) -> bool:
    """Hand the job to the broker now; False when it is unreachable (or was a moment ago): never raises.

    `then(sent)` is called after the try; `options` go to `apply_async` (`countdown`, `kwargs`).
    """
    sent = _try(task, args, options)
    if then is not None:
        then(sent)
    return sent


def _try(task, args, options) -> bool:
    guard = breaker(task.app)
    if guard.is_open:
        return False
    try:
        task.apply_async(args, retry=True, retry_policy=ONE_TRY, **options)
    except UNREACHABLE as exc:
        guard.failed(exc)
        return False
    except Exception:  # a bug (arguments that do not serialise): the committed request must still answer
        log.exception("%s: not published", task.name)
        return False
    guard.succeeded()
    return True


def publish_after_commit(task, *args, then=None, **options) -> None:
    """`publish` when the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: publish(task, *args, then=then, **options))


def mark_unsent(rows, field: str, unsent: str):
    """A `then` for a job whose row waits queued (a printout, an export): `field` of `rows` says `unsent`
    while the broker did not get the job (the page says so, the caller's beat job sends it again), and
    is cleared once it did."""

    def then(sent: bool) -> None:
        if sent:
            rows.filter(**{field: unsent}).update(**{field: ""})
        else:
            rows.update(**{field: unsent})

    return then


def publish_durably(task, *args) -> PendingJob:
    """A job that must survive a broker outage and has no row of its own: a `PendingJob` written in the
    current transaction, published after the commit with `job=<id>`; the task calls `done(job)`."""
    job = PendingJob.objects.create(task=task.name, args=list(args))
    publish_after_commit(task, *args, kwargs={"job": job.pk}, then=lambda sent: sent and _published(job.pk))
    return job


def _published(job_id: int) -> None:
    PendingJob.objects.filter(pk=job_id, done_at=None).update(published_at=timezone.now())


def done(job_id: int | None) -> None:
    """The task did its work (called by the task; a job run without a row passes None)."""
    if job_id is not None:
        PendingJob.objects.filter(pk=job_id, done_at=None).update(done_at=timezone.now())


def republish_pending(*, now=None) -> int:
    """Beat, every minute: publish again the pending jobs the broker never got (or lost), while they are
    younger than a reset link's lifetime; forget rows older than KEEP. Returns how many were published."""
    now = now or timezone.now()
    PendingJob.objects.filter(created_at__lt=now - KEEP).delete()
    due = PendingJob.objects.filter(
        done_at=None, created_at__gte=now - datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    ).exclude(published_at__gte=now - RESEND_AFTER)
    published = 0
    for job in due.order_by("pk")[:500]:
        if not publish(current_app.tasks[job.task], *job.args, kwargs={"job": job.pk}):
            break
        _published(job.pk)
        published += 1
    return published
