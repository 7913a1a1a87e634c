"""Writes of the deadlines: the school's settings (the admin, audited) and the stored measures (the nightly job).

`measure()` judges every deadline of a range of days from the journal's own data
(`journal.deadlines.selectors`) and makes the stored rows of that range equal to it: new ones added,
changed ones updated, ones no longer due (a cancelled or moved lesson, a deleted column) removed.
Measuring the same range twice changes nothing; two workers measuring one school wait for each other
on a transaction lock of the school. The measures are derived data, so they write no audit event; the
job's runs are on the jobs page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.selectors import local_today, school_zone
from journal.models import DeadlineMeasure, DeadlineSettings, MarksDeadline, WorkType
from journal.settings.services import _ensure_admin  # the journal settings' one admin check

from . import selectors
from .selectors import PENDING

# The nightly job measures again this many days back: marks are due up to 10 days (or N working days
# over a holiday) after the lesson, and late entries and cancelled lessons change what was measured.
WINDOW_DAYS = 35
LOCK_NAMESPACE = 7302  # pg_advisory_xact_lock(namespace, school id): one measurement of a school at a time

LIMITS = {
    "homework_hours": (0, 12),
    "oral_days": (0, 14),
    "written_days": (1, 30),
    "written_days_senior": (1, 30),
    "written_working_days": (1, 15),
    "plan_days": (0, 30),
}
FIELDS = ("record_by", "homework_hours", "oral_days", "written_days", "written_days_senior",
          "written_working_days", "plan_days", "remind", "remind_at")  # fmt: skip


def settings_of(school) -> DeadlineSettings:
    """The school's deadline settings, created with the regulations' defaults on first use."""
    try:
        return school.deadline_settings
    except DeadlineSettings.DoesNotExist:
        return DeadlineSettings.objects.get_or_create(school=school)[0]


def _int(errors: dict, field: str, value, *, optional: bool = False) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        if optional:
            return None
        errors[field] = _("Enter a whole number.")
        return None
    low, high = LIMITS[field]
    if not text.isdigit() or not low <= int(text) <= high:
        errors[field] = _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
        return None
    return int(text)


def _time(errors: dict, field: str, value) -> datetime.time | None:
    if isinstance(value, datetime.time):
        return value
    text = str(value or "").strip()
    try:
        return datetime.datetime.strptime(text, "%H:%M").time()
    except ValueError:
        errors[field] = _("Enter a time as hours and minutes, for example 20:00.")
        return None


@transaction.atomic
def save_settings(*, actor, school, **data) -> DeadlineSettings:
    """Set the school's deadlines (the admin only); bad values raise `ValidationError` by field and save nothing."""
    _ensure_admin(actor, school)
    row = DeadlineSettings.objects.select_for_update().get_or_create(school=school)[0]
    errors: dict[str, str] = {}
    new = {
        "record_by": _time(errors, "record_by", data.get("record_by")),
        "homework_hours": _int(errors, "homework_hours", data.get("homework_hours")),
        "oral_days": _int(errors, "oral_days", data.get("oral_days")),
        "written_days": _int(errors, "written_days", data.get("written_days")),
        "written_days_senior": _int(errors, "written_days_senior", data.get("written_days_senior")),
        "written_working_days": _int(
            errors, "written_working_days", data.get("written_working_days"), optional=True
        ),
        "plan_days": _int(errors, "plan_days", data.get("plan_days")),
        "remind": bool(data.get("remind")),
        "remind_at": _time(errors, "remind_at", data.get("remind_at")),
    }
    if errors:
        raise ValidationError(errors)
    old = {f: _plain(getattr(row, f)) for f in FIELDS}
    for field, value in new.items():
        setattr(row, field, value)
    row.save()
    school.deadline_settings = row
    changed = {f: _plain(new[f]) for f in FIELDS if _plain(new[f]) != old[f]}
    if changed:
        audit.record(
            actor,
            "journal.deadlines_set",
            row,
            school=school,
            data={"old": {f: old[f] for f in changed}, "new": changed},
        )
    return row


def _plain(value):
    return value.strftime("%H:%M") if isinstance(value, datetime.time) else value


@transaction.atomic
def set_work_type_deadline(*, actor, work_type: WorkType, deadline: str) -> WorkType:
    """Which marks deadline the columns of `work_type` follow: an oral answer's, a written work's or none."""
    _ensure_admin(actor, work_type.school)
    if deadline not in MarksDeadline.values:
        raise ValidationError({"deadline": _("Choose a deadline from the list.")})
    work_type = WorkType.objects.select_for_update().get(pk=work_type.pk)
    if work_type.deadline != deadline:
        old, work_type.deadline = work_type.deadline, deadline
        work_type.save(update_fields=["deadline"])
        audit.record(
            actor,
            "journal.work_type_deadline_set",
            work_type,
            school=work_type.school,
            summary=work_type.code,
            data={"old": old, "new": deadline},
        )
    return work_type


@dataclass
class Measured:
    """What one measurement did."""

    first: datetime.date
    last: datetime.date
    measured: int = 0  # deadlines due in the range (stored)
    added: int = 0
    changed: int = 0
    removed: int = 0


@transaction.atomic
def measure(school, first: datetime.date, last: datetime.date, *, now=None) -> Measured:
    """Store the deadlines of the lessons from `first` to `last` (and the plans of periods starting then)
    as judged at `now`: the stored rows of that range become exactly these."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, school.pk])
    rules = selectors.rules_of(school)
    items = selectors.lesson_items(school, first, last, now=now, rules=rules)
    # A plan and a timetable are due before their period starts: the periods starting up to `plan_days`
    # after `last` too.
    plans_last = last + datetime.timedelta(days=rules.plan_days + 1)
    items += selectors.plan_items(school, first, plans_last, now=now, rules=rules)
    due = {i.key: i for i in items if i.state != PENDING}
    scope = Q(day__gte=first) & (
        Q(day__lte=last) | Q(clause=DeadlineMeasure.Clause.PLAN, day__lte=plans_last)
    )
    stored = {
        m.key: m
        for m in DeadlineMeasure.objects.filter(scope, school=school).only(
            "key", "state", "done_at", "due_at", "teacher_id"
        )
    }
    result = Measured(first, last, measured=len(due))
    gone = [m.pk for key, m in stored.items() if key not in due]
    if gone:
        result.removed = DeadlineMeasure.objects.filter(pk__in=gone).delete()[0]
    new, changed = [], []
    for key, item in due.items():
        row = stored.get(key)
        if row is None:
            new.append(_row(school, item, now))
        elif (row.state, row.done_at, row.due_at, row.teacher_id) != (
            item.state,
            item.done,
            item.due,
            item.teacher_id,
        ):
            row.state, row.done_at, row.due_at, row.teacher_id = (
                item.state,
                item.done,
                item.due,
                item.teacher_id,
            )
            row.measured_at = now
            changed.append(row)
    DeadlineMeasure.objects.bulk_create(new, batch_size=2000)
    DeadlineMeasure.objects.bulk_update(
        changed, ["state", "done_at", "due_at", "teacher_id", "measured_at"], batch_size=2000
    )
    result.added, result.changed = len(new), len(changed)
    return result


def _row(school, item, now) -> DeadlineMeasure:
    return DeadlineMeasure(
        school=school,
        key=item.key,
        clause=item.clause,
        teacher_id=item.teacher_id,
        course_id=item.course_id,
        school_class_id=item.school_class_id,
        lesson_id=item.lesson_id,
        work_id=item.work_id,
        day=item.date,
        due_at=item.due,
        done_at=item.done,
        state=item.state,
        measured_at=now,
    )


def measure_recent(school, *, now=None) -> Measured:
    """The nightly measurement: the lessons of the last `WINDOW_DAYS` days up to yesterday, and the plans
    of the periods starting up to `plan_days` days after that."""
    now = now or timezone.now()
    today = local_today(school, now)
    first = today - datetime.timedelta(days=WINDOW_DAYS)
    return measure(school, first, today - datetime.timedelta(days=1), now=now)


MEASURE_FROM = datetime.time(1, 0)  # the nightly measurement starts at 01:00 school time


def measure_if_due(school, *, now=None) -> bool:
    """The nightly measurement of `school` if its night has come and it was not measured this school day;
    two workers at once: the second finds it done (the settings row is locked while measuring)."""
    now = now or timezone.now()
    local = now.astimezone(school_zone(school))
    if local.time() < MEASURE_FROM:
        return False
    with transaction.atomic():
        settings_of(school)
        row = DeadlineSettings.objects.select_for_update().get(school=school)
        if row.measured_on == local.date():
            return False
        measure_recent(school, now=now)
        row.measured_on = local.date()
        row.save(update_fields=["measured_on"])
    return True
