"""Rows for resets by the school (accounts/rules.py may_reset_login, may_reset_second_factor) and a parent's
own reset by e-mail (public pages: every visitor gets the same answers)."""

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import password_reset, throttle
from tests.matrix import ROLES, Row

User = get_user_model()
RESETTERS = {"admin": 200, "class_teacher": 200, "outsider": 404, "operator": 302}
EVERYONE = {r: 200 for r in ROLES}


def _login_of(person):
    return lambda w: list(
        User.objects.filter(pk=getattr(w, person).user_id).values_list("password", "must_change_password")
    )


def _teacher_with_authenticator(w):
    TOTPDevice.objects.create(user=w.teacher.user, name="authenticator", confirmed=True)
    return {"pk": w.teacher.pk}


def _parents_email(w):
    w.parent.email = "mama@example.ru"
    w.parent.save(update_fields=["email"])
    return {"email": "mama@example.ru"}


def _reset_requests_counted(w):
    """The requests the rate limit counted (the letter itself is queued after the commit, then sent by a worker)."""
    client = throttle._client()
    return sum(int(client.get(key) or 0) for key in client.scan_iter(match=password_reset.PREFIX + "*"))


ROWS = [
    Row("accounts:reset_person", kwargs=lambda w: {"pk": w.student.pk}, expect=RESETTERS),
    Row(
        "accounts:reset_person",
        method="post",
        kwargs=lambda w: {"pk": w.student.pk},
        expect=RESETTERS,
        state=_login_of("student"),
        changed_by=frozenset({"admin", "class_teacher"}),
        note="the answer is the PDF slip",
    ),
    Row(
        "accounts:reset_person",
        method="post",
        kwargs=lambda w: {"pk": w.teacher.pk},
        expect={"admin": 200, "outsider": 404, "operator": 302},
        state=_login_of("teacher"),
        changed_by=frozenset({"admin"}),
        note="a class teacher never resets staff",
    ),
    Row("accounts:reset_class", kwargs=lambda w: {"pk": w.class_5a.pk}, expect=RESETTERS),
    Row(
        "accounts:reset_class",
        method="post",
        kwargs=lambda w: {"pk": w.class_5a.pk},
        data=lambda w: {"people": [w.student.pk, w.parent.pk]},
        expect=RESETTERS,
        state=_login_of("parent"),
        changed_by=frozenset({"admin", "class_teacher"}),
    ),
    Row(
        "accounts:reset_second_factor",
        method="post",
        kwargs=_teacher_with_authenticator,
        expect={"admin": 302, "outsider": 404, "operator": 302},
        state=lambda w: list(TOTPDevice.objects.filter(user=w.teacher.user_id).values_list("pk")),
        changed_by=frozenset({"admin"}),
    ),
    Row("accounts:password_reset", expect=EVERYONE, anonymous=200),
    Row(
        "accounts:password_reset",
        method="post",
        data=_parents_email,
        expect={r: 302 for r in ROLES},
        anonymous_to="accounts:password_reset_done",
        state=_reset_requests_counted,
        changed_by=frozenset(ROLES),
        note="anyone may ask; the mail goes to the parent's address on record, from the worker",
    ),
    Row("accounts:password_reset_done", expect=EVERYONE, anonymous=200),
    Row("accounts:password_reset_complete", expect=EVERYONE, anonymous=200),
    Row(
        "accounts:password_reset_confirm",
        kwargs=lambda w: {"uidb64": "MQ", "token": "not-a-token"},
        expect=EVERYONE,
        anonymous=200,
        note="a link that does not work says so",
    ),
    Row(
        "accounts:password_reset_confirm",
        method="post",
        kwargs=lambda w: {"uidb64": "MQ", "token": "not-a-token"},
        data=lambda w: {
            "new_password1": "Sovsem-novyi-parol-2027",
            "new_password2": "Sovsem-novyi-parol-2027",
        },
        expect=EVERYONE,
        anonymous=200,
        state=lambda w: sorted(User.objects.values_list("pk", "password")),
    ),
]
