"""Rows for the journal settings page (journal/settings/views.py: rules.reads_everything to read,
schedule.rules.manage_structure to change).

The admin, director and deputy read the page; only the admin changes the edit
window and the work types (302 back to the page; bad input: the page again
with the message, 200). Teachers, students and parents get 403. The outsider
(another school's admin) reaches their own school's page and writes (no object
of this school in the URL), and a work type of this school answers 404. The
operator, who has no school, is sent to the schools list.
"""

from journal.grid.services import ensure_default_work_types
from journal.models import WorkType
from tests.matrix import STAFF_READ, Row

OPERATOR = {"operator": 302}
FOREIGN = {"outsider": 404}
OWN_SCHOOL = {"outsider": 302}


def homework_type(w):
    """ДЗ of the usual list: not the default, no mark column uses it."""
    ensure_default_work_types(w.school)
    return {"pk": WorkType.objects.get(school=w.school, code="ДЗ").pk}


ROWS = [
    Row(
        "journal:settings",
        expect={**STAFF_READ, "outsider": 200, **OPERATOR},
        note="outsider: own school's page",
    ),
    Row(
        "journal:settings_window",
        method="post",
        data=lambda w: {"edit_window": "1w"},
        expect={"admin": 302, **OWN_SCHOOL, **OPERATOR},
        note="outsider: own school's settings",
    ),
    Row(
        "journal:settings_window",
        method="post",
        data=lambda w: {"edit_window": "forever"},
        expect={"admin": 200, "outsider": 200, **OPERATOR},
        note="bad input: the page with the message",
    ),
    Row(
        "journal:work_type_add",
        method="post",
        data=lambda w: {"code": "Т", "name": "тест", "weight": "1,5"},
        expect={"admin": 302, **OWN_SCHOOL, **OPERATOR},
        note="outsider: own school's list",
    ),
    Row(
        "journal:work_type_add",
        method="post",
        data=lambda w: {"code": "", "name": "", "weight": "abc"},
        expect={"admin": 200, "outsider": 200, **OPERATOR},
        note="bad input: the page with the messages",
    ),
    Row("journal:work_type_edit", kwargs=homework_type, expect={"admin": 200, **FOREIGN, **OPERATOR}),
    Row(
        "journal:work_type_edit",
        method="post",
        kwargs=homework_type,
        data=lambda w: {"code": "ДЗ", "name": "домашняя работа", "weight": "0.5"},
        expect={"admin": 302, **FOREIGN, **OPERATOR},
    ),
    Row(
        "journal:work_type_delete",
        method="post",
        kwargs=homework_type,
        expect={"admin": 302, **FOREIGN, **OPERATOR},
    ),
    Row(
        "journal:work_type_default",
        method="post",
        kwargs=homework_type,
        expect={"admin": 302, **FOREIGN, **OPERATOR},
    ),
    Row(
        "journal:work_type_move",
        method="post",
        kwargs=homework_type,
        data=lambda w: {"direction": "down"},
        expect={"admin": 302, **FOREIGN, **OPERATOR},
    ),
]
