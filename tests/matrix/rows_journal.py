"""Rows for the journal's grid (journal/rules.py).

The journal index: staff (teachers see their courses, readers choose a class).
The grid of 5А maths: the admin, director and deputy read it, the maths
teacher fills it, 5А's class teacher reads it; students and parents never
reach the journal pages (403). Saving a cell: the course's teacher, and the
admin whose writes the write policy judges (here the window never locks);
adding a column: the course's teacher only. Objects of this school answer
404 to the outsider; the operator, who has no school, is sent to the schools list.
"""

import datetime

from journal.models import EditWindow, JournalSettings, Work, WorkType
from schedule.models import ReportingPeriod
from tests import factories as f
from tests.matrix import Row

OPERATOR = {"operator": 302}
FOREIGN = {"outsider": 404}
READ = {"admin": 200, "director": 200, "deputy": 200, "teacher": 200, "class_teacher": 200}
SEP = datetime.date(2026, 9, 7)


def grid(w):
    f.make_lesson(w.math_5a, SEP, 1)
    period = ReportingPeriod.objects.get(scheme__year=w.year, scheme__kind="quarters", number=1)
    return {"course_pk": w.math_5a.pk, "period_pk": period.pk}


def cell(w):
    JournalSettings.objects.create(school=w.school, edit_window=EditWindow.NEVER_LOCKED)
    oral = WorkType.objects.create(school=w.school, code="У", name="Устный ответ", is_default=True)
    lesson = f.make_lesson(w.math_5a, SEP, 1)
    work = Work.objects.create(school=w.school, lesson=lesson, work_type=oral)
    return {"lesson": lesson.pk, "work": work.pk, "student": w.student.student.pk, "value": "5"}


def column(w):
    JournalSettings.objects.create(school=w.school, edit_window=EditWindow.NEVER_LOCKED)
    return {"lesson": f.make_lesson(w.math_5a, SEP, 1).pk}


ROWS = [
    Row(
        "journal:index",
        expect={**READ, "outsider": 200, **OPERATOR},
        note="the outsider sees their own school's",
    ),
    Row(
        "journal:index",
        query="?class=999999999",
        expect={
            "admin": 404,
            "director": 404,
            "deputy": 404,
            "teacher": 200,
            "class_teacher": 200,
            "outsider": 404,
            **OPERATOR,
        },
        note="?class= of this school only",
    ),
    Row("journal:grid", kwargs=grid, expect={**READ, **FOREIGN, **OPERATOR}),
    Row(
        "journal:save_cell",
        method="post",
        data=cell,
        expect={"teacher": 200, "admin": 200, **FOREIGN, **OPERATOR},
        note="JSON; the admin's write is the write policy's to judge",
    ),
    Row("journal:add_work", method="post", data=column, expect={"teacher": 302, **FOREIGN, **OPERATOR}),
]
