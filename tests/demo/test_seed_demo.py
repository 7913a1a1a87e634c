"""The demo school builder and `seed_demo` (ejournal/demo/), on the tiny size."""

import datetime
import json
from collections import defaultdict
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction

from accounts.actor import load_actor
from accounts.models import AuditEvent, ParentLink, Person, Role, School, Student
from ejournal import demo
from schedule.models import (
    Course,
    CourseTeacher,
    Enrollment,
    GroupMembership,
    Holiday,
    ReportingPeriod,
    SchoolClass,
    StudyGroup,
    Subject,
)

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def tiny(db):
    return demo.build_demo(size="tiny", today=TODAY)


def people_of(school):
    return list(
        Person.objects.filter(school=school)
        .order_by("id")
        .values_list("last_name", "first_name", "patronymic", "birth_date")
    )


def login_person(school, role, prefix="tiny-"):
    return Person.objects.get(school=school, user__username=prefix + demo.USERNAMES[role])


def test_two_builds_give_the_same_school(db):
    a = demo.build_demo(size="tiny", slug="demo-a", today=TODAY, login_prefix="a-")
    b = demo.build_demo(size="tiny", slug="demo-b", today=TODAY, login_prefix="b-")
    assert people_of(a.school) == people_of(b.school)
    assert a.counts == b.counts
    assert [(x.role, x.person.full_name) for x in a.logins] == [
        (x.role, x.person.full_name) for x in b.logins
    ]

    def classes(school):
        return list(
            SchoolClass.objects.filter(school=school)
            .order_by("grade", "letter")
            .values_list("grade", "letter", "class_teacher__last_name", "class_teacher__first_name")
        )

    assert classes(a.school) == classes(b.school)


def test_another_seed_gives_other_names(db):
    a = demo.build_demo(size="tiny", slug="demo-a", today=TODAY, login_prefix="a-")
    b = demo.build_demo(size="tiny", slug="demo-b", today=TODAY, login_prefix="b-", seed=7)
    assert people_of(a.school) != people_of(b.school)


def test_the_year_of_today_with_its_periods_and_holidays(tiny):
    year = tiny.calendar.year
    assert (year.name, year.starts, year.ends) == (
        "2026/2027",
        datetime.date(2026, 9, 1),
        datetime.date(2027, 5, 31),
    )
    d = datetime.date
    quarters = ReportingPeriod.objects.filter(scheme__year=year, scheme__kind="quarters").order_by("number")
    assert [(p.starts, p.ends) for p in quarters] == [
        (d(2026, 9, 1), d(2026, 10, 24)),
        (d(2026, 11, 5), d(2026, 12, 28)),
        (d(2027, 1, 12), d(2027, 3, 20)),
        (d(2027, 3, 30), d(2027, 5, 31)),
    ]
    assert tiny.calendar.schemes["quarters"].grades == list(range(1, 10))
    assert tiny.calendar.schemes["halves"].grades == [10, 11]
    assert ReportingPeriod.objects.filter(scheme__kind="halves", scheme__year=year).count() == 2
    holidays = {h.name: h for h in Holiday.objects.filter(year=year)}
    assert len(holidays) == 4
    first_grade_only = [h for h in holidays.values() if h.grades]
    assert len(first_grade_only) == 1 and first_grade_only[0].grades == [1]
    assert first_grade_only[0].starts.month == 2


def test_every_demo_login_has_its_role(tiny):
    school = tiny.school
    expected = {
        "admin": Role.ADMIN,
        "director": Role.DIRECTOR,
        "deputy": Role.DEPUTY,
        "class_teacher": Role.TEACHER,
        "teacher": Role.TEACHER,
        "student": Role.STUDENT,
        "parent": Role.PARENT,
    }
    for role, want in expected.items():
        person = login_person(school, role)
        user = person.user
        assert user.check_password(demo.DEMO_PASSWORD)
        assert user.last_school_id == school.id
        actor = load_actor(user, school.id)
        assert actor.primary_role == want, role
    assert not School.objects.get(pk=school.pk).require_staff_2fa


def test_the_class_teacher_leads_a_class_and_teaches_a_subject_in_it(tiny):
    person = login_person(tiny.school, "class_teacher")
    led = SchoolClass.objects.get(class_teacher=person)
    taught = Subject.objects.filter(
        courses__group__school_class=led, courses__teachers__teacher=person, no_final_assessment=False
    )
    assert taught.exists()


def test_the_teacher_leads_no_class_and_teaches(tiny):
    person = login_person(tiny.school, "teacher")
    assert not SchoolClass.objects.filter(class_teacher=person).exists()
    assert CourseTeacher.objects.filter(teacher=person).exists()


def test_the_parent_has_two_children_in_different_classes_one_of_them_the_student(tiny):
    parent = login_person(tiny.school, "parent")
    student = login_person(tiny.school, "student")
    children = Student.objects.filter(parent_links__parent__person=parent)
    assert children.count() == 2
    assert student.student in children
    classes = {e.school_class_id for e in Enrollment.objects.filter(student__in=children, ends__isnull=True)}
    assert len(classes) == 2
    assert len({c.person.last_name.removesuffix("а") for c in children}) == 1  # siblings share a surname


def test_logins_json_has_the_seven_roles(db, tmp_path):
    path = tmp_path / "logins.json"
    call_command("seed_demo", size="tiny", today=TODAY, logins_json=str(path), stdout=StringIO())
    logins = json.loads(path.read_text())
    assert [x["role"] for x in logins] == list(demo.LOGIN_ROLES)
    assert {x["password"] for x in logins} == {demo.DEMO_PASSWORD}
    User = get_user_model()
    assert User.objects.filter(username__in=[x["username"] for x in logins]).count() == 7


def test_no_student_is_in_two_classes_at_once(tiny):
    stays = defaultdict(list)
    for e in Enrollment.objects.filter(school=tiny.school):
        stays[e.student_id].append((e.starts, e.ends or datetime.date.max, e.school_class_id))
    for ranges in stays.values():
        ranges.sort()
        for (_a, end, _c), (start, _b, _d) in zip(ranges, ranges[1:], strict=False):
            assert end < start
    # The movement history: an arrival, a departure and one transfer between two classes of a grade.
    year = tiny.calendar.year
    enrollments = Enrollment.objects.filter(school=tiny.school)
    assert enrollments.filter(starts__gt=year.starts).exclude(arrival_note__startswith="перевод").exists()
    assert enrollments.filter(ends__isnull=False).exclude(departure_note__startswith="перевод").exists()
    moved = [s for s, r in stays.items() if len(r) == 2]
    assert len(moved) == 1
    grades = set(SchoolClass.objects.filter(enrollments__student_id=moved[0]).values_list("grade", flat=True))
    assert len(grades) == 1


def test_every_class_has_a_class_teacher_who_teaches_there(tiny):
    leaders = []
    for c in SchoolClass.objects.filter(school=tiny.school):
        assert c.class_teacher_id
        assert CourseTeacher.objects.filter(teacher=c.class_teacher, course__group__school_class=c).exists()
        leaders.append(c.class_teacher_id)
    assert len(leaders) == len(set(leaders))
    for course in Course.objects.filter(school=tiny.school):
        assert course.teachers.count() == 1


def test_english_is_taught_in_two_subgroups_from_grade_2(tiny):
    school, year = tiny.school, tiny.calendar.year
    english = Subject.objects.get(school=school, name="Английский язык")
    for c in SchoolClass.objects.filter(school=school):
        subgroups = StudyGroup.objects.filter(school_class=c, kind="subgroup")
        if c.grade == 1:
            assert not subgroups.exists()
            assert not Course.objects.filter(group__school_class=c, subject=english).exists()
            continue
        assert subgroups.count() == 2
        assert Course.objects.filter(group__in=subgroups, subject=english).count() == 2
        assert not Course.objects.filter(
            group__school_class=c, group__kind="whole_class", subject=english
        ).exists()
        # Each stay in the class is covered by exactly one subgroup membership with the same dates.
        for e in Enrollment.objects.filter(school_class=c):
            ms = GroupMembership.objects.filter(student=e.student, group__in=subgroups)
            assert [(m.starts, m.ends) for m in ms] == [(e.starts, e.ends)]
        sizes = [GroupMembership.objects.filter(group=g, starts=year.starts).count() for g in subgroups]
        assert abs(sizes[0] - sizes[1]) <= 1


def test_a_subject_without_final_assessment_exists(tiny):
    subjects = Subject.objects.filter(school=tiny.school, no_final_assessment=True)
    assert list(subjects.values_list("name", flat=True)) == ["Разговоры о важном"]
    assert (
        Course.objects.filter(subject__in=subjects).count()
        == SchoolClass.objects.filter(school=tiny.school).count()
    )


def test_names_agree_in_gender(tiny):
    girls, boys = set(demo.GIRLS), set(demo.BOYS)
    for p in Person.objects.filter(school=tiny.school, student__isnull=False):
        female = p.patronymic.endswith("на")
        assert p.first_name in (girls if female else boys), p.full_name
        if p.last_name.endswith(("ов", "ев", "ёв", "ин")):
            assert not female, p.full_name
        if p.last_name.endswith(("ова", "ева", "ёва", "ина")):
            assert female, p.full_name


def test_birth_dates_follow_the_grade(tiny):
    for e in Enrollment.objects.filter(school=tiny.school).select_related("student__person", "school_class"):
        age = (datetime.date(2026, 9, 1) - e.student.person.birth_date).days / 365.25
        grade = e.school_class.grade
        assert grade + 5 < age < grade + 7.6, (e.student.person, grade, age)


def test_if_empty_is_idempotent(db, tmp_path):
    path = tmp_path / "logins.json"
    call_command(
        "seed_demo", size="tiny", today=TODAY, if_empty=True, logins_json=str(path), stdout=StringIO()
    )
    school = School.objects.get(slug="demo-tiny")
    before = demo.count_rows(school)
    path.unlink()
    out = StringIO()
    call_command("seed_demo", size="tiny", today=TODAY, if_empty=True, logins_json=str(path), stdout=out)
    assert "nothing to do" in out.getvalue()
    assert demo.count_rows(school) == before
    assert School.objects.filter(slug="demo-tiny").count() == 1
    assert [x["role"] for x in json.loads(path.read_text())] == list(demo.LOGIN_ROLES)


def test_reset_rebuilds_the_school_and_its_audit_trail(db):
    first = demo.build_demo(size="tiny", today=TODAY)
    AuditEvent.objects.create(school=first.school, actor=first.logins[0].person.user, action="login")
    names = people_of(first.school)
    call_command("seed_demo", size="tiny", today=TODAY, reset=True, stdout=StringIO())
    school = School.objects.get(slug="demo-tiny")
    assert school.pk != first.school.pk
    assert not AuditEvent.objects.filter(school_id=first.school.pk).exists()
    assert demo.count_rows(school) == first.counts
    assert people_of(school) == names
    # The append-only trigger is on again.
    AuditEvent.objects.create(school=school, action="probe")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(school=school).delete()


def test_an_existing_school_is_not_rebuilt_without_a_flag(tiny):
    with pytest.raises(CommandError):
        call_command("seed_demo", size="tiny", today=TODAY, stdout=StringIO())
    assert ParentLink.objects.filter(school=tiny.school).exists()


def test_the_demo_password_meets_the_password_rules(db):
    """The demo logins are shown in the README: their password passes what the portal asks of everyone."""
    from django.contrib.auth.password_validation import validate_password

    validate_password(demo.DEMO_PASSWORD)  # raises ValidationError when too short or too common
