"""The jobs page's data (R-CTL-6): each periodic job of `CELERY_BEAT_SCHEDULE` with its label, its schedule
in words, its last run, failures, next run and whether it is late; read in a fixed number of queries.

Every beat entry needs a label in LABELS (tests/accounts/test_jobs.py checks it).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .jobruns import beat_age, beat_state
from .models import JobRun

LABELS = {
    "purge-stale-invite-codes": gettext_lazy(
        "Deletes invite codes that expired or were revoked 90 days ago."
    ),
    "purge-expired-sessions": gettext_lazy("Ends sessions past their time limits."),
    "tidy-marklog-exports": gettext_lazy(
        "Sends again the mark-log exports the queue never got; deletes exports older than a week."
    ),
    "dispatch-journal-notifications": gettext_lazy("Turns new marks and absences into news for parents."),
    "measure-deadlines": gettext_lazy(
        "Measures the journal's deadlines of the last five weeks: on time, late or missing (from 01:00)."
    ),
    "remind-teachers": gettext_lazy(
        "Sends teachers one letter a day of what is late and due, final marks included (from 08:00)."
    ),
    "weekly-deadline-summary": gettext_lazy("Sends the deputies the week's deadline summary (Monday 07:00)."),
    "republish-pending-jobs": gettext_lazy(
        "Sends again the jobs the queue never got, such as a password-reset letter asked during an outage."
    ),
    "flush-notification-outbox": gettext_lazy("Sends the letters to parents that wait in the outbox."),
    "daily-notification-summaries": gettext_lazy("Builds parents' daily summaries after 18:00 school time."),
    "weekly-notification-digest": gettext_lazy("Builds parents' weekly digest after Sunday 18:00."),
    "resend-printouts": gettext_lazy("Sends again the printouts whose rendering the queue never got."),
    "beat-heartbeat": gettext_lazy("Notes that the scheduler is alive (the health check reads it)."),
    "purge-notification-outbox": gettext_lazy("Deletes letters sent more than 90 days ago."),
    "purge-job-runs": gettext_lazy("Forgets the runs of these jobs older than 30 days."),
    "monthly-activity-reports": gettext_lazy(
        "Builds each school's monthly user-activity report after the month ends (and any month missed)."
    ),
    "period-progress-reports": gettext_lazy(
        "Builds each school's progress and quality report of a reporting period the day after its finals "
        "deadline (and any period missed)."
    ),
}
LATE_AFTER = 3  # scheduled moments missed in a row
LATE_GRACE = datetime.timedelta(minutes=1)  # for the beat to send a job and a worker to start it
FAILURES_SINCE = datetime.timedelta(days=7)

OK, RUNNING, RETRIED, FAILED, INTERRUPTED, NEVER, LATE = (
    "ok",
    "running",
    "retried",
    "failed",
    "interrupted",
    "never",
    "late",
)


@dataclass
class Job:
    name: str
    task: str
    label: str
    schedule: str
    last: JobRun | None
    outcome: str  # OK, RUNNING, RETRIED, FAILED or INTERRUPTED of the last run; NEVER without one
    late: bool
    failures: int  # in the last FAILURES_SINCE, interrupted runs included
    next_run: datetime.datetime
    last_error: JobRun | None = None  # the last failed run, with its text: the operator's only

    @property
    def flagged(self) -> bool:
        return self.late or self.outcome in (FAILED, INTERRUPTED, NEVER)

    @property
    def duration(self) -> str:
        """How long the last run took, in words; empty while it runs or without one."""
        took = self.last.duration if self.last else None
        if took is None:
            return ""
        if took.total_seconds() < 60:
            return _("%(seconds)s s") % {"seconds": number_format(took.total_seconds(), decimal_pos=1)}
        minutes, seconds = divmod(int(took.total_seconds()), 60)
        return _("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": seconds}


@dataclass
class Beat:
    age: int | None  # seconds since the heartbeat, None when unknown
    state: str  # "ok", "late" or "unknown"


def next_run(schedule, after: datetime.datetime) -> datetime.datetime:
    """The schedule's first moment after `after` (a crontab, in Celery's time zone)."""
    last, delta, _now = schedule.remaining_delta(after)
    return last + delta


def is_late(schedule, last_started: datetime.datetime, now: datetime.datetime) -> bool:
    """Whether LATE_AFTER of the schedule's moments have passed (with a grace) since the last run began."""
    moment = last_started
    for _missed in range(LATE_AFTER):
        moment = next_run(schedule, moment)
    return now > moment + LATE_GRACE


def schedule_words(schedule) -> str:
    """A crontab in words: every minute, every N minutes, hourly at :MM, daily at HH:MM (else its fields)."""
    minutes, hours = sorted(schedule.minute), sorted(schedule.hour)
    every_day = (
        len(schedule.day_of_week) == 7
        and len(schedule.day_of_month) == 31
        and len(schedule.month_of_year) == 12
    )
    if every_day and len(hours) == 24:
        if len(minutes) == 60:
            return _("every minute")
        if len(minutes) == 1:
            return _("hourly at :%(minute)02d") % {"minute": minutes[0]}
        step = minutes[1] - minutes[0]
        if minutes == list(range(0, 60, step)):
            return ngettext("every %(n)s minute", "every %(n)s minutes", step) % {"n": step}
    if every_day and len(hours) == 1 and len(minutes) == 1:
        return _("daily at %(hour)02d:%(minute)02d") % {"hour": hours[0], "minute": minutes[0]}
    fields = str(schedule).removeprefix("<crontab: ").split(" (", 1)[0]  # minute hour day month weekday
    return _("on the schedule %(fields)s") % {"fields": fields}


def _last_runs(tasks: list[str], **filters) -> dict[str, JobRun]:
    """The latest run of each task (matching `filters`): one query, one index lookup per task."""
    if not tasks:
        return {}
    first, *others = (
        JobRun.objects.filter(task=task, **filters).order_by("-started_at")[:1] for task in tasks
    )
    return {run.task: run for run in (first.union(*others, all=True) if others else first)}


def _killed_before(now) -> datetime.datetime:
    """A run still unfinished that began before this has outlived the hard time limit: its worker died."""
    return now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def _outcome(run: JobRun | None, now) -> str:
    if run is None:
        return NEVER
    if run.outcome == JobRun.Outcome.RUNNING:
        return INTERRUPTED if run.started_at < _killed_before(now) else RUNNING
    return {JobRun.Outcome.OK: OK, JobRun.Outcome.RETRIED: RETRIED}.get(run.outcome, FAILED)


def jobs_overview(*, errors: bool, now=None) -> list[Job]:
    """Every beat entry, in the schedule's order; `errors` adds each job's last failure with its text (the
    operator's). Two queries, three with `errors`, however many runs are kept."""
    now = now or timezone.now()
    entries = settings.CELERY_BEAT_SCHEDULE
    tasks = sorted({entry["task"] for entry in entries.values()})
    last = _last_runs(tasks)
    failures = dict(
        JobRun.objects.filter(
            Q(outcome=JobRun.Outcome.FAILED)
            | Q(outcome=JobRun.Outcome.RUNNING, started_at__lt=_killed_before(now))
        )
        .filter(task__in=tasks, started_at__gte=now - FAILURES_SINCE)
        .values_list("task")
        .annotate(n=Count("pk"))
    )
    last_errors = _last_runs(tasks, outcome=JobRun.Outcome.FAILED) if errors else {}
    jobs = []
    for name, entry in entries.items():
        run, schedule = last.get(entry["task"]), entry["schedule"]
        jobs.append(
            Job(
                name=name,
                task=entry["task"],
                label=str(LABELS.get(name, "")),
                schedule=schedule_words(schedule),
                last=run,
                outcome=_outcome(run, now),
                late=run is not None and is_late(schedule, run.started_at, now),
                failures=failures.get(entry["task"], 0),
                next_run=next_run(schedule, now),
                last_error=last_errors.get(entry["task"]),
            )
        )
    return jobs


def beat_heartbeat(now=None) -> Beat:
    """The beat's heartbeat as /health/ reads it (ejournal/health.py)."""
    age = beat_age(now)
    return Beat(age=age, state=beat_state(age))
