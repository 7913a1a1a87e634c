"""The grid's endpoints: save_cell answers JSON (ok, bad value, conflict, locked); add_work adds a column."""

import datetime

import pytest
from django.urls import reverse

from journal.models import Attendance, Cell, EditWindow, JournalSettings, MarkLogEntry, Work, WorkType
from schedule.models import Substitution
from tests import factories as f

pytestmark = pytest.mark.django_db

SEP = datetime.date(2026, 9, 7)


@pytest.fixture
def setup(world):
    JournalSettings.objects.create(school=world.school, edit_window=EditWindow.NEVER_LOCKED)
    oral = WorkType.objects.create(
        school=world.school, code="У", name="Устный ответ", weight=1, is_default=True
    )
    WorkType.objects.create(school=world.school, code="КР", name="Контрольная", weight=2, position=1)
    lesson = f.make_lesson(world.math_5a, SEP, 1)
    work = Work.objects.create(school=world.school, lesson=lesson, work_type=oral)
    return lesson, work


def post(client, lesson, student, value, *, work=None, version="", att_version=""):
    data = {
        "lesson": lesson.pk,
        "work": work.pk if work else "",
        "student": student.pk,
        "value": value,
        "version": version,
        "att_version": att_version,
    }
    return client.post(reverse("journal:save_cell"), data)


def test_save_a_mark_returns_display_versions_and_the_average(world, login, setup):
    lesson, work = setup
    student = world.student.student
    response = post(login(world.teacher), lesson, student, "5/4", work=work)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["ok"] and data["display"] == "5/4" and data["version"] == 1 and data["average"] == "4,50"
    assert Cell.objects.get(work=work, student=student).marks == [5, 4]
    assert MarkLogEntry.objects.filter(lesson=lesson, student=student).count() == 1
    # The next save carries the version it was given.
    data = post(login(world.teacher), lesson, student, "3", work=work, version=1).json()
    assert data["display"] == "3" and data["version"] == 2 and data["average"] == "3,00"


def test_absent_goes_to_attendance_and_a_lesson_without_columns_gets_one(world, login, setup):
    lesson, _ = setup
    bare = f.make_lesson(world.math_5a, SEP + datetime.timedelta(days=1), 1)
    student = world.student.student
    data = post(login(world.teacher), bare, student, "н").json()
    assert data["ok"] and data["display"] == "Н" and data["att_version"] == 1
    work = Work.objects.get(lesson=bare)
    assert data["work"] == work.pk
    assert Attendance.objects.get(lesson=bare, student=student).status == "absent"


def test_a_bad_value_is_refused_with_a_message_and_nothing_is_saved(world, login, setup, english):
    lesson, work = setup
    response = post(login(world.teacher), lesson, world.student.student, "6", work=work)
    assert response.status_code == 400
    assert (
        "2, 3, 4, 5" in response.json()["error"]
    )  # the page speaks Russian: «Можно ввести только 2, 3, 4, 5…»
    assert not Cell.objects.exists() and not MarkLogEntry.objects.exists()


def test_a_stale_version_is_a_conflict_showing_the_current_value(world, login, setup):
    lesson, work = setup
    student = world.student.student
    Cell.objects.create(school=world.school, work=work, student=student, marks=[4], version=2)
    response = post(login(world.teacher), lesson, student, "5", work=work, version=1)
    assert response.status_code == 409
    data = response.json()
    assert data["display"] == "4" and data["version"] == 2 and "4" in data["error"]
    assert Cell.objects.get(work=work, student=student).marks == [4]


def test_a_locked_lesson_is_refused(world, login, setup):
    """Past the edit window the lesson's own teacher is refused by the state of the journal (the policy's
    ValidationError: 400 with the message), not by who they are (PermissionDenied: 403)."""
    lesson, work = setup
    JournalSettings.objects.filter(school=world.school).update(edit_window=EditWindow.ONE_WEEK)
    response = post(login(world.teacher), lesson, world.student.student, "5", work=work)
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error": "Отметки за этот урок можно было изменить до 14.09.2026; "
        "теперь их может изменить только администратор школы.",
    }
    assert not Cell.objects.exists() and not MarkLogEntry.objects.exists()


@pytest.mark.parametrize("persona", ["director", "deputy", "class_teacher", "other_teacher"])
def test_readers_cannot_save(world, login, setup, persona):
    lesson, work = setup
    response = post(login(getattr(world, persona)), lesson, world.student.student, "5", work=work)
    assert response.status_code == 403
    assert not Cell.objects.exists()


def test_the_substitute_saves_only_in_the_substituted_lesson(world, login, setup):
    lesson, work = setup
    replaced = f.make_lesson(world.math_5a, SEP + datetime.timedelta(days=1), 1)
    Substitution.objects.create(
        school=world.school, lesson=replaced, absent_teacher=world.teacher, substitute=world.substitute
    )
    client = login(world.substitute)
    assert post(client, lesson, world.student.student, "5", work=work).status_code == 403
    assert post(client, replaced, world.student.student, "5").json()["ok"]


def test_a_work_of_another_lesson_is_404(world, login, setup):
    lesson, work = setup
    other = f.make_lesson(world.math_5a, SEP + datetime.timedelta(days=1), 1)
    assert post(login(world.teacher), other, world.student.student, "5", work=work).status_code == 404


def test_add_work_adds_a_column_of_the_chosen_type_and_returns_to_the_grid(world, login, setup):
    lesson, work = setup
    test_type = WorkType.objects.get(school=world.school, code="КР")
    response = login(world.teacher).post(
        reverse("journal:add_work"), {"lesson": lesson.pk, "work_type": test_type.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("journal:grid", args=[world.math_5a.pk, lesson.period_id])
    assert list(Work.objects.filter(lesson=lesson).values_list("work_type__code", flat=True)) == ["У", "КР"]
    assert login(world.director).post(reverse("journal:add_work"), {"lesson": lesson.pk}).status_code == 403


def test_an_attendance_conflict_returns_both_current_versions(world, login, setup):
    lesson, work = setup
    student = world.student.student
    Cell.objects.create(school=world.school, work=work, student=student, marks=[4], version=2)
    Attendance.objects.create(school=world.school, lesson=lesson, student=student, status="late", version=3)
    response = post(login(world.teacher), lesson, student, "Н", work=work, version=2, att_version=1)
    assert response.status_code == 409
    data = response.json()
    assert data["display"] == "ОП/4" and data["version"] == 2 and data["att_version"] == 3


# The user with their people; the column with its lesson, settings, locks, whether the actor teaches it
# and whether the student is in its group; the service's 4 (attendance, cell lock, cell update, log
# entry with its head); the row's average.
SAVE_QUERIES = 9  # + the savepoint and its release (the test runs in a transaction)


def test_saving_a_cell_from_the_grid_takes_a_fixed_number_of_queries(
    world, login, setup, django_assert_num_queries
):
    lesson, work = setup
    client = login(world.teacher)
    student = world.student.student
    assert post(client, lesson, student, "5", work=work).status_code == 200
    with django_assert_num_queries(SAVE_QUERIES):
        assert post(client, lesson, student, "4", work=work, version=1).json()["display"] == "4"
