"""Rows for the timetable weeks and substitutions (schedule/rules.py, "Timetable").

Class, teacher and room weeks (and their XLSX): every staff member. A student's
week: staff, the student and their parents; another family's child answers 404
(R-ACC-4), as does any object of this school to the outsider (another school's
admin). The substitution pages: the admin and the deputy. The district
operator, who has no school, is sent to the schools list (302).
"""

import datetime

from schedule.models import Substitution
from tests import factories as f
from tests.matrix import Row

OPERATOR = {"operator": 302}
FOREIGN = {"outsider": 404}
STAFF = {"admin": 200, "director": 200, "deputy": 200, "teacher": 200, "class_teacher": 200}
WEEK = {**STAFF, **FOREIGN, **OPERATOR}
OWN_STUDENT = {**WEEK, "student": 200, "parent": 200}
OTHER_STUDENT = {**WEEK, "student": 404, "parent": 404}
SUBSTITUTIONS_POST = {"admin": 302, "deputy": 302, **FOREIGN, **OPERATOR}
MONDAY = datetime.date(2026, 10, 12)


def lesson(w):
    return {"pk": f.make_lesson(w.math_5a, MONDAY, 1).pk}


def substitution(w):
    sub = Substitution.objects.create(
        school=w.school,
        lesson=f.make_lesson(w.math_5a, MONDAY, 2),
        absent_teacher=w.teacher,
        substitute=w.substitute,
    )
    return {"pk": sub.pk}


def room(w):
    return {"pk": f.make_room(w.school, "101").pk}


def own_student(w):
    return {"pk": w.student.student.pk}


def other_student(w):
    return {"pk": w.other_student.student.pk}


ROWS = [
    Row("schedule:week_class", kwargs=lambda w: {"pk": w.class_5a.pk}, expect=WEEK),
    Row("schedule:week_class_xlsx", kwargs=lambda w: {"pk": w.class_5a.pk}, expect=WEEK),
    Row("schedule:week_teacher", kwargs=lambda w: {"pk": w.teacher.pk}, expect=WEEK),
    Row("schedule:week_teacher_xlsx", kwargs=lambda w: {"pk": w.teacher.pk}, expect=WEEK),
    Row("schedule:week_room", kwargs=room, expect=WEEK),
    Row("schedule:week_room_xlsx", kwargs=room, expect=WEEK),
    Row("schedule:week_student", kwargs=own_student, expect=OWN_STUDENT, note="the student of 5А"),
    Row("schedule:week_student_xlsx", kwargs=own_student, expect=OWN_STUDENT),
    Row(
        "schedule:week_student",
        kwargs=other_student,
        expect=OTHER_STUDENT,
        note="another family's child: 404 to the student and the parent",
    ),
    Row("schedule:week_student_xlsx", kwargs=other_student, expect=OTHER_STUDENT),
    Row(
        "schedule:week_mine",
        expect={role: 302 for role in [*STAFF, "student", "parent", "outsider", "operator"]},
        note="a redirect to the person's own week (the parent's first child's)",
    ),
    Row(
        "schedule:week_mine",
        query="?child=999999999",
        expect={role: 404 for role in [*STAFF, "student", "parent", "outsider"]} | OPERATOR,
        note="?child= accepts only the parent's own children",
    ),
    # substitutions
    Row("schedule:substitution_day", expect={"admin": 200, "deputy": 200, "outsider": 200, **OPERATOR}),
    Row(
        "schedule:substitution_record",
        kwargs=lesson,
        method="post",
        data=lambda w: {"substitute": w.substitute.pk},
        expect=SUBSTITUTIONS_POST,
        note="the lesson is in the past: the deputy is refused with a message (302), the admin records it late",
    ),
    Row(
        "schedule:substitution_record",
        kwargs=lesson,
        expect={"admin": 405, "deputy": 405, "outsider": 405, **OPERATOR},
        note="POST only",
    ),
    Row("schedule:substitution_cancel", kwargs=substitution, method="post", expect=SUBSTITUTIONS_POST),
]
