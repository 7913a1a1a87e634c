"""R-J-14: a mark replaced by a retake stays visible but leaves the average; owed work ("•") until handed in."""

import pytest
from django.core.exceptions import ValidationError

from journal.grid import selectors
from journal.grid.services import add_work, record_cell
from journal.marklog import services as marklog
from journal.models import Cell, MarkLogEntry, WorkType
from schedule.models import ReportingPeriod
from tests import factories as f

from . import actor, at, d, lesson

pytestmark = pytest.mark.django_db

NOW = at(d(10, 12), 10)


@pytest.fixture
def teacher(world):
    return actor(world.teacher)


def q1(world):
    return ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=1)


def save(teacher, work, student, raw, version=None):
    return record_cell(actor=teacher, work=work, student=student, raw=raw, version=version, now=NOW)


def test_an_excluded_mark_is_stored_shown_and_left_out_of_the_average(world, teacher):
    student = world.student.student
    test = add_work(actor=teacher, lesson=lesson(world.math_5a, d(10, 5)), now=NOW)
    WorkType.objects.filter(pk=test.work_type_id).update(weight=2)
    oral = add_work(actor=teacher, lesson=lesson(world.math_5a, d(10, 6)), now=NOW)
    WorkType.objects.create(school=world.school, code="X", name="x", weight=1)
    save(teacher, oral, student, "3")
    result = save(teacher, test, student, "2")
    # Only the retake counts: (2)/5 → 5 with the test's weight.
    assert str(selectors.averages(world.math_5a, q1(world))[student.pk]) == "2.50"  # (3 + 2) / 2, same weight
    result = save(teacher, test, student, "(2)/5", version=result.cell_version)
    assert result.display == "(2)/5"
    cell = Cell.objects.get(work=test, student=student)
    assert (cell.marks, cell.excluded, cell.owed) == ([2, 5], [0], False)
    assert str(selectors.averages(world.math_5a, q1(world))[student.pk]) == "4.00"  # (3 + 5) / 2
    # Excluding every mark of the only marked cells leaves no average at all for that cell.
    save(teacher, oral, student, "(3)", version=Cell.objects.get(work=oral, student=student).version)
    assert str(selectors.averages(world.math_5a, q1(world))[student.pk]) == "5.00"


def test_the_weighted_average_uses_weights_with_exclusions(world, teacher):
    student = world.student.student
    heavy = WorkType.objects.create(school=world.school, code="КР", name="test", weight=2)
    light = WorkType.objects.create(school=world.school, code="У", name="oral", weight=1, is_default=True)
    a = add_work(actor=teacher, lesson=lesson(world.math_5a, d(10, 5)), work_type=heavy, now=NOW)
    b = add_work(actor=teacher, lesson=lesson(world.math_5a, d(10, 6)), work_type=light, now=NOW)
    save(teacher, a, student, "(2)/4")
    save(teacher, b, student, "5/(3)/3")
    # (4·2 + 5·1 + 3·1) / (2 + 1 + 1) = 16 / 4
    assert str(selectors.averages(world.math_5a, q1(world))[student.pk]) == "4.00"


def test_owed_work_then_the_mark_replaces_the_point(world, teacher):
    student = world.student.student
    work = add_work(actor=teacher, lesson=lesson(world.math_5a, d(10, 5)), now=NOW)
    first = save(teacher, work, student, "Н/.")
    assert first.display == "Н/•"
    assert Cell.objects.get(work=work, student=student).owed
    assert student.pk not in selectors.averages(world.math_5a, q1(world))
    second = save(
        teacher, work, student, "Н/5", version=first.cell_version
    )  # handed in later: the absence stays
    assert second.display == "Н/5"
    cell = Cell.objects.get(work=work, student=student)
    assert (cell.marks, cell.owed) == ([5], False)
    changes = list(MarkLogEntry.objects.filter(kind="marks").order_by("seq").values_list("old", "new"))
    assert changes == [("", "•"), ("•", "5")]
    assert marklog.verify(world.school)[0]


def test_a_point_beside_a_mark_is_refused_and_nothing_is_saved(world, teacher):
    student = world.student.student
    work = add_work(actor=teacher, lesson=lesson(world.math_5a, d(10, 5)), now=NOW)
    with pytest.raises(ValidationError):
        save(teacher, work, student, "•/5")
    assert not Cell.objects.filter(work=work).exists()


def test_a_first_grade_owes_no_work(world):
    first = f.make_class(world.year, 1, "А", class_teacher=world.teacher)
    subject = f.make_subject(world.school, "Окружающий мир", "Окр. мир")
    course = f.make_course(f.whole_group(first), subject, world.teacher)
    pupil = f.make_person(world.school, roles=["student"], last_name="Малышев", first_name="Саша")
    f.enroll(pupil, first)
    one = lesson(course, d(10, 5))
    from journal.models import Work

    WorkType.objects.create(school=world.school, code="У", name="oral", is_default=True)
    work = Work.objects.create(school=world.school, lesson=one, work_type=WorkType.objects.get(code="У"))
    with pytest.raises(ValidationError) as exc:
        save(actor(world.teacher), work, pupil.student, "•")
    assert exc.value.code == "first_grade"
    # Attendance is still taken.
    assert save(actor(world.teacher), work, pupil.student, "Н").display == "Н"
