"""Rows for the class's weekly attendance reconciliation (journal/rules.py: view_class_attendance, reconcile_class).

The page of 5А: the admin, director and deputy read it, 5А's class teacher
reconciles it; a subject teacher of 5А who leads no class, students and parents
get 403. Setting a reason: 5А's class teacher and the admin (302 back to the
week); readers and everyone else 403. Objects of this school answer 404 to the
outsider; the operator, who has no school, is sent to the schools list.
"""

import datetime

from journal.models import Attendance
from tests import factories as f
from tests.matrix import Row

OPERATOR = {"operator": 302}
FOREIGN = {"outsider": 404}
TUE = datetime.date(2026, 10, 13)


def the_class(w):
    return {"class_pk": w.class_5a.pk}


def reason(w):
    row = Attendance.objects.create(
        school=w.school, lesson=f.make_lesson(w.math_5a, TUE, 1), student=w.student.student, status="absent"
    )
    return {"attendance": [row.pk], "week": "2026-10-12", "reason": "illness"}


ROWS = [
    Row(
        "journal:reconcile",
        kwargs=the_class,
        query="?week=2026-10-12",
        expect={"admin": 200, "director": 200, "deputy": 200, "class_teacher": 200, **FOREIGN, **OPERATOR},
    ),
    Row(
        "journal:set_reason",
        method="post",
        kwargs=the_class,
        data=reason,
        expect={"admin": 302, "class_teacher": 302, **FOREIGN, **OPERATOR},
        note="302 back to the week",
    ),
]
