"""One-off changes of the lesson calendar on a date (R-TT-3): cancel, restore, move, extra lesson, and refusals."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from schedule import calendar
from schedule.models import AcademicYear, GroupMembership, Holiday, Lesson, StudyGroup, Substitution
from tests import factories as f

from .conftest import d

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def bells(world):
    return f.make_bells(world.school)


@pytest.fixture
def lesson(world, bells):
    return f.make_lesson(world.math_5a, d(10, 12), 1)


def snapshot():
    return list(Lesson.objects.order_by("pk").values()), AuditEvent.objects.count()


def refused(service, *, contains="", field=None, **kwargs):
    """The service refuses with a message (containing `contains`), and nothing changes."""
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        service(**kwargs)
    text = " ".join(info.value.messages)
    assert contains in text, text
    if field is not None:
        assert field in info.value.message_dict, info.value.message_dict
    assert snapshot() == before
    return text


# Cancel and restore


def test_cancel_keeps_the_row_and_its_data(world, lesson, admin_actor):
    Substitution.objects.create(
        school=world.school, lesson=lesson, absent_teacher=world.teacher, substitute=world.substitute
    )
    calendar.cancel_lesson(actor=admin_actor, lesson=lesson, note="карантин")
    lesson.refresh_from_db()
    assert (lesson.status, lesson.note) == ("cancelled", "карантин")
    assert Substitution.objects.filter(lesson=lesson).exists()
    assert AuditEvent.objects.filter(action="cancel_lesson", object_id=str(lesson.pk)).exists()
    refused(calendar.cancel_lesson, actor=admin_actor, lesson=lesson, contains="already")


def test_restore_brings_it_back_unless_the_time_is_taken(world, lesson, admin_actor):
    calendar.cancel_lesson(actor=admin_actor, lesson=lesson)
    calendar.restore_lesson(actor=admin_actor, lesson=lesson)
    lesson.refresh_from_db()
    assert lesson.status == "planned" and lesson.note == ""
    calendar.cancel_lesson(actor=admin_actor, lesson=lesson)
    f.make_lesson(world.russian_5a, d(10, 12), 1)  # the class got Russian in that slot meanwhile
    refused(calendar.restore_lesson, actor=admin_actor, lesson=lesson, contains="Русский язык")


def test_restore_refuses_a_day_that_became_a_holiday(world, lesson, admin_actor):
    calendar.cancel_lesson(actor=admin_actor, lesson=lesson)
    Holiday.objects.create(
        school=world.school, year=world.year, name="Карантин", starts=d(10, 12), ends=d(10, 13)
    )
    refused(calendar.restore_lesson, actor=admin_actor, lesson=lesson, contains="Карантин")


# Move


def test_move_to_another_date_and_slot_takes_the_data_along(world, lesson, admin_actor):
    Substitution.objects.create(
        school=world.school, lesson=lesson, absent_teacher=world.teacher, substitute=world.substitute
    )
    room = f.make_room(world.school, "204")
    moved = calendar.move_lesson(actor=admin_actor, lesson=lesson, date=d(10, 14), slot=3, room=room)
    assert moved.pk == lesson.pk
    assert (moved.date, moved.slot, moved.room, moved.origin) == (d(10, 14), 3, room, "moved")
    assert (moved.starts, moved.ends) == (datetime.time(10, 30), datetime.time(11, 15))
    assert Substitution.objects.get().lesson_id == lesson.pk
    assert AuditEvent.objects.filter(action="move_lesson").exists()


def test_move_to_another_room_only(world, lesson, admin_actor):
    room = f.make_room(world.school, "204")
    moved = calendar.move_lesson(actor=admin_actor, lesson=lesson, room=room)
    assert (moved.date, moved.slot, moved.room, moved.origin) == (d(10, 12), 1, room, "moved")
    assert Lesson.objects.count() == 1  # nothing left behind: it stays in its place


def test_move_takes_the_bells_of_the_new_date(world, lesson, admin_actor):
    from schedule.models import BellDay

    short = f.make_bells(
        world.school, name="Сокращённый", slots=[("08:30", "09:00"), ("09:10", "09:40")], is_default=False
    )
    BellDay.objects.create(school=world.school, date=d(10, 13), shift=1, schedule=short)
    moved = calendar.move_lesson(actor=admin_actor, lesson=lesson, date=d(10, 13), slot=2)
    assert (moved.starts, moved.ends) == (datetime.time(9, 10), datetime.time(9, 40))
    refused(calendar.move_lesson, actor=admin_actor, lesson=moved, slot=5, contains="5", field="slot")


def test_move_refuses_a_busy_teacher_room_or_class(world, lesson, admin_actor):
    room = f.make_room(world.school, "204")
    other = f.make_lesson(world.math_6b, d(10, 12), 2, teacher=world.teacher, room=room)
    text = refused(calendar.move_lesson, actor=admin_actor, lesson=lesson, slot=2, field="slot")
    assert "6Б Математика" in text
    other.teacher = world.other_teacher
    other.save()
    refused(
        calendar.move_lesson,
        actor=admin_actor,
        lesson=lesson,
        slot=2,
        room=room,
        field="room",
        contains="204",
    )
    f.make_lesson(world.russian_5a, d(10, 12), 3)
    refused(calendar.move_lesson, actor=admin_actor, lesson=lesson, slot=3, contains="Русский язык")


def test_move_refuses_students_shared_with_another_group(world, lesson, admin_actor):
    sub = StudyGroup.objects.create(
        school=world.school,
        year=world.year,
        kind="subgroup",
        name="5А-1",
        grade=5,
        school_class=world.class_5a,
    )
    GroupMembership.objects.create(
        school=world.school, group=sub, student=world.student.student, starts=world.year.starts
    )
    english = f.make_course(sub, f.make_subject(world.school, "Английский язык"), world.other_teacher)
    f.make_lesson(english, d(10, 12), 2)
    refused(calendar.move_lesson, actor=admin_actor, lesson=lesson, slot=2, contains="5А-1")


def test_move_refuses_holidays_sundays_other_periods_and_other_years(world, lesson, admin_actor):
    Holiday.objects.create(
        school=world.school, year=world.year, name="Осенние", starts=d(10, 19), ends=d(10, 20)
    )
    refused(
        calendar.move_lesson,
        actor=admin_actor,
        lesson=lesson,
        date=d(10, 19),
        field="date",
        contains="Осенние",
    )
    refused(calendar.move_lesson, actor=admin_actor, lesson=lesson, date=d(10, 18), field="date")  # a Sunday
    refused(
        calendar.move_lesson,
        actor=admin_actor,
        lesson=lesson,
        date=d(11, 9),
        field="date",
        contains="1 четверть",
    )
    refused(
        calendar.move_lesson, actor=admin_actor, lesson=lesson, date=datetime.date(2027, 6, 7), field="date"
    )


def test_move_refuses_a_room_of_another_school(world, other_world, lesson, admin_actor):
    foreign = f.make_room(other_world.school, "101")
    refused(calendar.move_lesson, actor=admin_actor, lesson=lesson, room=foreign, field="room")


def test_a_cancelled_lesson_is_not_moved(world, lesson, admin_actor):
    calendar.cancel_lesson(actor=admin_actor, lesson=lesson)
    refused(calendar.move_lesson, actor=admin_actor, lesson=lesson, slot=2, contains="restore")


def test_a_lesson_outside_its_period_is_refused(world, lesson, admin_actor):
    period = lesson.period
    period.ends = d(10, 10)
    period.save()
    refused(calendar.cancel_lesson, actor=admin_actor, lesson=lesson, contains="outside its reporting period")
    refused(calendar.move_lesson, actor=admin_actor, lesson=lesson, slot=2)


def test_nothing_is_written_to_a_closed_year(world, lesson, admin_actor):
    AcademicYear.objects.filter(pk=world.year.pk).update(status="closed")
    lesson.refresh_from_db()
    refused(calendar.cancel_lesson, actor=admin_actor, lesson=lesson, contains=world.year.name)
    refused(calendar.move_lesson, actor=admin_actor, lesson=lesson, slot=2)
    refused(calendar.add_extra_lesson, actor=admin_actor, course=world.math_5a, date=d(10, 13), slot=1)
    refused(calendar.restore_lesson, actor=admin_actor, lesson=lesson)


# Extra lessons


def test_an_extra_lesson(world, bells, admin_actor):
    extra = calendar.add_extra_lesson(actor=admin_actor, course=world.math_5a, date=d(10, 13), slot=6)
    assert (extra.origin, extra.status, extra.teacher, extra.slot) == ("extra", "planned", world.teacher, 6)
    assert (extra.starts, extra.ends) == (datetime.time(13, 25), datetime.time(14, 10))
    assert extra.period.name == "1 четверть"
    by_other = calendar.add_extra_lesson(
        actor=admin_actor, course=world.math_5a, date=d(10, 13), slot=7, teacher=world.substitute
    )
    assert by_other.teacher == world.substitute


def test_extra_lesson_refusals(world, other_world, bells, admin_actor):
    f.make_lesson(world.math_6b, d(10, 13), 1, teacher=world.teacher)
    refused(
        calendar.add_extra_lesson,
        actor=admin_actor,
        course=world.math_5a,
        date=d(10, 13),
        slot=1,
        contains="6Б",
    )
    refused(  # between the quarters: outside every period of grade 5
        calendar.add_extra_lesson,
        actor=admin_actor,
        course=world.math_5a,
        date=d(10, 27),
        slot=1,
        field="date",
    )
    Holiday.objects.create(
        school=world.school, year=world.year, name="День города", starts=d(10, 14), ends=d(10, 14)
    )
    refused(
        calendar.add_extra_lesson,
        actor=admin_actor,
        course=world.math_5a,
        date=d(10, 14),
        slot=1,
        contains="День города",
    )
    refused(
        calendar.add_extra_lesson,
        actor=admin_actor,
        course=world.math_5a,
        date=d(10, 15),
        slot=1,
        room=f.make_room(other_world.school, "1"),
        field="room",
    )
    refused(
        calendar.add_extra_lesson,
        actor=admin_actor,
        course=world.math_5a,
        date=d(10, 15),
        slot=1,
        teacher=world.student,
        field="teacher",
    )
    refused(
        calendar.add_extra_lesson,
        actor=admin_actor,
        course=world.math_5a,
        date=d(10, 15),
        slot=12,
        field="slot",
    )


def test_a_moved_extra_lesson_stays_extra_and_leaves_nothing_behind(world, bells, admin_actor):
    extra = calendar.add_extra_lesson(actor=admin_actor, course=world.math_5a, date=d(10, 13), slot=6)
    moved = calendar.move_lesson(actor=admin_actor, lesson=extra, date=d(10, 15), slot=2)
    assert (moved.origin, moved.date, moved.slot) == ("extra", d(10, 15), 2)
    assert Lesson.objects.count() == 1


def test_a_whole_class_lesson_and_its_subgroup_clash_two_subgroups_do_not(world, bells, admin_actor):
    english = f.make_subject(world.school, "Английский язык")
    halves = []
    for n, person in enumerate([world.student, f.make_person(world.school, roles=["student"])], start=1):
        if n == 2:
            f.enroll(person, world.class_5a)
        group = StudyGroup.objects.create(
            school=world.school,
            year=world.year,
            kind="subgroup",
            name=f"5А-{n}",
            grade=5,
            school_class=world.class_5a,
        )
        GroupMembership.objects.create(
            school=world.school, group=group, student=person.student, starts=world.year.starts
        )
        halves.append(f.make_course(group, english, [world.other_teacher, world.substitute][n - 1]))
    calendar.add_extra_lesson(actor=admin_actor, course=halves[0], date=d(10, 13), slot=3)
    calendar.add_extra_lesson(actor=admin_actor, course=halves[1], date=d(10, 13), slot=3)  # the other half
    refused(
        calendar.add_extra_lesson,
        actor=admin_actor,
        course=world.math_5a,
        date=d(10, 13),
        slot=3,
        contains="5А-1",
    )
