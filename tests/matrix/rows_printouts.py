"""Rows for the period printouts and their sign-off (reports/printout_rules.py) and the public verification page.

The admin, director and deputy see the list of a period's classes; the admin and
the deputy generate (302 back to the list). A printout of 5А's first quarter: its
page and files are read by the leadership, by 5А's maths teacher (one of its
courses) and by 5А's class teacher; students and parents get 403; the outsider
(another school's admin) 404. Confirming the maths pages: the maths teacher 302;
anyone else who sees the printout gets the page with the refusal (400). The
verification page and its lookup are public: anonymous 200, an unknown code 404.
The operator, who has no school, is sent to the schools list.
"""

import uuid
import weakref

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from reports import printouts
from reports.models import Printout
from reports.signoff import _sign_parts
from schedule.models import ReportingPeriod
from tests.matrix import STAFF_READ, Row

OPERATOR = {"operator": 302}
READERS = {**STAFF_READ, "teacher": 200, "class_teacher": 200}
PUBLIC = {
    role: 200
    for role in (
        "admin",
        "director",
        "deputy",
        "teacher",
        "class_teacher",
        "student",
        "parent",
        "outsider",
        "operator",
    )
}


def first_quarter(w):
    return ReportingPeriod.objects.select_related("scheme").get(
        scheme__year=w.year, scheme__kind="quarters", number=1
    )


def stored_printout(w, *, frozen=False) -> Printout:
    """5А's first-quarter printout with its draft file on disk (removed with the test's world)."""
    name = default_storage.save(f"printouts/matrix/{uuid.uuid4().hex}.pdf", ContentFile(b"%PDF-1.7 matrix"))
    weakref.finalize(w, default_storage.delete, name)
    data = printouts.snapshot(w.class_5a, first_quarter(w))
    parts = _sign_parts(data)
    return Printout.objects.create(
        school=w.school,
        year=w.year,
        school_class=w.class_5a,
        period=first_quarter(w),
        data=data,
        courses=parts["courses"],
        teacher_ids=parts["teacher_ids"],
        class_teacher_id=parts["class_teacher_id"],
        render_status="done",
        draft=name,
        final=name if frozen else "",
        sha256="0" * 64 if frozen else "",
        pages=3,
        frozen_at="2026-11-01T10:00:00+03:00" if frozen else None,
    )


def printout_kwargs(w):
    return {"pk": stored_printout(w).pk}


def code_kwargs(w):
    return {"code": stored_printout(w, frozen=True).code}


def generate_data(w):
    return {"period": first_quarter(w).pk, "class": w.class_5a.pk}


ROWS = [
    Row(
        "reports:printouts",
        expect={**STAFF_READ, "outsider": 200, **OPERATOR},
        note="outsider: own school's list",
    ),
    Row(
        "reports:printouts",
        query="?period=year",
        expect={**STAFF_READ, "outsider": 200, **OPERATOR},
        note="the year summary sheets",
    ),
    Row(
        "reports:printouts",
        query="?period=abc&partial=1",
        expect={**STAFF_READ, "outsider": 200, **OPERATOR},
        note="a bad period: the last ended one with a message; the polled table alone",
    ),
    Row(
        "reports:printouts",
        method="post",
        data=generate_data,
        expect={**STAFF_READ, "outsider": 200, **OPERATOR},
        state=lambda w: Printout.objects.filter(school=w.school).count(),
        note="the list shares its code with generating, but generates nothing: a POST reads like a GET",
    ),
    Row(
        "reports:printouts_generate",
        method="post",
        data=generate_data,
        expect={"admin": 302, "deputy": 302, "outsider": 404, **OPERATOR},
        note="the deputy or admin generates one class; another school's period: 404",
    ),
    Row(
        "reports:printouts_generate",
        method="post",
        data=lambda w: {"period": "year", "all": "1"},
        expect={"admin": 302, "deputy": 302, "outsider": 302, **OPERATOR},
        note="every class's year summary sheet; outsider: their own school's",
    ),
    Row(
        "reports:printouts_generate",
        method="post",
        data=lambda w: {"period": "999999999", "class": "x"},
        expect={"admin": 404, "deputy": 404, "outsider": 404, **OPERATOR},
        note="no such period",
    ),
    Row(
        "reports:printout",
        kwargs=printout_kwargs,
        expect={**READERS, "outsider": 404, **OPERATOR},
        note="5А's printout: leadership, its teachers, its class teacher",
    ),
    Row(
        "reports:printout",
        kwargs=printout_kwargs,
        query="?partial=1",
        expect={**READERS, "outsider": 404, **OPERATOR},
        note="the polled steps box",
    ),
    Row(
        "reports:printout_sign",
        kwargs=printout_kwargs,
        method="post",
        data=lambda w: {"step": "course", "course": w.math_5a.pk},
        expect={**{r: 400 for r in READERS}, "teacher": 302, "outsider": 404, **OPERATOR},
        note="the maths teacher confirms the maths pages; others see the refusal",
    ),
    Row(
        "reports:printout_sign",
        kwargs=printout_kwargs,
        method="post",
        data=lambda w: {"step": "director"},
        expect={**{r: 400 for r in READERS}, "outsider": 404, **OPERATOR},
        note="out of order: the page with the message",
    ),
    Row("reports:printout_pdf", kwargs=printout_kwargs, expect={**READERS, "outsider": 404, **OPERATOR}),
    Row("reports:printout_xlsx", kwargs=printout_kwargs, expect={**READERS, "outsider": 404, **OPERATOR}),
    Row("reports:verify_lookup", expect=PUBLIC, anonymous=200, note="public"),
    Row(
        "reports:verify_lookup",
        query="?code=nope",
        expect=PUBLIC,
        anonymous=200,
        note="a bad code: the message",
    ),
    Row("reports:verify", kwargs=code_kwargs, expect=PUBLIC, anonymous=200, note="public, no personal data"),
    Row(
        "reports:verify",
        kwargs=code_kwargs,
        method="post",
        data=lambda w: {"sha256": "0" * 64},
        expect=PUBLIC,
        anonymous=200,
        note="public comparison",
    ),
    Row(
        "reports:verify",
        kwargs=lambda w: {"code": "ABCDEFGHJK"},
        expect={r: 404 for r in PUBLIC},
        anonymous=404,
        note="an unknown code",
    ),
]
