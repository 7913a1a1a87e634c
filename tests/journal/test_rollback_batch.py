"""`record_cells`, the batch form of `record_cell` the rollback writes marks with: the same mark-log
entries, the same audit of the admin's override, the same refusals, per cell."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent, Role
from journal.grid.services import CellWrite, Conflict, add_work, record_cell, record_cells
from journal.marklog import services as marklog
from journal.models import Cell, JournalSettings, MarkLogEntry
from tests import factories as f

from . import actor, d, lesson

pytestmark = pytest.mark.django_db
VALUES = ["5", "4/3", "", "2", "(3)", "•"]


def entries(work):
    return [
        (e.kind, e.lesson_id, e.student_id, e.actor_id, e.ip, e.old, e.new)
        for e in MarkLogEntry.objects.filter(work=work).order_by("seq")
    ]


@pytest.fixture
def pupils(world):
    others = [f.make_person(world.school, roles=[Role.STUDENT]) for _i in range(len(VALUES) - 1)]
    for person in others:
        f.enroll(person, world.class_5a)
    return [world.student.student, *(p.student for p in others)]


def test_the_batch_writes_what_the_single_path_writes(world, pupils, clock):
    clock.move_to("2026-12-09 12:00")
    # An old lesson: the teacher's edit window is over, the admin's writes are audited overrides.
    JournalSettings.objects.update_or_create(school=world.school, defaults={"edit_window": "1w"})
    teacher, admin = actor(world.teacher), actor(world.admin)
    single_lesson, batch_lesson = lesson(world.math_5a, d(11, 16)), lesson(world.math_5a, d(11, 16), 2)
    clock.move_to("2026-11-16 12:00")
    single, batch = (
        add_work(actor=teacher, lesson=single_lesson),
        add_work(actor=teacher, lesson=batch_lesson),
    )
    for work in (single, batch):  # one cell already there, the rest inserted by the admin's write
        record_cell(actor=teacher, work=work, student=pupils[0], raw="3", version=None)
    clock.move_to("2026-12-09 12:00")
    for pupil, value in zip(pupils, VALUES, strict=True):
        version = Cell.objects.filter(work=single, student=pupil).values_list("version", flat=True).first()
        record_cell(actor=admin, work=single, student=pupil, raw=value, version=version)
    versions = dict(Cell.objects.filter(work=batch).values_list("student_id", "version"))
    results = record_cells(
        actor=admin,
        writes=[CellWrite(batch, p, v, versions.get(p.pk)) for p, v in zip(pupils, VALUES, strict=True)],
    )

    assert results == [None] * len(VALUES)
    assert [e[2:] for e in entries(single)] == [e[2:] for e in entries(batch)]
    assert [e[0] for e in entries(batch)] == ["marks"] * len(entries(batch))
    assert {e[1] for e in entries(batch)} == {batch_lesson.pk}
    cells = {w: dict(Cell.objects.filter(work=w).values_list("student_id", "marks")) for w in (single, batch)}
    assert cells[single] == cells[batch]
    overrides = AuditEvent.objects.filter(action="journal.admin_override").order_by("pk")
    by_lesson = {
        lesson_id: [
            (a.data["student"], a.data["old"], a.data["new"])
            for a in overrides
            if a.data["lesson"] == lesson_id
        ]
        for lesson_id in (single_lesson.pk, batch_lesson.pk)
    }
    assert by_lesson[single_lesson.pk] == by_lesson[batch_lesson.pk] != []
    assert marklog.verify(world.school)[0]  # hashed in Python, verified in Python, one chain with `append`'s
    record_cell(
        actor=admin,
        work=single,
        student=pupils[0],
        raw="4",
        version=Cell.objects.get(work=single, student=pupils[0]).version,
    )
    assert marklog.verify(world.school)[0]  # and `append` goes on from the batch's head


def test_each_write_is_refused_as_the_single_path_refuses_it_and_the_others_go_on(
    world, other_world, pupils, clock
):
    clock.move_to("2026-12-09 12:00")
    teacher = actor(world.teacher)
    held = lesson(world.math_5a, d(12, 9))
    work = add_work(actor=teacher, lesson=held)
    record_cell(actor=teacher, work=work, student=pupils[0], raw="4", version=None)
    stranger = world.other_student.student  # of 6Б, not in the lesson's group
    writes = [
        CellWrite(work, pupils[0], "5", 7),  # a stale version
        CellWrite(work, stranger, "5", None),
        CellWrite(work, pupils[1], "Н", None),  # attendance goes through record_cell
        CellWrite(work, pupils[2], "5", None),
    ]
    results = record_cells(actor=teacher, writes=writes)
    assert isinstance(results[0], Conflict) and results[0].current_display == "4"
    with pytest.raises(Conflict):
        record_cell(actor=teacher, work=work, student=pupils[0], raw="5", version=7)
    assert isinstance(results[1], ValidationError) and results[1].code == "not_in_group"
    assert isinstance(results[2], ValidationError)
    assert results[3] is None
    assert dict(Cell.objects.filter(work=work).values_list("student_id", "marks")) == {
        pupils[0].pk: [4],
        pupils[2].pk: [5],
    }
    refused = record_cells(actor=actor(world.other_teacher), writes=[CellWrite(work, pupils[3], "5", None)])
    assert isinstance(refused[0], PermissionDenied)
    assert not Cell.objects.filter(work=work, student=pupils[3]).exists()
    assert len(entries(work)) == 2 and marklog.verify(world.school)[0]
