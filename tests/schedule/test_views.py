"""The school-structure pages: forms re-render with the message next to the field, good posts redirect."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from schedule.models import AcademicYear, Enrollment, GroupMembership, Holiday, SchoolClass, StudyGroup
from schedule.services import people, structure, years
from tests import factories as f

from .conftest import d
from .test_services import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin.user)
    return client


def field_errors(response, field):
    form = response.context["form"]
    return form.errors.get(field, [])


@pytest.fixture
def rich(world, admin_actor):
    """The world with a subgroup with a member, a holiday, a room and a transfer in its history."""
    sub = structure.create_group(
        actor=admin_actor, year=world.year, kind="subgroup", name="5А-1", school_class=world.class_5a
    )
    people.add_group_member(actor=admin_actor, group=sub, student=world.student.student, starts=d(9, 1))
    years.save_holiday(actor=admin_actor, year=world.year, name="Осенние", starts=d(10, 27), ends=d(11, 4))
    building = structure.save_building(actor=admin_actor, name="Корпус 1")
    structure.save_room(actor=admin_actor, building=building, name="101", subjects=[world.math_5a.subject])
    people.transfer_student(
        actor=admin_actor, student=world.other_student.student, to_class=world.class_5a, on_date=d(11, 10)
    )
    return sub


def every_get_url(world, sub):
    period = world.year.schemes.get(kind="quarters").periods.first()
    enrollment = Enrollment.objects.filter(school_class=world.class_5a, ends__isnull=True).first()
    return [
        reverse("schedule:setup"),
        reverse("schedule:year_list"),
        reverse("schedule:year_edit", args=[world.year.pk]),
        reverse("schedule:period_list", args=[world.year.pk]),
        reverse("schedule:scheme_create", args=[world.year.pk]),
        reverse("schedule:period_create", args=[period.scheme_id]),
        reverse("schedule:period_edit", args=[period.pk]),
        reverse("schedule:holiday_list"),
        reverse("schedule:holiday_edit", args=[Holiday.objects.get().pk]),
        reverse("schedule:building_list"),
        reverse("schedule:room_list"),
        reverse("schedule:subject_list"),
        reverse("schedule:subject_edit", args=[world.math_5a.subject_id]),
        reverse("schedule:class_list"),
        reverse("schedule:class_list") + "?on=2026-11-09",
        reverse("schedule:class_create"),
        reverse("schedule:class_detail", args=[world.class_5a.pk]),
        reverse("schedule:class_detail", args=[world.class_5a.pk]) + "?on=2026-11-10",
        reverse("schedule:class_edit", args=[world.class_5a.pk]),
        reverse("schedule:class_enroll", args=[world.class_5a.pk]),
        reverse("schedule:enrollment_end", args=[enrollment.pk]),
        reverse("schedule:enrollment_transfer", args=[enrollment.pk]),
        reverse("schedule:group_list"),
        reverse("schedule:group_detail", args=[sub.pk]),
        reverse("schedule:group_edit", args=[sub.pk]),
        reverse("schedule:group_member_add", args=[sub.pk]),
        reverse("schedule:membership_end", args=[sub.memberships.get().pk]),
        reverse("schedule:course_list"),
        reverse("schedule:course_edit", args=[world.math_5a.pk]),
    ]


def test_every_page_renders_for_the_admin_and_changes_nothing(admin_client, world, rich):
    before = snapshot()
    for url in every_get_url(world, rich):
        response = admin_client.get(url)
        assert response.status_code == 200, url
    assert snapshot() == before


def test_class_detail_shows_students_and_movement(admin_client, world, rich):
    url = reverse("schedule:class_detail", args=[world.class_5a.pk])
    page = admin_client.get(url + "?on=2026-11-10").content.decode()
    assert world.other_student.full_name in page and world.student.full_name in page
    assert reverse("schedule:enrollment_transfer", args=[world.student.student.enrollments.get().pk]) in page
    before = admin_client.get(url + "?on=2026-11-09").context["page"]
    assert [e.student.person for e in before.current] == [world.student]
    assert {e.student.person for e in before.history} == {world.student, world.other_student}


def test_year_create_good_and_bad(admin_client, world):
    url = reverse("schedule:year_list")
    response = admin_client.post(url, {"name": "2027/2028", "starts": "2027-09-01", "ends": "2027-08-01"})
    assert response.status_code == 200 and field_errors(response, "ends")
    response = admin_client.post(url, {"name": "2027/2028", "starts": "2027-05-01", "ends": "2028-05-31"})
    assert response.status_code == 200 and field_errors(response, "starts")  # overlaps 2026/2027
    assert AcademicYear.objects.count() == 1
    response = admin_client.post(url, {"name": "2027/2028", "starts": "2027-09-01", "ends": "2028-05-31"})
    year = AcademicYear.objects.get(name="2027/2028")
    assert response.status_code == 302 and response["Location"] == reverse(
        "schedule:period_list", args=[year.pk]
    )
    assert year.schemes.count() == 2


def test_class_create_duplicate_and_foreign_teacher(admin_client, world, other_world):
    url = reverse("schedule:class_create") + f"?year={world.year.pk}"
    response = admin_client.post(url, {"grade": 5, "letter": "А", "shift": 1})
    assert response.status_code == 200 and "5А" in field_errors(response, "letter")[0]
    response = admin_client.post(url, {"grade": 12, "letter": "А", "shift": 1})
    assert response.status_code == 200 and field_errors(response, "grade")
    response = admin_client.post(
        url, {"grade": 7, "letter": "А", "shift": 1, "class_teacher": other_world.teacher.pk}
    )
    assert response.status_code == 200 and field_errors(response, "class_teacher")
    assert b'class="error"' in response.content
    assert SchoolClass.objects.filter(year=world.year).count() == 2
    response = admin_client.post(
        url, {"grade": 7, "letter": "А", "shift": 1, "class_teacher": world.teacher.pk}
    )
    created = SchoolClass.objects.get(year=world.year, grade=7)
    assert response.status_code == 302 and response["Location"] == reverse(
        "schedule:class_detail", args=[created.pk]
    )
    assert StudyGroup.objects.filter(school_class=created, kind="whole_class").exists()


def test_year_of_another_school_is_404(admin_client, other_world):
    assert (
        admin_client.get(reverse("schedule:class_list") + f"?year={other_world.year.pk}").status_code == 404
    )
    assert admin_client.get(reverse("schedule:class_list") + "?year=abc").status_code == 404


def test_period_edit_overlap_rerenders(admin_client, world):
    second = world.year.schemes.get(kind="quarters").periods.get(number=2)
    url = reverse("schedule:period_edit", args=[second.pk])
    response = admin_client.post(url, {"name": second.name, "starts": "2026-10-20", "ends": "2026-12-28"})
    assert response.status_code == 200 and field_errors(response, "starts")
    second.refresh_from_db()
    assert second.starts == datetime.date(2026, 11, 5)
    response = admin_client.post(url, {"name": second.name, "starts": "2026-11-09", "ends": "2026-12-28"})
    assert response.status_code == 302


def test_grades_form_moves_a_grade(admin_client, world):
    halves = world.year.schemes.get(kind="halves")
    quarters = world.year.schemes.get(kind="quarters")
    data = {f"grade_{g}": quarters.pk for g in range(1, 10)} | {
        "grade_9": halves.pk,
        "grade_10": halves.pk,
        "grade_11": halves.pk,
    }
    response = admin_client.post(reverse("schedule:period_list", args=[world.year.pk]), data)
    assert response.status_code == 302
    halves.refresh_from_db()
    assert halves.grades == [9, 10, 11]


def test_enroll_transfer_and_leave_through_pages(admin_client, world):
    pupil = f.make_person(world.school, roles=[Role.STUDENT], last_name="Новая")
    enroll = reverse("schedule:class_enroll", args=[world.class_6b.pk])
    response = admin_client.post(enroll, {"student": world.student.student.pk, "starts": "2026-10-01"})
    assert response.status_code == 200 and field_errors(response, "student")  # already in 5А
    response = admin_client.post(enroll, {"student": pupil.student.pk, "starts": "2026-10-01"})
    assert response.status_code == 302
    enrollment = pupil.student.enrollments.get()
    transfer = reverse("schedule:enrollment_transfer", args=[enrollment.pk])
    response = admin_client.post(transfer, {"to_class": world.class_5a.pk, "on_date": "2026-10-01"})
    assert response.status_code == 200 and field_errors(response, "on_date")
    response = admin_client.post(transfer, {"to_class": world.class_5a.pk, "on_date": "2026-12-01"})
    assert response.status_code == 302
    new = pupil.student.enrollments.get(school_class=world.class_5a)
    leave = reverse("schedule:enrollment_end", args=[new.pk])
    response = admin_client.post(leave, {"ends": "2026-11-01", "departure_note": ""})
    assert response.status_code == 200 and field_errors(response, "ends")
    response = admin_client.post(leave, {"ends": "2027-02-01", "departure_note": "в гимназию № 2"})
    assert response.status_code == 302
    assert [(e.school_class.name, e.ends) for e in pupil.student.enrollments.order_by("starts")] == [
        ("6Б", datetime.date(2026, 11, 30)),
        ("5А", datetime.date(2027, 2, 1)),
    ]


def test_member_form_refuses_a_student_outside_the_class(admin_client, world, rich):
    url = reverse("schedule:group_member_add", args=[rich.pk])
    outsider = f.make_person(world.school, roles=[Role.STUDENT], last_name="Чужой").student
    response = admin_client.post(url, {"student": outsider.pk, "starts": "2026-09-01"})
    assert response.status_code == 200 and field_errors(response, "student")
    # other_student is in 5А from 10.11 (transferred in): not before
    response = admin_client.post(url, {"student": world.other_student.student.pk, "starts": "2026-11-01"})
    assert response.status_code == 200 and field_errors(response, "student")
    response = admin_client.post(url, {"student": world.other_student.student.pk, "starts": "2026-11-10"})
    assert response.status_code == 302
    assert GroupMembership.objects.filter(group=rich).count() == 2


def test_course_pages(admin_client, world):
    url = reverse("schedule:course_list")
    group = f.whole_group(world.class_5a)
    response = admin_client.post(
        url,
        {
            "subject": world.math_5a.subject_id,
            "group": group.pk,
            "hours_per_week": "4",
            "teachers": [world.teacher.pk],
        },
    )
    assert response.status_code == 200 and field_errors(response, "subject")
    edit = reverse("schedule:course_edit", args=[world.math_5a.pk])
    response = admin_client.post(
        edit, {"hours_per_week": "5", "teachers": [world.substitute.pk], "on_date": "2027-01-12"}
    )
    assert response.status_code == 302
    assert world.math_5a.teachers.get(teacher=world.teacher).ends == datetime.date(2027, 1, 11)


def test_closed_year_form_shows_the_refusal(admin_client, world):
    AcademicYear.objects.filter(pk=world.year.pk).update(status="closed")
    url = reverse("schedule:class_create") + f"?year={world.year.pk}"
    response = admin_client.post(url, {"grade": 7, "letter": "А", "shift": 1})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not SchoolClass.objects.filter(grade=7).exists()


def test_class_teacher_sees_only_their_class(client, world):
    client.force_login(world.class_teacher.user)
    page = client.get(reverse("schedule:class_detail", args=[world.class_5a.pk]))
    assert page.status_code == 200
    assert reverse("schedule:class_enroll", args=[world.class_5a.pk]).encode() not in page.content
    assert client.get(reverse("schedule:class_detail", args=[world.class_6b.pk])).status_code == 403
    assert client.get(reverse("schedule:class_list")).status_code == 403


def test_director_reads_without_write_actions(client, world):
    client.force_login(world.director.user)
    page = client.get(reverse("schedule:class_list"))
    assert page.status_code == 200 and b"5\xd0\x90" in page.content  # «5А»
    assert reverse("schedule:class_create").encode() not in page.content
    response = client.post(
        reverse("schedule:holiday_list"), {"name": "x", "starts": "2026-12-30", "ends": "2026-12-31"}
    )
    assert response.status_code == 403 and not Holiday.objects.exists()
