"""Rows for the finals control page (journal/finals/control_views.py: `rules.control_finals` to read,
`rules.manage_period_locks` to close or reopen a period) and the finals rules of the journal settings
(journal/settings/views.py `set_finals_rules`: `schedule.rules.manage_structure`).

The admin, director and deputy read the control page; teachers, students and
parents get 403. The outsider (another school's admin) reads their own school's
page (no object of this school in the URL) and, closing or reopening this
school's period, gets 404. Only the admin closes (302 back to the page) and
reopens with a reason (302); a reopening without a reason, or of a period that is
not closed, shows the page again with the message (200). The operator, who has no
school, is sent to the schools list.
"""

from journal.models import PeriodClosure
from schedule.models import ReportingPeriod
from tests.matrix import STAFF_READ, Row

OPERATOR = {"operator": 302}


def first_quarter(w):
    return ReportingPeriod.objects.get(scheme__year=w.year, scheme__kind="quarters", number=1)


def period_data(w):
    return {"period": first_quarter(w).pk}


def closed_period_data(w, reason="Исправление после апелляции"):
    period = first_quarter(w)
    PeriodClosure.objects.get_or_create(school=w.school, period=period)
    return {"period": period.pk, "reason": reason}


ROWS = [
    Row(
        "journal:finals_control",
        expect={**STAFF_READ, "outsider": 200, **OPERATOR},
        note="outsider: own school's page",
    ),
    Row(
        "journal:finals_control",
        query="?period=abc&school_class=999999999&show=bogus",
        expect={**STAFF_READ, "outsider": 200, **OPERATOR},
        note="bad filters: the page with messages, the defaults used",
    ),
    Row(
        "journal:close_period",
        method="post",
        data=period_data,
        expect={"admin": 302, "outsider": 404, **OPERATOR},
        note="the admin closes; another school's admin: 404",
    ),
    Row(
        "journal:close_period",
        method="post",
        data=lambda w: {"period": "abc"},
        expect={"admin": 404, "outsider": 404, **OPERATOR},
        note="no such period",
    ),
    Row(
        "journal:reopen_period",
        method="post",
        data=closed_period_data,
        expect={"admin": 302, "outsider": 404, **OPERATOR},
        note="the admin reopens a closed period for a reason",
    ),
    Row(
        "journal:reopen_period",
        method="post",
        data=lambda w: closed_period_data(w, reason="  "),
        expect={"admin": 200, "outsider": 404, **OPERATOR},
        note="no reason: the page with the message next to the field",
    ),
    Row(
        "journal:reopen_period",
        method="post",
        data=period_data,
        expect={"admin": 200, "outsider": 404, **OPERATOR},
        note="not closed: the page with the message",
    ),
    Row(
        "journal:settings_finals",
        method="post",
        data=lambda w: {
            "threshold_3": "2,6",
            "threshold_4": "3.6",
            "threshold_5": "4.6",
            "round_average": "on",
            "finals_deadline": "before",
            "finals_deadline_days": "2",
        },
        expect={"admin": 302, "outsider": 302, **OPERATOR},
        note="outsider: own school's settings",
    ),
    Row(
        "journal:settings_finals",
        method="post",
        data=lambda w: {
            "threshold_3": "4",
            "threshold_4": "3",
            "threshold_5": "x",
            "finals_deadline": "soon",
        },
        expect={"admin": 200, "outsider": 200, **OPERATOR},
        note="bad input: the page with the messages",
    ),
]
