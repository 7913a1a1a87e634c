"""The write policy (DESIGN.md decision 6): who may write, the year, cancelled and future lessons,
the edit window on its boundary days, and the first grade."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from journal.models import JournalSettings
from journal.policy import ensure_can_mark, ensure_can_write, last_editable_day, period_is_locked
from schedule.models import Substitution
from tests import factories as f

from . import actor, at, d, lesson

pytestmark = pytest.mark.django_db


def set_window(school, window):
    JournalSettings.objects.update_or_create(school=school, defaults={"edit_window": window})


@pytest.fixture
def monday(world):
    """A lesson of the teacher's 5А maths on Monday 12.10.2026."""
    return lesson(world.math_5a, d(10, 12))


def test_the_teacher_writes_their_own_lesson(world, monday):
    assert ensure_can_write(actor(world.teacher), monday, now=at(d(10, 12), 9)) is False
    assert ensure_can_mark(actor(world.teacher), monday, now=at(d(10, 12), 9)) is False


@pytest.mark.parametrize(
    "persona", ["other_teacher", "class_teacher", "director", "deputy", "student", "parent"]
)
def test_others_may_not_write(world, monday, persona):
    with pytest.raises(PermissionDenied):
        ensure_can_write(actor(getattr(world, persona)), monday, now=at(d(10, 12), 9))


def test_the_substitute_writes_the_lesson_they_replace(world, monday):
    with pytest.raises(PermissionDenied):
        ensure_can_write(actor(world.substitute), monday, now=at(d(10, 12), 9))
    Substitution.objects.create(
        school=world.school, lesson=monday, absent_teacher=world.teacher, substitute=world.substitute
    )
    assert ensure_can_mark(actor(world.substitute), monday, now=at(d(10, 12), 9)) is False


def test_the_school_admin_writes_any_lesson(world, monday):
    assert ensure_can_mark(actor(world.admin), monday, now=at(d(10, 12), 9)) is False


def test_an_admin_of_another_school_may_not(world, other_world, monday):
    with pytest.raises(PermissionDenied):
        ensure_can_write(actor(other_world.admin), monday, now=at(d(10, 12), 9))


@pytest.mark.parametrize("status", ["closed", "archived"])
def test_a_closed_or_archived_year_is_read_only_even_for_the_admin(world, monday, status, english):
    world.year.status = status
    world.year.save()
    monday.year.refresh_from_db()
    for person in (world.teacher, world.admin):
        with pytest.raises(ValidationError) as exc:
            ensure_can_write(actor(person), monday, now=at(d(10, 12), 9))
        assert exc.value.code == "year_read_only"
        assert "read-only" in exc.value.messages[0]


def test_a_cancelled_lesson_takes_nothing(world, monday):
    monday.status = "cancelled"
    monday.save()
    with pytest.raises(ValidationError) as exc:
        ensure_can_write(actor(world.teacher), monday, now=at(d(10, 12), 9))
    assert exc.value.code == "cancelled"


def test_a_lesson_takes_marks_from_its_date_not_before(world, monday):
    teacher = actor(world.teacher)
    for person in (teacher, actor(world.admin)):
        with pytest.raises(ValidationError) as exc:
            ensure_can_mark(person, monday, now=at(d(10, 11), 23, 59))
        assert exc.value.code == "future"
    assert ensure_can_mark(teacher, monday, now=at(d(10, 12), 0, 0)) is False


def test_the_future_is_judged_in_the_school_time_zone(world, monday):
    # 21:30 UTC on 11.10 is already 00:30 on 12.10 in Moscow.
    utc = datetime.datetime(2026, 10, 11, 21, 30, tzinfo=datetime.UTC)
    assert ensure_can_write(actor(world.teacher), monday, now=utc) is False


def test_settings_are_created_with_two_weeks_on_first_use(world, monday):
    assert not JournalSettings.objects.filter(school=world.school).exists()
    ensure_can_write(actor(world.teacher), monday, now=at(d(10, 26), 23, 59))
    assert JournalSettings.objects.get(school=world.school).edit_window == "2w"
    with pytest.raises(ValidationError):
        ensure_can_write(actor(world.teacher), monday, now=at(d(10, 27), 0, 0))


@pytest.mark.parametrize(
    ("window", "lesson_day", "last_ok", "first_refused"),
    [
        ("1w", d(10, 12), d(10, 19), d(10, 20)),
        ("2w", d(10, 12), d(10, 26), d(10, 27)),
        ("3w", d(10, 12), d(11, 2), d(11, 3)),
        ("1m", d(10, 12), d(11, 12), d(11, 13)),
        ("1m", d(1, 31), d(2, 28), d(3, 1)),  # a calendar month: 31.01 → 28.02 (2027 is not a leap year)
    ],
)
def test_the_edit_window_on_its_boundary_days(world, window, lesson_day, last_ok, first_refused, english):
    set_window(world.school, window)
    the_lesson = lesson(world.math_5a, lesson_day)
    teacher, admin = actor(world.teacher), actor(world.admin)
    assert ensure_can_mark(teacher, the_lesson, now=at(last_ok, 0, 0)) is False
    assert ensure_can_mark(teacher, the_lesson, now=at(last_ok, 23, 59)) is False
    with pytest.raises(ValidationError) as exc:
        ensure_can_mark(teacher, the_lesson, now=at(first_refused, 0, 0))
    assert exc.value.code == "edit_window"
    assert "only the school admin" in exc.value.messages[0]
    # After the window the admin still may: an override the service audits.
    assert ensure_can_mark(admin, the_lesson, now=at(first_refused, 0, 0)) is True


def test_the_window_ends_at_midnight_of_the_school_not_of_utc(world, monday):
    set_window(world.school, "1w")
    # 21:30 UTC on 19.10 is 00:30 on 20.10 in Moscow: too late.
    utc = datetime.datetime(2026, 10, 19, 21, 30, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError):
        ensure_can_write(actor(world.teacher), monday, now=utc)


def test_never_locked_lasts_until_the_year_is_closed(world, monday):
    set_window(world.school, "never")
    assert ensure_can_mark(actor(world.teacher), monday, now=at(d(5, 31), 23, 59)) is False
    world.year.status = "closed"
    world.year.save()
    monday.year.refresh_from_db()
    with pytest.raises(ValidationError):
        ensure_can_mark(actor(world.teacher), monday, now=at(d(5, 31), 23, 59))


def test_last_editable_day():
    assert last_editable_day(d(1, 31), "1m") == d(2, 28)
    assert last_editable_day(d(10, 12), "1w") == d(10, 19)
    assert last_editable_day(d(10, 12), "never") is None
    assert last_editable_day(datetime.date(2028, 1, 31), "1m") == datetime.date(2028, 2, 29)


def test_the_first_grade_takes_attendance_but_no_marks(world, english):
    class_1a = f.make_class(world.year, 1, "А", class_teacher=world.class_teacher)
    reading = f.make_subject(world.school, "Литературное чтение")
    course = f.make_course(f.whole_group(class_1a), reading, world.teacher)
    the_lesson = lesson(course, d(10, 12), 3)
    teacher = actor(world.teacher)
    assert ensure_can_write(teacher, the_lesson, now=at(d(10, 12))) is False
    with pytest.raises(ValidationError) as exc:
        ensure_can_mark(teacher, the_lesson, now=at(d(10, 12)))
    assert exc.value.code == "first_grade"
    assert exc.value.messages == ["First-grade classes take no marks, only attendance."]


def test_period_locks_are_a_hook_for_issue_5(world, monday):
    assert period_is_locked(monday) is False
