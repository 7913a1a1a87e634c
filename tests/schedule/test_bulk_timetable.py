"""`schedule.timetable.place_lessons`, the set form of `place_lesson`, against PostgreSQL: a batch placed in
order with one audit event in a fixed number of queries, and each of `place_lesson`'s checks refusing the
whole batch on the right argument with nothing saved."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import AuditEvent, Role
from schedule import timetable
from schedule.models import AcademicYear, CourseTeacher, GroupMembership, StudyGroup, TimetableEntry
from tests import factories as f

from .conftest import d

pytestmark = pytest.mark.django_db

MON, TUE = 1, 2
NOTE = "seeded by a test"
# Shift 2 begins when shift 1's seventh lesson does: shift 2 lesson 1 = shift 1 lesson 7 (14:20–15:05).
SECOND_SHIFT = [("14:20", "15:05"), ("15:15", "16:00"), ("16:10", "16:55"), ("17:05", "17:50")]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def tt(world):
    """The world with bells for both shifts and rooms 204 and 205."""
    f.make_bells(world.school, shift=1)
    f.make_bells(world.school, shift=2, slots=SECOND_SHIFT)
    world.room_204 = f.make_room(world.school, "204")
    world.room_205 = f.make_room(world.school, "205")
    return world


def entry(course, weekday=MON, slot=1, *, room=None, teacher=None, starts=None, ends=None):
    return TimetableEntry(
        course=course, weekday=weekday, slot=slot, room=room, teacher=teacher, starts=starts, ends=ends
    )


def place(w, *entries, year=None):
    return timetable.place_lessons(actor=None, year=year or w.year, entries=list(entries), note=NOTE)


def snapshot():
    return (TimetableEntry.objects.count(), AuditEvent.objects.count())


def refused(w, field, *entries, year=None) -> str:
    """`place_lessons` refuses the batch with a message on `field`, and saves nothing."""
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        place(w, *entries, year=year)
    errors = info.value.message_dict
    assert field in errors, errors
    assert snapshot() == before
    return " ".join(errors[field])


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


def course(w, group, subject_name, person=None):
    subject = f.make_subject(w.school, subject_name, subject_name[:6])
    return f.make_course(group, subject, person or w.teacher)


def teacher(w, last_name):
    return f.make_person(w.school, roles=[Role.TEACHER], last_name=last_name, first_name="Ирина")


# Placing


def test_place_lessons_in_order_copying_group_teacher_and_shift_with_one_event(tt):
    tt.class_6b.shift = 2
    tt.class_6b.save()
    made = place(
        tt,
        entry(tt.math_5a, room=tt.room_204, starts=tt.year.starts),
        entry(tt.russian_5a, MON, 2, starts=d(11, 5), ends=d(12, 28)),
        entry(tt.math_6b, TUE, 1, room=tt.room_204, starts=tt.year.starts),
    )
    assert [
        (e.course, e.group, e.teacher, e.room, e.weekday, e.shift, e.slot, e.starts, e.ends) for e in made
    ] == [
        (tt.math_5a, f.whole_group(tt.class_5a), tt.teacher, tt.room_204, MON, 1, 1, tt.year.starts, None),
        (tt.russian_5a, f.whole_group(tt.class_5a), tt.class_teacher, None, MON, 1, 2, d(11, 5), d(12, 28)),
        (
            tt.math_6b,
            f.whole_group(tt.class_6b),
            tt.other_teacher,
            tt.room_204,
            TUE,
            2,
            1,
            tt.year.starts,
            None,
        ),
    ]
    assert all(e.pk and e.school_id == tt.school.pk and e.year_id == tt.year.pk for e in made)
    assert TimetableEntry.objects.count() == 3
    event = AuditEvent.objects.get()
    assert (event.action, event.summary, event.actor, event.school) == (
        "place_lessons",
        NOTE,
        None,
        tt.school,
    )
    assert event.data == {"year": tt.year.pk, "entries": 3}


@pytest.mark.now("2026-12-09 10:00")
def test_place_lessons_start_today_or_on_the_first_day_of_the_year(tt):
    (made,) = place(tt, entry(tt.math_5a))
    assert made.starts == d(12, 9)


def test_place_lessons_take_the_teacher_of_the_entry_when_they_teach_the_course(tt):
    CourseTeacher.objects.create(
        school=tt.school, course=tt.math_5a, teacher=tt.substitute, starts=tt.year.starts
    )
    (made,) = place(tt, entry(tt.math_5a, teacher=tt.substitute, starts=tt.year.starts))
    assert made.teacher == tt.substitute


def test_english_subgroups_of_one_class_meet_together(tt):
    pupil = f.make_person(tt.school, roles=[Role.STUDENT], last_name="Второва", first_name="Анна")
    f.enroll(pupil, tt.class_5a)
    first, second = subgroup(tt, "5А, 1 гр.", tt.student), subgroup(tt, "5А, 2 гр.", pupil)
    english = f.make_subject(tt.school, "Английский язык", "Англ.")
    made = place(
        tt,
        entry(f.make_course(first, english, tt.teacher), room=tt.room_204, starts=tt.year.starts),
        entry(f.make_course(second, english, tt.substitute), room=tt.room_205, starts=tt.year.starts),
    )
    assert len(made) == 2


def test_the_query_count_does_not_grow_with_the_batch(tt):
    teachers = [teacher(tt, f"Учителева{i}") for i in range(6)]
    courses = [course(tt, f.whole_group(tt.class_5a), f"Предмет {i}", t) for i, t in enumerate(teachers)]
    pupil = f.make_person(tt.school, roles=[Role.STUDENT], last_name="Второва", first_name="Анна")
    f.enroll(pupil, tt.class_6b)
    halves = [subgroup(tt, "6Б, 1 гр.", tt.other_student, school_class=tt.class_6b)]
    halves.append(subgroup(tt, "6Б, 2 гр.", pupil, school_class=tt.class_6b))
    subject = f.make_subject(tt.school, "Английский язык", "Англ.")
    english = [f.make_course(halves[0], subject, tt.substitute), f.make_course(halves[1], subject, tt.admin)]

    def batch(n):
        lessons = [entry(c, weekday, n, starts=tt.year.starts) for weekday, c in enumerate(courses[:n], 1)]
        return lessons + [entry(c, TUE, n, starts=tt.year.starts) for c in english]

    with CaptureQueriesContext(connection) as small:
        place(tt, *batch(2))
    with CaptureQueriesContext(connection) as large:
        place(tt, *batch(5))
    assert TimetableEntry.objects.count() == 11
    # The year, courses, course teachers, people, bells, saved entries, who is in which group (2),
    # the insert and the audit event with its school, in savepoints.
    assert len(small) == len(large) == 15, [q["sql"] for q in large]


# Refusals: each of place_lesson's checks, over the batch


def test_refuses_a_closed_year(tt):
    AcademicYear.objects.filter(pk=tt.year.pk).update(status=AcademicYear.Status.CLOSED)
    assert "closed" in refused(tt, "__all__", entry(tt.math_5a, starts=tt.year.starts))


def test_refuses_a_course_of_another_school(tt, other_world):
    message = refused(tt, "course", entry(tt.math_5a, starts=tt.year.starts), entry(other_world.math_5a, TUE))
    assert "does not belong" in message


def test_refuses_a_course_of_another_year(tt):
    later = f.make_year(tt.school, 2027)
    assert "this year" in refused(tt, "course", entry(tt.math_5a, starts=later.starts), year=later)


@pytest.mark.parametrize(
    ("starts", "ends", "field"),
    [(d(8, 31), None, "starts"), (d(9, 1), d(6, 1), "ends"), (d(10, 1), d(9, 30), "ends")],
    ids=["before-the-year", "after-the-year", "ends-before-it-starts"],
)
def test_refuses_dates_outside_the_year(tt, starts, ends, field):
    refused(tt, field, entry(tt.math_5a, TUE, starts=d(9, 1)), entry(tt.math_5a, starts=starts, ends=ends))


def test_refuses_a_room_of_another_school(tt, other_world):
    room = f.make_room(other_world.school, "301")
    assert "does not belong" in refused(tt, "room", entry(tt.math_5a, room=room, starts=tt.year.starts))


def test_refuses_a_teacher_who_is_not_a_teacher_of_the_school(tt, other_world):
    message = refused(tt, "teacher", entry(tt.math_5a, teacher=other_world.teacher, starts=tt.year.starts))
    assert other_world.teacher.short_name in message


def test_refuses_a_teacher_who_does_not_teach_the_course(tt):
    message = refused(tt, "teacher", entry(tt.math_5a, teacher=tt.substitute, starts=tt.year.starts))
    assert "does not teach" in message


def test_refuses_a_course_without_a_teacher_on_the_first_day(tt):
    CourseTeacher.objects.filter(course=tt.math_5a).update(starts=d(11, 5))
    message = refused(tt, "teacher", entry(tt.math_5a, starts=d(9, 1)))
    assert "has no teacher" in message


def test_refuses_a_weekday_outside_monday_to_saturday(tt):
    refused(tt, "weekday", entry(tt.math_5a, 7, starts=tt.year.starts))


def test_refuses_a_lesson_missing_from_the_bells_of_the_shift(tt):
    message = refused(tt, "slot", entry(tt.math_5a, TUE, 1, starts=d(9, 1)), entry(tt.math_5a, MON, 9))
    assert "no lesson 9" in message
    tt.class_6b.shift = 2
    tt.class_6b.save()
    refused(tt, "slot", entry(tt.math_6b, MON, 5, starts=tt.year.starts))


def test_refuses_a_shift_without_bells(world):
    message = refused(world, "slot", entry(world.math_5a, starts=world.year.starts))
    assert "no default bell schedule" in message


def test_refuses_a_group_across_classes_of_two_shifts(tt):
    tt.class_6b.shift = 2
    tt.class_6b.save()
    group = cross_group(tt, "Хор", tt.student, tt.other_student, grade=5)
    message = refused(tt, "course", entry(course(tt, group, "Хор"), starts=tt.year.starts))
    assert "different shifts" in message


def test_refuses_a_teacher_twice_at_once_in_the_batch(tt):
    russian_6b = course(tt, f.whole_group(tt.class_6b), "Русский язык 6", tt.teacher)
    message = refused(tt, "teacher", entry(tt.math_5a, starts=d(9, 1)), entry(russian_6b, starts=d(10, 1)))
    assert tt.teacher.short_name in message


def test_refuses_a_teacher_busy_in_a_saved_entry_across_shifts(tt):
    tt.class_6b.shift = 2
    tt.class_6b.save()
    place(tt, entry(tt.math_5a, MON, 7, starts=tt.year.starts))  # 14:20, as shift 2's first lesson
    russian_6b = course(tt, f.whole_group(tt.class_6b), "Русский язык 6", tt.teacher)
    message = refused(tt, "teacher", entry(russian_6b, MON, 1, starts=tt.year.starts))
    assert "Математика" in message


def test_refuses_a_room_twice_at_once(tt):
    message = refused(
        tt,
        "room",
        entry(tt.math_5a, room=tt.room_204, starts=tt.year.starts),
        entry(tt.math_6b, room=tt.room_204, starts=tt.year.starts),
    )
    assert "204" in message


def test_refuses_a_group_twice_at_once(tt):
    place(tt, entry(tt.math_5a, starts=tt.year.starts))
    message = refused(tt, "course", entry(tt.russian_5a, starts=d(12, 1)))
    assert "5А" in message


def test_an_entry_that_ended_does_not_clash(tt):
    place(tt, entry(tt.math_5a, starts=tt.year.starts, ends=d(11, 30)))
    assert place(tt, entry(tt.russian_5a, starts=d(12, 1)))


def test_refuses_a_class_and_its_subgroup_at_once(tt):
    half = subgroup(tt, "5А, 1 гр.", tt.student)
    message = refused(
        tt,
        "course",
        entry(tt.math_5a, starts=tt.year.starts),
        entry(course(tt, half, "Информатика", tt.substitute), starts=tt.year.starts),
    )
    assert "Class 5А already has" in message


def test_refuses_groups_sharing_a_student_at_once(tt):
    group = cross_group(tt, "Хор", tt.student, tt.other_student, grade=5)
    message = refused(
        tt,
        "course",
        entry(course(tt, group, "Хор", tt.substitute), starts=tt.year.starts),
        entry(tt.math_6b, starts=tt.year.starts),
    )
    assert tt.other_student.short_name in message
