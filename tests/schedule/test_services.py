"""Services of the school structure against PostgreSQL: good writes, refusals on the right field, audit."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from accounts.models import AuditEvent, Role
from schedule import selectors
from schedule.models import (
    AcademicYear,
    Building,
    Course,
    CourseTeacher,
    Enrollment,
    GroupMembership,
    Holiday,
    PeriodScheme,
    ReportingPeriod,
    Room,
    SchoolClass,
    StudyGroup,
    Subject,
)
from schedule.services import checks, people, structure, years
from tests import factories as f

from .conftest import d

pytestmark = pytest.mark.django_db

MODELS = [
    AcademicYear,
    PeriodScheme,
    ReportingPeriod,
    Holiday,
    Building,
    Room,
    Subject,
    SchoolClass,
    StudyGroup,
    Enrollment,
    GroupMembership,
    Course,
    CourseTeacher,
    AuditEvent,
]


def snapshot():
    """Row counts and the last change of every structure table: a refused write must leave them all alone."""
    return {m.__name__: (m.objects.count(), m.objects.order_by("-pk").values().first()) for m in MODELS}


def refused(field, service, **kwargs):
    """Call the service, expect a refusal with a message on `field`, and that nothing was saved."""
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        service(**kwargs)
    errors = info.value.message_dict
    assert field in errors, errors
    assert snapshot() == before
    return errors[field]


def new_student(world, **names):
    return f.make_person(world.school, roles=[Role.STUDENT], **names).student


# Years and periods


def test_create_year_makes_default_schemes_and_periods(world, admin_actor):
    year = years.create_year(
        actor=admin_actor, name="2027/2028", starts=datetime.date(2027, 9, 1), ends=datetime.date(2028, 5, 31)
    )
    schemes = {s.kind: s for s in selectors.schemes_of_year(year)}
    assert schemes["quarters"].grades == list(range(1, 10))
    assert schemes["halves"].grades == [10, 11]
    for scheme, count in ((schemes["quarters"], 4), (schemes["halves"], 2)):
        periods = list(scheme.periods.all())
        assert [p.number for p in periods] == list(range(1, count + 1))
        assert periods[0].starts == year.starts and periods[-1].ends == year.ends
        assert all(a.ends < b.starts for a, b in zip(periods, periods[1:], strict=False))
    assert schemes["quarters"].periods.first().name == years.period_name("quarters", 1)
    assert year.status == AcademicYear.Status.OPEN
    event = AuditEvent.objects.get(action="create_year")
    assert (
        event.object_id == str(year.pk) and event.actor == world.admin.user and event.school == world.school
    )


def test_create_year_with_unusual_dates_splits_evenly(world, admin_actor):
    year = years.create_year(
        actor=admin_actor, name="2028", starts=datetime.date(2028, 1, 10), ends=datetime.date(2028, 12, 20)
    )
    quarters = list(year.schemes.get(kind="quarters").periods.order_by("starts"))
    assert quarters[0].starts == year.starts and quarters[-1].ends == year.ends
    assert all(
        a.ends + datetime.timedelta(days=1) == b.starts for a, b in zip(quarters, quarters[1:], strict=False)
    )


def test_create_year_refusals(world, admin_actor):
    kw = {"actor": admin_actor, "name": "2027/2028", "starts": datetime.date(2027, 9, 1)}
    refused("ends", years.create_year, **kw, ends=datetime.date(2027, 8, 1))
    refused("name", years.create_year, **{**kw, "name": world.year.name}, ends=datetime.date(2028, 5, 31))
    refused(
        "starts",
        years.create_year,
        **{**kw, "starts": datetime.date(2027, 5, 1)},
        ends=datetime.date(2028, 5, 31),
    )


def test_update_year_close_makes_it_read_only_and_reopen(world, admin_actor):
    year = world.year
    years.update_year(
        actor=admin_actor, year=year, name=year.name, starts=year.starts, ends=year.ends, status="closed"
    )
    year.refresh_from_db()
    assert year.is_read_only
    message = refused(
        NON_FIELD_ERRORS, structure.create_class, actor=admin_actor, year=year, grade=7, letter="В"
    )
    assert year.name in message[0]
    refused(
        NON_FIELD_ERRORS,
        years.update_year,
        actor=admin_actor,
        year=year,
        name="renamed",
        starts=year.starts,
        ends=year.ends,
        status="closed",
    )
    years.update_year(
        actor=admin_actor, year=year, name=year.name, starts=year.starts, ends=year.ends, status="open"
    )
    structure.create_class(actor=admin_actor, year=year, grade=7, letter="В")


def test_archived_year_cannot_change(world, admin_actor):
    AcademicYear.objects.filter(pk=world.year.pk).update(status="archived")
    year = AcademicYear.objects.get(pk=world.year.pk)
    refused(
        NON_FIELD_ERRORS,
        years.update_year,
        actor=admin_actor,
        year=year,
        name=year.name,
        starts=year.starts,
        ends=year.ends,
        status="open",
    )


def test_update_year_cannot_leave_data_outside(world, admin_actor):
    year = world.year
    refused(
        "starts",
        years.update_year,
        actor=admin_actor,
        year=year,
        name=year.name,
        starts=datetime.date(2026, 9, 15),
        ends=year.ends,
        status="open",
    )
    refused(
        "ends",
        years.update_year,
        actor=admin_actor,
        year=year,
        name=year.name,
        starts=year.starts,
        ends=datetime.date(2027, 5, 1),
        status="open",
    )
    years.update_year(
        actor=admin_actor,
        year=year,
        name="2026-2027",
        starts=year.starts,
        ends=datetime.date(2027, 6, 30),
        status="open",
    )
    assert AcademicYear.objects.get(pk=year.pk).ends == datetime.date(2027, 6, 30)


def quarters(world):
    return world.year.schemes.get(kind="quarters")


def test_save_period_refuses_overlap_outside_and_reversed_dates(world, admin_actor):
    scheme = quarters(world)
    first = scheme.periods.get(number=1)
    kw = {"actor": admin_actor, "scheme": scheme, "name": "x"}
    msg = refused("starts", years.save_period, **kw, starts=d(10, 20), ends=d(11, 10))
    assert first.name in msg[0]
    refused("starts", years.save_period, **kw, starts=datetime.date(2026, 8, 20), ends=d(8, 30))
    refused("ends", years.save_period, **kw, starts=d(10, 28), ends=d(10, 27))
    refused(
        "ends", years.save_period, **kw, period=first, starts=first.starts, ends=datetime.date(2027, 7, 1)
    )


def test_save_period_edits_and_renumbers(world, admin_actor):
    scheme = quarters(world)
    first = scheme.periods.get(number=1)
    years.save_period(
        actor=admin_actor, scheme=scheme, period=first, name=first.name, starts=first.starts, ends=d(10, 30)
    )
    first.refresh_from_db()
    assert first.ends == d(10, 30)
    years.delete_period(actor=admin_actor, period=first)
    assert list(scheme.periods.order_by("starts").values_list("number", flat=True)) == [1, 2, 3]
    new = years.save_period(actor=admin_actor, scheme=scheme, name="I", starts=d(9, 1), ends=d(10, 30))
    assert new.number == 1
    assert list(scheme.periods.order_by("starts").values_list("number", flat=True)) == [1, 2, 3, 4]
    assert {"save_period", "delete_period"} <= set(AuditEvent.objects.values_list("action", flat=True))


def test_grades_move_between_schemes(world, admin_actor):
    year = world.year
    halves = year.schemes.get(kind="halves")
    years.assign_scheme_grades(actor=admin_actor, year=year, grades={9: halves})
    assert quarters(world).grades == list(range(1, 9))
    assert PeriodScheme.objects.get(pk=halves.pk).grades == [9, 10, 11]
    assert selectors.scheme_of_grade(year, 9) == halves
    years.assign_scheme_grades(actor=admin_actor, year=year, grades={1: None})
    assert selectors.scheme_of_grade(year, 1) is None
    assert AuditEvent.objects.filter(action="assign_scheme_grades").count() == 2


def test_create_scheme_refuses_a_grade_of_another_scheme(world, admin_actor):
    refused("grades", years.create_scheme, actor=admin_actor, year=world.year, kind="trimesters", grades=[5])
    refused("kind", years.create_scheme, actor=admin_actor, year=world.year, kind="quarters", grades=[])
    refused("grades", years.create_scheme, actor=admin_actor, year=world.year, kind="trimesters", grades=[12])
    scheme = years.create_scheme(actor=admin_actor, year=world.year, kind="trimesters", grades=[])
    assert scheme.periods.count() == 3


# Holidays, buildings, rooms, subjects


def test_holidays(world, admin_actor):
    holiday = years.save_holiday(
        actor=admin_actor, year=world.year, name="Доп. каникулы", starts=d(2, 16), ends=d(2, 22), grades=[1]
    )
    assert holiday.applies_to(1) and not holiday.applies_to(2)
    kw = {"actor": admin_actor, "year": world.year, "name": "x"}
    refused("grades", years.save_holiday, **kw, starts=d(2, 16), ends=d(2, 22), grades=[0, 12])
    refused("starts", years.save_holiday, **kw, starts=datetime.date(2026, 8, 1), ends=d(9, 2))
    refused("ends", years.save_holiday, **kw, starts=d(2, 16), ends=d(2, 10))
    years.delete_holiday(actor=admin_actor, holiday=holiday)
    assert not Holiday.objects.exists()


def test_buildings_rooms_subjects(world, admin_actor, other_world):
    building = structure.save_building(actor=admin_actor, name="Главный корпус", address="ул. Ленина, 1")
    refused("name", structure.save_building, actor=admin_actor, name="Главный корпус")
    physics = structure.save_subject(
        actor=admin_actor, name="Физика", short_name="Физ.", teachers=[world.teacher]
    )
    room = structure.save_room(
        actor=admin_actor, building=building, name="201", capacity=30, subjects=[physics]
    )
    assert list(room.subjects.all()) == [physics]
    refused("name", structure.save_room, actor=admin_actor, building=building, name="201")
    foreign = Subject.objects.filter(school=other_world.school).first()
    refused(
        "subjects", structure.save_room, actor=admin_actor, building=building, name="202", subjects=[foreign]
    )
    refused("name", structure.save_subject, actor=admin_actor, name="Физика", short_name="Ф")
    refused(
        "teachers",
        structure.save_subject,
        actor=admin_actor,
        name="Химия",
        short_name="Хим.",
        teachers=[world.director],
    )
    refused(
        "teachers",
        structure.save_subject,
        actor=admin_actor,
        name="Химия",
        short_name="Хим.",
        teachers=[other_world.teacher],
    )
    music = structure.save_subject(
        actor=admin_actor, name="Музыка", short_name="Муз.", no_final_assessment=True
    )
    assert Subject.objects.get(pk=music.pk).no_final_assessment


# Classes and groups


def test_create_class_makes_its_whole_class_group(world, admin_actor):
    c = structure.create_class(
        actor=admin_actor, year=world.year, grade=7, letter="в", class_teacher=world.teacher
    )
    assert c.name == "7В"
    group = StudyGroup.objects.get(school_class=c)
    assert (group.kind, group.name, group.grade, group.year) == ("whole_class", "7В", 7, world.year)
    assert AuditEvent.objects.filter(action="create_class", object_id=str(c.pk)).exists()


def test_create_class_refusals(world, admin_actor, other_world):
    kw = {"actor": admin_actor, "year": world.year}
    msg = refused("letter", structure.create_class, **kw, grade=5, letter="А")
    assert "5А" in msg[0]
    refused("grade", structure.create_class, **kw, grade=12, letter="А")
    refused("grade", structure.create_class, **kw, grade=0, letter="А")
    refused("class_teacher", structure.create_class, **kw, grade=7, letter="А", class_teacher=world.director)
    refused(
        "class_teacher", structure.create_class, **kw, grade=7, letter="А", class_teacher=other_world.teacher
    )
    StudyGroup.objects.create(school=world.school, year=world.year, kind="cross_class", name="7А", grade=7)
    refused("letter", structure.create_class, **kw, grade=7, letter="А")


def test_database_constraint_becomes_a_field_error(world):
    with pytest.raises(ValidationError) as info, checks.database_checks():
        SchoolClass.objects.create(school=world.school, year=world.year, grade=5, letter="А")
    assert "letter" in info.value.message_dict
    assert SchoolClass.objects.count() == 2


def test_update_class_renames_its_group_and_keeps_the_grade_of_a_full_class(world, admin_actor):
    c = structure.update_class(
        actor=admin_actor,
        school_class=world.class_5a,
        grade=5,
        letter="Д",
        class_teacher=world.teacher,
        shift=2,
    )
    assert f.whole_group(c).name == "5Д" and SchoolClass.objects.get(pk=c.pk).class_teacher == world.teacher
    refused(
        "grade",
        structure.update_class,
        actor=admin_actor,
        school_class=world.class_5a,
        grade=6,
        letter="Д",
        class_teacher=None,
    )


def test_create_group_refusals(world, admin_actor):
    kw = {"actor": admin_actor, "year": world.year}
    sub = structure.create_group(**kw, kind="subgroup", name="5А англ. 1", school_class=world.class_5a)
    assert sub.grade == 5
    cross = structure.create_group(
        **kw, kind="cross_class", name="5 профиль", grade=5, school_class=world.class_5a
    )
    assert cross.school_class is None
    refused(
        "name", structure.create_group, **kw, kind="subgroup", name="5А англ. 1", school_class=world.class_5a
    )
    refused("name", structure.create_group, **kw, kind="subgroup", name="5А", school_class=world.class_5a)
    refused("school_class", structure.create_group, **kw, kind="subgroup", name="x")
    refused("grade", structure.create_group, **kw, kind="cross_class", name="x", grade=13)
    refused("kind", structure.create_group, **kw, kind="whole_class", name="x", school_class=world.class_5a)


# Student movement


def test_enroll_and_one_class_at_a_time(world, admin_actor):
    pupil = new_student(world, last_name="Новикова", first_name="Ольга")
    e = people.enroll_student(
        actor=admin_actor,
        student=pupil,
        school_class=world.class_5a,
        starts=d(11, 10),
        arrival_note="из школы № 3",
    )
    assert pupil in selectors.students_of_class(world.class_5a, on=d(11, 10))
    assert pupil not in selectors.students_of_class(world.class_5a, on=d(11, 9))
    msg = refused(
        "student",
        people.enroll_student,
        actor=admin_actor,
        student=pupil,
        school_class=world.class_6b,
        starts=d(12, 1),
    )
    assert "5А" in msg[0]
    refused(
        "student",
        people.enroll_student,
        actor=admin_actor,
        student=world.student.student,
        school_class=world.class_6b,
        starts=d(9, 1),
    )
    refused(
        "starts",
        people.enroll_student,
        actor=admin_actor,
        student=new_student(world),
        school_class=world.class_6b,
        starts=datetime.date(2026, 8, 31),
    )
    refused(
        "ends",
        people.enroll_student,
        actor=admin_actor,
        student=new_student(world),
        school_class=world.class_6b,
        starts=d(10, 1),
        ends=d(9, 30),
    )
    event = AuditEvent.objects.get(action="enroll_student")
    assert event.object_id == str(e.pk) and event.data["starts"] == "2026-11-10"


def test_enroll_refuses_a_student_of_another_school(world, admin_actor, other_world):
    refused(
        "student",
        people.enroll_student,
        actor=admin_actor,
        student=other_world.student.student,
        school_class=world.class_5a,
        starts=d(10, 1),
    )


def test_end_enrollment_records_departure_and_ends_subgroups(world, admin_actor):
    sub = structure.create_group(
        actor=admin_actor, year=world.year, kind="subgroup", name="5А-1", school_class=world.class_5a
    )
    people.add_group_member(actor=admin_actor, group=sub, student=world.student.student, starts=d(9, 1))
    later = structure.create_group(
        actor=admin_actor, year=world.year, kind="subgroup", name="5А-2", school_class=world.class_5a
    )
    people.add_group_member(actor=admin_actor, group=later, student=world.student.student, starts=d(12, 10))
    enrollment = world.student.student.enrollments.get()
    refused(
        "ends",
        people.end_enrollment,
        actor=admin_actor,
        enrollment=enrollment,
        ends=datetime.date(2026, 8, 1),
    )
    refused(
        "ends",
        people.end_enrollment,
        actor=admin_actor,
        enrollment=enrollment,
        ends=datetime.date(2027, 7, 1),
    )
    people.end_enrollment(
        actor=admin_actor, enrollment=enrollment, ends=d(12, 5), departure_note="в школу № 7"
    )
    enrollment.refresh_from_db()
    assert (enrollment.ends, enrollment.departure_note) == (d(12, 5), "в школу № 7")
    assert sub.memberships.get().ends == d(12, 5)
    assert not later.memberships.exists()  # it had not started: nothing to keep
    assert world.student.student not in selectors.students_of_class(world.class_5a, on=d(12, 6))
    assert world.student.student in selectors.students_of_class(world.class_5a, on=d(12, 5))


def test_transfer_keeps_history_and_answers_per_date(world, admin_actor):
    pupil = world.student.student
    sub = structure.create_group(
        actor=admin_actor, year=world.year, kind="subgroup", name="5А-1", school_class=world.class_5a
    )
    people.add_group_member(actor=admin_actor, group=sub, student=pupil, starts=d(9, 1))
    cross = structure.create_group(
        actor=admin_actor, year=world.year, kind="cross_class", name="5 проф.", grade=5
    )
    people.add_group_member(actor=admin_actor, group=cross, student=pupil, starts=d(9, 1))
    five_b = structure.create_class(actor=admin_actor, year=world.year, grade=5, letter="Б")

    new = people.transfer_student(actor=admin_actor, student=pupil, to_class=five_b, on_date=d(1, 12))

    old = Enrollment.objects.get(student=pupil, school_class=world.class_5a)
    assert (old.starts, old.ends) == (d(9, 1), d(1, 11)) and "5Б" in old.departure_note
    assert (new.starts, new.ends, new.school_class) == (d(1, 12), None, five_b) and "5А" in new.arrival_note
    assert pupil in selectors.students_of_class(world.class_5a, on=d(1, 11))
    assert pupil not in selectors.students_of_class(world.class_5a, on=d(1, 12))
    assert pupil in selectors.students_of_class(five_b, on=d(1, 12))
    assert pupil not in selectors.students_of_class(five_b, on=d(1, 11))
    assert selectors.class_of_student(world.student, on=d(1, 11)) == world.class_5a
    assert selectors.class_of_student(world.student, on=d(1, 12)) == five_b
    assert [e.pk for e in selectors.class_history(world.class_5a)] == [old.pk]
    assert pupil not in selectors.students_of_group(sub, on=d(1, 12))  # subgroup of the old class ends
    assert pupil in selectors.students_of_group(sub, on=d(1, 11))
    assert pupil in selectors.students_of_group(cross, on=d(3, 1))  # same grade: the cross-class group stays
    assert pupil in selectors.students_of_group(f.whole_group(five_b), on=d(1, 12))
    event = AuditEvent.objects.get(action="transfer_student")
    assert event.data["closed"]["new"]["ends"] == "2027-01-11"


def test_transfer_to_another_grade_ends_cross_class_groups(world, admin_actor):
    pupil = world.student.student
    cross = structure.create_group(
        actor=admin_actor, year=world.year, kind="cross_class", name="5 проф.", grade=5
    )
    people.add_group_member(actor=admin_actor, group=cross, student=pupil, starts=d(9, 1))
    people.transfer_student(actor=admin_actor, student=pupil, to_class=world.class_6b, on_date=d(1, 12))
    assert cross.memberships.get().ends == d(1, 11)


def test_transfer_refusals(world, admin_actor):
    pupil = world.student.student
    kw = {"actor": admin_actor, "student": pupil}
    refused("to_class", people.transfer_student, **kw, to_class=world.class_5a, on_date=d(1, 12))
    refused("on_date", people.transfer_student, **kw, to_class=world.class_6b, on_date=d(9, 1))
    refused(
        "on_date", people.transfer_student, **kw, to_class=world.class_6b, on_date=datetime.date(2027, 6, 5)
    )
    refused(
        "on_date",
        people.transfer_student,
        actor=admin_actor,
        student=new_student(world),
        to_class=world.class_6b,
        on_date=d(1, 12),
    )
    next_year = years.create_year(
        actor=admin_actor, name="2027/2028", starts=datetime.date(2027, 9, 1), ends=datetime.date(2028, 5, 31)
    )
    six_a = structure.create_class(actor=admin_actor, year=next_year, grade=6, letter="А")
    refused("on_date", people.transfer_student, **kw, to_class=six_a, on_date=d(1, 12))


# Group memberships


def test_subgroup_members_must_be_in_the_class(world, admin_actor):
    sub = structure.create_group(
        actor=admin_actor, year=world.year, kind="subgroup", name="5А-1", school_class=world.class_5a
    )
    kw = {"actor": admin_actor, "group": sub}
    msg = refused(
        "student", people.add_group_member, **kw, student=world.other_student.student, starts=d(9, 1)
    )
    assert "5А" in msg[0]
    pupil = new_student(world)
    people.enroll_student(
        actor=admin_actor, student=pupil, school_class=world.class_5a, starts=d(10, 1), ends=d(12, 31)
    )
    refused("student", people.add_group_member, **kw, student=pupil, starts=d(9, 15))  # before arrival
    refused("student", people.add_group_member, **kw, student=pupil, starts=d(10, 1))  # open end, she leaves
    people.add_group_member(**kw, student=pupil, starts=d(10, 1), ends=d(12, 31))
    refused("starts", people.add_group_member, **kw, student=pupil, starts=d(11, 1), ends=d(11, 2))
    refused(
        "starts",
        people.add_group_member,
        **kw,
        student=world.student.student,
        starts=datetime.date(2026, 8, 1),
    )
    refused(
        "ends", people.add_group_member, **kw, student=world.student.student, starts=d(10, 1), ends=d(9, 1)
    )
    whole = f.whole_group(world.class_5a)
    refused(
        NON_FIELD_ERRORS,
        people.add_group_member,
        actor=admin_actor,
        group=whole,
        student=world.student.student,
        starts=d(9, 1),
    )


def test_cross_class_members_must_be_in_a_class_of_the_grade(world, admin_actor):
    cross = structure.create_group(
        actor=admin_actor, year=world.year, kind="cross_class", name="5 проф.", grade=5
    )
    refused(
        "student",
        people.add_group_member,
        actor=admin_actor,
        group=cross,
        student=world.other_student.student,
        starts=d(9, 1),
    )
    m = people.add_group_member(actor=admin_actor, group=cross, student=world.student.student, starts=d(9, 1))
    assert world.student.student in selectors.students_of_group(cross, on=d(10, 1))
    refused(
        "ends", people.end_group_membership, actor=admin_actor, membership=m, ends=datetime.date(2026, 8, 1)
    )
    people.end_group_membership(actor=admin_actor, membership=m, ends=d(10, 1))
    assert world.student.student not in selectors.students_of_group(cross, on=d(10, 2))
    assert AuditEvent.objects.filter(action__in=["add_group_member", "end_group_membership"]).count() == 2


# Courses


def test_create_course_and_refusals(world, admin_actor, other_world):
    sub = structure.create_group(
        actor=admin_actor, year=world.year, kind="subgroup", name="5А-1", school_class=world.class_5a
    )
    english = structure.save_subject(actor=admin_actor, name="Английский язык", short_name="Англ.")
    kw = {"actor": admin_actor, "group": sub}
    refused(
        "subject",
        structure.create_course,
        actor=admin_actor,
        group=f.whole_group(world.class_5a),
        subject=world.math_5a.subject,
        teachers=[world.teacher],
    )
    refused("teachers", structure.create_course, **kw, subject=english, teachers=[world.student])
    refused("teachers", structure.create_course, **kw, subject=english, teachers=[other_world.teacher])
    refused("hours_per_week", structure.create_course, **kw, subject=english, teachers=[], hours_per_week=0)
    foreign = Subject.objects.filter(school=other_world.school).first()
    refused("subject", structure.create_course, **kw, subject=foreign, teachers=[])
    course = structure.create_course(
        **kw, subject=english, teachers=[world.teacher, world.substitute], hours_per_week=Decimal("1.5")
    )
    assert course.year == world.year
    assert set(course.teachers.values_list("teacher_id", "starts")) == {
        (world.teacher.pk, world.year.starts),
        (world.substitute.pk, world.year.starts),
    }
    assert course in selectors.courses_of_teacher(world.substitute, world.year)


def test_set_course_teachers_keeps_earlier_dates(world, admin_actor):
    course = world.math_5a
    structure.set_course_teachers(
        actor=admin_actor, course=course, teachers=[world.substitute], on_date=d(1, 12)
    )
    rows = {(a.teacher_id, a.starts, a.ends) for a in course.teachers.all()}
    assert rows == {(world.teacher.pk, d(9, 1), d(1, 11)), (world.substitute.pk, d(1, 12), None)}
    assert course in selectors.courses_of_teacher(world.teacher, world.year)
    assert course not in selectors.courses_of_teacher(world.teacher, world.year, on=d(1, 12))
    assert course in selectors.courses_of_teacher(world.substitute, world.year, on=d(1, 12))
    refused(
        "on_date",
        structure.set_course_teachers,
        actor=admin_actor,
        course=course,
        teachers=[],
        on_date=datetime.date(2027, 7, 1),
    )
    structure.update_course(
        actor=admin_actor,
        course=course,
        hours_per_week=Decimal("5"),
        teachers=[world.substitute, world.teacher],
        on_date=d(2, 1),
    )
    course.refresh_from_db()
    assert course.hours_per_week == 5
    assert course.teachers.filter(teacher=world.teacher, ends__isnull=True).get().starts == d(2, 1)


# A closed year is read-only


def test_closed_year_refuses_every_write(world, admin_actor):
    sub = structure.create_group(
        actor=admin_actor, year=world.year, kind="subgroup", name="5А-1", school_class=world.class_5a
    )
    AcademicYear.objects.filter(pk=world.year.pk).update(status="closed")
    world.year.refresh_from_db()
    period = ReportingPeriod.objects.filter(scheme__year=world.year).first()
    enrollment = world.student.student.enrollments.get()
    calls = [
        (
            years.save_period,
            {
                "scheme": period.scheme,
                "period": period,
                "name": "x",
                "starts": period.starts,
                "ends": period.ends,
            },
        ),
        (years.delete_period, {"period": period}),
        (years.create_scheme, {"year": world.year, "kind": "trimesters"}),
        (years.assign_scheme_grades, {"year": world.year, "grades": {1: None}}),
        (years.save_holiday, {"year": world.year, "name": "x", "starts": d(1, 1), "ends": d(1, 2)}),
        (structure.create_class, {"year": world.year, "grade": 7, "letter": "В"}),
        (
            structure.update_class,
            {"school_class": world.class_5a, "grade": 5, "letter": "Д", "class_teacher": None},
        ),
        (
            structure.create_group,
            {"year": world.year, "kind": "subgroup", "name": "y", "school_class": world.class_5a},
        ),
        (structure.rename_group, {"group": sub, "name": "z"}),
        (
            people.enroll_student,
            {"student": new_student(world), "school_class": world.class_5a, "starts": d(10, 1)},
        ),
        (people.end_enrollment, {"enrollment": enrollment, "ends": d(10, 1)}),
        (
            people.transfer_student,
            {"student": world.student.student, "to_class": world.class_6b, "on_date": d(10, 1)},
        ),
        (people.add_group_member, {"group": sub, "student": world.student.student, "starts": d(9, 1)}),
        (structure.create_course, {"group": sub, "subject": world.math_5a.subject, "teachers": []}),
        (structure.set_course_teachers, {"course": world.math_5a, "teachers": [], "on_date": d(10, 1)}),
        (
            structure.update_course,
            {"course": world.math_5a, "hours_per_week": 2, "teachers": [], "on_date": d(10, 1)},
        ),
    ]
    for service, kwargs in calls:
        msg = refused(NON_FIELD_ERRORS, service, actor=admin_actor, **kwargs)
        assert world.year.name in msg[0], service.__name__


def test_each_write_leaves_one_audit_event(world, admin_actor, audit_actions):
    year = years.create_year(
        actor=admin_actor, name="2027/2028", starts=datetime.date(2027, 9, 1), ends=datetime.date(2028, 5, 31)
    )
    c = structure.create_class(
        actor=admin_actor, year=year, grade=6, letter="А", class_teacher=world.class_teacher
    )
    structure.update_class(
        actor=admin_actor, school_class=c, grade=6, letter="А", class_teacher=world.teacher
    )
    group = structure.create_group(actor=admin_actor, year=year, kind="subgroup", name="6А-1", school_class=c)
    structure.rename_group(actor=admin_actor, group=group, name="6А англ. 1")
    Enrollment.objects.filter(student=world.student.student).update(ends=world.year.ends)
    e = people.enroll_student(
        actor=admin_actor, student=world.student.student, school_class=c, starts=year.starts
    )
    people.add_group_member(actor=admin_actor, group=group, student=world.student.student, starts=year.starts)
    structure.create_course(
        actor=admin_actor, subject=world.math_5a.subject, group=group, teachers=[world.teacher]
    )
    people.end_enrollment(actor=admin_actor, enrollment=e, ends=datetime.date(2028, 3, 1))
    assert audit_actions() == [
        "create_year",
        "create_class",
        "update_class",
        "create_group",
        "rename_group",
        "enroll_student",
        "add_group_member",
        "create_course",
        "end_enrollment",
    ]
    ended = AuditEvent.objects.get(action="end_enrollment")
    assert ended.data["memberships_ended"] and ended.data["new"]["ends"] == "2028-03-01"
    assert set(AuditEvent.objects.values_list("actor", flat=True)) == {world.admin.user.pk}
