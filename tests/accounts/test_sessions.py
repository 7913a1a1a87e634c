"""Signed-in sessions (issue 14, "Sessions"): time limits per role, the "my sessions" page, the audit trail,
the 401 that lets a page sign in again in place, and a form posted after its session ended."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts import tasks
from accounts.models import AuditEvent, UserSession
from accounts.sessions import describe, store
from ejournal.celery import app
from tests.accounts.test_two_factor import code, with_two_factor
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CHROME_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def signed_in_client(user, agent=CHROME_WINDOWS, ip="10.0.0.1") -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def later(clock, **delta):
    return clock.move_to(clock.now + datetime.timedelta(**delta))


def is_signed_in(client) -> bool:
    response = client.get(reverse("home"))
    return response.status_code == 200


def events(action, user):
    return list(AuditEvent.objects.filter(action=action, object_id=str(user.pk)).order_by("at"))


def test_a_teachers_session_ends_after_30_idle_minutes(world, clock):
    user = world.teacher.user
    client = signed_in_client(user)
    later(clock, minutes=29)
    assert is_signed_in(client)
    later(clock, minutes=29)  # 58 minutes after sign-in, 29 after the last request
    assert is_signed_in(client)
    later(clock, minutes=31)
    assert not is_signed_in(client)
    assert [e.data["reason"] for e in events("session_expired", user)] == ["idle"]
    assert not UserSession.objects.filter(user=user).exists()


def test_a_teachers_session_ends_after_12_hours_in_all(world, clock):
    user = world.teacher.user
    client = signed_in_client(user)
    for _ in range(35):  # a request every 20 minutes: 11 h 40 min
        later(clock, minutes=20)
        assert is_signed_in(client)
    later(clock, minutes=21)
    assert not is_signed_in(client)
    assert [e.data["reason"] for e in events("session_expired", user)] == ["max_age"]


def test_a_parents_session_lasts_30_days(world, clock):
    user = world.parent.user
    client = signed_in_client(user)
    later(clock, days=29, hours=23)
    assert is_signed_in(client)  # no idle limit for families
    later(clock, hours=2)
    assert not is_signed_in(client)
    assert [e.data["reason"] for e in events("session_expired", user)] == ["max_age"]


def test_the_last_activity_is_written_at_most_once_a_minute(world, clock, django_assert_num_queries):
    client = signed_in_client(world.parent.user)
    row = UserSession.objects.get(user=world.parent.user)
    client.get(reverse("home"))
    later(clock, seconds=30)
    client.get(reverse("home"))
    assert UserSession.objects.get(pk=row.pk).last_seen_at == row.last_seen_at
    later(clock, seconds=40)
    client.get(reverse("home"))
    assert UserSession.objects.get(pk=row.pk).last_seen_at > row.last_seen_at


def test_a_script_whose_session_ended_gets_401_json_not_the_sign_in_page(world, clock):
    client = signed_in_client(world.teacher.user)
    later(clock, minutes=31)
    response = client.post(reverse("journal:save_cell"), {"value": "5"}, **FETCH)
    assert response.status_code == 401
    assert response["X-Signed-Out"] == "1"
    assert response.json()["signed_out"] is True
    htmx = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 401
    page = client.get(reverse("home"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("accounts:login"))


def test_the_sessions_page_lists_them_and_ends_one(world):
    user = world.teacher.user
    laptop = signed_in_client(user, CHROME_WINDOWS, "10.0.0.1")
    phone = signed_in_client(user, SAFARI_IPHONE, "10.0.0.2")
    page = laptop.get(reverse("accounts:sessions"))
    text = page.content.decode()
    assert "Chrome на Windows" in text and "Safari на iPhone" in text
    assert "10.0.0.2" in text and "это устройство" in text
    other = UserSession.objects.get(user=user, ip="10.0.0.2")
    response = laptop.post(reverse("accounts:session_end", args=[other.pk]))
    assert response.status_code == 302
    assert not is_signed_in(phone)
    assert is_signed_in(laptop)
    assert not UserSession.objects.filter(pk=other.pk).exists()
    [ended] = events("session_ended", user)
    assert ended.data["reason"] == "ended_by_owner" and ended.ip == "10.0.0.1"


def test_ending_all_other_sessions_keeps_this_one(world):
    user = world.parent.user
    here = signed_in_client(user, ip="10.0.0.1")
    others = [signed_in_client(user, ip=f"10.0.0.{n}") for n in (2, 3)]
    here.post(reverse("accounts:sessions_end_others"))
    assert is_signed_in(here)
    assert not any(is_signed_in(c) for c in others)
    assert UserSession.objects.filter(user=user).count() == 1
    assert len(events("session_ended", user)) == 2


def test_another_logins_session_is_refused_404(world):
    mine = signed_in_client(world.teacher.user)
    theirs_client = signed_in_client(world.other_teacher.user)
    theirs = UserSession.objects.get(user=world.other_teacher.user)
    assert mine.post(reverse("accounts:session_end", args=[theirs.pk])).status_code == 404
    assert is_signed_in(theirs_client)
    assert UserSession.objects.filter(pk=theirs.pk).exists()


def test_sign_in_and_sign_out_are_audited(world):
    user = world.teacher.user
    client = signed_in_client(user, ip="10.0.0.9")
    client.post(reverse("accounts:logout"))
    [login] = events("login", user)
    [logout] = events("logout", user)
    assert login.ip == logout.ip == "10.0.0.9"
    assert logout.actor_id == user.pk
    assert not UserSession.objects.filter(user=user).exists()


def dialog_sign_in(client, user, password=PASSWORD, **extra):
    return client.post(
        reverse("accounts:session_sign_in"),
        {"username": user.username, "password": password, **extra},
        **FETCH,
    )


def test_the_dialog_signs_in_again_with_the_same_rules(world, clock):
    user = world.teacher.user
    client = signed_in_client(user)
    later(clock, minutes=31)
    wrong = dialog_sign_in(client, user, "wrong-password-1")
    assert wrong.status_code == 400 and "Неверный логин или пароль" in wrong.json()["error"]
    assert events("login_failed", user)
    right = dialog_sign_in(client, user)
    assert right.status_code == 200 and right.json()["ok"] and right.json()["csrf"]
    assert is_signed_in(client)
    assert len(events("login", user)) == 2


def test_the_dialog_asks_for_the_second_factor(world, clock):
    user = world.teacher.user
    device, backup = with_two_factor(user)
    client = Client()
    first = dialog_sign_in(client, user)
    assert first.status_code == 400 and first.json()["need_code"]
    assert not is_signed_in(client)
    bad = dialog_sign_in(client, user, code="000000" if code(device) != "000000" else "111111")
    assert bad.json()["need_code"]
    user.refresh_from_db()
    assert user.failed_login_count == 1
    later(clock, seconds=5)  # django-otp makes a device wait a second after a wrong code
    good = dialog_sign_in(client, user, code=code(device))
    assert good.json()["ok"]
    assert client.get(reverse("home")).status_code == 200  # verified: not sent to the second-factor page


def test_the_dialog_is_throttled(world, settings):
    settings.LOGIN_PAIR_FREE_FAILURES = 1
    user = world.teacher.user
    client = Client()
    dialog_sign_in(client, user, "wrong-password-1")
    dialog_sign_in(client, user, "wrong-password-2")
    refused = dialog_sign_in(client, user)
    assert refused.status_code == 429
    assert not is_signed_in(client)


def test_a_form_posted_after_the_session_ended_is_filled_back_in(world, clock):
    user = world.parent.user
    client = signed_in_client(user)
    later(clock, days=31)
    url = reverse("accounts:notifications")
    response = client.post(url, {"marks": "daily", "attendance": "now"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD, "next": url}
    )
    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert 'id="ej-kept-post"' in page and '"marks": ["daily"]' in page
    assert 'id="ej-kept-post"' not in client.get(url).content.decode()  # once


def test_the_device_in_plain_words():
    assert describe(CHROME_WINDOWS) == "Chrome на Windows"
    assert describe(SAFARI_IPHONE) == "Safari на iPhone"
    assert describe("") == "Неизвестное устройство"


def test_a_change_of_second_factor_ends_the_other_sessions_in_the_registry_too(world):
    user = world.teacher.user
    here, there = signed_in_client(user, ip="10.0.0.1"), signed_in_client(user, ip="10.0.0.2")
    here.post(reverse("accounts:otp_disable"))
    assert list(UserSession.objects.filter(user=user).values_list("ip", flat=True)) == ["10.0.0.1"]
    assert not is_signed_in(there) and is_signed_in(here)


def test_the_page_forgets_sessions_past_their_limits(world, clock):
    user = world.teacher.user
    old = signed_in_client(user, ip="10.0.0.1")
    later(clock, minutes=45)
    new = signed_in_client(user, ip="10.0.0.2")
    page = new.get(reverse("accounts:sessions")).content.decode()
    assert "10.0.0.2" in page and "10.0.0.1" not in page
    assert not is_signed_in(old)


def test_a_kept_form_is_not_given_to_another_login(world, clock):
    client = signed_in_client(world.parent.user)
    later(clock, days=31)
    url = reverse("accounts:notifications")
    client.post(url, {"marks": "daily", "attendance": "now"})
    other = world.other_parent.user
    client.post(reverse("accounts:login"), {"username": other.username, "password": PASSWORD, "next": url})
    assert 'id="ej-kept-post"' not in client.get(url).content.decode()


# --- the hourly clean-up (accounts.sessions.purge_expired, beat "purge-expired-sessions") --------------


def _in_store(client) -> bool:
    key = client.cookies["sessionid"].value
    return store()().exists(key) and Session.objects.filter(session_key=key).exists()


def _registry():
    return sorted(UserSession.objects.values_list("ip", flat=True))


def test_the_clean_up_removes_staff_sessions_idle_or_past_12_hours_and_keeps_active_ones(world, clock):
    idle = signed_in_client(world.teacher.user, ip="10.0.0.1")
    active = signed_in_client(world.teacher.user, ip="10.0.0.2")
    later(clock, minutes=20)
    assert is_signed_in(active)
    later(clock, minutes=20)  # 40 minutes after sign-in, 20 after the active one's last request
    assert tasks.purge_expired_sessions_task() == {"registry_rows": 1, "sessions": 1}
    assert _registry() == ["10.0.0.2"]
    assert not _in_store(idle) and _in_store(active) and is_signed_in(active)
    for _every_20_minutes in range(33):  # 11 h 40 min after sign-in
        later(clock, minutes=20)
        assert is_signed_in(active)
    later(clock, minutes=19)
    assert tasks.purge_expired_sessions_task() == {"registry_rows": 0, "sessions": 0}
    later(clock, minutes=2)  # 12 h 01 min after sign-in
    assert tasks.purge_expired_sessions_task() == {"registry_rows": 1, "sessions": 1}
    assert _registry() == [] and not _in_store(active)


def test_the_clean_up_keeps_family_sessions_30_days_without_an_idle_limit(world, clock):
    first = signed_in_client(world.parent.user, ip="10.0.0.3")
    later(clock, days=10)
    second = signed_in_client(world.parent.user, ip="10.0.0.4")
    later(clock, days=20, minutes=1)  # 30 days after the first, 20 days without a request for both
    assert tasks.purge_expired_sessions_task() == {"registry_rows": 1, "sessions": 1}
    assert _registry() == ["10.0.0.4"]
    assert not _in_store(first) and _in_store(second)
    assert is_signed_in(second)


def test_the_clean_up_removes_djangos_expired_sessions_and_rows_whose_session_is_gone(world, clock):
    expired, alive = store()(), store()()
    for session, seconds in ((expired, 60), (alive, 3600)):
        session["visited"] = True
        session.set_expiry(seconds)
        session.save()
    orphan = signed_in_client(world.parent.user, ip="10.0.0.5")
    Session.objects.filter(session_key=orphan.cookies["sessionid"].value).delete()
    signed_in_client(world.other_parent.user, ip="10.0.0.6")
    later(clock, minutes=2)
    assert tasks.purge_expired_sessions_task() == {"registry_rows": 1, "sessions": 1}
    assert not Session.objects.filter(session_key=expired.session_key).exists()
    assert Session.objects.filter(session_key=alive.session_key).exists()
    assert _registry() == ["10.0.0.6"]


def test_the_clean_up_runs_every_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-sessions"]
    assert entry["task"] == tasks.purge_expired_sessions_task.name and entry["task"] in app.tasks
    assert entry["schedule"].minute == {25}


# --- the warning before the idle limit (static/js/session.js; accounts:session_stay) ----------------------


def test_a_staff_page_is_told_its_idle_time_and_staying_starts_it_again(world, clock):
    client = signed_in_client(world.teacher.user)
    later(clock, seconds=30)  # the last activity is written at most once a minute: still the sign-in
    response = client.get(reverse("home"))
    page = response.content.decode()
    assert 'id="ej-idle-warning"' in page and 'data-idle-left="1769"' in page
    assert response["X-Session-Idle-Left"] == "1769"
    later(clock, minutes=29)  # 29.5 minutes idle
    answer = client.post(reverse("accounts:session_stay"), **FETCH)
    assert answer.status_code == 200 and answer.json() == {"ok": True, "idle_left": 1800}
    assert answer["X-Session-Idle-Left"] == "1800"
    later(clock, minutes=29)  # past the first limit, 29 minutes after staying
    assert is_signed_in(client)
    assert not events("session_expired", world.teacher.user)


def test_staying_does_not_stretch_the_12_hours(world, clock):
    client = signed_in_client(world.teacher.user)
    for _every_25_minutes in range(28):  # 11 h 40 min
        later(clock, minutes=25)
        assert client.post(reverse("accounts:session_stay"), **FETCH).status_code == 200
    later(clock, minutes=21)  # 12 h 01 min after sign-in
    answer = client.post(reverse("accounts:session_stay"), **FETCH)
    assert answer.status_code == 401 and answer["X-Signed-Out"] == "1"


def test_a_family_page_gets_no_warning(world, clock):
    client = signed_in_client(world.parent.user)
    response = client.get(reverse("home"))
    assert 'id="ej-idle-warning"' not in response.content.decode()
    assert "X-Session-Idle-Left" not in response
    assert client.post(reverse("accounts:session_stay"), **FETCH).json() == {"ok": True, "idle_left": None}


def test_staying_after_the_limit_is_refused_as_signed_out(world, clock):
    client = signed_in_client(world.teacher.user)
    later(clock, minutes=31)
    answer = client.post(reverse("accounts:session_stay"), **FETCH)
    assert answer.status_code == 401 and answer["X-Signed-Out"] == "1"
    assert [e.data["reason"] for e in events("session_expired", world.teacher.user)] == ["idle"]


def test_staying_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.teacher.user)
    assert client.post(reverse("accounts:session_stay"), **FETCH).status_code == 403
