"""Resets by the school (R-ACC-2, issue 14): a temporary password on a slip, a lost second factor.

The admin resets anyone of the school; a class teacher only their class's students and parents. The
first sign-in with a temporary password opens nothing but the password page and sign-out. Every reset
ends the login's sessions and is audited.
"""

import datetime
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, Role, StaffRole
from accounts.services import resets
from tests import factories as f
from tests.accounts.test_two_factor import assert_signed_out, path_of, sign_in, with_two_factor
from tests.factories import PASSWORD, verified_login

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Sovsem-novyi-parol-2027"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    return client


def reset(client, person):
    return client.post(reverse("accounts:reset_person", args=[person.pk]))


def pdf_text(response, tmp_path) -> str:
    pdf = tmp_path / "slips.pdf"
    pdf.write_bytes(response.content)
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_the_admin_resets_a_teacher_who_must_then_choose_a_new_password(client, world):
    user = world.teacher.user
    old_session = signed_in(user)
    client.force_login(world.admin.user)
    assert client.get(reverse("accounts:reset_person", args=[world.teacher.pk])).status_code == 200
    response = reset(client, world.teacher)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    user.refresh_from_db()
    assert user.must_change_password and not user.check_password(PASSWORD)
    event = AuditEvent.objects.get(action="password_reset_by_school")
    assert event.actor == world.admin.user and event.object_id == str(user.pk)
    assert_signed_out(old_session)


def test_the_temporary_password_opens_only_the_password_page_until_a_new_one_is_chosen(world):
    slip = resets.reset_password(actor=_actor(world.admin), person=world.student)
    assert len(slip.password) == 14 and slip.username == world.student.user.username
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": slip.username, "password": slip.password})
    assert response.status_code == 302
    for url in (reverse("home"), reverse("accounts:security"), reverse("join:start")):
        response = client.get(url)
        assert response.status_code == 302 and path_of(response) == reverse("accounts:password_change"), url
    refused = AuditEvent.objects.filter(action="permission_denied", actor=world.student.user).count()
    assert client.post(reverse("accounts:choose_school"), {"school": world.school.pk}).status_code == 403
    assert (
        AuditEvent.objects.filter(action="permission_denied", actor=world.student.user).count() == refused + 1
    )
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": slip.password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    world.student.user.refresh_from_db()
    assert not world.student.user.must_change_password
    assert client.get(reverse("home")).status_code == 200


def test_sign_out_stays_open_with_a_temporary_password(world):
    slip = resets.reset_password(actor=_actor(world.admin), person=world.parent)
    client = Client()
    client.post(reverse("accounts:login"), {"username": slip.username, "password": slip.password})
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert path_of(client.get(reverse("home"))) == reverse("accounts:login")


def test_a_reset_unlocks_the_login(world):
    user = world.student.user
    user.locked_until = timezone.now() + datetime.timedelta(minutes=15)
    user.failed_login_count = 3
    user.save()
    resets.reset_password(actor=_actor(world.admin), person=world.student)
    user.refresh_from_db()
    assert user.locked_until is None and user.failed_login_count == 0


def _actor(person):
    from accounts.actor import load_actor

    return load_actor(person.user, person.school_id, "127.0.0.1")


# The class teacher: their class's families only.


def test_the_class_teacher_resets_a_student_and_a_parent_of_their_class(client, world):
    client.force_login(world.class_teacher.user)
    assert reset(client, world.student).status_code == 200
    assert reset(client, world.parent).status_code == 200
    world.parent.user.refresh_from_db()
    assert world.parent.user.must_change_password


@pytest.mark.parametrize("whom", ["teacher", "admin", "other_student", "other_parent"])
def test_the_class_teacher_cannot_reset_staff_or_another_class(client, world, whom):
    person = getattr(world, whom)
    client.force_login(world.class_teacher.user)
    assert client.get(reverse("accounts:reset_person", args=[person.pk])).status_code == 403
    assert reset(client, person).status_code == 403
    person.user.refresh_from_db()
    assert not person.user.must_change_password and person.user.check_password(PASSWORD)


def test_the_class_teacher_cannot_reset_a_parent_who_is_on_the_staff(client, world):
    StaffRole.objects.create(school=world.school, person=world.parent, role=Role.DEPUTY)
    client.force_login(world.class_teacher.user)
    assert reset(client, world.parent).status_code == 403
    world.parent.user.refresh_from_db()
    assert not world.parent.user.must_change_password


def test_another_schools_person_is_a_404(client, world, other_world):
    client.force_login(world.admin.user)
    assert reset(client, other_world.teacher).status_code == 404
    assert (
        client.post(reverse("accounts:reset_second_factor", args=[other_world.teacher.pk])).status_code == 404
    )
    other_world.teacher.user.refresh_from_db()
    assert not other_world.teacher.user.must_change_password


@pytest.mark.parametrize("role", ["teacher", "deputy", "director", "student", "parent"])
def test_nobody_else_resets(client, world, role):
    client.force_login(getattr(world, role).user)
    assert reset(client, world.student).status_code == 403
    world.student.user.refresh_from_db()
    assert not world.student.user.must_change_password


def test_a_login_shared_with_another_school_is_not_reset_by_one_school(world, other_world):
    person = f.make_person(other_world.school, roles=[Role.ADMIN], login=False)
    person.user = world.parent.user
    person.save()
    with pytest.raises(ValidationError):
        resets.reset_password(actor=_actor(world.admin), person=world.parent)
    world.parent.user.refresh_from_db()
    assert not world.parent.user.must_change_password


def test_the_class_slips_reset_only_the_ticked_people(client, world, tmp_path):
    client.force_login(world.class_teacher.user)
    page = client.get(reverse("accounts:reset_class", args=[world.class_5a.pk]))
    assert page.status_code == 200 and world.parent.user.username in page.content.decode()
    response = client.post(
        reverse("accounts:reset_class", args=[world.class_5a.pk]), {"people": [world.student.pk]}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response, tmp_path)
    assert world.student.user.username in text and world.parent.user.username not in text
    world.student.user.refresh_from_db()
    world.parent.user.refresh_from_db()
    assert world.student.user.must_change_password and not world.parent.user.must_change_password


def test_the_class_slips_refuse_someone_of_another_class_and_change_nothing(client, world):
    client.force_login(world.class_teacher.user)
    response = client.post(
        reverse("accounts:reset_class", args=[world.class_5a.pk]),
        {"people": [world.student.pk, world.other_student.pk]},
    )
    assert response.status_code == 403
    world.student.user.refresh_from_db()
    assert not world.student.user.must_change_password


# A lost phone.


def test_the_admin_resets_a_lost_second_factor_and_the_teacher_sets_it_up_again(client, world):
    world.school.require_staff_2fa = True
    world.school.save()
    user = world.teacher.user
    with_two_factor(user)
    old_session = verified_login(Client(), user)
    assert old_session.get(reverse("home")).status_code == 200
    admin = verified_login(client, world.admin.user)
    response = admin.post(reverse("accounts:reset_second_factor", args=[world.teacher.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="2fa_reset_by_school")
    assert event.actor == world.admin.user and event.data["sessions_ended"]
    assert_signed_out(old_session)
    teacher = sign_in(Client(), user)
    response = teacher.get(reverse("home"))
    assert response.status_code == 302 and path_of(response) == reverse("accounts:otp_setup")


def test_a_teacher_who_chose_two_factor_sets_it_up_again_after_the_reset_where_it_is_optional(client, world):
    assert not world.school.require_staff_2fa
    user = world.teacher.user
    with_two_factor(user)
    admin = verified_login(client, world.admin.user)
    assert admin.post(reverse("accounts:reset_second_factor", args=[world.teacher.pk])).status_code == 302
    teacher = sign_in(Client(), user)
    response = teacher.get(reverse("home"))
    assert response.status_code == 302 and path_of(response) == reverse("accounts:otp_setup")
    # A login without a second factor is not made to take one by a reset.
    other = world.other_teacher.user
    assert (
        admin.post(reverse("accounts:reset_second_factor", args=[world.other_teacher.pk])).status_code == 302
    )
    assert sign_in(Client(), other).get(reverse("home")).status_code == 200


@pytest.mark.parametrize("role", ["class_teacher", "director", "deputy"])
def test_only_the_admin_resets_a_second_factor(client, world, role):
    with_two_factor(world.teacher.user)
    client.force_login(getattr(world, role).user)
    assert client.post(reverse("accounts:reset_second_factor", args=[world.teacher.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user=world.teacher.user).exists()


# --- the temporary password's expiry (settings.TEMPORARY_PASSWORD_DAYS) --------------------------------


def test_the_slip_says_until_when_the_temporary_password_signs_in(client, world, tmp_path, settings):
    assert settings.TEMPORARY_PASSWORD_DAYS == 14
    client.force_login(world.admin.user)
    text = pdf_text(reset(client, world.parent), tmp_path)
    assert "23.12.2026" in text  # 14 days after Wed 9 December 2026
    event = AuditEvent.objects.get(action="password_reset_by_school")
    assert event.data["valid_until"].startswith("2026-12-23")


def test_an_expired_temporary_password_is_refused_with_a_clear_message_and_audited(world, clock):
    slip = resets.reset_password(actor=_actor(world.admin), person=world.parent)
    clock.move_to("2026-12-23 09:59")
    client = Client()
    credentials = {"username": slip.username, "password": slip.password}
    assert client.post(reverse("accounts:login"), credentials).status_code == 302  # still valid
    client.post(reverse("accounts:logout"))
    clock.move_to("2026-12-23 10:01")
    response = client.post(reverse("accounts:login"), credentials)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Временный пароль с листка действовал до 23.12.2026. Попросите в школе новый." in page
    assert path_of(client.get(reverse("home"))) == reverse("accounts:login")  # not signed in
    event = AuditEvent.objects.get(action="login_refused_temporary_password_expired")
    assert event.object_id == str(world.parent.user.pk) and event.ip == "127.0.0.1"
    world.parent.user.refresh_from_db()
    assert world.parent.user.failed_login_count == 0  # the right password: no failure counted
    # a wrong password gets the usual answer: the expiry tells nothing to someone guessing
    wrong = client.post(reverse("accounts:login"), {**credentials, "password": "not-the-password"})
    assert "действовал до" not in wrong.content.decode()
    # the sign-in dialog refuses it the same way
    answer = client.post(reverse("accounts:session_sign_in"), credentials, HTTP_X_REQUESTED_WITH="fetch")
    assert answer.status_code == 400 and "Попросите в школе новый" in answer.json()["error"]


def test_a_new_password_ends_the_expiry_and_a_new_slip_starts_it_again(world, clock):
    slip = resets.reset_password(actor=_actor(world.admin), person=world.parent)
    client = Client()
    client.post(reverse("accounts:login"), {"username": slip.username, "password": slip.password})
    client.post(
        reverse("accounts:password_change"),
        {"old_password": slip.password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    world.parent.user.refresh_from_db()
    assert world.parent.user.temporary_password_until is None
    clock.move_to("2027-02-01 10:00")
    world.parent.user.must_change_password = True  # e.g. reported compromised: its own password still works
    world.parent.user.save()
    response = Client().post(reverse("accounts:login"), {"username": slip.username, "password": NEW_PASSWORD})
    assert response.status_code == 302
    slip = resets.reset_password(actor=_actor(world.admin), person=world.parent)
    clock.move_to("2027-02-16 10:00")
    response = Client().post(
        reverse("accounts:login"), {"username": slip.username, "password": slip.password}
    )
    assert response.status_code == 200 and "действовал до 15.02.2027" in response.content.decode()
