"""Selectors: who is where on a date, the home-page reads, and query counts that do not grow with the data."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from schedule import selectors
from schedule.models import AcademicYear, CourseTeacher, Enrollment
from tests import factories as f

from .conftest import d

pytestmark = pytest.mark.django_db


def add_students(world, school_class, count, starts=None):
    for i in range(count):
        person = f.make_person(world.school, roles=[Role.STUDENT], login=False, last_name=f"Ученик{i:03}")
        f.enroll(person, school_class, starts=starts)


def test_current_year_prefers_the_open_year_containing_today(world):
    school = world.school
    assert selectors.current_year(school, today=d(11, 1)) == world.year
    later = f.make_year(school, start_year=2027)
    assert selectors.current_year(school, today=d(11, 1)) == world.year
    assert selectors.current_year(school, today=datetime.date(2027, 7, 1)) == later  # summer: the latest
    AcademicYear.objects.filter(pk=world.year.pk).update(status="closed")
    assert selectors.current_year(school, today=d(11, 1)) == later
    assert selectors.current_year(f.SchoolFactory()) is None


def test_current_open_year_is_the_current_year_while_it_is_open(world):
    """The year whose classes take new students and invite codes: none once the current year is closed."""
    school = world.school
    assert selectors.current_open_year(school, today=d(11, 1)) == world.year
    summer = datetime.date(2027, 7, 1)
    assert selectors.current_open_year(school, today=summer) == world.year  # the latest, still open
    AcademicYear.objects.filter(pk=world.year.pk).update(status="closed")
    assert selectors.current_open_year(school, today=summer) is None
    later = f.make_year(school, start_year=2027)
    assert selectors.current_open_year(school, today=summer) == later  # the next year, made in the summer
    assert selectors.current_open_year(f.SchoolFactory()) is None


def test_classes_of_year_counts_students_on_a_date(world):
    add_students(world, world.class_5a, 3, starts=d(10, 1))
    rows = {c.name: c for c in selectors.classes_of_year(world.year, on=d(9, 15))}
    assert rows["5А"].student_count == 1 and rows["6Б"].student_count == 1
    assert rows["5А"].class_teacher == world.class_teacher
    assert selectors.classes_of_year(world.year, on=d(10, 1)).get(pk=world.class_5a.pk).student_count == 4
    # outside the year the count is taken on its nearest day
    assert (
        selectors.classes_of_year(world.year, on=datetime.date(2030, 1, 1))
        .get(pk=world.class_5a.pk)
        .student_count
        == 4
    )


def test_students_of_class_and_group_by_date(world):
    pupil = f.make_person(world.school, roles=[Role.STUDENT], last_name="Аверина")
    Enrollment.objects.create(
        school=world.school,
        student=pupil.student,
        school_class=world.class_5a,
        starts=d(9, 1),
        ends=d(10, 31),
    )
    on_sep = list(selectors.students_of_class(world.class_5a, on=d(9, 10)))
    assert on_sep == [pupil.student, world.student.student]  # by surname
    assert list(selectors.students_of_class(world.class_5a, on=d(11, 1))) == [world.student.student]
    whole = f.whole_group(world.class_5a)
    assert list(selectors.students_of_group(whole, on=d(9, 10))) == on_sep


def test_class_history_keeps_every_stay(world):
    pupil = world.student.student
    Enrollment.objects.filter(student=pupil).update(ends=d(10, 31))
    Enrollment.objects.create(
        school=world.school, student=pupil, school_class=world.class_5a, starts=d(1, 12)
    )
    history = list(selectors.class_history(world.class_5a))
    assert [(e.starts, e.ends) for e in history] == [(d(9, 1), d(10, 31)), (d(1, 12), None)]
    assert selectors.class_of_student(world.student, on=d(12, 1)) is None
    assert selectors.class_of_student(pupil, on=d(1, 12)) == world.class_5a


def test_children_of_parent(world):
    brother = f.make_person(world.school, roles=[Role.STUDENT], last_name="Учеников", first_name="Антон")
    f.enroll(brother, world.class_6b)
    f.link_parent(world.parent, brother, "mother")
    children = selectors.children_of_parent(world.parent, on=d(10, 1))
    assert [c.person for c in children] == [brother, world.student]
    assert [c.current_class for c in children] == [world.class_6b, world.class_5a]
    assert children[0].relation == "mother"
    assert selectors.children_of_parent(world.parent, on=datetime.date(2030, 1, 1))[0].current_class is None
    assert selectors.children_of_parent(world.other_parent)[0].person == world.other_student


def test_courses_of_teacher(world):
    assert list(selectors.courses_of_teacher(world.class_teacher, world.year)) == [world.russian_5a]
    CourseTeacher.objects.filter(course=world.math_5a).update(ends=d(12, 31))
    assert world.math_5a in selectors.courses_of_teacher(world.teacher, world.year)
    assert world.math_5a not in selectors.courses_of_teacher(world.teacher, world.year, on=d(1, 12))


def test_class_page_query_count_does_not_grow_with_students(world, django_assert_num_queries):
    def load():
        page = selectors.class_page(world.class_5a, on=d(10, 1))
        for e in page.history:
            str(e.student.person.full_name)
        for c in page.courses:
            [a.teacher.short_name for a in c.teachers.all()] + [c.subject.name, c.group.name, c.year.starts]
        return page

    with django_assert_num_queries(4):  # enrollments+students, groups, courses, course teachers
        load()
    add_students(world, world.class_5a, 25)
    with django_assert_num_queries(4):
        assert len(load().current) == 26


def test_classes_of_year_is_one_query(world, django_assert_num_queries):
    add_students(world, world.class_6b, 10)
    with django_assert_num_queries(1):
        rows = [
            (c.name, c.class_teacher.short_name, c.student_count)
            for c in selectors.classes_of_year(world.year)
        ]
    assert ("6Б", world.other_teacher.short_name, 11) in rows


def page_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", ["schedule:class_list", "schedule:class_detail"])
def test_pages_have_a_fixed_number_of_queries(world, client, url_name, django_assert_num_queries):
    from django.urls import reverse

    client.force_login(world.admin.user)
    url = reverse(url_name, kwargs={"pk": world.class_5a.pk} if url_name.endswith("detail") else None)
    page_queries(client, url)  # warm the per-process caches (content types)
    small = page_queries(client, url)
    add_students(world, world.class_5a, 20)
    add_students(world, world.class_6b, 20)
    f.make_class(world.year, 7, "А", class_teacher=world.teacher)
    assert page_queries(client, url) == small
    with django_assert_num_queries(small):
        client.get(url)
