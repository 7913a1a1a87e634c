"""The teacher's daily letter (R-CTL-4, R-F-4): what is due today and what is late, at most one a day.

From the school's hour (`DeadlineSettings.remind_at`, 08:00 by default) the hourly task queues, for each
teacher with something to say, one letter listing:

- final marks still missing on their reminder days (`journal.finals.reminders.owed_finals`);
- late: lessons of the last two weeks whose topic is still missing, and mark columns without a mark past
  their deadline (with how long ago it was due);
- due today: mark columns whose deadline ends tonight, and the topics of today's lessons already over
  (a school that sends the letter in the afternoon reminds of them before 20:00).

The teacher's home page shows the same lists live. The dedupe key is
per teacher and day, so running the task again, or on two workers at once, queues nothing more (the
outbox skips a repeated key); letters go through the parents' outbox (`accounts.notify`), exactly once.
A school that turns the letters off gets none, finals included.

The deputy's weekly summary (`weekly_summary`) lists, per teacher, the share on time, late and missing of
the last week's measures, once per deputy and week.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from accounts import notify
from accounts.models import OutboxMessage, Person, Role
from accounts.selectors import school_zone
from journal.finals.reminders import owed_finals

from . import control, selectors, values
from .selectors import MARKS, PENDING, RECORD
from .services import settings_of

LOOK_BACK = datetime.timedelta(days=14)
MAX_LINES = 25  # per section of a letter; the rest is "and N more"


def _line(item) -> dict:
    return {
        "clause": item.clause,
        "what": f"{item.group} · {item.subject}",
        "date": item.date,
        "slot": item.slot,
        "label": item.label,
        "due": item.due,
    }


def letters_for(school, now: datetime.datetime) -> dict[int, dict]:
    """{teacher id: {"late": [...], "today": [...], "finals": [...]}} of what the letters would say: late
    are the records and columns of the last two weeks still missing after their deadline; due today are
    the columns whose deadline ends tonight and the records of today's lessons already over (a school
    that sends the letter in the afternoon reminds of them before 20:00)."""
    tz = school_zone(school)
    local = now.astimezone(tz)
    today = local.date()
    items = selectors.lesson_items(school, today - LOOK_BACK, today, now=now)
    tonight = values.end_of_day(today, tz)
    out: dict[int, dict] = defaultdict(lambda: {"late": [], "today": [], "finals": []})
    for item in sorted(items, key=lambda i: (i.due, i.date, i.slot or 0)):
        if item.teacher_id is None or item.clause not in (RECORD, MARKS):
            continue
        if item.state == values.MISSING:
            out[item.teacher_id]["late"].append(_line(item))
        elif item.state == PENDING and item.due <= tonight and (item.clause == MARKS or item.held_by(now)):
            out[item.teacher_id]["today"].append(_line(item))
    for pk, (_teacher, lines) in owed_finals(school, today).items():
        out[pk]["finals"] = lines
    return {pk: v for pk, v in out.items() if v["late"] or v["today"] or v["finals"]}


def _capped(lines: list) -> tuple[list, int]:
    return lines[:MAX_LINES], max(0, len(lines) - MAX_LINES)


@notify.in_site_language
def remind(school, *, now: datetime.datetime | None = None) -> int:
    """Queue today's letters of the school's teachers; returns how many new letters were queued."""
    now = now or timezone.now()
    settings = settings_of(school)
    local = now.astimezone(school_zone(school))
    if not settings.remind or local.time() < settings.remind_at:
        return 0
    today = local.date()
    letters = letters_for(school, now)
    if not letters:
        return 0
    key = f"teacher_day:{{}}:{today.isoformat()}"
    sent = set(
        OutboxMessage.objects.filter(dedupe_key__in=[key.format(pk) for pk in letters]).values_list(
            "dedupe_key", flat=True
        )
    )
    teachers = Person.objects.filter(school=school, pk__in=letters).exclude(email="")
    with timezone.override(school_zone(school)):  # the deadlines' times as the school reads them
        messages = _compose(school, teachers.order_by("pk"), letters, key, sent, today)
    if messages:
        with transaction.atomic():
            notify.queue(messages)
    return len(messages)


def _compose(school, teachers, letters, key, sent, today) -> list:
    messages = []
    for teacher in teachers:
        if key.format(teacher.pk) in sent:
            continue
        letter = letters[teacher.pk]
        late, more_late = _capped(letter["late"])
        due_today, more_today = _capped(letter["today"])
        messages.append(
            notify.compose(
                school=school,
                person=teacher,
                address=teacher.email,
                kind="teacher_day",
                key=key.format(teacher.pk),
                name="teacher_day",
                context={
                    "today": today,
                    "finals": letter["finals"],
                    "late": late,
                    "more_late": more_late,
                    "due_today": due_today,
                    "more_today": more_today,
                    "settings_url": "",
                },
            )
        )
    return messages


@notify.in_site_language
def weekly_summary(school, *, now: datetime.datetime | None = None) -> int:
    """Queue the deputies' (and the director's) weekly summary of the last seven days' measures, once a
    week each; returns how many letters were queued."""
    now = now or timezone.now()
    local = now.astimezone(school_zone(school))
    today = local.date()
    first, last = today - datetime.timedelta(days=7), today - datetime.timedelta(days=1)
    rows = control.overview(school, first, last)  # the control page's figures
    if not rows.teachers:
        return 0
    week = today.isocalendar()
    key = f"deadline_week:{{}}:{week.year}-{week.week:02d}"
    readers = (
        Person.objects.filter(school=school, staff_roles__role__in=[Role.DEPUTY, Role.DIRECTOR])
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    sent = set(
        OutboxMessage.objects.filter(dedupe_key__in=[key.format(p.pk) for p in readers]).values_list(
            "dedupe_key", flat=True
        )
    )
    messages = [
        notify.compose(
            school=school,
            person=person,
            address=person.email,
            kind="deadline_week",
            key=key.format(person.pk),
            name="deadline_week",
            context={"first": first, "last": last, "overview": rows, "settings_url": ""},
        )
        for person in readers
        if key.format(person.pk) not in sent
    ]
    if messages:
        with transaction.atomic():
            notify.queue(messages)
    return len(messages)
