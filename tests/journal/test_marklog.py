"""The mark log: a per-school hash chain, append-only in the database, verified by a command."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from journal.marklog import services as marklog
from journal.models import MarkLogEntry, MarkLogHead
from schedule.models import ReportingPeriod

from . import d, lesson

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def the_lesson(world):
    return lesson(world.math_5a, d(10, 12))


def write(world, the_lesson, n, *, ip="10.0.0.1"):
    entries = []
    for i in range(n):
        entries.append(
            marklog.append(
                school=world.school,
                actor=world.teacher.user,
                ip=ip,
                kind="marks",
                lesson=the_lesson,
                student=world.student.student,
                old=str(i) if i else "",
                new=str(i + 1),
            )
        )
    return entries


def tamper(sql, params=()):
    with connection.cursor() as cursor:
        # Deferred foreign-key checks are pending in the test's transaction; ALTER TABLE needs none.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE journal_marklogentry DISABLE TRIGGER journal_marklogentry_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE journal_marklogentry ENABLE TRIGGER journal_marklogentry_append_only")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_entries_chain_in_sequence(world, the_lesson):
    entries = write(world, the_lesson, 3)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == marklog.GENESIS
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    head = MarkLogHead.objects.get(school=world.school)
    assert (head.seq, head.hash) == (3, entries[2].hash)
    assert marklog.verify(world.school) == (True, None, "intact: 3 entries")


def test_each_school_has_its_own_chain(world, other_world, the_lesson):
    write(world, the_lesson, 2)
    other = marklog.append(
        school=other_world.school,
        actor=None,
        ip=None,
        kind="attendance",
        lesson=lesson(other_world.math_5a, d(10, 12)),
        student=other_world.student.student,
        old="",
        new="Н",
    )
    assert other.seq == 1 and other.prev_hash == marklog.GENESIS
    assert marklog.verify(other_world.school)[0] and marklog.verify(world.school)[0]


def test_an_empty_log_is_intact(world):
    assert marklog.verify(world.school) == (True, None, "intact: 0 entries")


@pytest.mark.parametrize(
    "ip", ["10.0.0.1", "2001:0db8:0000:0000:0000:0000:0000:0001", "::ffff:10.0.0.1", None]
)
def test_addresses_hash_as_the_database_returns_them(world, the_lesson, ip):
    write(world, the_lesson, 2, ip=ip)
    assert marklog.verify(world.school)[0]


def test_the_database_refuses_update_and_delete(world, the_lesson):
    write(world, the_lesson, 2)
    with pytest.raises(DatabaseError), transaction.atomic():
        MarkLogEntry.objects.filter(seq=1).update(new="2")
    with pytest.raises(DatabaseError), transaction.atomic():
        MarkLogEntry.objects.filter(seq=2).delete()
    assert MarkLogEntry.objects.count() == 2


def test_a_tampered_row_is_detected_at_its_seq(world, the_lesson):
    write(world, the_lesson, 5)
    tamper("UPDATE journal_marklogentry SET new = '5' WHERE school_id = %s AND seq = 3", [world.school.pk])
    ok, seq, message = marklog.verify(world.school)
    assert (ok, seq) == (False, 3)
    assert "altered" in message


def test_a_rewritten_chain_tail_is_detected_at_the_head(world, the_lesson):
    """Recomputing the hash of the last row is caught by the head (or the next row) not matching."""
    entries = write(world, the_lesson, 2)
    last = entries[-1]
    last.new = "5"
    forged = marklog.entry_hash(last)
    tamper(
        "UPDATE journal_marklogentry SET new = '5', hash = %s WHERE school_id = %s AND seq = 2",
        [forged, world.school.pk],
    )
    assert marklog.verify(world.school)[:2] == (False, 2)


@pytest.mark.parametrize(("deleted", "n"), [(3, 5), (5, 5), (1, 2)])
def test_a_deleted_row_is_detected(world, the_lesson, deleted, n):
    write(world, the_lesson, n)
    tamper("DELETE FROM journal_marklogentry WHERE school_id = %s AND seq = %s", [world.school.pk, deleted])
    ok, seq, message = marklog.verify(world.school)
    assert (ok, seq) == (False, deleted)
    assert "missing" in message


def test_the_command_reports_an_intact_chain(world, the_lesson):
    write(world, the_lesson, 4)
    out = io.StringIO()
    call_command("verify_mark_log", "--school", world.school.slug, stdout=out)
    assert out.getvalue().strip() == f"{world.school.slug}: intact: 4 entries"
    out = io.StringIO()
    call_command("verify_mark_log", stdout=out)
    assert "intact: 4 entries" in out.getvalue()


def test_the_command_fails_naming_the_school_and_the_first_broken_entry(world, other_world, the_lesson):
    write(world, the_lesson, 4)
    tamper("UPDATE journal_marklogentry SET old = 'x' WHERE school_id = %s AND seq = 2", [world.school.pk])
    with pytest.raises(CommandError) as exc:
        call_command("verify_mark_log", stdout=io.StringIO(), stderr=io.StringIO())
    assert world.school.slug in str(exc.value)
    assert "entry 2" in str(exc.value)
    assert other_world.school.slug not in str(exc.value)


def test_the_command_refuses_an_unknown_school(db):
    with pytest.raises(CommandError):
        call_command("verify_mark_log", "--school", "no-such-school")


@pytest.mark.parametrize(
    "change",
    [
        "at = at + interval '1 microsecond'",
        "actor_id = NULL",
        "ip = '10.0.0.2'",
        "kind = 'attendance'",
        "old = '4'",
        "prev_hash = repeat('1', 64)",
        "hash = repeat('2', 64)",
    ],
)
def test_every_field_is_covered_by_the_hash(world, the_lesson, change):
    write(world, the_lesson, 3)
    tamper(f"UPDATE journal_marklogentry SET {change} WHERE school_id = %s AND seq = 2", [world.school.pk])
    assert marklog.verify(world.school)[:2] == (False, 2)


def test_history_continues_the_chain_with_its_own_moments_and_actors(world, the_lesson):
    """`append_history` (the demo builder's year, streamed with COPY) chains as `append` does."""
    write(world, the_lesson, 2)
    period = ReportingPeriod.objects.filter(school=world.school).order_by("starts").first()
    at = datetime.datetime(2026, 10, 12, 9, 30, 15, 123456, tzinfo=datetime.UTC)
    student = world.student.student.pk
    lesson_row = {"kind": "marks", "lesson_id": the_lesson.pk, "student_id": student, "work_id": None}
    n = marklog.append_history(
        school=world.school,
        rows=(
            {"at": at, "actor_id": world.teacher.user_id, "old": "", "new": "5", **lesson_row},
            {"at": at, "actor_id": None, "old": "", "new": "Н", **lesson_row, "kind": "attendance"},
            {"at": at + datetime.timedelta(days=20), "actor_id": world.teacher.user_id,
             "kind": "final_period", "lesson_id": None, "student_id": student, "work_id": None, "old": "",
             "new": "4", "course_id": world.math_5a.pk, "period_id": period.pk, "proposed": 5},
        ),
    )  # fmt: skip
    assert n == 3
    entries = list(MarkLogEntry.objects.filter(school=world.school).order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert (entries[2].at, entries[2].actor_id, entries[2].ip) == (at, world.teacher.user_id, None)
    assert (entries[4].course_id, entries[4].period_id, entries[4].proposed) == (
        world.math_5a.pk,
        period.pk,
        5,
    )
    head = MarkLogHead.objects.get(school=world.school)
    assert (head.seq, head.hash) == (5, entries[4].hash)
    assert marklog.verify(world.school) == (True, None, "intact: 5 entries")
    # An ordinary append follows the history.
    assert write(world, the_lesson, 1)[0].prev_hash == entries[4].hash
    assert marklog.verify(world.school)[0]


def test_history_of_a_school_without_entries_starts_the_chain(world, the_lesson):
    at = datetime.datetime(2026, 10, 12, 9, 30, tzinfo=datetime.UTC)
    row = {"at": at, "actor_id": None, "kind": "marks", "lesson_id": the_lesson.pk,
           "student_id": world.student.student.pk, "work_id": None, "old": "", "new": "3"}  # fmt: skip
    assert marklog.append_history(school=world.school, rows=[row]) == 1
    entry = MarkLogEntry.objects.get(school=world.school)
    assert (entry.seq, entry.prev_hash) == (1, marklog.GENESIS)
    assert marklog.verify(world.school) == (True, None, "intact: 1 entries")
