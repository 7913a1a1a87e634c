"""Seed 002 8.3: the results of the deadlines' control are brought to each teacher and class teacher.

From the control page, for the chosen days: each teacher with measured deadlines gets their own figures
per clause and the list of what was late or missing; each class teacher gets their class's figures per
teacher. Once per person, range and day (the outbox's dedupe key): pressing the button twice sends
nothing more. One audit event names the range and the number of letters.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from accounts import audit, notify
from accounts.models import OutboxMessage, Person
from accounts.selectors import local_today
from schedule.models import SchoolClass
from schedule.selectors import current_year

from . import control, values

MAX_LINES = 40


@notify.in_site_language
def send_results(*, actor, school, first: datetime.date, last: datetime.date) -> int:
    """Queue the letters; returns how many were new."""
    today = local_today(school)
    key = f"deadline_results:{{}}:{first.isoformat()}:{last.isoformat()}:{today.isoformat()}"
    everyone = control.overview(school, first, last)
    letters: list[tuple[Person, str, dict]] = []
    # Each teacher's deadlines not met, from one query (the list is capped per teacher).
    missed: dict[int, list] = {}
    for detail in control.details(school, first, last, state=(values.LATE, values.MISSING), limit=None):
        missed.setdefault(detail.measure.teacher_id, []).append(detail)
    for row in everyone.teachers:
        if row.teacher is None:
            continue
        mine = missed.get(row.teacher_id, [])  # latest lessons first
        letters.append(
            (
                row.teacher,
                "deadline_results",
                {"row": row, "missed": mine[:MAX_LINES], "more": len(mine) > MAX_LINES},
            )
        )
    year = current_year(school, today)
    if year is not None:
        by_class = control.overview_by_class(school, first, last)
        for school_class in SchoolClass.objects.filter(
            year=year, class_teacher__isnull=False, pk__in=list(by_class)
        ).select_related("class_teacher"):
            letters.append(
                (
                    school_class.class_teacher,
                    "deadline_class",
                    {"school_class": school_class, "overview": by_class[school_class.pk]},
                )
            )
    sent = set(
        OutboxMessage.objects.filter(
            dedupe_key__in=[key.format(f"{name}:{p.pk}") for p, name, _c in letters]
        ).values_list("dedupe_key", flat=True)
    )
    messages = [
        notify.compose(
            school=school,
            person=person,
            address=person.email,
            kind=name,
            key=key.format(f"{name}:{person.pk}"),
            name=name,
            context={"first": first, "last": last, "settings_url": "", **context},
        )
        for person, name, context in letters
        if person.email and key.format(f"{name}:{person.pk}") not in sent
    ]
    with transaction.atomic():
        if messages:
            notify.queue(messages)
        audit.record(
            actor,
            "journal.deadline_results_sent",
            None,
            school=school,
            summary=f"{first:%d.%m.%Y}–{last:%d.%m.%Y}",
            data={"first": first.isoformat(), "last": last.isoformat(), "letters": len(messages)},
        )
    return len(messages)
