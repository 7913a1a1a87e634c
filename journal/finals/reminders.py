"""Teachers are reminded of the final marks they still owe before the deadline (R-F-4).

One letter per teacher on the days 3 and 1 before a period's finals are due, on
the day itself and on the day after (then the deputy's control page takes
over), listing each course with its missing count. Letters go through the
parents' notification outbox (`accounts.notify`: same exactly-once sending,
same e-mail channel); the dedupe key is per teacher and day, so the hourly beat
task sends at most one a day, from 08:00 school time.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from accounts import notify
from accounts.models import OutboxMessage
from journal.finals.selectors import progress_of
from journal.finals.values import deadline
from journal.policy import journal_settings, school_zone
from schedule.models import Course, ReportingPeriod
from schedule.selectors import current_year

REMIND_ON = (3, 1, 0, -1)  # days left before the deadline
FROM_HOUR = 8


@notify.in_site_language
def remind(school, *, now: datetime.datetime | None = None) -> int:
    """Queue today's reminders of the school's teachers; returns how many new letters were queued."""
    local = (now or timezone.now()).astimezone(school_zone(school))
    if local.hour < FROM_HOUR:
        return 0
    today = local.date()
    year = current_year(school, today)
    if year is None:
        return 0
    settings = journal_settings(school)
    periods = [
        p
        for p in ReportingPeriod.objects.filter(scheme__year=year).select_related("scheme").order_by("ends")
        if (deadline(p.ends, settings.finals_deadline, settings.finals_deadline_days) - today).days
        in REMIND_ON
    ]
    if not periods:
        return 0
    courses = list(
        Course.objects.filter(year=year)
        .select_related("subject", "group", "school__journal_settings")
        .order_by("pk")
    )
    items = [(p, [c for c in courses if c.group.grade in p.scheme.grades]) for p in periods]
    owed: dict[int, tuple] = {}
    for due in progress_of(items):
        if due.missing and not due.locked:
            for teacher in due.teachers:
                owed.setdefault(teacher.pk, (teacher, []))[1].append(due)
    key = f"finals_due:{{}}:{today.isoformat()}"
    sent = set(
        OutboxMessage.objects.filter(dedupe_key__in=[key.format(pk) for pk in owed]).values_list(
            "dedupe_key", flat=True
        )
    )
    messages = []
    for teacher, dues in owed.values():
        if not teacher.email or key.format(teacher.pk) in sent:
            continue
        lines = [
            {
                "course": f"{d.course.group} · {d.course.subject.name}",
                "period": d.period.name,
                "missing": d.missing,
                "needed": d.needed,
                "due": d.due,
                "days_left": (d.due - today).days,
            }
            for d in sorted(dues, key=lambda d: (d.due, str(d.course.group), d.course.subject.name))
        ]
        messages.append(
            notify.compose(
                school=school,
                person=teacher,
                address=teacher.email,
                kind="finals_due",
                key=key.format(teacher.pk),
                name="finals_due",
                context={"lines": lines, "today": today, "settings_url": ""},
            )
        )
    if messages:
        with transaction.atomic():
            notify.queue(messages)
    return len(messages)
