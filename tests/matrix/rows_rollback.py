"""Rows for a compromised login's pages (journal/rules.py `roll_back_compromised`, R-ACC-7).

Only the school admin reports a login compromised, lists its changes and rolls them back; everyone
else of the school gets 403; another school's admin gets 404 for this school's people and reports;
the operator, who has no school, is sent to the schools list; the operator reports a school admin's
login on a page of their own (accounts:operator_compromised).
"""

from accounts.models import AuditEvent, User
from accounts.services.compromise import COMPROMISED
from journal.rollback.services import ROLLED_BACK
from tests.matrix import Row

ADMIN = {"admin": 200, "outsider": 404, "operator": 302}
ADMIN_POST = {"admin": 302, "outsider": 404, "operator": 302}


def _report(w):
    return AuditEvent.objects.create(
        school=w.school,
        actor=w.admin.user,
        action=COMPROMISED,
        data={"user": w.other_teacher.user.pk, "since": "2026-12-09T09:00:00+03:00"},
    )


def _result(w):
    report = _report(w)
    done = AuditEvent.objects.create(
        school=w.school,
        actor=w.admin.user,
        action=ROLLED_BACK,
        data={"report": report.pk, "done": [], "skipped": []},
    )
    return {"pk": report.pk, "result_pk": done.pk}


ROWS = [
    Row("journal:compromised_report", kwargs=lambda w: {"pk": w.other_teacher.pk}, expect=ADMIN),
    Row(
        "journal:compromised_report",
        method="post",
        kwargs=lambda w: {"pk": w.other_teacher.pk},
        data=lambda w: {"since": "2026-12-09T09:00"},
        expect=ADMIN_POST,
        state=lambda w: User.objects.filter(pk=w.other_teacher.user.pk).values_list(
            "must_change_password", "session_generation"
        )[0],
        changed_by=frozenset({"admin"}),
    ),
    Row("journal:compromised_changes", kwargs=lambda w: {"pk": _report(w).pk}, expect=ADMIN),
    Row(
        "journal:compromised_changes",
        method="post",
        kwargs=lambda w: {"pk": _report(w).pk},
        data=lambda w: {"all": "1"},
        expect=ADMIN_POST,
        state=lambda w: AuditEvent.objects.filter(action=ROLLED_BACK).count(),
        changed_by=frozenset({"admin"}),
    ),
    Row("journal:compromised_result", kwargs=_result, expect=ADMIN),
    Row(
        "accounts:operator_compromised",
        kwargs=lambda w: {"pk": w.school.pk},
        expect={"operator": 200},
        extra={"no_object": True},
        note="the operator's page of any school: every school's admin is refused by role (403), not by lookup",
    ),
    Row(
        "accounts:operator_compromised",
        method="post",
        kwargs=lambda w: {"pk": w.school.pk},
        data=lambda w: {"user": w.admin.user.pk, "since": "2026-12-09T09:00"},
        expect={"operator": 200},
        state=lambda w: User.objects.filter(pk=w.admin.user.pk).values_list(
            "must_change_password", "session_generation"
        )[0],
        changed_by=frozenset({"operator"}),
        note="the operator reports a school admin's login; everyone else is refused",
    ),
]
