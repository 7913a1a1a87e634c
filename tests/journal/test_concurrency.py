"""R-J-12 against a real PostgreSQL: two transactions saving the same cell at once never lose an edit.

Each writer runs in its own thread with its own database connection (closed at
the end). The deterministic cases hold the first writer's transaction open
until the second has started, so the second really waits on the row lock and
then sees the committed winner; the racing cases start both at a barrier.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from journal import marklog
from journal.models import Attendance, Cell, MarkLogEntry
from journal.services import Conflict, add_work, record_cell

from . import actor, at, d, lesson

pytestmark = pytest.mark.django_db(transaction=True)

NOW = at(d(10, 12), 10)
WAIT = 15  # seconds a thread may take before the test gives up on it


class Writer(threading.Thread):
    """Runs `record_cell` in its own connection; keeps the result or the exception."""

    def __init__(self, *, before=None, hold=None, **kwargs):
        super().__init__(daemon=True)
        self.kwargs = {"now": NOW, **kwargs}
        self.before, self.hold = before, hold
        self.result = self.error = None

    def run(self):
        try:
            if self.before:
                self.before()
            with transaction.atomic():
                self.result = record_cell(**self.kwargs)
                if self.hold:
                    self.hold()  # the transaction stays open (row locked) until this returns
        except Exception as exc:  # noqa: BLE001 - kept for the test to inspect
            self.error = exc
        finally:
            connection.close()


def finish(*threads):
    for t in threads:
        t.join(WAIT)
        assert not t.is_alive(), "a writer hung"


@pytest.fixture
def setting(world):
    teacher = actor(world.teacher)
    work = add_work(actor=teacher, lesson=lesson(world.math_5a, d(10, 12)), now=NOW)
    return teacher, work, world.student.student


def started_after(event):
    def wait():
        assert event.wait(WAIT)

    return wait


def test_the_second_of_two_saves_from_version_1_gets_a_conflict_with_the_winners_value(world, setting):
    teacher, work, pupil = setting
    Cell.objects.create(school=world.school, work=work, student=pupil, marks=[5])  # version 1, seen by both
    a_wrote, b_started = threading.Event(), threading.Event()

    def hold_until_b_waits():
        a_wrote.set()
        assert b_started.wait(WAIT)
        time.sleep(0.5)  # B is now blocked on the row lock

    def b_begins():
        assert a_wrote.wait(WAIT)
        b_started.set()

    a = Writer(actor=teacher, work=work, student=pupil, raw="4", version=1, hold=hold_until_b_waits)
    b = Writer(actor=teacher, work=work, student=pupil, raw="3", version=1, before=b_begins)
    a.start()
    b.start()
    finish(a, b)

    assert a.error is None and a.result.display == "4" and a.result.cell_version == 2
    assert isinstance(b.error, Conflict)
    assert (b.error.current_display, b.error.current_version) == ("4", 2)
    cell = Cell.objects.get()
    assert (cell.marks, cell.version) == ([4], 2)
    assert list(MarkLogEntry.objects.values_list("old", "new")) == [("5", "4")]
    assert marklog.verify(world.school)[0]


def test_two_first_writes_on_a_new_cell_the_loser_gets_a_conflict_not_an_integrity_error(world, setting):
    teacher, work, pupil = setting
    a_wrote, b_started = threading.Event(), threading.Event()

    def hold_until_b_waits():
        a_wrote.set()
        assert b_started.wait(WAIT)
        time.sleep(0.5)  # B's INSERT now waits on A's uncommitted row

    def b_begins():
        assert a_wrote.wait(WAIT)
        b_started.set()

    a = Writer(actor=teacher, work=work, student=pupil, raw="5", version=None, hold=hold_until_b_waits)
    b = Writer(actor=teacher, work=work, student=pupil, raw="2", version=None, before=b_begins)
    a.start()
    b.start()
    finish(a, b)

    assert a.error is None and a.result.cell_version == 1
    assert isinstance(b.error, Conflict), repr(b.error)
    assert (b.error.current_display, b.error.current_version) == ("5", 1)
    assert list(Cell.objects.values_list("marks", "version")) == [([5], 1)]
    assert list(MarkLogEntry.objects.values_list("old", "new")) == [("", "5")]


@pytest.mark.parametrize("existing", [True, False], ids=["from-version-1", "new-cell"])
def test_racing_saves_exactly_one_wins(world, setting, existing):
    teacher, work, pupil = setting
    rounds = 5
    for n in range(rounds):
        cell = Cell.objects.filter(work=work, student=pupil).first()
        if existing and cell is None:
            cell = Cell.objects.create(school=world.school, work=work, student=pupil, marks=[5])
        version = cell.version if cell else None
        barrier = threading.Barrier(2)

        def at_barrier(barrier=barrier):
            barrier.wait(WAIT)

        values = ["4", "3"] if n % 2 == 0 else ["2", "5/5"]
        writers = [
            Writer(actor=teacher, work=work, student=pupil, raw=v, version=version, before=at_barrier)
            for v in values
        ]
        for w in writers:
            w.start()
        finish(*writers)
        winners = [w for w in writers if w.error is None]
        losers = [w for w in writers if w.error is not None]
        assert len(winners) == 1 and len(losers) == 1, [repr(w.error) for w in writers]
        assert isinstance(losers[0].error, Conflict), repr(losers[0].error)
        assert losers[0].error.current_display == winners[0].result.display
        assert Cell.objects.get().marks == list(winners[0].result.marks)
        if not existing:
            Cell.objects.all().delete()  # the next round starts from no cell again
    assert MarkLogEntry.objects.count() == rounds
    assert marklog.verify(world.school)[0]


def test_two_first_absences_racing_one_conflicts(world, setting):
    teacher, work, pupil = setting
    barrier = threading.Barrier(2)

    def at_barrier():
        barrier.wait(WAIT)

    writers = [
        Writer(actor=teacher, work=work, student=pupil, raw=v, version=None, before=at_barrier)
        for v in ("Н", "ОП")
    ]
    for w in writers:
        w.start()
    finish(*writers)
    assert sorted(type(w.error).__name__ for w in writers) == ["Conflict", "NoneType"]
    assert Attendance.objects.count() == 1
    assert MarkLogEntry.objects.filter(kind="attendance").count() == 1
