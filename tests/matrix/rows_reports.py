"""Rows for the report pages (reports/views.py; reports/rules.py has the table).

The index: staff and teachers 200, families 403. Every report of the catalogue
opens with its default parameters for whoever its audience allows: the class
teacher's reports for admin, director, deputy and the class teacher (a teacher
who leads no class: 403), the subject teacher's also for teachers, the
administration's only for admin, director and deputy. The outsider (another
school's admin) gets their own school's report (200); the operator, who has no
school, the schools list (302). A bad parameter shows the page with the message
(200). A class of another school in the query answers 404: that needs the
world's ids in the query string, so it is tested in tests/reports/test_framework.py
(`test_objects_of_another_school_answer_404`).
"""

from reports.catalog import reports
from tests.matrix import STAFF_READ, Row

OTHERS = {"outsider": 200, "operator": 302}
# The URL names a report, not an object of the school: another school's admin gets their own school's
# report (tests/test_isolation.py still checks no person of this school shows on it).
NO_OBJECT = {"no_object": True}
BY_AUDIENCE = {
    "class_teacher": {**STAFF_READ, "class_teacher": 200, **OTHERS},
    "subject_teacher": {**STAFF_READ, "class_teacher": 200, "teacher": 200, **OTHERS},
    "leadership": {**STAFF_READ, **OTHERS},
}


def code(name):
    return lambda w: {"code": name}


ROWS = [
    Row("reports:index", expect={**STAFF_READ, "teacher": 200, "class_teacher": 200, **OTHERS}),
    *[
        Row(
            "reports:report",
            extra=NO_OBJECT,
            kwargs=code(spec.code),
            expect=BY_AUDIENCE[spec.audience],
            note=spec.code,
        )
        for spec in reports().values()
    ],
    Row(
        "reports:report",
        extra=NO_OBJECT,
        kwargs=code("class_results"),
        query="?class=999999999&period=abc",
        expect=BY_AUDIENCE["class_teacher"],
        note="unknown class and period: the page with the messages",
    ),
    Row(
        "reports:report",
        extra=NO_OBJECT,
        kwargs=code("student_movement"),
        query="?from=2026-10-10&to=2026-09-01",
        expect=BY_AUDIENCE["class_teacher"],
        note="reversed dates: the page with the message",
    ),
    Row(
        "reports:report_xlsx",
        extra=NO_OBJECT,
        kwargs=code("class_results"),
        expect=BY_AUDIENCE["class_teacher"],
    ),
    Row(
        "reports:report_pdf",
        extra=NO_OBJECT,
        kwargs=code("class_attendance"),
        expect=BY_AUDIENCE["class_teacher"],
    ),
    Row(
        "reports:report_pdf",
        extra=NO_OBJECT,
        kwargs=code("class_attendance"),
        query="?class=abc",
        expect=BY_AUDIENCE["class_teacher"],
        note="bad input: the page with the message, no PDF",
    ),
]
