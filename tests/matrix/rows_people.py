"""Rows for people, consent, invite codes, school settings (accounts/rules.py) and the public join pages."""

from accounts.models import Consent, ParentLink, Role
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
    Row("accounts:consent_withdraw", kwargs=_consent, expect=OBJECT_ADMIN),
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
    Row("accounts:school_settings", expect=ADMIN),
    Row("join:start", expect={}, default=200, anonymous=200),
    Row("join:start", query="?code=2345-6789-ABCD", expect={}, default=200, anonymous=200),
    Row("join:account", expect={}, default=200, anonymous=200),
]
