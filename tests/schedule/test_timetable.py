"""The weekly timetable against PostgreSQL: placing lessons, every kind of clash, mid-period changes, audit."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from accounts.models import AuditEvent, Role
from schedule import timetable
from schedule.models import (
    AcademicYear,
    Building,
    CourseTeacher,
    GroupMembership,
    Room,
    StudyGroup,
    TimetableEntry,
)
from schedule.selectors import local_today
from schedule.services import structure
from schedule.services.checks import fmt
from tests import factories as f

from .conftest import d

pytestmark = pytest.mark.django_db

MON, TUE = 1, 2
# Shift 2 begins when shift 1's seventh lesson does: shift 2 lesson 1 = shift 1 lesson 7 (14:20–15:05).
SECOND_SHIFT = [("14:20", "15:05"), ("15:15", "16:00"), ("16:10", "16:55"), ("17:05", "17:50")]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def tt(world, admin_actor):
    """The world with bells for both shifts, rooms 204 and 205, and the helpers the tests share."""
    f.make_bells(world.school, shift=1)
    f.make_bells(world.school, shift=2, slots=SECOND_SHIFT)
    world.room_204 = f.make_room(world.school, "204")
    world.room_205 = f.make_room(world.school, "205")
    world.actor = admin_actor
    return world


def place(w, course, weekday=MON, slot=1, **kw):
    kw.setdefault("starts", w.year.starts)
    return timetable.place_lesson(actor=w.actor, course=course, weekday=weekday, slot=slot, **kw)


def refused(call, field=None) -> list[str]:
    """The messages of the ValidationError `call()` raises (on `field` if given)."""
    with pytest.raises(ValidationError) as exc:
        call()
    errors = exc.value.message_dict
    if field is not None:
        assert field in errors, errors
        return errors[field]
    return [m for messages in errors.values() for m in messages]


def subgroup(w, name, *students, school_class=None):
    school_class = school_class or w.class_5a
    group = StudyGroup.objects.create(
        school=w.school,
        year=w.year,
        kind="subgroup",
        name=name,
        grade=school_class.grade,
        school_class=school_class,
    )
    for s in students:
        GroupMembership.objects.create(school=w.school, group=group, student=s.student, starts=w.year.starts)
    return group


def cross_group(w, name, *students, grade=5):
    group = StudyGroup.objects.create(
        school=w.school, year=w.year, kind="cross_class", name=name, grade=grade
    )
    for s in students:
        GroupMembership.objects.create(school=w.school, group=group, student=s.student, starts=w.year.starts)
    return group


def teacher(w, last_name):
    return f.make_person(
        w.school, roles=[Role.TEACHER], last_name=last_name, first_name="Ирина", patronymic="Ивановна"
    )


def course(w, group, subject_name, person):
    subject = f.make_subject(w.school, subject_name, subject_name[:6])
    return f.make_course(group, subject, person)


# Placing


def test_place_lesson_copies_group_teacher_and_shift_and_is_audited(tt):
    entry = place(tt, tt.math_5a, room=tt.room_204)
    assert (entry.group, entry.teacher, entry.shift, entry.slot, entry.weekday) == (
        f.whole_group(tt.class_5a),
        tt.teacher,
        1,
        1,
        MON,
    )
    assert (entry.starts, entry.ends, entry.room) == (tt.year.starts, None, tt.room_204)
    event = AuditEvent.objects.get(action="place_lesson")
    assert event.data["course"] == tt.math_5a.pk and event.actor == tt.admin.user


def test_place_lesson_starts_today_or_on_the_first_day_of_the_year(tt):
    entry = timetable.place_lesson(actor=tt.actor, course=tt.math_5a, weekday=MON, slot=1)
    assert entry.starts == max(tt.year.starts, local_today(tt.school))


def test_a_class_of_the_second_shift_uses_its_bells(tt):
    tt.class_6b.shift = 2
    tt.class_6b.save()
    entry = place(tt, tt.math_6b, slot=4)
    assert entry.shift == 2
    assert refused(lambda: place(tt, tt.math_6b, slot=5), "slot") == [
        "The bell schedule «Основное расписание, смена 2» of shift 2 has no lesson 5."
    ]


# Clashes the database also refuses


def test_teacher_clash_names_the_other_class_and_subject(tt):
    place(tt, tt.math_5a)
    history = course(tt, f.whole_group(tt.class_6b), "История", tt.teacher)
    assert refused(lambda: place(tt, history), "teacher") == [
        f"Teacher {tt.teacher.short_name} already teaches 5А (Математика) at this time."
    ]
    assert TimetableEntry.objects.count() == 1


def test_room_clash_names_who_is_in_it(tt):
    place(tt, tt.math_6b, room=tt.room_204)
    assert refused(lambda: place(tt, tt.math_5a, room=tt.room_204), "room") == [
        "Room 204 is taken: 6Б, Математика."
    ]
    place(tt, tt.math_5a, room=tt.room_205)


def test_class_clash_names_the_lesson_it_already_has(tt):
    place(tt, tt.russian_5a)
    assert refused(lambda: place(tt, tt.math_5a), "course") == [
        "Class 5А already has Русский язык at this time."
    ]


def test_every_clash_is_named_at_once(tt):
    place(tt, tt.russian_5a, room=tt.room_204)
    history = course(tt, f.whole_group(tt.class_6b), "История", tt.class_teacher)
    messages = refused(lambda: place(tt, history, room=tt.room_204))
    assert len(messages) == 2
    assert (
        f"Teacher {tt.class_teacher.short_name} already teaches 5А (Русский язык) at this time." in messages
    )


def test_other_slots_weekdays_and_dates_do_not_clash(tt):
    place(tt, tt.math_5a, ends=d(12, 28))
    place(tt, tt.russian_5a, slot=2)
    place(tt, tt.russian_5a, weekday=TUE)
    place(tt, tt.russian_5a, starts=d(12, 29))
    assert TimetableEntry.objects.count() == 4


# Clashes only the service sees


def test_whole_class_and_its_subgroup_clash_both_ways(tt):
    english_1 = subgroup(tt, "5А англ. 1", tt.student)
    english = course(tt, english_1, "Английский язык", teacher(tt, "Англова"))
    place(tt, tt.math_5a)
    assert refused(lambda: place(tt, english), "course") == ["Class 5А already has Математика at this time."]
    place(tt, english, slot=2)
    assert refused(lambda: place(tt, tt.russian_5a, slot=2), "course") == [
        "Class 5А already has Английский язык (5А англ. 1) at this time."
    ]


def test_two_english_subgroups_meet_at_the_same_time(tt):
    other = f.make_person(tt.school, roles=[Role.STUDENT], last_name="Петров", first_name="Павел")
    f.enroll(other, tt.class_5a)
    english = f.make_subject(tt.school, "Английский язык", "Англ.")
    g1 = subgroup(tt, "5А англ. 1", tt.student)
    g2 = subgroup(tt, "5А англ. 2", other)
    place(tt, f.make_course(g1, english, teacher(tt, "Англова")), room=tt.room_204)
    place(tt, f.make_course(g2, english, teacher(tt, "Инглишева")), room=tt.room_205)
    assert TimetableEntry.objects.count() == 2


def test_subgroups_sharing_a_student_clash_and_name_the_student(tt):
    g1 = subgroup(tt, "5А англ. 1", tt.student)
    g2 = subgroup(tt, "5А нем. 1", tt.student)
    place(tt, course(tt, g1, "Английский язык", teacher(tt, "Англова")))
    german = course(tt, g2, "Немецкий язык", teacher(tt, "Немцова"))
    assert refused(lambda: place(tt, german), "course") == [
        f"Student {tt.student.short_name} is in 5А нем. 1 and in 5А англ. 1, which meet at the same time."
    ]


def test_a_student_in_two_groups_across_classes_clashes(tt):
    x = cross_group(tt, "Информатика 5", tt.student)
    y = cross_group(tt, "Робототехника 5", tt.student)
    place(tt, course(tt, x, "Информатика", teacher(tt, "Кодова")))
    robots = course(tt, y, "Робототехника", teacher(tt, "Роботова"))
    assert refused(lambda: place(tt, robots), "course") == [
        f"Student {tt.student.short_name} is in Робототехника 5 and in Информатика 5, which meet at the same time."
    ]


def test_a_group_across_classes_clashes_with_the_class_of_a_member_only(tt):
    x = cross_group(tt, "Информатика 5", tt.student)
    informatics = course(tt, x, "Информатика", teacher(tt, "Кодова"))
    place(tt, tt.math_5a)
    assert refused(lambda: place(tt, informatics), "course") == [
        f"Student {tt.student.short_name} is in Информатика 5 and in 5А, which meet at the same time."
    ]
    place(tt, tt.math_6b, slot=2)  # 6Б has no member of the group
    place(tt, informatics, slot=2)


def test_a_student_who_left_the_group_before_no_longer_clashes(tt):
    x = cross_group(tt, "Информатика 5")
    GroupMembership.objects.create(
        school=tt.school, group=x, student=tt.student.student, starts=tt.year.starts, ends=d(12, 28)
    )
    informatics = course(tt, x, "Информатика", teacher(tt, "Кодова"))
    place(tt, tt.math_5a, starts=d(12, 29))
    place(tt, informatics)  # together only from 29.12, when she is no longer in the group
    place(tt, tt.russian_5a, slot=2, ends=d(12, 28))
    assert refused(lambda: place(tt, informatics, slot=2), "course") == [
        f"Student {tt.student.short_name} is in Информатика 5 and in 5А, which meet at the same time."
    ]


def test_teacher_clash_across_shifts_by_the_times_of_the_bells(tt):
    tt.class_6b.shift = 2
    tt.class_6b.save()
    history = course(tt, f.whole_group(tt.class_6b), "История", tt.teacher)
    place(tt, tt.math_5a, slot=7)  # 14:20–15:05
    assert refused(lambda: place(tt, history, slot=1), "teacher") == [
        f"Teacher {tt.teacher.short_name} already teaches 5А (Математика) at this time."
    ]
    place(tt, history, slot=2)  # 15:15–16:00: shift 1 lesson 8 is free
    assert refused(lambda: place(tt, tt.math_5a, slot=8), "teacher") == [
        f"Teacher {tt.teacher.short_name} already teaches 6Б (История) at this time."
    ]


# Structural impossibilities


def test_structural_refusals(tt, other_world):
    foreign_room = f.make_room(other_world.school, "301")
    assert refused(lambda: place(tt, tt.math_5a, slot=9), "slot") == [
        "The bell schedule «Основное расписание, смена 1» of shift 1 has no lesson 9."
    ]
    assert refused(lambda: place(tt, tt.math_5a, weekday=7), "weekday")
    assert refused(lambda: place(tt, tt.math_5a, room=foreign_room), "room") == [
        "This choice does not belong to your school."
    ]
    assert refused(lambda: place(tt, None), "course") == ["Choose a course: a timetable entry needs one."]
    assert refused(lambda: place(tt, other_world.math_5a), "course")
    assert refused(lambda: place(tt, tt.math_5a, teacher=tt.other_teacher), "teacher") == [
        f"{tt.other_teacher.short_name} does not teach {tt.math_5a} on {fmt(tt.year.starts)}."
    ]
    assert refused(lambda: place(tt, tt.math_5a, starts=datetime.date(2027, 6, 15)), "starts")
    assert refused(lambda: place(tt, tt.math_5a, starts=d(10, 1), ends=d(9, 30)), "ends")
    assert not TimetableEntry.objects.exists()


def test_a_room_in_a_building_of_another_school_is_refused(tt, other_world):
    building = Building.objects.create(school=other_world.school, name="Чужой корпус")
    room = Room.objects.create(school=tt.school, building=building, name="999")
    assert refused(lambda: place(tt, tt.math_5a, room=room), "room") == [
        "Room 999 is in a building of another school."
    ]


def test_a_shift_without_bells_and_a_group_of_mixed_shifts_are_refused(tt):
    tt.class_6b.shift = 3
    tt.class_6b.save()
    assert refused(lambda: place(tt, tt.math_6b), "slot") == [
        "Shift 3 has no default bell schedule yet; create it on the bells page first."
    ]
    tt.class_6b.shift = 2
    tt.class_6b.save()
    mixed = cross_group(tt, "Хор", tt.student, tt.other_student, grade=5)
    choir = course(tt, mixed, "Хор", teacher(tt, "Певцова"))
    assert refused(lambda: place(tt, choir), "course") == [
        "The students of Хор study in different shifts (1, 2); a group meets in one shift."
    ]


def test_a_closed_year_refuses_every_change(tt):
    entry = place(tt, tt.math_5a)
    AcademicYear.objects.filter(pk=tt.year.pk).update(status="closed")
    assert refused(lambda: place(tt, tt.russian_5a), NON_FIELD_ERRORS)
    assert refused(
        lambda: timetable.remove_entry(actor=tt.actor, entry=entry, on_date=d(12, 1)), NON_FIELD_ERRORS
    )


def test_a_course_without_a_teacher_cannot_be_placed(tt):
    tt.math_5a.teachers.all().delete()
    assert refused(lambda: place(tt, tt.math_5a), "teacher") == [
        f"{tt.math_5a} has no teacher on {fmt(tt.year.starts)}; assign one on the course page first."
    ]


# The database as the last line of defence


def test_the_database_refuses_a_double_booking_inserted_directly(tt):
    entry = place(tt, tt.math_5a)
    history = course(tt, f.whole_group(tt.class_6b), "История", tt.teacher)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimetableEntry.objects.create(
            school=tt.school,
            year=tt.year,
            course=history,
            group=history.group,
            teacher=tt.teacher,
            weekday=entry.weekday,
            shift=1,
            slot=1,
            starts=d(11, 1),
        )


def test_a_constraint_violation_the_checks_miss_becomes_the_same_kind_of_message(tt, monkeypatch):
    place(tt, tt.math_5a)
    history = course(tt, f.whole_group(tt.class_6b), "История", tt.teacher)
    monkeypatch.setattr(timetable, "check_clashes", lambda *a, **k: None)
    assert refused(lambda: place(tt, history), "teacher") == [
        "The teacher already has a lesson at that time."
    ]
    assert refused(lambda: place(tt, tt.russian_5a), "course") == [
        "The class or group already has a lesson at that time."
    ]
    assert TimetableEntry.objects.count() == 1
    assert not AuditEvent.objects.filter(action="place_lesson").exclude(
        object_id=str(TimetableEntry.objects.get().pk)
    )


# Changes


def test_replace_from_ends_the_old_entry_and_starts_a_new_one(tt):
    entry = place(tt, tt.math_5a, room=tt.room_204)
    new = timetable.replace_from(actor=tt.actor, entry=entry, on_date=d(1, 12), slot=3, room=tt.room_205)
    entry.refresh_from_db()
    assert (entry.starts, entry.ends, entry.slot, entry.room) == (tt.year.starts, d(1, 11), 1, tt.room_204)
    assert (new.starts, new.ends, new.slot, new.room, new.teacher) == (
        d(1, 12),
        None,
        3,
        tt.room_205,
        tt.teacher,
    )
    assert AuditEvent.objects.filter(action="replace_timetable_entry").count() == 1


def test_replace_from_the_first_day_corrects_the_entry_in_place(tt):
    entry = place(tt, tt.math_5a)
    same = timetable.replace_from(actor=tt.actor, entry=entry, on_date=tt.year.starts, weekday=TUE)
    assert same.pk == entry.pk and same.weekday == TUE
    assert TimetableEntry.objects.count() == 1


def test_a_refused_replacement_leaves_the_old_entry_as_it_was(tt):
    entry = place(tt, tt.math_5a)
    place(tt, tt.russian_5a, slot=2)
    assert refused(
        lambda: timetable.replace_from(actor=tt.actor, entry=entry, on_date=d(1, 12), slot=2), "course"
    )
    entry.refresh_from_db()
    assert entry.ends is None and TimetableEntry.objects.count() == 2


def test_replace_from_keeps_the_teacher_or_takes_the_course_teacher_of_that_date(tt):
    entry = place(tt, tt.math_5a)
    tt.math_5a.teachers.update(ends=d(12, 31))
    CourseTeacher.objects.create(school=tt.school, course=tt.math_5a, teacher=tt.substitute, starts=d(1, 1))
    new = timetable.replace_from(actor=tt.actor, entry=entry, on_date=d(1, 12), slot=2)
    assert new.teacher == tt.substitute


def test_move_entry_checks_clashes_without_counting_itself(tt):
    entry = place(tt, tt.math_5a, room=tt.room_204)
    moved = timetable.move_entry(actor=tt.actor, entry=entry, slot=2)
    assert moved.slot == 2 and moved.room == tt.room_204
    place(tt, tt.russian_5a, slot=3)
    assert refused(lambda: timetable.move_entry(actor=tt.actor, entry=entry, slot=3), "course")
    with pytest.raises(TypeError):
        timetable.move_entry(actor=tt.actor, entry=entry, course=tt.russian_5a)


def test_remove_entry_ends_it_the_day_before_or_deletes_it_if_it_never_applied(tt):
    entry = place(tt, tt.math_5a)
    kept = timetable.remove_entry(actor=tt.actor, entry=entry, on_date=d(12, 1))
    assert kept.ends == d(11, 30)
    assert refused(
        lambda: timetable.remove_entry(actor=tt.actor, entry=entry, on_date=d(12, 5)), "on_date"
    ) == [f"This entry already ends on {fmt(d(11, 30))}."]
    later = place(tt, tt.russian_5a, starts=d(12, 1))
    assert timetable.remove_entry(actor=tt.actor, entry=later, on_date=d(12, 1)) is None
    assert not TimetableEntry.objects.filter(pk=later.pk).exists()
    assert AuditEvent.objects.filter(action="remove_timetable_entry").count() == 2


# A course changes teacher mid-year


def test_the_timetable_follows_a_course_to_its_new_teacher(tt):

    entry = place(tt, tt.math_5a, weekday=MON, slot=1)
    successor = teacher(tt, "Преемникова")
    structure.set_course_teachers(actor=tt.actor, course=tt.math_5a, teachers=[successor], on_date=d(1, 12))
    entry.refresh_from_db()
    assert entry.ends == d(1, 11) and entry.teacher == tt.teacher
    new = TimetableEntry.objects.get(course=tt.math_5a, starts=d(1, 12))
    assert new.teacher == successor and (new.weekday, new.slot) == (MON, 1)


def test_a_new_teacher_busy_at_that_time_is_refused_and_nothing_changes(tt):
    from schedule.models import CourseTeacher

    place(tt, tt.math_5a, weekday=MON, slot=1)
    place(tt, tt.math_6b, weekday=MON, slot=1)  # other_teacher teaches 6Б then
    messages = refused(
        lambda: structure.set_course_teachers(
            actor=tt.actor, course=tt.math_5a, teachers=[tt.other_teacher], on_date=d(1, 12)
        )
    )
    assert any("6Б" in m for m in messages)
    assert list(CourseTeacher.objects.filter(course=tt.math_5a).values_list("teacher_id", flat=True)) == [
        tt.teacher.pk
    ]
    assert TimetableEntry.objects.filter(course=tt.math_5a).count() == 1
