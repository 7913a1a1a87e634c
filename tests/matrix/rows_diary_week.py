"""Rows for the diary's week and homework pages (journal/diary/week_views.py, the rule of journal/diary/frame.py).

The student's own diary: the student, their parent, the admin, director and deputy, and the class
teacher of 5А read it; a subject teacher who leads no class gets 404, as does the admin of another
school (the student does not exist for them). Another family's child (6Б): 404 to the student and
the parent of 5А (R-ACC-4). The district operator, who has no school, is sent to the schools list.
"""

from tests.matrix import Row

READERS = {"admin": 200, "director": 200, "deputy": 200, "class_teacher": 200}
OTHERS = {"teacher": 404, "outsider": 404, "operator": 302}
OWN = {**READERS, **OTHERS, "student": 200, "parent": 200}
OTHER_FAMILY = {**OTHERS, "student": 404, "parent": 404, "admin": 200, "director": 200, "deputy": 200}


def own_student(w):
    return {"pk": w.student.student.pk}


def other_student(w):
    return {"pk": w.other_student.student.pk}


ROWS = [
    Row("diary:week", kwargs=own_student, expect=OWN, note="the student of 5А"),
    Row("diary:week", kwargs=own_student, query="?date=2026-10-12", expect=OWN, note="a chosen week"),
    Row("diary:homework", kwargs=own_student, expect=OWN),
    Row(
        "diary:week",
        kwargs=other_student,
        expect=OTHER_FAMILY | {"class_teacher": 404},
        note="6Б's student: another family's child; 5А's class teacher does not lead 6Б",
    ),
    Row("diary:homework", kwargs=other_student, expect=OTHER_FAMILY | {"class_teacher": 404}),
]
