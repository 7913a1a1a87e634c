"""Rows for the thematic plan pages (journal/rules.py: view_plan, edit_plan, may_download_template).

The plan of 5А maths: the admin, director and deputy read it, its teacher and
5А's class teacher read it; the admin, the deputy and the maths teacher change
it (import, clear), the director and the class teacher (who does not teach
maths) may not. The empty template: anyone who may edit some plan (admin,
deputy, any teacher), not the director. The overview: staff; readers choose a
class (?class= of this school only). Students and parents never reach these
pages (403); objects of this school answer 404 to the outsider, who downloads
the template and sees their own overview; the operator has no school (302).
"""

from django.core.files.uploadedfile import SimpleUploadedFile

from journal.plans import xlsx as plan_xlsx
from tests.matrix import Row

OPERATOR = {"operator": 302}
FOREIGN = {"outsider": 404}
READ = {"admin": 200, "director": 200, "deputy": 200, "teacher": 200, "class_teacher": 200}
EDIT = {"admin": 302, "deputy": 302, "teacher": 302}


def course(w):
    return {"course_pk": w.math_5a.pk}


def plan_file(w):
    data = plan_xlsx.template_workbook()
    return {"file": SimpleUploadedFile("plan.xlsx", data, content_type=plan_xlsx.CONTENT_TYPE)}


ROWS = [
    Row(
        "journal:plans",
        expect={**READ, "outsider": 200, **OPERATOR},
        note="the outsider sees their own school's",
    ),
    Row(
        "journal:plans",
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
    Row(
        "journal:plan_template",
        expect={
            "admin": 200,
            "deputy": 200,
            "teacher": 200,
            "class_teacher": 200,
            "outsider": 200,
            **OPERATOR,
        },
        note="not school data; the outsider is an admin of their own school",
    ),
    Row("journal:plan", kwargs=course, expect={**READ, **FOREIGN, **OPERATOR}),
    Row("journal:plan_export", kwargs=course, expect={**READ, **FOREIGN, **OPERATOR}),
    Row(
        "journal:plan_import",
        kwargs=course,
        method="post",
        data=plan_file,
        expect={**EDIT, **FOREIGN, **OPERATOR},
        note="a valid file: editors are sent back to the plan",
    ),
    Row(
        "journal:plan_clear",
        kwargs=course,
        method="post",
        data=lambda w: {"confirm": "on"},
        expect={**EDIT, **FOREIGN, **OPERATOR},
    ),
]
