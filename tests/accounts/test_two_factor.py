"""The second factor cannot be skipped, changed or removed with the password alone (issue 14, holes 1 and 9).

A login with a confirmed second factor passes it before it may change or remove one or see its backup
codes; a lost phone is handled by a backup code at the verify step. Changing or removing a second factor
ends the login's other sessions. Staff of a school that makes two-factor mandatory, and the district
operator, reach nothing but the second-factor pages until they pass it.
"""

import re
import time

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent
from accounts.services import security
from tests import factories as f
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, user):
    """The password step only, as an attacker who knows the password would."""
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def code(device, offset_steps=0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():06d}"


def with_two_factor(user) -> tuple[TOTPDevice, list[str]]:
    """The owner's confirmed authenticator and backup codes."""
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    codes = [f"code{i:04d}" for i in range(10)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return device, codes


def second_factors(user):
    return (
        sorted(TOTPDevice.objects.filter(user=user).values_list("pk", "key", "confirmed")),
        sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)),
    )


def refusals(user) -> int:
    return AuditEvent.objects.filter(action="permission_denied", actor=user).count()


def path_of(response) -> str:
    return response["Location"].split("?")[0]


VERIFY = reverse("accounts:otp_verify")
SETUP = reverse("accounts:otp_setup")


@pytest.fixture
def mandatory(world):
    world.school.require_staff_2fa = True
    world.school.save()
    return world


# Hole 1: the password alone never touches a confirmed second factor.


def test_password_alone_cannot_set_up_a_new_authenticator(client, mandatory):
    user = mandatory.teacher.user
    with_two_factor(user)
    before = second_factors(user)
    sign_in(client, user)

    page = client.get(SETUP)
    assert page.status_code == 302 and path_of(page) == VERIFY
    # An authenticator the attacker started elsewhere (or before the owner had one) is not confirmed either.
    pending = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    before = second_factors(user)
    posted = client.post(SETUP, {"token": code(pending)})
    assert posted.status_code == 403
    assert second_factors(user) == before
    assert not client.get(reverse("home")).wsgi_request.user.is_verified()
    assert path_of(client.get(reverse("home"))) == VERIFY
    assert refusals(user) == 1


def test_password_alone_cannot_turn_two_factor_off(client, world):
    user = (
        world.teacher.user
    )  # the school does not make it mandatory: the owner may turn it off, not the attacker
    with_two_factor(user)
    before = second_factors(user)
    sign_in(client, user)
    assert client.post(reverse("accounts:otp_disable")).status_code == 403
    assert second_factors(user) == before
    assert not AuditEvent.objects.filter(action="2fa_disabled").exists()
    assert refusals(user) == 1


def test_password_alone_neither_sees_nor_renews_backup_codes(client, world):
    user = world.teacher.user
    with_two_factor(user)
    before = second_factors(user)
    sign_in(client, user)
    page = client.get(reverse("accounts:backup_codes"))
    assert page.status_code == 302 and path_of(page) == VERIFY
    assert client.post(reverse("accounts:backup_codes")).status_code == 403
    assert second_factors(user) == before


def test_the_views_ask_the_database_not_the_session(client, world):
    """A device confirmed after this session began (so the session's cached answer says "none") still
    guards the pages that change it: the views check it themselves."""
    user = world.teacher.user
    sign_in(client, user)
    with_two_factor(user)
    before = second_factors(user)
    assert path_of(client.get(SETUP)) == VERIFY
    assert path_of(client.get(reverse("accounts:backup_codes"))) == VERIFY
    assert client.post(reverse("accounts:otp_disable")).status_code == 403
    assert second_factors(user) == before
    assert refusals(user) == 1


def test_lost_phone_a_backup_code_then_a_new_authenticator(client, mandatory):
    user = mandatory.teacher.user
    old, codes = with_two_factor(user)
    sign_in(client, user)
    assert client.post(VERIFY, {"token": codes[0]}).status_code == 302
    assert client.get(SETUP).status_code == 200
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post(SETUP, {"token": code(new)})
    assert done.status_code == 200 and len(done.context["codes"]) == 10
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [new.pk]
    assert not StaticToken.objects.filter(token__in=codes).exists()
    assert AuditEvent.objects.filter(action="2fa_enabled", object_id=str(user.pk)).count() == 1
    assert client.get(reverse("home")).status_code == 200


def test_each_visit_to_the_setup_page_shows_a_new_secret(client, world):
    """A secret shown to one session is never the one another session confirms."""
    user = world.teacher.user
    client.force_login(user)
    client.get(SETUP)
    first = TOTPDevice.objects.get(user=user, confirmed=False)
    other = Client()
    other.force_login(user)
    other.get(SETUP)
    second = TOTPDevice.objects.get(user=user, confirmed=False)
    assert second.key != first.key
    assert client.post(SETUP, {"token": code(first)}).context["form"].errors
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# Changing or removing a second factor ends the login's other sessions.


def two_sessions(user):
    mine, other = f.verified_login(Client(), user), f.verified_login(Client(), user)
    assert other.get(reverse("home")).status_code == 200
    return mine, other


def assert_signed_out(other):
    response = other.get(reverse("home"))
    assert response.status_code == 302 and path_of(response) == reverse("accounts:login")


def test_a_new_authenticator_ends_the_other_sessions(world):
    user = world.teacher.user
    mine, other = two_sessions(user)
    mine.get(SETUP)
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    assert mine.post(SETUP, {"token": code(new)}).status_code == 200
    assert_signed_out(other)
    assert mine.get(reverse("home")).status_code == 200


def test_turning_two_factor_off_ends_the_other_sessions(world):
    user = world.teacher.user
    mine, other = two_sessions(user)
    response = mine.post(reverse("accounts:otp_disable"))
    assert response.status_code == 302 and not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="2fa_disabled", object_id=str(user.pk)).count() == 1
    assert_signed_out(other)
    assert mine.get(reverse("home")).status_code == 200


def test_new_backup_codes_end_the_other_sessions(world):
    user = world.teacher.user
    mine, other = two_sessions(user)
    assert len(mine.post(reverse("accounts:backup_codes")).context["codes"]) == 10
    assert_signed_out(other)
    assert mine.get(reverse("home")).status_code == 200


def test_the_service_raises_the_generation_in_its_audited_transaction(world):
    user = world.teacher.user
    actor = type("A", (), {"user": user, "school": world.school, "ip": None})()
    security.regenerate_backup_codes(actor=actor, user=user)
    user.refresh_from_db()
    assert user.session_generation == 1
    assert AuditEvent.objects.filter(action="2fa_backup_codes_regenerated").count() == 1


# Mandatory two-factor: staff of such a school and the district operator.


def test_staff_with_a_device_cannot_turn_it_off_where_it_is_mandatory(client, mandatory):
    user = mandatory.teacher.user
    with_two_factor(user)
    f.verified_login(client, user)
    before = second_factors(user)
    response = client.post(reverse("accounts:otp_disable"), follow=True)
    assert second_factors(user) == before
    assert "обязател" in response.content.decode()


def test_the_operator_must_set_up_two_factor(client, operator):
    client.force_login(operator)
    response = client.get(reverse("accounts:operator_schools"))
    assert response.status_code == 302 and path_of(response) == SETUP
    assert client.post(reverse("accounts:operator_school_create"), {}).status_code == 403
    assert refusals(operator) == 1


def test_the_operator_cannot_turn_two_factor_off(client, operator):
    f.verified_login(client, operator)
    before = second_factors(operator)
    client.post(reverse("accounts:otp_disable"))
    assert second_factors(operator) == before
    assert client.get(reverse("accounts:operator_schools")).status_code == 200


def test_the_operator_with_an_authenticator_passes_it(client, operator):
    device, _codes = with_two_factor(operator)
    sign_in(client, operator)
    response = client.get(reverse("accounts:operator_schools"))
    assert response.status_code == 302 and path_of(response) == VERIFY
    assert client.post(VERIFY, {"token": code(device)}).status_code == 302
    assert client.get(reverse("accounts:operator_schools")).status_code == 200


def test_parents_are_not_asked_for_a_second_factor(client, mandatory):
    client.force_login(mandatory.parent.user)
    assert client.get(reverse("home")).status_code == 200


# Every URL of the project, for a session that has not passed the second factor it must pass.

# Public by design and harmless: the language switch (the session's language) and the liveness probe.
PUBLIC = {"set_language", "health"}


SAMPLES = ("1", "x", "00000000-0000-0000-0000-000000000000", "2026-12-09")


def sample(converter) -> str:
    """A value the converter's pattern matches (the middleware answers before any view looks it up)."""
    return next(v for v in SAMPLES if re.fullmatch(converter.regex, v))


def every_url(resolver=None, namespace=""):
    """(name, path) of every named URL of the project, with sample arguments."""
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            yield from every_url(p, f"{namespace}{p.namespace}:" if p.namespace else namespace)
        elif isinstance(p, URLPattern):
            kwargs = {k: sample(c) for k, c in getattr(p.pattern, "converters", {}).items()}
            yield namespace + p.name, reverse(namespace + p.name, kwargs=kwargs or None)


def walk(client, world, user, allowed: set[str], page: str):
    refused = refusals(user)
    posts = 0
    for name, url in every_url():
        if name in allowed | PUBLIC:
            continue
        got = client.get(url)
        assert got.status_code == 302 and path_of(got) == page, f"GET {name}: {got.status_code}"
        got = client.post(url, {"token": "123456", "school": "1"})
        assert got.status_code == 403, f"POST {name}: {got.status_code}"
        posts += 1
    assert refusals(user) == refused + posts  # every refusal is in the audit trail
    assert not client.get(reverse("home")).wsgi_request.user.is_verified()


def test_every_url_leads_staff_without_a_device_to_the_setup(client, mandatory):
    user = mandatory.admin.user
    sign_in(client, user)
    walk(client, mandatory, user, {"accounts:logout", "accounts:otp_setup", "accounts:otp_verify"}, SETUP)
    assert client.get(SETUP).status_code == 200
    assert path_of(client.get(VERIFY)) == reverse("home")  # nothing to verify yet: home, which leads back
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_every_url_leads_staff_with_a_device_to_the_verify_page(client, mandatory):
    user = mandatory.teacher.user
    with_two_factor(user)
    sign_in(client, user)
    walk(client, mandatory, user, {"accounts:logout", "accounts:otp_verify"}, VERIFY)
    assert client.get(VERIFY).status_code == 200


def test_every_url_leads_the_operator_to_the_setup(client, operator, world):
    sign_in(client, operator)
    walk(client, world, operator, {"accounts:logout", "accounts:otp_setup", "accounts:otp_verify"}, SETUP)
