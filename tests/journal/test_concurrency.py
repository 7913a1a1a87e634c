"""R-J-12 against a real PostgreSQL: two transactions saving the same cell at once never lose an edit.

Each writer runs in its own thread with its own database connection (tests/db_locks.py). The
deterministic cases hold the first writer's transaction open until PostgreSQL shows the second waiting
on its lock, then let it commit, so the second provably takes the lock-wait path and then sees the
committed winner; the racing cases start both at a barrier.
"""

import threading
from functools import partial

import pytest

from journal.grid.services import Conflict, add_work, record_cell
from journal.marklog import services as marklog
from journal.models import Attendance, Cell, MarkLogEntry
from tests.db_locks import WAIT, InTransaction, finish, second_waits_on_first

from . import actor, at, d, lesson

pytestmark = pytest.mark.django_db(transaction=True)

NOW = at(d(10, 12), 10)


def writer(*, before=None, **kwargs) -> InTransaction:
    """`record_cell` in its own transaction, thread and connection."""
    return InTransaction(partial(record_cell, now=NOW, **kwargs), before=before)


@pytest.fixture
def setting(world):
    teacher = actor(world.teacher)
    work = add_work(actor=teacher, lesson=lesson(world.math_5a, d(10, 12)), now=NOW)
    return teacher, work, world.student.student


def test_the_second_of_two_saves_from_version_1_gets_a_conflict_with_the_winners_value(world, setting):
    teacher, work, pupil = setting
    Cell.objects.create(school=world.school, work=work, student=pupil, marks=[5])  # version 1, seen by both
    a = writer(actor=teacher, work=work, student=pupil, raw="4", version=1)
    b = writer(actor=teacher, work=work, student=pupil, raw="3", version=1)
    second_waits_on_first(a, b)  # B waits on the cell's row lock while A holds it, then A commits

    assert a.error is None and a.result.display == "4" and a.result.cell_version == 2
    # Without the row lock B would compare with the version it read before A's commit: ("5", 1).
    assert isinstance(b.error, Conflict), repr(b.error)
    assert (b.error.current_display, b.error.current_version) == ("4", 2)
    cell = Cell.objects.get()
    assert (cell.marks, cell.version) == ([4], 2)
    assert list(MarkLogEntry.objects.values_list("old", "new")) == [("5", "4")]
    assert marklog.verify(world.school)[0]


def test_two_first_writes_on_a_new_cell_the_loser_gets_a_conflict_not_an_integrity_error(world, setting):
    teacher, work, pupil = setting
    a = writer(actor=teacher, work=work, student=pupil, raw="5", version=None)
    b = writer(actor=teacher, work=work, student=pupil, raw="2", version=None)
    second_waits_on_first(a, b)  # B's INSERT waits on A's uncommitted row, then A commits

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
            writer(actor=teacher, work=work, student=pupil, raw=v, version=version, before=at_barrier)
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
        writer(actor=teacher, work=work, student=pupil, raw=v, version=None, before=at_barrier)
        for v in ("Н", "ОП")
    ]
    for w in writers:
        w.start()
    finish(*writers)
    assert sorted(type(w.error).__name__ for w in writers) == ["Conflict", "NoneType"]
    assert Attendance.objects.count() == 1
    assert MarkLogEntry.objects.filter(kind="attendance").count() == 1


@pytest.mark.now("2026-10-12 12:00")  # the lesson's day, within its edit window
def test_a_save_into_a_column_removed_meanwhile_answers_409_and_writes_nothing(
    world, setting, login, monkeypatch
):
    """The rollback of a compromised login removes a column that never held marks (`remove_work`); a
    teacher's save typed into it at that moment is refused by the database at its commit (the cell's
    column is gone): the grid gets a 409 to reload, not a 500, and nothing of the save remains."""
    from django.urls import reverse

    from journal.grid.services import remove_work

    _, work, pupil = setting
    admin = actor(world.admin)
    append = marklog.append
    removed = []

    def remove_first(**kwargs):  # the save has written its cell; the rollback removes the column and commits
        if not removed:
            remover = InTransaction(partial(remove_work, actor=admin, work=work))
            remover.start()
            remover.join(WAIT)
            removed.append(remover.error)
        return append(**kwargs)

    monkeypatch.setattr(marklog, "append", remove_first)
    data = {"lesson": work.lesson_id, "work": work.pk, "student": pupil.pk, "value": "5", "version": ""}
    response = login(world.teacher).post(reverse("journal:save_cell"), data)
    assert removed == [None]  # the column really went, committed before the save's commit
    assert response.status_code == 409 and not response.json()["ok"], response.content
    assert "reload" in response.json()["error"] or "обнов" in response.json()["error"]
    assert not Cell.objects.exists() and not MarkLogEntry.objects.exists()
    assert marklog.verify(world.school)[0]
