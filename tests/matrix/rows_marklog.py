"""Rows for the mark log report (journal/rules.py `view_mark_log`).

The admin, director and deputy read the log and ask for XLSX exports; teachers,
students and parents get 403. The outsider (another school's admin) sees
their own school's log and exports, never this one's (no object of this school is
in those URLs, so 200 with their school's rows); this school's export file answers
them 404. The operator, who has no school, is sent to the schools list. Bad
filters never answer 500: the page shows the message, an export request sends
back to the page. Asking for an export redirects back to the page (its task is
sent only after a commit, which a matrix test never reaches).
"""

import uuid
import weakref

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from journal.models import MarkLogExport
from tests.matrix import STAFF_READ, Row

OPERATOR = {"operator": 302}
OWN_SCHOOL = {"outsider": 200}
REDIRECT = {"admin": 302, "director": 302, "deputy": 302, "outsider": 302, **OPERATOR}


def stored_export(w):
    """A finished export of the admin's whose file really exists (removed with the test's world)."""
    name = default_storage.save(f"exports/matrix/{uuid.uuid4().hex}.xlsx", ContentFile(b"PK"))
    weakref.finalize(w, default_storage.delete, name)
    export = MarkLogExport.objects.create(
        school=w.school,
        requested_by=w.admin.user,
        status=MarkLogExport.Status.DONE,
        rows_total=0,
        file=name,
        file_name="zhurnal-izmeneniy-2026-2027.xlsx",
    )
    return {"pk": export.pk}


ROWS = [
    Row(
        "journal:marklog", expect={**STAFF_READ, **OWN_SCHOOL, **OPERATOR}, note="outsider: own school's log"
    ),
    Row(
        "journal:marklog",
        query="?year=abc&actor=999999999&date_from=2026-13-01",
        expect={**STAFF_READ, **OWN_SCHOOL, **OPERATOR},
        note="bad filters: the page with messages",
    ),
    Row(
        "journal:marklog_exports",
        expect={**STAFF_READ, **OWN_SCHOOL, **OPERATOR},
        note="the user's exports box (polled); outsider: their own",
    ),
    Row(
        "journal:marklog_exports",
        method="post",
        expect=REDIRECT,
        note="ask for an export, back to the page; outsider: of their own school",
    ),
    Row(
        "journal:marklog_exports",
        method="post",
        data=lambda w: {"kind": "bogus"},
        expect=REDIRECT,
        note="bad filters: back to the page, nothing created",
    ),
    Row(
        "journal:marklog_export_file",
        kwargs=stored_export,
        expect={**STAFF_READ, "outsider": 404, **OPERATOR},
        note="the admin's file: readers of the log download it; another school's admin: 404",
    ),
]
