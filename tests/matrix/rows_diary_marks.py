"""Rows for the diary's marks and charts (journal/diary/marks_views.py, the rule in journal/diary/frame.py).

The student's own diary: the student, their parent, the admin, director and deputy, and the class
teacher of 5А; the subject teacher who leads no class gets 404, as does the admin of another school
(R-ACC-4: the student does not exist for them). Another family's child (6Б): 404 to the student and
the parent. The operator, who has no school, is sent to the schools list.
"""

from tests.matrix import Row

OWN = {
    "student": 200,
    "parent": 200,
    "admin": 200,
    "director": 200,
    "deputy": 200,
    "class_teacher": 200,
    "teacher": 404,
    "outsider": 404,
    "operator": 302,
}
OTHER_FAMILY = {**OWN, "student": 404, "parent": 404, "class_teacher": 404}


def own(w):
    return {"pk": w.student.student.pk}


def other(w):
    return {"pk": w.other_student.student.pk}


ROWS = [
    Row("diary:marks", kwargs=own, expect=OWN, note="the student of 5А"),
    Row("diary:marks", kwargs=own, query="?period=year", expect=OWN, note="the year's final marks"),
    Row(
        "diary:marks", kwargs=own, query="?period=nonsense", expect=OWN, note="a bad period: the current one"
    ),
    Row("diary:marks", kwargs=other, expect=OTHER_FAMILY, note="another family's child (6Б)"),
    Row("diary:charts", kwargs=own, expect=OWN),
    Row("diary:charts", kwargs=other, expect=OTHER_FAMILY, note="another family's child (6Б)"),
]
