"""The beat down for a day (issue 20): when it returns, each periodic job runs once, and does the missed days'
work once; a job run twice does nothing the second time.

The real beat scheduler (Celery's PersistentScheduler, as `celery beat -s <file>` runs it) with its state file,
stopped on Saturday morning and started again on Monday morning, the tests' clock moved across the weekend: it
missed two evenings' daily summaries, Sunday evening's weekly digest, two nights' purge and every hourly job.
What it publishes goes to the tests' broker and is run here, in the test's process.
"""

from collections import Counter

import pytest
from celery.beat import PersistentScheduler
from django.conf import settings

import accounts.tasks  # noqa: F401  (registers the tasks the beat names, as the worker's autodiscovery does)
import journal.tasks  # noqa: F401
from accounts import notify
from accounts.models import DigestItem, OutboxMessage
from ejournal.celery import app

pytestmark = pytest.mark.django_db

DAILY_JOBS = {
    "accounts.notify_tasks.daily_summaries_task",
    "journal.tasks.weekly_digest_task",
    "accounts.notify_tasks.purge_outbox_task",
    "journal.tasks.remind_teachers_task",
}


class Beat:
    """`celery beat` with its state file: `start()` after a stop is the beat coming back."""

    def __init__(self, path, broker):
        self.path, self.broker, self.scheduler = str(path), broker, None

    def start(self):
        self.scheduler = PersistentScheduler(app=app, schedule_filename=self.path, lazy=False)

    def stop(self):
        if self.scheduler is not None:
            self.scheduler.close()  # writes the state file, as beat does on its way down
            self.scheduler = None

    def due(self) -> Counter:
        """Let the beat publish everything due now; the task names it published, counted."""
        for _ in range(200):
            if self.scheduler.tick() > 0:
                break
        return Counter(name for name, _args in self.broker.take())

    @staticmethod
    def jobs() -> set[str]:
        """The tasks of the project's schedule (Celery adds a cleanup of its own for result backends)."""
        return {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def run(names) -> dict[str, int]:
    """Run the published daily jobs as a worker would; what each returned."""
    return {name: app.tasks[name]() for name in sorted(set(names) & DAILY_JOBS)}


def marks_event(world, key: str, summary: str):
    notify.journal_event(
        "marks", world.student.student, school=world.school, when=world.year.starts, subject="Математика",
        summary=summary, key=key,
    )  # fmt: skip


def summaries():
    return OutboxMessage.objects.filter(kind=notify.DAILY)


@pytest.mark.now("2026-12-12 10:00")  # a Saturday
def test_the_beat_back_after_a_weekend_runs_each_job_once_and_a_second_run_does_nothing(
    world, family, clock, fresh_broker, tmp_path, request
):
    mother, father = family
    beat = Beat(tmp_path / "celerybeat-schedule", fresh_broker)
    beat.start()
    request.addfinalizer(beat.stop)
    assert not set(beat.due()) & DAILY_JOBS  # a fresh beat waits for each job's next moment
    clock.move_to("2026-12-12 10:30")
    beat.due()
    beat.stop()
    # While the beat is down the portal keeps working: marks on Saturday and Sunday wait for their summary.
    clock.move_to("2026-12-12 12:00")
    marks_event(world, "sat", "5")
    clock.move_to("2026-12-13 12:00")
    marks_event(world, "sun", "4")
    assert DigestItem.objects.filter(message__isnull=True).count() == 4  # mother and father, twice

    clock.move_to("2026-12-14 10:00")  # Monday: the beat is back
    beat.start()
    published = beat.due()
    # Every job of the schedule once, however many of its moments were missed.
    assert published == Counter(beat.jobs())
    done = run(published)
    # One summary per parent with both days' marks (the items folded into it, so never summarised again), the
    # week's digest for the mother (the father turned it off), the purge and the reminders once.
    assert done["accounts.notify_tasks.daily_summaries_task"] == 2
    assert done["journal.tasks.weekly_digest_task"] == 1
    assert summaries().count() == 2
    assert not DigestItem.objects.filter(message__isnull=True).exists()
    for parent in (mother, father):
        text = summaries().get(recipient=parent).text
        assert "5" in text and "4" in text
    weekly = OutboxMessage.objects.filter(kind=notify.WEEKLY)
    assert list(weekly.values_list("recipient", flat=True)) == [mother.pk]

    # The same jobs again (a second beat, a task delivered twice): nothing more.
    assert set(run(DAILY_JOBS).values()) == {0}
    assert summaries().count() == 2 and weekly.count() == 1
    # The beat itself does not run them again at the same moment.
    assert not set(beat.due()) & DAILY_JOBS

    # Its next moments come as usual: Monday's summary after 18:00 holds only what came after the catch-up.
    clock.move_to("2026-12-14 12:00")
    marks_event(world, "mon", "3")
    clock.move_to("2026-12-14 18:30")
    published = beat.due()
    assert published["accounts.notify_tasks.daily_summaries_task"] == 1
    assert run(published)["accounts.notify_tasks.daily_summaries_task"] == 2
    assert summaries().count() == 4
