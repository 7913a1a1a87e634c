"""The runs of the periodic jobs, recorded from Celery's signals for the jobs page (R-CTL-6).

A run of a task that `CELERY_BEAT_SCHEDULE` names (whoever sent it: the beat, or the mark log's nudge of
the dispatch job) gets one `JobRun` row, inserted when it starts and completed when it ends; every other
task costs a set lookup. Each write is its own short transaction (a savepoint when the task runs inside
one), committed before the task's work begins, so no transaction is held around a task. A failed write is
logged and forgotten: recording never fails a task, and a task whose start could not be written is
recorded whole at its end when the database is back.

The beat's heartbeat (`ejournal.health.beat_heartbeat_task`) keeps the moment it last ran in the cache;
its key and lateness live here so /health/ and the jobs page read it the same way.
"""

from __future__ import annotations

import datetime
import logging
import re

from celery import signals, states
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .models import JobRun

log = logging.getLogger(__name__)

KEEP = datetime.timedelta(days=30)
TEXT_LENGTH = 300
BEAT_KEY = "health:beat-last-run"
BEAT_LATE_SECONDS = (
    180  # the heartbeat runs every minute: three missed runs mean the beat (or workers) stopped
)

_running: dict[str, tuple[int | None, datetime.datetime]] = {}  # task id → (row id, started), per process
_errors: dict[str, str] = {}  # task id → the failure's text, from task_failure until task_postrun
_CREDENTIALS = re.compile(r"(://)[^/@\s]*@")  # a URL's user:password@ (a broker's, a database's)


def periodic_tasks() -> frozenset[str]:
    """The task names of the beat's schedule."""
    return frozenset(entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values())


def short_text(value) -> str:
    """One line of at most TEXT_LENGTH characters, a URL's credentials masked."""
    text = " ".join(_CREDENTIALS.sub(r"\1***@", str(value)).split())
    return text if len(text) <= TEXT_LENGTH else text[: TEXT_LENGTH - 1] + "…"


def error_text(exc: BaseException) -> str:
    """What the page shows of a failure: the exception's type and message, never its traceback."""
    return short_text(f"{type(exc).__name__}: {exc}")


def _write(what: str, task_name: str, write):
    try:
        with transaction.atomic():
            return write()
    except Exception:  # recording must never fail the task, whatever went wrong
        log.warning("%s: the %s of its run was not recorded", task_name, what, exc_info=True)
        return None


def started(*, task_id: str, task_name: str, hostname: str = "") -> None:
    """A periodic task begins: its row, committed before the task's own work."""
    if task_name not in periodic_tasks():
        return
    now = timezone.now()
    row = _write(
        "start",
        task_name,
        lambda: JobRun.objects.create(task=task_name, started_at=now, hostname=short_text(hostname)[:200]),
    )
    _running[task_id] = (row.pk if row else None, now)


def failed(*, task_id: str, exc: BaseException) -> None:
    if task_id in _running:
        _errors[task_id] = error_text(exc)


def finished(*, task_id: str, task_name: str, state: str | None, retval=None, hostname: str = "") -> None:
    """A periodic task ended (ok, failed or to be retried): its row completed."""
    begun = _running.pop(task_id, None)
    error = _errors.pop(task_id, None)
    if begun is None:
        return
    row_id, started_at = begun
    if state == states.SUCCESS:
        outcome, text = JobRun.Outcome.OK, "" if retval is None else short_text(repr(retval))
    elif state == states.RETRY:
        outcome, text = JobRun.Outcome.RETRIED, short_text(retval)
    else:
        outcome, text = JobRun.Outcome.FAILED, error or short_text(retval)
    fields = {"finished_at": timezone.now(), "outcome": outcome, "text": text}
    if row_id is not None:
        _write("end", task_name, lambda: JobRun.objects.filter(pk=row_id).update(**fields))
    else:
        _write(
            "end",
            task_name,
            lambda: JobRun.objects.create(
                task=task_name, started_at=started_at, hostname=short_text(hostname)[:200], **fields
            ),
        )


def _hostname(task) -> str:
    return getattr(getattr(task, "request", None), "hostname", None) or ""


def _on_prerun(sender=None, task_id=None, task=None, **kwargs):
    started(task_id=task_id, task_name=task.name, hostname=_hostname(task))


def _on_failure(sender=None, task_id=None, exception=None, **kwargs):
    failed(task_id=task_id, exc=exception)


def _on_postrun(sender=None, task_id=None, task=None, retval=None, state=None, **kwargs):
    finished(task_id=task_id, task_name=task.name, state=state, retval=retval, hostname=_hostname(task))


def connect() -> None:
    """Called once by AccountsConfig.ready (the unique ids make a second call harmless)."""
    signals.task_prerun.connect(_on_prerun, dispatch_uid="accounts.jobruns.prerun", weak=False)
    signals.task_failure.connect(_on_failure, dispatch_uid="accounts.jobruns.failure", weak=False)
    signals.task_postrun.connect(_on_postrun, dispatch_uid="accounts.jobruns.postrun", weak=False)


def purge(*, now=None) -> int:
    """Forget the runs older than KEEP; how many went."""
    cutoff = (now or timezone.now()) - KEEP
    return JobRun.objects.filter(started_at__lt=cutoff).delete()[0]


def beat_age(now=None) -> int | None:
    """Seconds since the beat's heartbeat last ran; None when unknown (never, or the cache is down)."""
    last_run = cache.get(BEAT_KEY)
    if last_run is None:
        return None
    return max(0, int((now or timezone.now()).timestamp() - last_run))


def beat_state(age: int | None) -> str:
    return "unknown" if age is None else "ok" if age <= BEAT_LATE_SECONDS else "late"
