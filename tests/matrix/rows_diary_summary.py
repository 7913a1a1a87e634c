"""Rows for the summary sheets (journal/diary/summary_views.py, R-D-5).

A student's sheet and its PDF follow the diary's rule (journal/diary/frame.py): the student,
their parents, the admin, director, deputy and the class teacher of the student's
class read it; anyone else gets 404 as if the student did not exist (R-ACC-4): a
subject teacher, another family, another class's class teacher, another school.

A class's sheets (5А) follow the class attendance page's rule: readers and 5А's
class teacher; everyone else of the school gets 403 — the class is no secret inside
the school, and the journal's class pages answer 403 to students and parents too.
Another school: 404. The operator, who has no school, is sent to the schools list.
"""

from tests.matrix import Row

OPERATOR = {"operator": 302}
FOREIGN = {"outsider": 404}
RANGE = "?from=2026-10-12&to=2026-10-18"
READERS = {"admin": 200, "director": 200, "deputy": 200}


def own_child(w):
    return {"pk": w.student.student.pk}


def other_family(w):
    return {"pk": w.other_student.student.pk}


def class_5a(w):
    return {"pk": w.class_5a.pk}


def class_6b(w):
    return {"pk": w.class_6b.pk}


STUDENT = {
    **READERS,
    "class_teacher": 200,
    "student": 200,
    "parent": 200,
    "teacher": 404,
    **FOREIGN,
    **OPERATOR,
}
OTHER_FAMILY = {
    **READERS,
    "class_teacher": 404,
    "student": 404,
    "parent": 404,
    "teacher": 404,
    **FOREIGN,
    **OPERATOR,
}
CLASS = {**READERS, "class_teacher": 200, **FOREIGN, **OPERATOR}
OTHER_CLASS = {**READERS, **FOREIGN, **OPERATOR}

ROWS = [
    Row("diary:summary", kwargs=own_child, query=RANGE, expect=STUDENT, note="5А's student"),
    Row("diary:summary_pdf", kwargs=own_child, query=RANGE, expect=STUDENT, note="5А's student"),
    Row("diary:summary", kwargs=other_family, query=RANGE, expect=OTHER_FAMILY, note="6Б's student"),
    Row("diary:summary_pdf", kwargs=other_family, query=RANGE, expect=OTHER_FAMILY, note="6Б's student"),
    Row("diary:class_summary", kwargs=class_5a, query=RANGE, expect=CLASS),
    Row("diary:class_summary_pdf", kwargs=class_5a, query=RANGE, expect=CLASS),
    Row(
        "diary:class_summary",
        kwargs=class_6b,
        query=RANGE,
        expect=OTHER_CLASS,
        note="5А's class teacher: 403 for 6Б",
    ),
]
