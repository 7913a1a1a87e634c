"""The structure's bulk services against PostgreSQL: a batch written in order with one audit event, and
each domain check refusing the whole batch on the right argument with nothing saved."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from accounts.models import AuditEvent, Role
from schedule.models import (
    AcademicYear,
    Building,
    Course,
    CourseTeacher,
    Enrollment,
    GroupMembership,
    Room,
    SchoolClass,
    StudyGroup,
    Subject,
)
from schedule.services import bulk
from tests import factories as f

from .conftest import d

pytestmark = pytest.mark.django_db

MODELS = [
    Subject,
    Room,
    SchoolClass,
    StudyGroup,
    Enrollment,
    GroupMembership,
    Course,
    CourseTeacher,
    AuditEvent,
]
NOTE = "seeded by a test"


def snapshot():
    return {m.__name__: m.objects.count() for m in MODELS}


def refused(field, service, **kwargs):
    """Call the service, expect a refusal with a message on `field`, and that nothing was saved."""
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        service(note=NOTE, **kwargs)
    errors = info.value.message_dict
    assert field in errors, errors
    assert snapshot() == before
    return " ".join(errors[field])


def students(world, n):
    return [
        f.make_person(world.school, roles=[Role.STUDENT], login=False, first_name=f"Ученик{i}").student
        for i in range(n)
    ]


def last_event(action, note=NOTE):
    event = AuditEvent.objects.order_by("-pk").first()
    assert event.action == action
    assert event.summary == note
    assert event.actor is None
    return event


# Subjects and rooms


def test_create_subjects_in_order_with_one_event(world):
    made = bulk.create_subjects(
        actor=None,
        school=world.school,
        subjects=[Subject(name="Физика", short_name="Физ."), Subject(name="Химия", short_name="")],
        note=NOTE,
    )
    assert [(s.name, s.short_name, s.school_id) for s in made] == [
        ("Физика", "Физ.", world.school.pk),
        ("Химия", "Химия", world.school.pk),
    ]
    assert last_event("create_subjects").data == {"subjects": 2}


@pytest.mark.parametrize(
    "names",
    [["Физика", "Физика"], ["Математика"], [""]],
    ids=["twice-in-the-batch", "taken-in-the-school", "empty"],
)
def test_create_subjects_refuses_a_taken_or_empty_name(world, names):
    refused(
        "subjects",
        bulk.create_subjects,
        actor=None,
        school=world.school,
        subjects=[Subject(name=n, short_name="x") for n in names],
    )


def test_create_rooms_with_their_subjects(world):
    building = Building.objects.create(school=world.school, name="Корпус")
    math = Subject.objects.get(school=world.school, name="Математика")
    made = bulk.create_rooms(
        actor=None, building=building, rooms=[(Room(name="101"), [math]), (Room(name="102"), [])], note=NOTE
    )
    assert [r.name for r in made] == ["101", "102"]
    assert list(made[0].subjects.all()) == [math]
    assert not made[1].subjects.exists()
    assert last_event("create_rooms").data == {"building": building.pk, "rooms": 2}


def test_create_rooms_refuses_a_taken_name(world):
    room = f.make_room(world.school, "101")
    refused("rooms", bulk.create_rooms, actor=None, building=room.building, rooms=[(Room(name="101"), [])])
    refused(
        "rooms",
        bulk.create_rooms,
        actor=None,
        building=room.building,
        rooms=[(Room(name="201"), []), (Room(name="201"), [])],
    )


def test_create_rooms_refuses_a_subject_of_another_school(world, other_world):
    building = Building.objects.create(school=world.school, name="Корпус")
    theirs = Subject.objects.get(school=other_world.school, name="Математика")
    refused("subjects", bulk.create_rooms, actor=None, building=building, rooms=[(Room(name="1"), [theirs])])


# Classes and subgroups


def test_create_classes_with_their_whole_class_groups(world):
    classes, groups = bulk.create_classes(
        actor=None, year=world.year, classes=[(1, "а"), (1, "Б"), (7, "А")], note=NOTE
    )
    assert [c.name for c in classes] == ["1А", "1Б", "7А"]
    assert [(g.name, g.kind, g.school_class_id) for g in groups] == [
        (c.name, StudyGroup.Kind.WHOLE_CLASS, c.pk) for c in classes
    ]
    assert last_event("create_classes").data == {"year": world.year.pk, "classes": ["1А", "1Б", "7А"]}


@pytest.mark.parametrize(
    "classes",
    [[(12, "А")], [(0, "А")], [(3, " ")], [(5, "А")], [(3, "В"), (3, "в")]],
    ids=["grade-12", "grade-0", "no-letter", "taken-in-the-year", "twice-in-the-batch"],
)
def test_create_classes_refuses(world, classes):
    refused("classes", bulk.create_classes, actor=None, year=world.year, classes=classes)


def test_create_classes_refuses_a_name_taken_by_a_group(world):
    StudyGroup.objects.create(
        school=world.school, year=world.year, kind=StudyGroup.Kind.CROSS_CLASS, name="8А", grade=8
    )
    refused("classes", bulk.create_classes, actor=None, year=world.year, classes=[(8, "А")])


def test_a_closed_year_refuses_every_bulk_write(world):
    AcademicYear.objects.filter(pk=world.year.pk).update(status=AcademicYear.Status.CLOSED)
    year = AcademicYear.objects.get(pk=world.year.pk)
    refused(NON_FIELD_ERRORS, bulk.create_classes, actor=None, year=year, classes=[(8, "А")])
    refused(NON_FIELD_ERRORS, bulk.create_subgroups, actor=None, year=year, groups=[(world.class_5a, "x")])
    (pupil,) = students(world, 1)
    stay = Enrollment(student=pupil, school_class=world.class_6b, starts=d(9, 1))
    refused(NON_FIELD_ERRORS, bulk.enroll_students, actor=None, year=year, stays=[stay])


def test_create_subgroups(world):
    made = bulk.create_subgroups(
        actor=None,
        year=world.year,
        groups=[(world.class_5a, "5А англ., 1 гр."), (world.class_5a, "2 гр.")],
        note=NOTE,
    )
    assert [(g.name, g.kind, g.grade, g.school_class_id) for g in made] == [
        ("5А англ., 1 гр.", StudyGroup.Kind.SUBGROUP, 5, world.class_5a.pk),
        ("2 гр.", StudyGroup.Kind.SUBGROUP, 5, world.class_5a.pk),
    ]
    assert last_event("create_groups").data == {"year": world.year.pk, "groups": 2}


def test_create_subgroups_refuses_a_class_of_another_year(world):
    later = f.make_year(world.school, 2027)
    refused("groups", bulk.create_subgroups, actor=None, year=later, groups=[(world.class_5a, "5А, 1 гр.")])


@pytest.mark.parametrize("names", [["5А"], ["1 гр.", "1 гр."], [""]], ids=["taken", "twice", "empty"])
def test_create_subgroups_refuses_a_taken_or_empty_name(world, names):
    groups = [(world.class_5a, n) for n in names]
    refused("groups", bulk.create_subgroups, actor=None, year=world.year, groups=groups)


# Enrollments


def test_enroll_students_in_order_with_one_event(world):
    a, b = students(world, 2)
    stays = [
        Enrollment(student=a, school_class=world.class_5a, starts=d(9, 1), ends=d(11, 4)),
        Enrollment(student=a, school_class=world.class_6b, starts=d(11, 5), arrival_note=" из 5А "),
        Enrollment(student=b, school_class=world.class_6b, starts=d(10, 12)),
    ]
    made = bulk.enroll_students(actor=None, year=world.year, stays=stays, note=NOTE)
    assert [(e.student_id, e.school_class_id, e.starts, e.ends) for e in made] == [
        (a.pk, world.class_5a.pk, d(9, 1), d(11, 4)),
        (a.pk, world.class_6b.pk, d(11, 5), None),
        (b.pk, world.class_6b.pk, d(10, 12), None),
    ]
    assert made[1].arrival_note == "из 5А"
    assert all(e.pk and e.school_id == world.school.pk for e in made)
    assert last_event("enroll_students").data == {"year": world.year.pk, "enrollments": 3}


def test_enroll_students_refuses_two_classes_at_once_in_the_batch(world):
    (a,) = students(world, 1)
    stays = [
        Enrollment(student=a, school_class=world.class_5a, starts=d(9, 1), ends=d(11, 5)),
        Enrollment(student=a, school_class=world.class_6b, starts=d(11, 5)),
    ]
    message = refused("student", bulk.enroll_students, actor=None, year=world.year, stays=stays)
    assert "6Б" in message


def test_enroll_students_refuses_an_overlap_with_a_saved_stay(world):
    # The world's student is in 5А from 1 September, with no end.
    stay = Enrollment(student=world.student.student, school_class=world.class_6b, starts=d(3, 1))
    message = refused("student", bulk.enroll_students, actor=None, year=world.year, stays=[stay])
    assert "5А" in message


def test_enroll_students_refuses_a_class_of_another_year(world):
    later = f.make_year(world.school, 2027)
    (a,) = students(world, 1)
    stay = Enrollment(student=a, school_class=world.class_5a, starts=d(9, 1).replace(year=2027))
    refused("school_class", bulk.enroll_students, actor=None, year=later, stays=[stay])


def test_enroll_students_refuses_a_student_of_another_school(world, other_world):
    stay = Enrollment(student=other_world.student.student, school_class=world.class_5a, starts=d(9, 1))
    refused("student", bulk.enroll_students, actor=None, year=world.year, stays=[stay])


@pytest.mark.parametrize(
    ("starts", "ends", "field"),
    [(d(8, 31), None, "starts"), (d(9, 1), d(6, 1), "ends"), (d(10, 1), d(9, 30), "ends")],
    ids=["before-the-year", "after-the-year", "ends-before-it-starts"],
)
def test_enroll_students_refuses_dates_outside_the_year(world, starts, ends, field):
    (a,) = students(world, 1)
    stay = Enrollment(student=a, school_class=world.class_5a, starts=starts, ends=ends)
    refused(field, bulk.enroll_students, actor=None, year=world.year, stays=[stay])


# Group memberships


@pytest.fixture
def halves(world):
    return bulk.create_subgroups(
        actor=None, year=world.year, groups=[(world.class_5a, "5А, 1 гр."), (world.class_5a, "5А, 2 гр.")]
    )


def test_add_group_members(world, halves):
    pupil = world.student.student
    made = bulk.add_group_members(
        actor=None,
        year=world.year,
        memberships=[
            GroupMembership(student=pupil, group=halves[0], starts=d(9, 1), ends=d(12, 1)),
            GroupMembership(student=pupil, group=halves[1], starts=d(12, 2)),
        ],
        note=NOTE,
    )
    assert [(m.group_id, m.starts, m.ends, m.school_id) for m in made] == [
        (halves[0].pk, d(9, 1), d(12, 1), world.school.pk),
        (halves[1].pk, d(12, 2), None, world.school.pk),
    ]
    assert last_event("add_group_members").data == {"year": world.year.pk, "memberships": 2}


def test_add_group_members_refuses_a_student_not_in_the_class_on_every_day(world, halves):
    (late,) = students(world, 1)
    f.enroll(late.person, world.class_5a, starts=d(10, 12))
    member = GroupMembership(student=late, group=halves[0], starts=d(9, 1))
    message = refused("student", bulk.add_group_members, actor=None, year=world.year, memberships=[member])
    assert "5А" in message
    other = GroupMembership(student=world.other_student.student, group=halves[0], starts=d(9, 1))
    refused("student", bulk.add_group_members, actor=None, year=world.year, memberships=[other])


def test_add_group_members_follows_the_grade_of_a_cross_class_group(world):
    group = StudyGroup.objects.create(
        school=world.school, year=world.year, kind=StudyGroup.Kind.CROSS_CLASS, name="6 профиль", grade=6
    )
    ok = GroupMembership(student=world.other_student.student, group=group, starts=d(9, 1))
    assert bulk.add_group_members(actor=None, year=world.year, memberships=[ok])
    wrong = GroupMembership(student=world.student.student, group=group, starts=d(9, 1))
    refused("student", bulk.add_group_members, actor=None, year=world.year, memberships=[wrong])


def test_add_group_members_refuses_twice_in_a_group_at_once(world, halves):
    pupil = world.student.student
    twice = [
        GroupMembership(student=pupil, group=halves[0], starts=d(9, 1), ends=d(10, 1)),
        GroupMembership(student=pupil, group=halves[0], starts=d(10, 1)),
    ]
    refused("starts", bulk.add_group_members, actor=None, year=world.year, memberships=twice)
    bulk.add_group_members(actor=None, year=world.year, memberships=twice[:1])
    again = GroupMembership(student=pupil, group=halves[0], starts=d(9, 20), ends=d(9, 30))
    refused("starts", bulk.add_group_members, actor=None, year=world.year, memberships=[again])


def test_add_group_members_refuses_a_whole_class_group(world):
    member = GroupMembership(
        student=world.student.student, group=f.whole_group(world.class_5a), starts=d(9, 1)
    )
    refused(NON_FIELD_ERRORS, bulk.add_group_members, actor=None, year=world.year, memberships=[member])


def test_add_group_members_refuses_a_group_of_another_year_and_dates_outside_it(world, halves):
    later = f.make_year(world.school, 2027)
    member = GroupMembership(student=world.student.student, group=halves[0], starts=d(9, 1))
    refused("group", bulk.add_group_members, actor=None, year=later, memberships=[member])
    early = GroupMembership(student=world.student.student, group=halves[0], starts=d(8, 20))
    refused("starts", bulk.add_group_members, actor=None, year=world.year, memberships=[early])


# Class teachers and courses


def test_set_class_teachers(world):
    bulk.set_class_teachers(
        actor=None,
        year=world.year,
        leads=[(world.class_5a, world.teacher), (world.class_6b, world.substitute)],
    )
    assert SchoolClass.objects.get(pk=world.class_5a.pk).class_teacher == world.teacher
    assert SchoolClass.objects.get(pk=world.class_6b.pk).class_teacher == world.substitute
    assert last_event("set_class_teachers", note="").data["leads"] == {
        str(world.class_5a.pk): world.teacher.pk,
        str(world.class_6b.pk): world.substitute.pk,
    }


def test_set_class_teachers_refuses_a_non_teacher_or_a_class_of_another_year(world):
    leads = [(world.class_6b, world.teacher), (world.class_5a, world.parent)]
    refused("class_teacher", bulk.set_class_teachers, actor=None, year=world.year, leads=leads)
    later = f.make_year(world.school, 2027)
    refused("leads", bulk.set_class_teachers, actor=None, year=later, leads=[(world.class_6b, world.teacher)])
    assert SchoolClass.objects.get(pk=world.class_6b.pk).class_teacher == world.other_teacher


def new_course(world, subject=None, group=None, hours=2):
    subject = subject or Subject.objects.get(school=world.school, name="Русский язык")
    return Course(subject=subject, group=group or f.whole_group(world.class_6b), hours_per_week=hours)


def test_create_courses_with_their_teachers_from_the_first_day(world):
    physics = f.make_subject(world.school, "Физика")
    made = bulk.create_courses(
        actor=None,
        year=world.year,
        courses=[(new_course(world), world.other_teacher), (new_course(world, physics), world.substitute)],
        note=NOTE,
    )
    assert [(c.subject.name, c.group_id, c.year_id, c.school_id) for c in made] == [
        ("Русский язык", f.whole_group(world.class_6b).pk, world.year.pk, world.school.pk),
        ("Физика", f.whole_group(world.class_6b).pk, world.year.pk, world.school.pk),
    ]
    assert [(t.teacher, t.starts, t.ends) for c in made for t in CourseTeacher.objects.filter(course=c)] == [
        (world.other_teacher, world.year.starts, None),
        (world.substitute, world.year.starts, None),
    ]
    assert world.substitute in physics.teachers.all()
    assert last_event("create_courses").data == {"year": world.year.pk, "courses": 2, "starts": "2026-09-01"}


def test_create_courses_refuses_a_subject_taught_to_the_group_already_or_twice(world):
    math = Subject.objects.get(school=world.school, name="Математика")
    taught = [(new_course(world, math), world.teacher)]  # the world's 6Б has maths
    refused("subject", bulk.create_courses, actor=None, year=world.year, courses=taught)
    twice = [(new_course(world), world.teacher), (new_course(world), world.other_teacher)]
    refused("subject", bulk.create_courses, actor=None, year=world.year, courses=twice)


def test_create_courses_refuses_what_create_course_refuses(world, other_world):
    refused(
        "teachers",
        bulk.create_courses,
        actor=None,
        year=world.year,
        courses=[(new_course(world), world.parent)],
    )
    refused(
        "hours_per_week",
        bulk.create_courses,
        actor=None,
        year=world.year,
        courses=[(new_course(world, hours=0), world.teacher)],
    )
    theirs = Subject.objects.get(school=other_world.school, name="Русский язык")
    refused(
        "subject",
        bulk.create_courses,
        actor=None,
        year=world.year,
        courses=[(new_course(world, theirs), world.teacher)],
    )
    later = f.make_year(world.school, 2027)
    refused(
        "group", bulk.create_courses, actor=None, year=later, courses=[(new_course(world), world.teacher)]
    )
    refused(
        "starts",
        bulk.create_courses,
        actor=None,
        year=world.year,
        courses=[(new_course(world), world.teacher)],
        starts=d(6, 1),
    )
