"""Rows for the lesson-calendar pages (schedule/urls_calendar.py, rules `manage_timetable`, `view_timetables`).

Generating the calendar and one-off changes (cancel, restore, move, extra lesson):
admin and deputy. A class's day: every staff member reads it. Students and parents
have their own week views, not these pages. Objects of another school answer 404
to its admin ("outsider"); the district operator, who has no school, is sent to
the schools list (302). The POST-only actions answer 405 to a GET, before anything else.
"""

import datetime

from tests import factories as f
from tests.matrix import Row

OPERATOR = {"operator": 302}
MANAGE_PAGE = {"admin": 200, "deputy": 200, **OPERATOR}
MANAGE_POST = {"admin": 302, "deputy": 302, **OPERATOR}
STAFF_READ = {"admin": 200, "director": 200, "deputy": 200, "teacher": 200, "class_teacher": 200, **OPERATOR}
FOREIGN = {"outsider": 404}
MONDAY = datetime.date(2026, 9, 7)


def lesson(w, **kw):
    return {"pk": f.make_lesson(w.math_5a, MONDAY, 1, **kw).pk}


def cancelled_lesson(w):
    return lesson(w, status="cancelled")


def with_bells(data):
    def make(w):
        f.make_bells(w.school)
        return data(w)

    return make


POST_ONLY = {"default": 405, "anonymous": 405}

ROWS = [
    Row(
        "schedule:calendar_generate",
        expect={**MANAGE_PAGE, "outsider": 200},
        note="the outsider's own school",
    ),
    Row(
        "schedule:calendar_generate",
        method="post",
        expect={"admin": 200, "deputy": 200, **OPERATOR, "outsider": 200},
        data=lambda w: {"year": w.year.pk},
        note="the report is rendered in place; the outsider's form refuses this school's year",
    ),
    Row(
        "schedule:calendar_day",
        kwargs=lambda w: {"pk": w.class_5a.pk},
        query="?on=2026-09-07",
        expect={**STAFF_READ, **FOREIGN},
    ),
    Row(
        "schedule:calendar_day",
        kwargs=lambda w: {"pk": w.class_5a.pk},
        query="?on=2026-09-07",
        method="post",
        expect={**MANAGE_POST, **FOREIGN},
        data=with_bells(lambda w: {"course": w.math_5a.pk, "slot": "3"}),
        note="an extra lesson",
    ),
    Row("schedule:lesson_cancel", kwargs=lesson, method="post", expect={**MANAGE_POST, **FOREIGN}),
    Row("schedule:lesson_cancel", kwargs=lesson, expect={}, **POST_ONLY),
    Row("schedule:lesson_restore", kwargs=cancelled_lesson, method="post", expect={**MANAGE_POST, **FOREIGN}),
    Row("schedule:lesson_restore", kwargs=cancelled_lesson, expect={}, **POST_ONLY),
    Row("schedule:lesson_move", kwargs=lesson, expect={**MANAGE_PAGE, **FOREIGN}),
    Row(
        "schedule:lesson_move",
        kwargs=lesson,
        method="post",
        expect={**MANAGE_POST, **FOREIGN},
        data=with_bells(lambda w: {"date": "2026-09-08", "slot": "2"}),
    ),
]
