"""Rows for the deadlines (journal/deadlines/views.py: `rules.control_deadlines` to read the control page,
its list and workbook, the settings, and to send teachers their results; `schedule.rules.manage_structure`
to change the settings).

The admin, director and deputy read; teachers, students and parents get 403. Only the admin saves the
settings (302; bad input: the page again with the messages, 200). The outsider (another school's admin)
reaches their own school's pages and writes (no object of this school in the URL); a teacher or a work
type of this school in the URL answers 404. The operator, who has no school, is sent to the schools list.
"""

from journal.grid.services import ensure_default_work_types
from journal.models import DeadlineSettings, WorkType
from tests.matrix import STAFF_READ, Row

OPERATOR = {"operator": 302}
FOREIGN = {"outsider": 404}
OWN_SCHOOL = {"outsider": 302}
READ = {**STAFF_READ, "outsider": 200, **OPERATOR}
SEND = {"admin": 302, "director": 302, "deputy": 302, "outsider": 302, **OPERATOR}

GOOD = {"record_by": "21:00", "homework_hours": "1", "oral_days": "1", "written_days": "7",
        "written_days_senior": "10", "written_working_days": "", "plan_days": "2", "remind": "on",
        "remind_at": "08:00"}  # fmt: skip


def oral_type(w):
    ensure_default_work_types(w.school)
    return {"pk": WorkType.objects.get(school=w.school, code="У").pk}


def oral_deadline(w):
    ensure_default_work_types(w.school)
    return WorkType.objects.get(school=w.school, code="У").deadline


def settings_state(w):
    return list(DeadlineSettings.objects.filter(school=w.school).values_list("record_by", flat=True))


ROWS = [
    Row("journal:deadline_control", expect=READ, note="outsider: own school's page"),
    Row(
        "journal:deadline_control",
        query="?date_from=2026-13-45&date_to=bogus",
        expect=READ,
        note="bad dates: the page with the messages, the default days used",
    ),
    Row("journal:deadline_details", query="?state=missing&clause=marks", expect=READ),
    Row(
        "journal:deadline_details",
        query="?teacher={teacher}",
        extra={"format_query": lambda w: {"teacher": w.teacher.pk}},
        expect={**STAFF_READ, **FOREIGN, **OPERATOR},
        note="another school's teacher: 404",
    ),
    Row("journal:deadline_xlsx", expect=READ),
    Row(
        "journal:deadline_send",
        method="post",
        data=lambda w: {"date_from": "2026-12-01", "date_to": "2026-12-08"},
        expect=SEND,
        note="letters once per person, days and day; outsider: their own school's teachers",
    ),
    Row("journal:deadline_settings", expect=READ),
    Row(
        "journal:deadline_settings_save",
        method="post",
        data=lambda w: GOOD,
        expect={"admin": 302, **OWN_SCHOOL, **OPERATOR},
        state=settings_state,
        changed_by=frozenset({"admin"}),
        note="outsider: own school's settings",
    ),
    Row(
        "journal:deadline_settings_save",
        method="post",
        data=lambda w: {**GOOD, "record_by": "25:61", "oral_days": "много"},
        expect={"admin": 200, "outsider": 200, **OPERATOR},
        state=settings_state,
        note="bad input: the page with the messages, nothing saved",
    ),
    Row(
        "journal:deadline_type",
        method="post",
        kwargs=oral_type,
        data=lambda w: {"deadline": "none"},
        expect={"admin": 302, **FOREIGN, **OPERATOR},
        state=oral_deadline,
        changed_by=frozenset({"admin"}),
    ),
]
