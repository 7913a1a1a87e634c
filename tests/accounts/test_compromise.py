"""A login reported compromised (R-ACC-7): a new password before anything else, and for staff a new
second factor right after it, even where the school does not make two-factor mandatory; families
set a new password only."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.actor import load_actor
from accounts.models import AuditEvent, User
from accounts.services.compromise import report_compromised
from tests.accounts.test_two_factor import SETUP, assert_signed_out, code, path_of, sign_in, with_two_factor
from tests.clock import moment
from tests.factories import PASSWORD, verified_login

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Sovsem-novyi-parol-2027"
CHANGE = reverse("accounts:password_change")


def report(world, person):
    return report_compromised(
        actor=load_actor(world.admin.user, world.school.pk),
        user=person.user,
        school=world.school,
        since=moment("2026-12-09 09:00"),
    )


def reaches_only(client, target: str) -> None:
    for url in (reverse("home"), reverse("accounts:security"), reverse("accounts:sessions")):
        response = client.get(url)
        assert response.status_code == 302 and path_of(response) == target, url
    assert client.post(reverse("accounts:choose_school"), {"school": 1}).status_code == 403


def change_password(client):
    response = client.post(
        CHANGE, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302


def test_a_staff_login_sets_a_new_password_then_a_new_second_factor(world):
    assert not world.school.require_staff_2fa  # not mandatory in this school: the report makes it so
    user = world.teacher.user
    with_two_factor(user)
    old_session = verified_login(Client(), user)
    report(world, world.teacher)
    assert_signed_out(old_session)
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="account_compromised")
    assert event.data["second_factor_reset"] and event.data["devices_removed"] > 0

    client = sign_in(Client(), user)
    reaches_only(client, CHANGE)  # first the password …
    assert client.get(CHANGE).status_code == 200
    change_password(client)
    reaches_only(client, SETUP)  # … then the second factor, and nothing else
    assert client.get(SETUP).status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SETUP, {"token": code(device)})
    assert response.status_code == 200  # the page with the new backup codes
    user.refresh_from_db()
    assert not user.must_set_up_second_factor and not user.must_change_password
    assert client.get(reverse("home")).status_code == 200


def test_a_parent_login_sets_a_new_password_only(world):
    user = world.parent.user
    report(world, world.parent)
    user.refresh_from_db()
    assert user.must_change_password and not user.must_set_up_second_factor
    assert not AuditEvent.objects.get(action="account_compromised").data["second_factor_reset"]
    client = sign_in(Client(), user)
    reaches_only(client, CHANGE)
    change_password(client)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(SETUP).status_code == 200  # open to them, never forced


def test_the_setup_is_not_asked_again_once_done_where_two_factor_is_optional(world):
    user = world.teacher.user
    report(world, world.teacher)
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    client = sign_in(Client(), user)
    reaches_only(client, SETUP)
    client.get(SETUP)
    client.post(SETUP, {"token": code(TOTPDevice.objects.get(user=user, confirmed=False))})
    assert User.objects.get(pk=user.pk).must_set_up_second_factor is False
    client.post(reverse("accounts:logout"))
    client = sign_in(Client(), user)  # the owner's next sign-in: the new authenticator is asked for
    response = client.get(reverse("home"))
    assert path_of(response) == reverse("accounts:otp_verify")
