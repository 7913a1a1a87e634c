"""The client's address behind a reverse proxy (issue 14, hole 2): only the declared proxies are trusted.

A request may carry any X-Forwarded-For it likes; the address recorded in the audit trail and the
mark log is the one the last trusted proxy saw (counted from the right), and a value that is not an
address never reaches the database.
"""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.middleware import client_ip
from accounts.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def behind_proxy(settings):
    """The compose deployment: X-Forwarded-Proto trusted, one proxy (Caddy) in front of gunicorn."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXY_COUNT = 1


def sign_in(client, username, password, forwarded, remote="172.18.0.5"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        HTTP_X_FORWARDED_FOR=forwarded,
        REMOTE_ADDR=remote,
    )


def ip_of(forwarded=None, remote="172.18.0.5"):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "172.18.0.5"),  # no proxy declared: the header is the client's own words
        (1, "6.6.6.6", "6.6.6.6"),  # Caddy replaced the header with the address it saw
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # a forged first value: the proxy's own is last
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),  # CDN + Caddy: the CDN's view
        (2, "203.0.113.7", "172.18.0.5"),  # fewer values than proxies: misconfigured, not trusted
        (1, "not-an-ip", "172.18.0.5"),
        (1, "1.2.3.4, <script>", "172.18.0.5"),
        (1, "", "172.18.0.5"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_client_ip_counts_trusted_proxies_from_the_right(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert ip_of(forwarded) == expected


def test_no_header_is_the_remote_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert ip_of(None) == "172.18.0.5"
    assert ip_of(None, remote="garbage") is None


def test_forged_first_value_does_not_reach_the_audit_trail(client, world, behind_proxy):
    """Before: the first value of the header was recorded, so anyone chose the address of their sign-in."""
    user = world.teacher.user
    response = sign_in(client, user.username, PASSWORD, "8.8.8.8, 203.0.113.7")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="login", object_id=str(user.pk))
    assert event.ip == "203.0.113.7"


def test_a_header_that_is_not_an_address_still_counts_the_failure(client, world, behind_proxy):
    """Before: the audit insert failed on the bad address, rolled the counter back and answered 500."""
    user = world.teacher.user
    response = sign_in(client, user.username, "wrong-password", "not-an-ip")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.failed_login_count == 1
    event = AuditEvent.objects.get(action="login_failed", object_id=str(user.pk))
    assert event.ip == "172.18.0.5"


def test_a_header_that_is_not_an_address_does_not_break_the_right_password(client, world, behind_proxy):
    user = world.teacher.user
    response = sign_in(client, user.username, PASSWORD, "'; drop table--")
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="login", object_id=str(user.pk)).ip == "172.18.0.5"


def test_an_audit_write_that_fails_never_breaks_a_sign_in(client, world, behind_proxy):
    """Whatever the address, the audit helper stores a valid one (or none) rather than fail the sign-in."""
    from accounts import audit
    from accounts.actor import Actor

    event = audit.record(Actor(user=None, ip="999.1.1.1"), "login_failed", summary="x")
    assert event.ip is None


# Request-size caps in Django itself (ejournal/limits.py), behind the proxy's


def test_the_public_verification_page_refuses_an_oversized_body_before_reading_it(client):
    """Before: a POST declaring gigabytes went to the multipart parser (and to a temporary file)."""
    url = reverse("reports:verify", kwargs={"code": "ABCDEFGHJK"})
    response = client.post(url, {"sha256": "0" * 64}, CONTENT_LENGTH=str(5 * 2**30))
    assert response.status_code == 413
    assert response.content.decode() == "Запрос слишком велик (здесь не больше 31 МБ)."


def test_a_real_body_over_the_urls_limit_is_refused_and_one_under_it_reaches_the_view(settings, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.REQUEST_BODY_LIMITS = {"reports:verify": 64 * 1024}
    url = reverse("reports:verify", kwargs={"code": "ABCDEFGHJK"})
    big = client.post(url, {"file": SimpleUploadedFile("copy.pdf", b"%PDF" + b"x" * 70_000)})
    assert big.status_code == 413
    small = client.post(url, {"file": SimpleUploadedFile("copy.pdf", b"%PDF" + b"x" * 50_000)})
    assert small.status_code == 404  # the view answered: no printout has this code


def test_every_other_url_has_the_small_default(settings, client, world):
    settings.REQUEST_BODY_MAX = 1024
    response = client.post(
        reverse("accounts:login"), {"username": world.teacher.user.username, "password": "x" * 2000}
    )
    assert response.status_code == 413
    user = world.teacher.user
    user.refresh_from_db()
    assert user.failed_login_count == 0  # refused before the form or the password check ran


def test_a_length_that_is_not_a_number_is_a_bad_request(client):
    url = reverse("reports:verify", kwargs={"code": "ABCDEFGHJK"})
    assert client.post(url, {"sha256": "0" * 64}, CONTENT_LENGTH="lots").status_code == 400
