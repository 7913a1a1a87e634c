"""The journal's write services: work types and columns, cells (marks + attendance), the log they write."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent
from journal.grid import services
from journal.grid.services import (
    Conflict,
    add_work,
    ensure_default_work_types,
    record_attendance,
    record_cell,
)
from journal.marklog import services as marklog
from journal.models import Attendance, Cell, JournalSettings, MarkLogEntry, WorkType
from tests import factories as f

from . import actor, at, d, lesson

pytestmark = pytest.mark.django_db

NOW = at(d(10, 12), 10)


@pytest.fixture
def the_lesson(world):
    return lesson(world.math_5a, d(10, 12))


@pytest.fixture
def teacher(world):
    return actor(world.teacher)


@pytest.fixture
def work(the_lesson, teacher):
    return add_work(actor=teacher, lesson=the_lesson, now=NOW)


@pytest.fixture
def pupil(world):
    return world.student.student


def save(teacher, work, pupil, raw, version=None, **kw):
    kw.setdefault("now", NOW)
    return record_cell(actor=teacher, work=work, student=pupil, raw=raw, version=version, **kw)


def log():
    return list(MarkLogEntry.objects.order_by("seq").values_list("kind", "old", "new"))


# Work types and columns


def test_default_work_types(world):
    types = ensure_default_work_types(world.school)
    assert [(t.code, str(t.weight), t.is_default) for t in types] == [
        ("У", "1.0", True),
        ("ДЗ", "1.0", False),
        ("СР", "1.5", False),
        ("ПР", "1.5", False),
        ("ЛР", "1.5", False),
        ("Д", "2.0", False),
        ("С", "2.0", False),
        ("КР", "2.0", False),
    ]
    assert ensure_default_work_types(world.school) == types  # nothing added the second time


def test_a_school_with_its_own_types_keeps_them(world):
    WorkType.objects.create(school=world.school, code="Т", name="тест", weight=3, is_default=True)
    assert [t.code for t in ensure_default_work_types(world.school)] == ["Т"]


def test_columns_are_added_after_the_last_one(world, the_lesson, teacher):
    first = add_work(actor=teacher, lesson=the_lesson, now=NOW)
    kr = WorkType.objects.get(school=world.school, code="КР")
    second = add_work(actor=teacher, lesson=the_lesson, work_type=kr, title=" Контрольная ", now=NOW)
    assert (first.position, first.work_type.code) == (1, "У")
    assert (second.position, second.work_type.code, second.title) == (2, "КР", "Контрольная")
    assert AuditEvent.objects.filter(action="journal.work_added").count() == 2


def test_a_column_needs_the_lesson_teacher_and_a_type_of_the_school(world, other_world, the_lesson, teacher):
    with pytest.raises(PermissionDenied):
        add_work(actor=actor(world.other_teacher), lesson=the_lesson, now=NOW)
    foreign = ensure_default_work_types(other_world.school)[0]
    with pytest.raises(ValidationError):
        add_work(actor=teacher, lesson=the_lesson, work_type=foreign, now=NOW)


# Cells


def test_a_first_mark_creates_the_cell_and_logs_it(teacher, work, pupil):
    result = save(teacher, work, pupil, " 5/4 ")
    assert result == services.CellResult("5/4", (5, 4), None, 1, None)
    cell = Cell.objects.get(work=work, student=pupil)
    assert (cell.marks, cell.version, cell.school_id) == ([5, 4], 1, work.school_id)
    assert log() == [("marks", "", "5/4")]
    entry = MarkLogEntry.objects.get()
    assert (entry.work_id, entry.lesson_id, entry.student_id, entry.actor_id) == (
        work.pk,
        work.lesson_id,
        pupil.pk,
        teacher.user.pk,
    )


def test_a_change_with_the_seen_version_is_saved_and_logged(teacher, work, pupil):
    save(teacher, work, pupil, "5/4")
    result = save(teacher, work, pupil, "5", version=1)
    assert (result.display, result.cell_version) == ("5", 2)
    assert log() == [("marks", "", "5/4"), ("marks", "5/4", "5")]


def test_an_unchanged_value_writes_and_logs_nothing(teacher, work, pupil):
    save(teacher, work, pupil, "5/4")
    result = save(teacher, work, pupil, "5/4", version=1)
    assert result.cell_version == 1
    assert len(log()) == 1


def test_a_stale_version_is_a_conflict_with_the_current_value(teacher, work, pupil, english):
    save(teacher, work, pupil, "5")
    save(teacher, work, pupil, "4", version=1)
    with pytest.raises(Conflict) as exc:
        save(teacher, work, pupil, "3", version=1)
    assert (exc.value.current_display, exc.value.current_version, exc.value.kind) == ("4", 2, "marks")
    assert "it now holds 4" in exc.value.message
    assert Cell.objects.get().marks == [4]
    assert len(log()) == 2


def test_i_saw_no_cell_but_there_is_one_is_a_conflict(teacher, work, pupil):
    save(teacher, work, pupil, "5")
    with pytest.raises(Conflict) as exc:
        save(teacher, work, pupil, "3", version=None)
    assert (exc.value.current_display, exc.value.current_version) == ("5", 1)


def test_clearing_keeps_the_row_and_logs_the_old_value(teacher, work, pupil):
    save(teacher, work, pupil, "5/4")
    result = save(teacher, work, pupil, "", version=1)
    assert (result.display, result.marks, result.cell_version) == ("", (), 2)
    assert Cell.objects.get().marks == []
    assert log()[-1] == ("marks", "5/4", "")
    # A client that saw the empty cell (or no cell) may write it again.
    assert save(teacher, work, pupil, "3", version=None).cell_version == 3


def test_clearing_a_cell_that_does_not_exist_writes_nothing(teacher, work, pupil):
    assert save(teacher, work, pupil, "").cell_version is None
    assert not Cell.objects.exists() and not log()


@pytest.mark.parametrize("raw", ["1", "н/а", "осв.", "6", "5 4", "x"])
def test_a_refused_value_saves_nothing(teacher, work, pupil, raw):
    save(teacher, work, pupil, "5")
    with pytest.raises(ValidationError):
        save(teacher, work, pupil, raw, version=1)
    assert Cell.objects.get().marks == [5]
    assert len(log()) == 1


# Attendance through a mark cell


def test_absent_typed_in_a_cell_goes_to_attendance(teacher, work, pupil):
    result = save(teacher, work, pupil, "н")
    assert result == services.CellResult("Н", (), "absent", None, 1)
    assert not Cell.objects.exists()
    assert Attendance.objects.get().status == "absent"
    assert log() == [("attendance", "", "Н")]


def test_late_with_a_mark_writes_two_rows_and_two_entries(teacher, work, pupil):
    result = save(teacher, work, pupil, "5/ОП")
    assert (result.display, result.cell_version, result.attendance_version) == ("ОП/5", 1, 1)
    assert log() == [("marks", "", "5"), ("attendance", "", "ОП")]
    entry = MarkLogEntry.objects.get(kind="attendance")
    assert entry.work_id is None


def test_marks_alone_leave_attendance_the_client_did_not_see(teacher, work, pupil):
    save(teacher, work, pupil, "Н")
    result = save(teacher, work, pupil, "5")
    assert (result.display, result.attendance, result.attendance_version) == ("Н/5", "absent", 1)
    assert log() == [("attendance", "", "Н"), ("marks", "", "5")]


def test_marks_alone_clear_attendance_the_client_saw(teacher, work, pupil):
    save(teacher, work, pupil, "ОП/5")
    Attendance.objects.update(reason="excused")
    result = save(teacher, work, pupil, "5", version=1, attendance_version=1)
    assert (result.display, result.attendance, result.attendance_version) == ("5", None, 2)
    assert Attendance.objects.values_list("status", "reason").get() == ("", "")
    assert log()[-1] == ("attendance", "ОП", "")


def test_a_stale_attendance_is_a_conflict_and_nothing_is_saved(teacher, work, pupil):
    save(teacher, work, pupil, "Н")
    with pytest.raises(Conflict) as exc:
        save(teacher, work, pupil, "ОП/5", attendance_version=None)
    assert (exc.value.kind, exc.value.current_display) == ("attendance", "Н")
    assert (exc.value.current_version, exc.value.attendance_version) == (None, 1)  # no cell; attendance v1
    assert not Cell.objects.exists()  # the marks half rolled back with it
    assert len(log()) == 1


def test_record_attendance(world, the_lesson, teacher, pupil):
    result = record_attendance(
        actor=teacher, lesson=the_lesson, student=pupil, raw="Н", version=None, now=NOW
    )
    assert (result.display, result.attendance_version) == ("Н", 1)
    with pytest.raises(Conflict) as exc:
        record_attendance(actor=teacher, lesson=the_lesson, student=pupil, raw="ОП", version=None, now=NOW)
    assert (exc.value.current_display, exc.value.current_version, exc.value.attendance_version) == ("Н", 1, 1)
    result = record_attendance(actor=teacher, lesson=the_lesson, student=pupil, raw="", version=1, now=NOW)
    assert (result.display, result.attendance, result.attendance_version) == ("", None, 2)
    with pytest.raises(ValidationError):
        record_attendance(actor=teacher, lesson=the_lesson, student=pupil, raw="5", version=2, now=NOW)
    assert log() == [("attendance", "", "Н"), ("attendance", "Н", "")]


# Who and when


def test_only_students_of_the_group_on_that_date(world, teacher, work):
    with pytest.raises(ValidationError) as exc:
        save(teacher, work, world.other_student.student, "5")
    assert exc.value.code == "not_in_group"
    newcomer = f.make_person(world.school, roles=["student"])
    f.enroll(newcomer, world.class_5a, starts=d(10, 13))
    with pytest.raises(ValidationError):
        save(teacher, work, newcomer.student, "5")
    assert not log()


def test_others_may_not_write_a_cell(world, work, pupil):
    with pytest.raises(PermissionDenied):
        save(actor(world.other_teacher), work, pupil, "5")
    with pytest.raises(PermissionDenied):
        save(actor(world.director), work, pupil, "5")


def test_after_the_window_only_the_admin_writes_and_it_is_audited(world, teacher, work, pupil):
    JournalSettings.objects.update_or_create(school=world.school, defaults={"edit_window": "1w"})
    save(teacher, work, pupil, "5", now=at(d(10, 19), 23, 59))
    with pytest.raises(ValidationError) as exc:
        save(teacher, work, pupil, "4", version=1, now=at(d(10, 20), 0, 1))
    assert exc.value.code == "edit_window"
    admin = actor(world.admin)
    result = save(admin, work, pupil, "4", version=1, now=at(d(10, 20), 0, 1))
    assert result.display == "4"
    event = AuditEvent.objects.get(action="journal.admin_override")
    assert event.data["old"] == "5" and event.data["new"] == "4"
    assert MarkLogEntry.objects.order_by("seq").last().actor_id == world.admin.user_id


def test_the_first_grade_takes_attendance_but_no_marks(world, teacher):
    class_1a = f.make_class(world.year, 1, "А")
    course = f.make_course(
        f.whole_group(class_1a), f.make_subject(world.school, "Окружающий мир"), world.teacher
    )
    first_grader = f.make_person(world.school, roles=["student"])
    f.enroll(first_grader, class_1a)
    the_lesson = lesson(course, d(10, 12), 2)
    record_attendance(
        actor=teacher, lesson=the_lesson, student=first_grader.student, raw="Н", version=None, now=NOW
    )
    with pytest.raises(ValidationError):
        add_work(actor=teacher, lesson=the_lesson, now=NOW)


def test_a_marks_write_checks_the_first_grade_rule(world, teacher, work, pupil):
    world.class_5a.groups.update(grade=1)
    with pytest.raises(ValidationError) as exc:
        save(teacher, work, pupil, "5")
    assert exc.value.code == "first_grade"
    assert save(teacher, work, pupil, "Н").attendance == "absent"


def test_every_change_keeps_the_chain_intact(world, teacher, work, pupil, english):
    save(teacher, work, pupil, "5/ОП")
    save(teacher, work, pupil, "4", version=1, attendance_version=1)
    save(teacher, work, pupil, "", version=2)
    assert marklog.verify(world.school) == (True, None, "intact: 5 entries")


def test_a_stale_attendance_over_an_existing_cell_reports_both_versions(teacher, work, pupil):
    save(teacher, work, pupil, "Н/5")
    with pytest.raises(Conflict) as exc:
        save(teacher, work, pupil, "ОП/4", version=1, attendance_version=None)
    assert (exc.value.kind, exc.value.current_display) == ("attendance", "Н/5")
    assert (exc.value.current_version, exc.value.attendance_version) == (1, 1)
    assert Cell.objects.get().marks == [5]


def test_a_stale_cell_reports_the_attendance_version_too(teacher, work, pupil):
    save(teacher, work, pupil, "ОП/5")
    save(teacher, work, pupil, "ОП/4", version=1, attendance_version=1)
    with pytest.raises(Conflict) as exc:
        save(teacher, work, pupil, "3", version=1, attendance_version=1)
    assert (exc.value.kind, exc.value.current_display) == ("marks", "ОП/4")
    assert (exc.value.current_version, exc.value.attendance_version) == (2, 1)


def test_saving_a_cell_takes_a_fixed_number_of_queries(teacher, work, pupil, django_assert_num_queries):
    save(teacher, work, pupil, "5")
    # savepoint, work with lesson, settings, locks, teaches?, in the group?; attendance,
    # cell lock, cell update, log entry with its head, release
    with django_assert_num_queries(7):
        save(teacher, work, pupil, "4", version=1)
