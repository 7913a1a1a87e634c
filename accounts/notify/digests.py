"""Daily summaries (the day's events gathered for a parent who chose "daily") and the weekly digest.

The weekly digest tells of the week's marks, absences, lateness and remarks. Those live in the
journal's tables, a floor above accounts, so the digest is handed a `read_week` function
(journal/diary/digest.py `week_news`; the journal's task passes it) and reads none of them itself.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from .. import channels
from ..models import DigestItem, NotificationPreference, OutboxMessage, ParentLink, School
from ..selectors import school_zone
from .outbox import publish, queue
from .render import REMARKS, Child, Line, compose, describe, in_site_language, person_name

DAILY, WEEKLY = "daily", "weekly"  # kinds of the summary messages
DAILY_HOUR = 18  # daily summaries of the events before 18:00 school time
WEEKLY_WEEKDAY, WEEKLY_HOUR = 6, 18  # the week's digest from Sunday 18:00 school time


@dataclass
class WeekNews:
    """One student's week as the journal tells it to the digest (journal/diary/digest.py fills it)."""

    marks: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # subject → "5", "(2)"
    absences: int = 0
    lateness: int = 0
    remarks: list[tuple[datetime.date, str, str, str]] = field(
        default_factory=list
    )  # on, subject, kind, text


ReadWeek = Callable[[School, Iterable[int], datetime.date, datetime.date], dict[int, WeekNews]]


def _local(now, school) -> datetime.datetime:
    return now.astimezone(school_zone(school))


def daily_cutoff(now, school) -> datetime.datetime:
    """The latest DAILY_HOUR o'clock of the school's time zone not after `now`."""
    local = _local(now, school)
    cutoff = local.replace(hour=DAILY_HOUR, minute=0, second=0, microsecond=0)
    return cutoff if cutoff <= local else cutoff - datetime.timedelta(days=1)


def build_daily_summaries(*, now=None) -> int:
    """One message per parent with the events gathered before the last 18:00; returns how many were queued.

    Run hourly: a missed run is caught up by the next, and items are folded into a message in the
    same transaction that creates it, so no event is summarised twice. Four queries per school.
    """
    now = now or timezone.now()
    schools = School.objects.filter(
        pk__in=DigestItem.objects.filter(message__isnull=True).values("school_id")
    )
    queued = 0
    for school in schools:
        queued += _daily_for_school(school, daily_cutoff(now, school))
    return queued


@in_site_language
@transaction.atomic
def _daily_for_school(school, cutoff) -> int:
    items = list(
        DigestItem.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(school=school, message__isnull=True, created_at__lt=cutoff)
        .select_related("parent__person", "student__person")
        .order_by("parent_id", "student__person__last_name", "student_id", "happened_on", "pk")
    )
    by_parent: dict[int, list[DigestItem]] = defaultdict(list)
    for item in items:
        by_parent[item.parent_id].append(item)
    email = channels.get(channels.EMAIL)
    messages, folded, dropped = [], [], []
    for parent_items in by_parent.values():
        person = parent_items[0].parent.person
        address = email.address_of(person)
        if not address:  # the e-mail was removed since: nothing to send to
            dropped.extend(i.pk for i in parent_items)
            continue
        children: dict[int, Child] = {}
        for item in parent_items:
            child = children.setdefault(item.student_id, Child(person_name(item.student.person)))
            child.lines.append(
                Line(item.happened_on, item.subject, describe(item.kind, item.variant, item.summary))
            )
        message = compose(
            school=school,
            person=person,
            address=address,
            kind=DAILY,
            key=f"{DAILY}:{parent_items[0].parent_id}:{parent_items[0].pk}",
            name="daily",
            context={"children": list(children.values()), "day": cutoff.date()},
        )
        messages.append(message)
        folded.append((message, parent_items))
    if dropped:
        DigestItem.objects.filter(pk__in=dropped).delete()
    if not messages:
        return 0
    OutboxMessage.objects.bulk_create(messages)  # fresh keys (an item is folded once): ids come back
    for message, parent_items in folded:
        for item in parent_items:
            item.message = message
    DigestItem.objects.bulk_update([i for _m, group in folded for i in group], ["message"])
    publish([m.pk for m in messages])
    return len(messages)


# The weekly digest


def digest_week(now, school) -> tuple[datetime.date, datetime.date]:
    """Monday and Sunday of the latest week whose Sunday 18:00 (school time) has passed."""
    local = _local(now, school)
    sunday = local.date() + datetime.timedelta(days=(WEEKLY_WEEKDAY - local.weekday()) % 7)
    if sunday > local.date() or (sunday == local.date() and local.hour < WEEKLY_HOUR):
        sunday -= datetime.timedelta(days=7)
    return sunday - datetime.timedelta(days=6), sunday


def build_weekly_digests(*, read_week: ReadWeek, now=None) -> int:
    """The weekly digest for every school whose week is over and not yet digested; returns messages queued.

    Run hourly: each school's digest is built once per week (its dedupe keys say so).
    """
    now = now or timezone.now()
    queued = 0
    for school in School.objects.filter(is_active=True):
        queued += weekly_for_school(school, *digest_week(now, school), read_week=read_week)
    return queued


@in_site_language
@transaction.atomic
def weekly_for_school(school, monday: datetime.date, sunday: datetime.date, *, read_week: ReadWeek) -> int:
    """One digest per parent who wants it: per child the week's marks by subject, absences, lateness, remarks.

    Six queries per school at most, whatever its size (three of them `read_week`'s).
    """
    week = monday.isoformat()
    if OutboxMessage.objects.filter(school=school, kind=WEEKLY, dedupe_key__endswith=f":{week}").exists():
        return 0
    email = channels.get(channels.EMAIL)
    links = [
        link
        for link in ParentLink.objects.filter(school=school)
        .select_related("parent__person", "parent__notification_preference", "student__person")
        .order_by("parent_id", "student__person__last_name", "student__person__first_name", "student_id")
        if (getattr(link.parent, "notification_preference", None) or NotificationPreference()).weekly
        and email.address_of(link.parent.person)
    ]
    if not links:
        return 0
    children = {link.student_id: Child(person_name(link.student.person)) for link in links}
    for student_id, news in read_week(school, set(children), monday, sunday).items():
        child = children[student_id]
        child.marks = sorted((s, " ".join(v)) for s, v in news.marks.items() if v)
        child.absences, child.lateness = news.absences, news.lateness
        child.lines = [
            Line(on, subject, describe(REMARKS, kind, text)) for on, subject, kind, text in news.remarks
        ]
    by_parent: dict[int, list] = defaultdict(list)
    for link in links:
        by_parent[link.parent_id].append(link)
    messages = [
        compose(
            school=school,
            person=parent_links[0].parent.person,
            address=email.address_of(parent_links[0].parent.person),
            kind=WEEKLY,
            key=f"{WEEKLY}:{parent_id}:{week}",
            name="weekly",
            context={
                "children": [children[link.student_id] for link in parent_links],
                "monday": monday,
                "sunday": sunday,
            },
        )
        for parent_id, parent_links in by_parent.items()
    ]
    queue(messages)
    return len(messages)
