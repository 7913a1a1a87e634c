"""The class teacher's weekly attendance reconciliation (R-J-8, seed 002 6.3.7): the week's page and its write.

Subject teachers mark Н (absent) and ОП (late) in the grid; the class teacher
then sets each one's reason (illness, excused, unexcused). The rows that belong
to a class are the non-empty attendance rows of planned lessons of the class's
year whose student was enrolled in the class on the lesson's date, whatever
the lesson's group (whole class, subgroup, cross-class group): a student who
moved to another class mid-week belongs to each class for their own days.
`selectors.class_attendance` is that set, and both the page and `set_reasons` use it,
so the page never shows a row the service would refuse.

`selectors.class_week` reads the page in two queries whatever the class size; this module holds the write.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import audit
from journal import rules
from journal.marklog import services as marklog
from journal.models import Attendance
from journal.policy import ensure_can_set_reason
from journal.reconcile.selectors import class_attendance
from schedule.models import SchoolClass

REASONS = [r.value for r in Attendance.Reason]
LOG_KIND = "reason"


# The page


# The write


def reason_text(reason: str) -> str:
    """The reason as the mark log stores it: its label in the school's language, "" for none."""
    if not reason:
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        return str(Attendance.Reason(reason).label)


def _pk(row) -> int:
    value = getattr(row, "pk", row)
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("The absences chosen are not valid."), code="invalid") from exc


@transaction.atomic
def set_reasons(
    *, actor, school_class: SchoolClass, attendance: Iterable[Attendance | int], reason: str
) -> list[Attendance]:
    """Set `reason` ("" clears) on absences and lateness of the class's students; returns the rows changed.

    Refuses unless the actor reconciles the class (`rules.reconcile_class`) and
    every row is an absence or lateness of a student of the class on that date
    whose lesson's journal is open (`policy.ensure_can_set_reason`). Each changed
    row gets a new version and one mark-log entry; one audit entry sums up the call.
    """
    if reason not in ("", *REASONS):
        raise ValidationError({"reason": _("Choose a reason from the list.")}, code="reason")
    if not rules.reconcile_class(actor, school_class):
        raise PermissionDenied(
            _("Only the class teacher or the school admin can set the reasons of absences.")
        )
    ids = sorted({_pk(row) for row in attendance})
    if not ids:
        raise ValidationError(_("No absences or lateness were chosen."), code="empty")
    rows = list(
        class_attendance(school_class)
        .filter(pk__in=ids)
        .select_related("lesson__year", "lesson__school", "student")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    if len(rows) != len(ids):
        raise ValidationError(
            _(
                "Some of the chosen lessons are not absences or lateness of this class's students "
                "on that date. Reload the page and try again."
            ),
            code="not_of_class",
        )
    lessons = {row.lesson_id: row.lesson for row in rows}
    for lesson in lessons.values():
        ensure_can_set_reason(actor, lesson)
    changed = [row for row in rows if row.reason != reason]
    if not changed:
        return []
    now = timezone.now()
    Attendance.objects.filter(pk__in=[row.pk for row in changed]).update(
        reason=reason, version=F("version") + 1, updated_at=now
    )
    new_text = reason_text(reason)
    for row in changed:
        old_text = reason_text(row.reason)
        row.reason, row.version, row.updated_at = reason, row.version + 1, now
        marklog.append(
            school=school_class.school,
            actor=actor,
            ip=getattr(actor, "ip", None),
            kind=LOG_KIND,
            lesson=row.lesson,
            student=row.student,
            work=None,
            old=old_text,
            new=new_text,
        )
    audit.record(
        actor,
        "journal.reasons_set",
        school_class,
        school=school_class.school,
        summary=ngettext(
            "%(class)s: reason “%(reason)s” set for %(count)d lesson",
            "%(class)s: reason “%(reason)s” set for %(count)d lessons",
            len(changed),
        )
        % {"class": school_class.name, "reason": new_text or "—", "count": len(changed)},
        data={
            "reason": reason,
            "attendance": [row.pk for row in changed],
            "students": sorted({row.student_id for row in changed}),
            "dates": sorted({row.lesson.date.isoformat() for row in changed}),
        },
    )
    return changed
