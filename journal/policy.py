"""The one place that decides whether a journal write is allowed (DESIGN.md decision 6, R-CTL-5).

Every service that writes marks or attendance calls `ensure_can_write` (attendance)
or `ensure_can_mark` (marks) inside its transaction, so views, imports, tasks
and the admin all pass the same checks, at write time, never relying on a job.

Two kinds of refusal:
- `PermissionDenied` — who you are: not this school's lesson, or neither the
  lesson's teacher (the course's teacher on that date or its substitute) nor
  the school admin.
- `ValidationError` with a message for the user — the state of the journal:
  the year is closed or archived (R-J-13), the period is locked (issue 5), the
  lesson was cancelled or has not taken place yet, the edit window has passed
  (R-J-10), the class is a first grade and takes no marks (R-SET-5).

After the edit window only the school admin may write; the check then answers
`True` ("admin override") so the service audits it.
"""

from __future__ import annotations

import datetime
import zoneinfo

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Role
from schedule.models import Lesson
from schedule.rules import may_fill_lesson

from .models import EditWindow, JournalSettings

WINDOWS = {
    EditWindow.ONE_WEEK: relativedelta(weeks=1),
    EditWindow.TWO_WEEKS: relativedelta(weeks=2),
    EditWindow.THREE_WEEKS: relativedelta(weeks=3),
    EditWindow.ONE_MONTH: relativedelta(months=1),
}


def journal_settings(school) -> JournalSettings:
    """The school's journal settings, created with the defaults on first use.

    A school loaded with `select_related("journal_settings")` answers without a query.
    """
    try:
        return school.journal_settings
    except JournalSettings.DoesNotExist:
        return JournalSettings.objects.get_or_create(school=school)[0]


def school_zone(school) -> zoneinfo.ZoneInfo:
    """The school's time zone (Moscow when the stored name is unknown)."""
    try:
        return zoneinfo.ZoneInfo(school.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("Europe/Moscow")


def school_today(school, now: datetime.datetime | None = None) -> datetime.date:
    """The date in the school's time zone at `now` (default: the current moment)."""
    return (now or timezone.now()).astimezone(school_zone(school)).date()


def last_editable_day(lesson_date: datetime.date, window: str) -> datetime.date | None:
    """The last day (inclusive) its teacher may change a lesson's marks; None when never locked.

    1 week after Monday 12.10 is Monday 19.10 (changes allowed all that day, not on 20.10);
    1 month is a calendar month (31.01 → 28.02 or 29.02).
    """
    delta = WINDOWS.get(window)
    return None if delta is None else lesson_date + delta


def period_is_locked(lesson: Lesson) -> bool:
    """Whether the lesson's course is locked for its reporting period.

    Always False for now: issue 5 adds course/period locks (CourseLock) and
    answers here, so every write path picks them up without change.
    """
    return False


def ensure_can_write(actor, lesson: Lesson, *, now: datetime.datetime | None = None) -> bool:
    """Refuse unless `actor` may write attendance (and, with `ensure_can_mark`, marks) of `lesson` now.

    Returns True when the write is an admin override of the edit window (to be audited).
    """
    is_admin = actor.has_role(Role.ADMIN) and actor.school is not None
    if actor.school is None or actor.school.pk != lesson.school_id:
        raise PermissionDenied(_("This lesson is not in your school."))
    if not is_admin and not may_fill_lesson(actor, lesson):
        raise PermissionDenied(_("Only the lesson's teacher or substitute can fill in this lesson."))
    _ensure_open(lesson)
    if lesson.status == Lesson.Status.CANCELLED:
        raise ValidationError(
            _("The lesson was cancelled: it takes no marks or attendance."), code="cancelled"
        )
    today = school_today(lesson.school, now)
    if lesson.date > today:
        raise ValidationError(
            _("The lesson has not taken place yet: marks and attendance are entered on or after its date."),
            code="future",
        )
    last_day = last_editable_day(lesson.date, journal_settings(lesson.school).edit_window)
    if last_day is None or today <= last_day:
        return False
    if is_admin:
        return True
    raise ValidationError(
        _("Marks of this lesson could be changed until %(date)s; now only the school admin can change them."),
        code="edit_window",
        params={"date": date_format(last_day, "SHORT_DATE_FORMAT")},
    )


def ensure_can_mark(actor, lesson: Lesson, *, now: datetime.datetime | None = None) -> bool:
    """`ensure_can_write`, and the class takes marks (a first grade takes only attendance, R-SET-5)."""
    override = ensure_can_write(actor, lesson, now=now)
    if lesson.group.grade == 1:
        raise ValidationError(_("First-grade classes take no marks, only attendance."), code="first_grade")
    return override


def _ensure_open(lesson: Lesson) -> None:
    """The year is open and the period is not locked: the journal may be written at all."""
    if lesson.year.is_read_only:
        raise ValidationError(
            _("The year %(year)s is %(status)s: its journal is read-only."),
            code="year_read_only",
            params={"year": lesson.year.name, "status": lesson.year.get_status_display()},
        )
    if period_is_locked(lesson):
        raise ValidationError(_("The journal of this period is locked."), code="period_locked")


TOPIC, HOMEWORK, REMARK = "topic", "homework", "remark"


def ensure_can_fill_record(actor, lesson: Lesson, what: str, *, now: datetime.datetime | None = None) -> None:
    """Refuse unless `actor` may write the lesson record's `what` (TOPIC, HOMEWORK or REMARK) now (R-J-4…7).

    The lesson's teacher or substitute (or the school admin); the year open and the
    period not locked; topics and homework may be entered in advance (R-J-4), a
    remark only on or after the lesson's date; a first grade gets no homework
    (R-SET-5); a cancelled lesson gets nothing. The marks' edit window does not
    apply to the lesson record.
    """
    if actor.school is None or actor.school.pk != lesson.school_id:
        raise PermissionDenied(_("This lesson is not in your school."))
    if not actor.has_role(Role.ADMIN) and not may_fill_lesson(actor, lesson):
        raise PermissionDenied(_("Only the lesson's teacher or substitute can fill in this lesson."))
    _ensure_open(lesson)
    if lesson.status == Lesson.Status.CANCELLED:
        raise ValidationError(_("The lesson was cancelled."), code="cancelled")
    if what == HOMEWORK and lesson.group.grade == 1:
        raise ValidationError(_("First-grade classes get no homework."), code="first_grade")
    if what == REMARK and lesson.date > school_today(lesson.school, now):
        raise ValidationError(_("A remark can be written on or after the lesson's date."), code="future")


def ensure_can_set_reason(actor, lesson: Lesson) -> None:
    """The year open and the period not locked: the class teacher's reconciliation writes reasons (R-J-8).

    Who may (the class teacher of the student's class, or the admin) is
    `journal.rules.reconcile_class`, checked by the service before this.
    """
    if actor.school is None or actor.school.pk != lesson.school_id:
        raise PermissionDenied(_("This lesson is not in your school."))
    _ensure_open(lesson)
