"""Rows for the mark log report (journal/rules.py `view_mark_log`).

The admin, director and deputy read the log and download it; teachers,
students and parents get 403. The outsider (another school's admin) sees
their own school's log, never this one's (no object of this school is in the
URL, so 200 with their school's rows). The operator, who has no school, is sent
to the schools list. Bad filters never answer 500: the page shows the message,
the export sends back to the page.
"""

from tests.matrix import STAFF_READ, Row

OPERATOR = {"operator": 302}
OWN_SCHOOL = {"outsider": 200}

ROWS = [
    Row(
        "journal:marklog", expect={**STAFF_READ, **OWN_SCHOOL, **OPERATOR}, note="outsider: own school's log"
    ),
    Row(
        "journal:marklog",
        query="?year=abc&actor=999999999&date_from=2026-13-01",
        expect={**STAFF_READ, **OWN_SCHOOL, **OPERATOR},
        note="bad filters: the page with messages",
    ),
    Row(
        "journal:marklog_xlsx",
        expect={**STAFF_READ, **OWN_SCHOOL, **OPERATOR},
        note="outsider: own school's log",
    ),
    Row(
        "journal:marklog_xlsx",
        query="?kind=bogus",
        expect={"admin": 302, "director": 302, "deputy": 302, "outsider": 302, **OPERATOR},
        note="bad filters: back to the page",
    ),
]
