"""The final marks a teacher still owes before the deadline (R-F-4), for the teacher's daily letter.

On the days 3 and 1 before a period's finals are due, on the day itself and on the day after (then the
deputy's control page takes over), each course with its missing count. The letter itself, one a day
with the other deadlines of the journal, is `journal.deadlines.reminders`.
"""

from __future__ import annotations

import datetime

from journal.finals.selectors import progress_of
from journal.finals.values import deadline
from journal.policy import journal_settings
from schedule.models import Course, ReportingPeriod
from schedule.selectors import current_year

REMIND_ON = (3, 1, 0, -1)  # days left before the deadline


def owed_finals(school, today: datetime.date) -> dict[int, tuple]:
    """{teacher id: (teacher, lines)} of the finals still missing on a reminder day (3 and 1 days before the
    deadline, the day itself and the day after), for the teacher's daily letter
    (`journal.deadlines.reminders`), which sends at most one letter a day."""
    year = current_year(school, today)
    if year is None:
        return {}
    settings = journal_settings(school)
    periods = [
        p
        for p in ReportingPeriod.objects.filter(scheme__year=year).select_related("scheme").order_by("ends")
        if (deadline(p.ends, settings.finals_deadline, settings.finals_deadline_days) - today).days
        in REMIND_ON
    ]
    if not periods:
        return {}
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
    return {
        pk: (
            teacher,
            [
                {
                    "course": f"{d.course.group} · {d.course.subject.name}",
                    "period": d.period.name,
                    "missing": d.missing,
                    "needed": d.needed,
                    "due": d.due,
                    "days_left": (d.due - today).days,
                }
                for d in sorted(dues, key=lambda d: (d.due, str(d.course.group), d.course.subject.name))
            ],
        )
        for pk, (teacher, dues) in owed.items()
    }
