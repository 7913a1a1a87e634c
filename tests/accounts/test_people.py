"""People pages (R-SET people part): the admin writes, the director and deputy read, nobody sees another school."""

import datetime
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Consent, ParentLink, Person, Role, School, StaffRole
from schedule.models import AcademicYear, Enrollment
from schedule.services import people as class_people
from tests import factories as f
from tests.db_locks import InTransaction, second_waits_on_first
from tests.journal import actor

pytestmark = pytest.mark.django_db


def person_data(**over):
    data = {"last_name": "Новикова", "first_name": "Ольга", "patronymic": "Игоревна", "roles": ["teacher"]}
    data.update(over)
    return data


def test_admin_creates_a_teacher(client, login, world):
    login(world.admin)
    response = client.post(reverse("accounts:person_create"), person_data(roles=["teacher", "deputy"]))
    person = Person.objects.get(school=world.school, last_name="Новикова")
    assert response.status_code == 302 and response["Location"] == reverse(
        "accounts:person_detail", args=[person.pk]
    )
    assert set(person.staff_roles.values_list("role", flat=True)) == {"teacher", "deputy"}
    assert person.user is None
    event = AuditEvent.objects.get(action="person_created", object_id=str(person.pk))
    assert event.actor == world.admin.user and event.school == world.school


def test_admin_creates_a_student_enrolled_with_consent(client, login, world):
    login(world.admin)
    today = timezone.localdate()
    response = client.post(
        reverse("accounts:person_create"),
        person_data(
            roles=["student"],
            school_class=world.class_5a.pk,
            enrolled_from="2026-09-15",
            birth_date="2015-04-02",
            email="olga@example.ru",
            consent_document="Согласие № 7",
            consent_signed_on=today.isoformat(),
        ),
    )
    assert response.status_code == 302
    person = Person.objects.get(school=world.school, last_name="Новикова")
    assert person.student and person.birth_date == datetime.date(2015, 4, 2)
    enrollment = Enrollment.objects.get(student=person.student)
    assert enrollment.school_class == world.class_5a and enrollment.starts == datetime.date(2026, 9, 15)
    consent = Consent.objects.get(person=person)
    assert consent.recorded_by == world.admin.user and consent.document == "Согласие № 7"


def test_personal_data_needs_consent_first(client, login, world):
    login(world.admin)
    response = client.post(
        reverse("accounts:person_create"), person_data(email="olga@example.ru", phone="+7 900 000-00-00")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "email" in errors and "phone" in errors
    assert not Person.objects.filter(last_name="Новикова").exists()


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"last_name": ""}, "last_name"),
        ({"last_name": "   "}, "last_name"),
        ({"email": "not-an-address", "consent_document": "С-1", "consent_signed_on": "2026-09-01"}, "email"),
        ({"roles": []}, "roles"),
        ({"roles": ["student", "teacher"]}, "roles"),
        ({"roles": ["teacher"], "school_class": "__5a__"}, "school_class"),
        (
            {"birth_date": "2990-01-01", "consent_document": "С-1", "consent_signed_on": "2026-09-01"},
            "birth_date",
        ),
        ({"consent_document": "С-1"}, "consent_signed_on"),
    ],
)
def test_bad_input_is_refused_next_to_the_field(client, login, world, bad, field):
    login(world.admin)
    if bad.get("school_class") == "__5a__":
        bad["school_class"] = world.class_5a.pk
    before = Person.objects.count()
    response = client.post(reverse("accounts:person_create"), person_data(**bad))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert Person.objects.count() == before


def test_class_of_another_school_is_not_a_choice(client, login, world, other_world):
    login(world.admin)
    response = client.post(
        reverse("accounts:person_create"),
        person_data(roles=["student"], school_class=other_world.class_5a.pk),
    )
    assert response.status_code == 200 and "school_class" in response.context["form"].errors


def test_edit_person_and_roles(client, login, world):
    login(world.admin)
    url = reverse("accounts:person_edit", args=[world.teacher.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, person_data(last_name="Математикова-Новая", first_name="Галина", roles=["teacher", "deputy"])
    )
    assert response.status_code == 302
    world.teacher.refresh_from_db()
    assert world.teacher.last_name == "Математикова-Новая"
    assert set(world.teacher.staff_roles.values_list("role", flat=True)) == {"teacher", "deputy"}
    event = AuditEvent.objects.get(action="person_updated", object_id=str(world.teacher.pk))
    assert event.data["roles_added"] == ["deputy"] and "last_name" in event.data["fields"]


def test_the_last_admin_cannot_lose_the_role(client, login, world):
    login(world.admin)
    response = client.post(
        reverse("accounts:person_edit", args=[world.admin.pk]),
        person_data(last_name="Админова", first_name="Анна", roles=["teacher"]),
    )
    assert response.status_code == 200 and "roles" in response.context["form"].errors
    assert StaffRole.objects.filter(person=world.admin, role=Role.ADMIN).exists()


def test_a_class_teacher_keeps_the_teacher_role_while_leading_a_class(client, login, world):
    login(world.admin)
    response = client.post(
        reverse("accounts:person_edit", args=[world.class_teacher.pk]),
        person_data(last_name="Классова", first_name="Жанна", roles=["deputy"]),
    )
    assert response.status_code == 200 and "roles" in response.context["form"].errors


def test_list_filters(client, login, world):
    login(world.admin)
    no_login = f.make_person(
        world.school, roles=[Role.PARENT], login=False, last_name="Безлогинова", first_name="Вера"
    )
    Consent.objects.create(
        school=world.school, person=world.student, document="С-1", signed_on=datetime.date(2026, 9, 1)
    )
    url = reverse("accounts:people")

    def names(**query):
        response = client.get(url, query)
        assert response.status_code == 200
        return {p.pk for p in response.context["page"].object_list}

    assert world.student.pk in names(kind="students") and world.teacher.pk not in names(kind="students")
    assert world.teacher.pk in names(kind="staff") and world.parent.pk not in names(kind="staff")
    assert names(kind="parents") == {world.parent.pk, world.other_parent.pk, no_login.pk}
    assert names(q="учени") == {world.student.pk, world.parent.pk}
    assert names(login="none") == {no_login.pk}
    assert no_login.pk not in names(login="yes")
    assert names(consent="yes") == {world.student.pk}
    assert world.student.pk not in names(consent="no")
    response = client.get(url, {"kind": "students"})
    assert "5А" in response.content.decode()  # the student's current class


def test_code_issued_filter(client, login, world):
    login(world.admin)
    pupil = f.make_person(
        world.school, roles=[Role.STUDENT], login=False, last_name="Кодова", first_name="Ира"
    )
    f.enroll(pupil, world.class_5a)
    client.post(reverse("accounts:invite_issue", args=[pupil.pk]), {"role": "student"})
    response = client.get(reverse("accounts:people"), {"login": "code"})
    assert [p.pk for p in response.context["page"].object_list] == [pupil.pk]


def test_director_and_deputy_read_but_do_not_write(client, login, world):
    for reader in (world.director, world.deputy):
        login(reader)
        assert client.get(reverse("accounts:people")).status_code == 200
        assert client.get(reverse("accounts:person_detail", args=[world.student.pk])).status_code == 200
        assert client.post(reverse("accounts:person_create"), person_data()).status_code == 403
        assert (
            client.post(reverse("accounts:person_edit", args=[world.student.pk]), person_data()).status_code
            == 403
        )
    assert not Person.objects.filter(last_name="Новикова").exists()


def test_person_of_another_school_is_404(client, login, world, other_world):
    login(world.admin)
    for name in (
        "accounts:person_detail",
        "accounts:person_edit",
        "accounts:consent_record",
        "accounts:invite_issue",
    ):
        assert client.get(reverse(name, args=[other_world.student.pk])).status_code == 404, name


def test_link_and_unlink_parent(client, login, world):
    login(world.admin)
    dad = f.make_person(
        world.school, roles=[Role.PARENT], login=False, last_name="Ученикова", first_name="Пётр"
    )
    url = reverse("accounts:person_link", args=[dad.pk])
    response = client.post(url, {"link-student": world.student.pk, "link-relation": "father"})
    assert response.status_code == 302
    link = ParentLink.objects.get(parent=dad.parent, student=world.student.student)
    assert link.relation == "father"
    assert AuditEvent.objects.filter(action="parent_linked", object_id=str(link.pk)).exists()

    again = client.post(url, {"link-student": world.student.pk, "link-relation": "father"})
    assert again.status_code == 200 and "student" in again.context["link_form"].errors

    page = client.get(reverse("accounts:person_detail", args=[world.student.pk]))
    assert "Ученикова Пётр" in page.content.decode()

    response = client.post(reverse("accounts:person_unlink", args=[dad.pk, link.pk]))
    assert response.status_code == 302 and not ParentLink.objects.filter(pk=link.pk).exists()


def test_link_from_the_students_page_and_other_school_refused(client, login, world, other_world):
    login(world.admin)
    url = reverse("accounts:person_link", args=[world.other_student.pk])
    response = client.post(url, {"link-parent": world.parent.pk, "link-relation": "guardian"})
    assert response.status_code == 302
    assert ParentLink.objects.filter(parent=world.parent.parent, student=world.other_student.student).exists()
    response = client.post(url, {"link-parent": other_world.parent.pk, "link-relation": "mother"})
    assert response.status_code == 200 and "parent" in response.context["link_form"].errors


def test_school_settings(client, login, world):
    login(world.admin)
    url = reverse("accounts:school_settings")
    assert client.get(url).status_code == 200
    bad = client.post(url, {"name": "", "short_name": "x", "timezone": "Mars/Olympus"})
    assert bad.status_code == 200 and {"name", "timezone"} <= set(bad.context["form"].errors)
    assert not AuditEvent.objects.filter(action="school_settings_changed").exists()
    login(world.director)
    assert client.post(url, {"name": "X", "short_name": "X", "timezone": "Europe/Moscow"}).status_code == 403
    login(world.admin)

    response = client.post(
        url,
        {
            "name": "Гимназия № 5",
            "short_name": "Гимн. 5",
            "address": "ул. Ленина, 1",
            "timezone": "Asia/Yekaterinburg",
            "require_staff_2fa": "on",
        },
    )
    assert response.status_code == 302
    school = School.objects.get(pk=world.school.pk)
    assert (school.short_name, school.timezone, school.require_staff_2fa) == (
        "Гимн. 5",
        "Asia/Yekaterinburg",
        True,
    )
    event = AuditEvent.objects.get(action="school_settings_changed")
    assert event.data["changed"]["require_staff_2fa"] == [False, True]
    # Staff must now set up a second factor before anything else (the lead's middleware).
    assert client.get(url)["Location"] == reverse("accounts:otp_setup")


# A student created with a class is enrolled by schedule's enroll_student (issue 15)


def new_student_in_5a(world):
    """The admin's `create_person` of a student enrolled into 5А from 15 September, ready to call."""
    return partial(
        class_people.create_person,
        actor=actor(world.admin),
        last_name="Новикова",
        first_name="Ольга",
        roles=["student"],
        school_class=world.class_5a,
        enrolled_from=datetime.date(2026, 9, 15),
    )


def test_a_student_created_with_a_class_is_enrolled_by_schedules_service_and_audited(world):
    person = new_student_in_5a(world)()
    enrollment = Enrollment.objects.get(student=person.student)
    event = AuditEvent.objects.get(action="enroll_student", object_id=str(enrollment.pk))
    assert event.actor == world.admin.user and event.data["school_class"] == world.class_5a.pk
    assert event.data["starts"] == "2026-09-15" and event.summary.endswith("→ 5А")


@pytest.mark.django_db(transaction=True)
def test_a_year_closed_while_the_student_is_created_refuses_the_enrolment_and_keeps_no_person(world):
    year = world.class_5a.year
    closing = InTransaction(
        lambda: AcademicYear.objects.filter(pk=year.pk).update(status=AcademicYear.Status.CLOSED)
    )
    creating = InTransaction(new_student_in_5a(world))
    # The enrolment waits on the year's row lock (schedule's lock_open_year), then reads the year closed.
    second_waits_on_first(closing, creating)
    assert isinstance(creating.error, ValidationError)
    assert creating.error.message_dict == {
        "__all__": ["Учебный год 2026/2027 — закрыт: его структуру больше нельзя менять."]
    }
    assert not Person.objects.filter(last_name="Новикова").exists()
    assert not Enrollment.objects.filter(
        school_class=world.class_5a, starts=datetime.date(2026, 9, 15)
    ).exists()
