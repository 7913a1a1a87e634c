"""Rows for the finals view of a course (journal/finals/views.py; journal/rules.py's view_finals,
set_finals, manage_period_locks).

The finals of 5А maths: the admin, director and deputy read them, the maths teacher
enters them, 5А's class teacher reads them; students and parents never reach the
journal pages (403). Saving a final, accepting all proposals and locking again: the
course's teacher and the admin (whose writes the write policy judges); reopening a
locked period: the admin only. Objects of this school answer 404 to the outsider;
the operator, who has no school, is sent to the schools list.
"""

import datetime

from journal.models import Cell, CourseLock, Work, WorkType
from schedule.models import ReportingPeriod
from tests import factories as f
from tests.matrix import Row

OPERATOR = {"operator": 302}
FOREIGN = {"outsider": 404}
READ = {"admin": 200, "director": 200, "deputy": 200, "teacher": 200, "class_teacher": 200}
WRITERS = {"teacher": 302, "admin": 302, **FOREIGN, **OPERATOR}
SEP = datetime.date(2026, 9, 7)


def q1(w):
    return ReportingPeriod.objects.get(scheme__year=w.year, scheme__kind="quarters", number=1)


def with_a_mark(w):
    """A 5 of the 5А student in the first quarter (ended by now): a final can rest on it."""
    oral = WorkType.objects.create(school=w.school, code="У", name="Устный ответ", is_default=True)
    work = Work.objects.create(school=w.school, lesson=f.make_lesson(w.math_5a, SEP, 1), work_type=oral)
    Cell.objects.create(school=w.school, work=work, student=w.student.student, marks=[5])
    return q1(w)


def final(w):
    period = with_a_mark(w)
    return {
        "course": w.math_5a.pk,
        "student": w.student.student.pk,
        "kind": "period",
        "period": period.pk,
        "value": "5",
    }


def accept(w):
    return {"course": w.math_5a.pk, "kind": "period", "period": with_a_mark(w).pk}


def lock(w):
    return {"course": w.math_5a.pk, "period": with_a_mark(w).pk}


def reopen(w):
    period = q1(w)
    CourseLock.objects.create(school=w.school, course=w.math_5a, period=period, locked=True)
    return {"course": w.math_5a.pk, "period": period.pk, "reason": "Ошибка в оценке"}


ROWS = [
    Row(
        "journal:finals",
        kwargs=lambda w: {"course_pk": w.math_5a.pk},
        expect={**READ, **FOREIGN, **OPERATOR},
    ),
    Row(
        "journal:save_final",
        method="post",
        data=final,
        expect={"teacher": 200, "admin": 200, **FOREIGN, **OPERATOR},
        note="JSON; readers (director, deputy, class teacher) may not set finals",
    ),
    Row("journal:accept_finals", method="post", data=accept, expect=WRITERS),
    Row(
        "journal:lock_finals",
        method="post",
        data=lock,
        expect=WRITERS,
        note="the period is not complete: the service's message, back to the page",
    ),
    Row(
        "journal:reopen_finals",
        method="post",
        data=reopen,
        expect={"admin": 302, **FOREIGN, **OPERATOR},
        note="the school admin only",
    ),
]
