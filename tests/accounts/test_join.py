"""Joining with an invite code (R-ACC-1): one person, one use, before it expires."""

import datetime
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.actor import Actor
from accounts.models import AuditEvent, InviteCode, Role, StaffRole, hash_code
from accounts.services.invites import issue_invite, redeem_invite
from tests import factories as f

pytestmark = pytest.mark.django_db
User = get_user_model()
GOOD = "Kvadrat-1977!"


def admin_actor(world):
    return Actor(
        user=world.admin.user, school=world.school, person=world.admin, roles=frozenset({Role.ADMIN})
    )


@pytest.fixture
def newcomer(world):
    mum = f.make_person(
        world.school,
        roles=[Role.PARENT],
        login=False,
        last_name="Новикова",
        first_name="Мария",
        patronymic="Ивановна",
    )
    f.link_parent(mum, world.student)
    return mum


@pytest.fixture
def code(world, newcomer):
    _invite, plain = issue_invite(actor=admin_actor(world), person=newcomer, role=Role.PARENT)
    return plain


def start(client, code):
    return client.post(reverse("join:start"), {"code": code})


def signup(client, username="maria.n", password=GOOD, password2=None):
    return client.post(
        reverse("join:account"),
        {"username": username, "password": password, "password2": password2 or password},
    )


def nothing_changed(newcomer, users_before):
    newcomer.refresh_from_db()
    return newcomer.user is None and User.objects.count() == users_before


def test_issue_through_the_views_then_join_end_to_end(client, login, world, newcomer):
    login(world.admin)
    response = client.post(reverse("accounts:invite_issue", args=[newcomer.pk]), {"role": "parent"})
    plain = response.context["slip"]["code"]
    client.logout()

    page = client.get(reverse("join:start"))
    assert page.status_code == 200 and 'name="code"' in page.content.decode()  # typed: works without JS
    step = start(client, plain)
    assert step.status_code == 302 and step["Location"] == reverse("join:account")  # no code in the URL
    form_page = client.get(reverse("join:account"))
    assert form_page.status_code == 200 and "Новикова Мария Ивановна" in form_page.content.decode()
    assert plain not in form_page.content.decode()

    done = signup(client, username="Maria.N")
    assert done.status_code == 302 and done["Location"] == reverse("home")
    newcomer.refresh_from_db()
    user = newcomer.user
    assert user.username == "Maria.N" and user.check_password(GOOD)
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.session["school_id"] == world.school.pk
    assert "join_code_hash" not in client.session
    invite = InviteCode.objects.get(person=newcomer)
    assert invite.used_at is not None and invite.used_by == user
    assert AuditEvent.objects.filter(action="invite_redeemed", object_id=str(invite.pk), actor=user).exists()


def test_code_is_case_space_and_dash_insensitive(client, code, newcomer):
    messy = "  " + code.lower().replace("-", " ") + " "
    assert start(client, messy).status_code == 302
    assert signup(client).status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.user is not None


@pytest.mark.parametrize("spoil", ["unknown", "used", "revoked", "expired"])
def test_bad_codes_are_refused_next_to_the_field(client, world, newcomer, code, spoil):
    invite = InviteCode.objects.get(code_hash=hash_code(code))
    typed = code
    if spoil == "unknown":
        typed = "2345-6789-ABCD"
    elif spoil == "used":
        InviteCode.objects.filter(pk=invite.pk).update(used_at=timezone.now())
    elif spoil == "revoked":
        InviteCode.objects.filter(pk=invite.pk).update(revoked_at=timezone.now())
    else:
        InviteCode.objects.filter(pk=invite.pk).update(
            expires_at=timezone.now() - datetime.timedelta(minutes=1)
        )
    users = User.objects.count()
    response = start(client, typed)
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert 'id="id_code_error"' in response.content.decode()
    assert "join_code_hash" not in client.session
    assert nothing_changed(newcomer, users)
    assert client.get(reverse("join:account")).context["invite"] is None


def test_empty_code_is_refused(client):
    response = start(client, "")
    assert response.status_code == 200 and "code" in response.context["form"].errors


def test_weak_password_is_refused(client, newcomer, code):
    users = User.objects.count()
    start(client, code)
    for password, password2, field in [
        ("12345678", None, "password"),
        ("qwerty", None, "password"),
        ("maria.n1", None, "password"),
        (GOOD, GOOD + "x", "password2"),
    ]:
        response = signup(client, password=password, password2=password2)
        assert response.status_code == 200
        assert field in response.context["form"].errors, password
        assert f'id="id_{field}_error"' in response.content.decode()
    assert nothing_changed(newcomer, users)
    assert InviteCode.objects.get(code_hash=hash_code(code)).used_at is None


@pytest.mark.parametrize("username", ["TEACHER_LOGIN", "with space", "x", "bad/slash", "<script>"])
def test_taken_or_malformed_login_is_refused(client, world, newcomer, code, username):
    if username == "TEACHER_LOGIN":
        username = world.teacher.user.username.upper()  # case-insensitively taken
    users = User.objects.count()
    start(client, code)
    response = signup(client, username=username)
    assert response.status_code == 200 and "username" in response.context["form"].errors
    assert nothing_changed(newcomer, users)


def test_code_spent_between_the_two_steps(client, newcomer, code):
    start(client, code)
    InviteCode.objects.filter(code_hash=hash_code(code)).update(revoked_at=timezone.now())
    users = User.objects.count()
    response = signup(client)
    assert response.status_code == 200 and response.context["invite"] is None and response.context["problem"]
    assert nothing_changed(newcomer, users)


def test_a_used_code_is_refused_by_the_service(world, newcomer, code):
    redeem_invite(actor=Actor(user=None), code_hash=hash_code(code), username="first", password=GOOD)
    with pytest.raises(ValidationError) as exc:
        redeem_invite(actor=Actor(user=None), code_hash=hash_code(code), username="second", password=GOOD)
    assert "code" in exc.value.message_dict
    assert not User.objects.filter(username="second").exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_redemptions_of_one_code_succeed_once(world, newcomer, code):
    barrier = threading.Barrier(2)
    results = []

    def attempt(name):
        try:
            barrier.wait()
            redeem_invite(actor=Actor(user=None), code_hash=hash_code(code), username=name, password=GOOD)
            results.append("ok")
        except ValidationError as exc:
            results.append(exc.message_dict)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(name,)) for name in ("racer1", "racer2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results.count("ok") == 1, results
    refused = next(r for r in results if r != "ok")
    assert "code" in refused
    assert User.objects.filter(username__in=["racer1", "racer2"]).count() == 1
    newcomer.refresh_from_db()
    assert newcomer.user.username in {"racer1", "racer2"}


def test_signed_in_user_links_the_person_to_their_login(client, world, other_world, newcomer, code):
    teacher_elsewhere = other_world.teacher.user
    client.force_login(teacher_elsewhere)
    start(client, code)
    page = client.get(reverse("join:account"))
    assert page.status_code == 200 and page.context["link"] is True
    response = client.post(reverse("join:account"))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    newcomer.refresh_from_db()
    assert newcomer.user == teacher_elsewhere
    assert client.session["school_id"] == world.school.pk
    invite = InviteCode.objects.get(code_hash=hash_code(code))
    assert invite.used_by == teacher_elsewhere
    assert AuditEvent.objects.filter(action="invite_linked", object_id=str(invite.pk)).exists()


def test_a_login_already_in_the_school_cannot_link_another_person(client, world, newcomer, code):
    client.force_login(world.teacher.user)
    start(client, code)
    response = client.post(reverse("join:account"))
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    newcomer.refresh_from_db()
    assert newcomer.user is None
    assert InviteCode.objects.get(code_hash=hash_code(code)).used_at is None


def test_join_pages_are_public(client):
    assert client.get(reverse("join:start")).status_code == 200
    response = client.get(reverse("join:account"))
    assert response.status_code == 200 and response.context["invite"] is None


def class_teacher_actor(world):
    return Actor(
        user=world.class_teacher.user,
        school=world.school,
        person=world.class_teacher,
        roles=frozenset({Role.TEACHER}),
    )


def test_a_parent_code_from_the_class_teacher_opens_no_staff_roles(client, world, newcomer):
    """The person became deputy after the class teacher issued the parent code: redeeming it is refused."""
    _invite, plain = issue_invite(actor=class_teacher_actor(world), person=newcomer, role=Role.PARENT)
    StaffRole.objects.create(school=world.school, person=newcomer, role=Role.DEPUTY)
    users = User.objects.count()
    assert start(client, plain).status_code == 302
    response = signup(client)
    assert response.status_code == 200
    assert "коды сотрудникам выдаёт только администратор школы" in str(response.context["form"].errors)
    assert nothing_changed(newcomer, users)
    invite = InviteCode.objects.get(code_hash=hash_code(plain))
    assert invite.used_at is None
    assert AuditEvent.objects.filter(action="invite_refused", object_id=str(invite.pk)).exists()


def test_the_same_code_from_the_admin_opens_the_staff_roles(client, world, newcomer, code):
    StaffRole.objects.create(school=world.school, person=newcomer, role=Role.DEPUTY)
    assert start(client, code).status_code == 302
    assert signup(client).status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.user is not None


def test_the_operator_login_is_never_linked_to_a_school_person(client, world, newcomer, code, operator):
    # The operator must use two-factor: a session verified by a confirmed device (django-otp's session key).
    device = TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)
    client.force_login(operator)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert start(client, code).status_code == 302
    response = client.post(reverse("join:account"))
    assert response.status_code == 200
    assert "Вход оператора района" in str(response.context["form"].errors)
    newcomer.refresh_from_db()
    assert newcomer.user is None
    invite = InviteCode.objects.get(code_hash=hash_code(code))
    assert invite.used_at is None
    refusal = AuditEvent.objects.get(action="invite_refused", object_id=str(invite.pk))
    assert refusal.actor == operator and refusal.school == world.school


def test_a_code_in_the_query_string_is_not_taken(client, code):
    """Query strings end up in access logs: old links' ?code= is neither prefilled nor echoed."""
    page = client.get(reverse("join:start"), {"code": code})
    assert page.status_code == 200 and not page.context["form"]["code"].value()
    assert 'src="/static/js/join.js"' in page.content.decode()  # fills the field from a #code= fragment
