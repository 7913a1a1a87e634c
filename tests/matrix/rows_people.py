"""Rows for people, consent, invite codes, school settings (accounts/rules.py) and the public join pages."""

import datetime

from django.utils import timezone

from accounts.models import Consent, InviteCode, ParentLink, Person, Role, School, hash_code
from accounts.views.join import SESSION_KEY
from tests import factories as f
from tests.matrix import STAFF_READ, Row

ADMIN = {"admin": 200, "outsider": 200, "operator": 302}  # the outsider is the admin of their own school
READ = {**STAFF_READ, "outsider": 200, "operator": 302}
OBJECT_READ = {**STAFF_READ, "outsider": 404, "operator": 302}
OBJECT_ADMIN = {"admin": 200, "outsider": 404, "operator": 302}
INVITERS = {"admin": 200, "teacher": 200, "class_teacher": 200, "outsider": 200, "operator": 302}
CLASS_INVITERS = {"admin": 200, "class_teacher": 200, "outsider": 404, "operator": 302}


def _consent(w):
    # Rows build what they need: the world has no consent of its own.
    return {
        "pk": Consent.objects.get_or_create(
            school=w.school, person=w.student, defaults={"document": "С-1", "signed_on": w.year.starts}
        )[0].pk
    }


def _class_with_newcomer(w):
    # A student of 5А without a login, so printing slips has someone to print for.
    pupil = f.make_person(
        w.school, roles=[Role.STUDENT], login=False, last_name="Новичкова", first_name="Ева"
    )
    f.enroll(pupil, w.class_5a)
    return {"pk": w.class_5a.pk}


def _newcomer(w, school_class):
    """A student of `school_class` without a login: someone an invite code can be issued for."""
    pupil = f.make_person(w.school, roles=[Role.STUDENT], login=False, last_name="Новичков", first_name="Ян")
    f.enroll(pupil, school_class)
    return {"pk": pupil.pk}


def _invites(w):
    return list(
        InviteCode.objects.filter(school=w.school).order_by("pk").values_list("person", "role", "revoked_at")
    )


PLAIN_CODE = "7KQ4-M2XD-9PRT"


def _invite(w) -> InviteCode:
    """A valid code for a 5А newcomer without a login (the plain code is PLAIN_CODE)."""
    pupil = Person.objects.get(pk=_newcomer(w, w.class_5a)["pk"])
    now = timezone.now()
    return InviteCode.objects.create(
        school=w.school,
        person=pupil,
        role=Role.STUDENT,
        code_hash=hash_code(PLAIN_CODE),
        created_at=now,
        expires_at=now + datetime.timedelta(days=7),
        issued_by=w.admin.user,
    )


def _typed_code(w):
    _invite(w)
    return {"code": PLAIN_CODE.lower()}


def _invite_state(w):
    return list(
        InviteCode.objects.filter(school=w.school)
        .order_by("pk")
        .values_list("used_at", "used_by", "revoked_at", "person__user")
    )


def _school_settings(w):
    fields = ("name", "short_name", "address", "timezone", "require_staff_2fa")
    return list(School.objects.filter(pk=w.school.pk).values_list(*fields))


def _consents(w):
    consents = Consent.objects.filter(school=w.school).order_by("pk")
    return list(consents.values_list("person", "document", "withdrawn_on"))


ROWS = [
    Row("accounts:people", expect=READ),
    Row("accounts:people", query="?kind=students&login=none&consent=no&q=Уч", expect=READ),
    Row("accounts:person_create", expect=ADMIN),
    Row(
        "accounts:person_create",
        method="post",
        data=lambda w: {"last_name": "Н", "first_name": "Н", "roles": ["teacher"]},
        expect={"admin": 302, "outsider": 302, "operator": 302},
    ),
    Row("accounts:person_detail", kwargs=lambda w: {"pk": w.student.pk}, expect=OBJECT_READ),
    Row("accounts:person_edit", kwargs=lambda w: {"pk": w.student.pk}, expect=OBJECT_ADMIN),
    Row(
        "accounts:person_edit",
        method="post",
        kwargs=lambda w: {"pk": w.other_teacher.pk},
        data=lambda w: {"last_name": "Физикова", "first_name": "Дина", "roles": ["teacher"]},
        expect={"admin": 302, "outsider": 404, "operator": 302},
        state=lambda w: list(
            Person.objects.filter(pk=w.other_teacher.pk).values_list("last_name", "first_name", "patronymic")
        ),
        changed_by=frozenset({"admin"}),
    ),
    Row(
        "accounts:person_link",
        method="post",
        kwargs=lambda w: {"pk": w.parent.pk},
        data=lambda w: {"link-student": w.other_student.pk, "link-relation": "father"},
        expect={"admin": 302, "outsider": 404, "operator": 302},
    ),
    Row(
        "accounts:person_unlink",
        method="post",
        kwargs=lambda w: {"pk": w.parent.pk, "link_pk": ParentLink.objects.get(parent__person=w.parent).pk},
        expect={"admin": 302, "outsider": 404, "operator": 302},
    ),
    Row("accounts:consent_record", kwargs=lambda w: {"pk": w.student.pk}, expect=OBJECT_ADMIN),
    Row(
        "accounts:consent_record",
        method="post",
        kwargs=lambda w: {"pk": w.student.pk},
        data=lambda w: {"document": "Согласие № 12", "signed_on": "2026-09-01"},
        expect={"admin": 302, "outsider": 404, "operator": 302},
        state=_consents,
        changed_by=frozenset({"admin"}),
    ),
    Row("accounts:consent_withdraw", kwargs=_consent, expect=OBJECT_ADMIN),
    Row(
        "accounts:consent_withdraw",
        method="post",
        kwargs=_consent,
        data=lambda w: {"withdrawn_on": "2026-10-01"},
        expect={"admin": 302, "outsider": 404, "operator": 302},
        state=_consents,
        changed_by=frozenset({"admin"}),
    ),
    Row("accounts:consent_missing", expect=READ),
    Row("accounts:invites", expect=INVITERS, note="a teacher who leads no class gets an explanatory page"),
    Row("accounts:invite_class", kwargs=lambda w: {"pk": w.class_5a.pk}, expect=CLASS_INVITERS),
    Row(
        "accounts:invite_class",
        kwargs=lambda w: {"pk": w.class_6b.pk},
        expect={"admin": 200, "outsider": 404, "operator": 302},
        note="5А's class teacher: not 6Б",
    ),
    Row("accounts:invite_class_slips", method="post", kwargs=_class_with_newcomer, expect=CLASS_INVITERS),
    Row("accounts:invite_issue", kwargs=lambda w: {"pk": w.student.pk}, expect=CLASS_INVITERS),
    Row(
        "accounts:invite_issue",
        kwargs=lambda w: {"pk": w.other_student.pk},
        expect={"admin": 200, "outsider": 404, "operator": 302},
        note="a student of 6Б: not for 5А's class teacher",
    ),
    Row(
        "accounts:invite_issue",
        method="post",
        kwargs=lambda w: _newcomer(w, w.class_5a),
        data=lambda w: {"role": "student"},
        expect={"admin": 200, "class_teacher": 200, "outsider": 404, "operator": 302},
        state=_invites,
        changed_by=frozenset({"admin", "class_teacher"}),
        note="a 5А student without a login: the page with the new code; the teacher leads no class (403)",
    ),
    Row(
        "accounts:invite_issue",
        method="post",
        kwargs=lambda w: _newcomer(w, w.class_6b),
        data=lambda w: {"role": "student"},
        expect={"admin": 200, "outsider": 404, "operator": 302},
        state=_invites,
        changed_by=frozenset({"admin"}),
        note="a 6Б student: not for 5А's class teacher",
    ),
    Row("accounts:school_settings", expect=ADMIN),
    Row(
        "accounts:school_settings",
        method="post",
        data=lambda w: {
            "name": "Школа № 7 имени А. С. Пушкина",
            "short_name": "Школа № 7",
            "timezone": "Asia/Omsk",
        },
        expect={"admin": 302, "outsider": 302, "operator": 302},
        state=_school_settings,
        changed_by=frozenset({"admin"}),
        note="the outsider changes their own school's settings, never this one's",
    ),
    Row("join:start", expect={}, default=200, anonymous=200),
    Row("join:start", query="?code=2345-6789-ABCD", expect={}, default=200, anonymous=200),
    Row(
        "join:start",
        method="post",
        data=_typed_code,
        expect={},
        default=302,
        anonymous=302,
        anonymous_to="join:account",
        state=_invite_state,
        note="public: a valid code (case does not matter) is kept in the session, on to the next step; "
        "nothing is written until then",
    ),
    Row(
        "join:start",
        method="post",
        data=lambda w: {"code": "2345-6789-ABCD"},
        expect={},
        default=200,
        anonymous=200,
        note="an unknown code: the form says so",
    ),
    Row("join:account", expect={}, default=200, anonymous=200),
    Row(
        "join:account",
        method="post",
        session=lambda w: {SESSION_KEY: _invite(w).code_hash},
        data=lambda w: {"username": "novichkov", "password": "Kvadrat-1977!", "password2": "Kvadrat-1977!"},
        expect={"outsider": 302},
        default=200,
        anonymous=302,
        anonymous_to="home",
        state=_invite_state,
        changed_by=frozenset({"anonymous", "outsider"}),
        note="a visitor creates a login for the code's person; a signed-in login is linked to that person "
        "unless it already has someone in this school, or is the district operator's (the page says so)",
    ),
    Row(
        "join:account",
        method="post",
        data=lambda w: {"username": "novichkov", "password": "Kvadrat-1977!", "password2": "Kvadrat-1977!"},
        expect={},
        default=200,
        anonymous=200,
        state=lambda w: list(Person.objects.order_by("pk").values_list("pk", "user")),
        note="no code in the session: the page says so, nothing is created",
    ),
]
