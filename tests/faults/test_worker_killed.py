"""A worker killed mid-job (issue 20): a real `celery worker` process rendering a printout is SIGKILLed with its
child, a new worker picks the job up after the broker's visibility timeout, and the job's effect happens once.

The job is held at a known point by a lock the test takes: the render marks the printout running, then reads its
signatures, whose table the test locks. The kill comes while the job waits there, as it would while WeasyPrint
lays out pages.
"""

import time
from pathlib import Path

import pytest

from reports import signoff
from reports.models import Printout
from reports.tasks import render_printout_task
from tests.faults.processes import CeleryWorker, killer, wait_for_lock_waiters
from tests.journal import actor
from tests.reports.printout_fixture import build_journal

pytestmark = pytest.mark.django_db(transaction=True)

VISIBILITY = 3  # seconds; production waits an hour (settings.CELERY_BROKER_TRANSPORT_OPTIONS)


def wait_until(predicate, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def stored_pdfs(media: Path, printout) -> list[Path]:
    return sorted((media / "printouts" / str(printout.school_id)).glob("*.pdf"))


def test_a_printout_whose_worker_was_killed_is_rendered_once_by_the_next_worker(
    world, fresh_broker, tmp_path
):
    period, _lessons = build_journal(world)
    # Generating publishes the render after the commit; no worker runs yet, so it waits in the queue.
    printout = signoff.generate(actor=actor(world.deputy), school_class=world.class_5a, period=period)
    assert fresh_broker.count() == 1
    env = {
        "MEDIA_ROOT": str(tmp_path),
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
        "CELERY_TASK_TIME_LIMIT": "60",
    }
    locker, watcher = killer(), killer()
    locker.execute("BEGIN")
    locker.execute("LOCK TABLE reports_printoutsignature IN ACCESS EXCLUSIVE MODE")
    first = CeleryWorker("first", **env)
    second = None
    try:
        wait_for_lock_waiters(watcher, timeout=30)
        assert Printout.objects.get(pk=printout.pk).render_status == Printout.Render.RUNNING
        first.kill()  # SIGKILL, worker and child: the task is neither finished nor acknowledged
        locker.execute("ROLLBACK")
        assert Printout.objects.get(pk=printout.pk).render_status == Printout.Render.RUNNING
        assert stored_pdfs(tmp_path, printout) == []

        second = CeleryWorker("second", **env)
        wait_until(lambda: Printout.objects.get(pk=printout.pk).render_status == Printout.Render.DONE)
        done = Printout.objects.get(pk=printout.pk)
        assert done.pages >= 1 and done.draft.name
        assert stored_pdfs(tmp_path, printout) == [tmp_path / done.draft.name]

        # A second delivery of the same task (a broker may deliver twice) renders the draft again and keeps
        # one file: the earlier one goes.
        render_printout_task.delay(printout.pk)
        wait_until(lambda: Printout.objects.get(pk=printout.pk).draft.name != done.draft.name)
        again = Printout.objects.get(pk=printout.pk)
        wait_until(lambda: stored_pdfs(tmp_path, printout) == [tmp_path / again.draft.name], timeout=10)
        assert again.render_status == Printout.Render.DONE
        assert fresh_broker.count() == 0
    finally:
        first.kill()
        if second is not None:
            second.kill()
        locker.close()
        watcher.close()
