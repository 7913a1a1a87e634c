"""News of one journal change for the student's parents, queued in the change's transaction; withdrawn or corrected."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict

from django.utils.translation import gettext as _

from .. import channels
from ..models import Delivery, DigestItem, NotificationPreference, OutboxMessage, ParentLink, School
from .outbox import Status, queue
from .render import EVENT_KINDS, Line, compose, describe, in_site_language, person_name, title


@in_site_language
def journal_event(
    kind: str,
    student,
    *,
    lesson=None,
    school: School | None = None,
    when: datetime.date | None = None,
    subject: str | None = None,
    summary: str = "",
    variant: str = "",
    key: str = "",
) -> int:
    """Queue the news of one journal change for the student's parents; call it inside the change's transaction.

    kind: "marks" (summary = the new marks, «5, 4»), "attendance" (variant = "absent" | "late"),
    "remarks" (variant = "praise" | "remark", summary = the text). `key` makes a repeated call
    harmless (e.g. f"cell:{cell.pk}:{cell.version}"). With `lesson`, the school and the date come from
    it; the subject's name is the caller's to give (the journal knows its lesson's course: accounts
    reads no schedule table). Returns how many messages and summary items were written. Four queries
    at most, whatever the number of parents.
    """
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    school = school or lesson.school
    when = when or lesson.date
    key = key or uuid.uuid4().hex
    email = channels.get(channels.EMAIL)
    links = ParentLink.objects.filter(student=student).select_related(
        "parent__person", "parent__notification_preference", "student__person"
    )
    subject = subject or ""
    messages, items = [], []
    for link in links:
        parent = link.parent
        pref = getattr(parent, "notification_preference", None) or NotificationPreference()
        delivery = getattr(pref, kind)
        address = email.address_of(parent.person)
        if delivery == Delivery.OFF or not address:
            continue
        if delivery == Delivery.DAILY:
            items.append(
                DigestItem(
                    school=school,
                    parent=parent,
                    student=link.student,
                    kind=kind,
                    variant=variant[:20],
                    subject=subject[:200],
                    summary=summary[:500],
                    happened_on=when,
                    dedupe_key=f"{kind}:{key}"[:200],
                )
            )
            continue
        child = person_name(link.student.person)
        messages.append(
            compose(
                school=school,
                person=parent.person,
                address=address,
                kind=kind,
                key=f"{kind}:{key}:{parent.pk}",
                name="event",
                context={
                    "title": title(kind, variant, child),
                    "child": child,
                    "line": Line(when, subject, describe(kind, variant, summary)),
                },
            )
        )
    if items:
        DigestItem.objects.bulk_create(items, ignore_conflicts=True)
    if messages:
        queue(messages)
    return len(messages) + len(items)


def withdraw_event(kind: str, key: str) -> int:
    """Take back the news of a change that was undone (a remark removed): whatever has not gone out yet.

    Letters already sent stay sent; a claimed one (being sent right now) is left alone. Two queries.
    """
    prefix = f"{kind}:{key}"
    letters = OutboxMessage.objects.filter(
        dedupe_key__startswith=f"{prefix}:", status=Status.PENDING
    ).delete()
    items = DigestItem.objects.filter(dedupe_key=prefix[:200], message__isnull=True).delete()
    return letters[0] + items[0]


def withdraw_events(events: list[tuple[str, str, int]]) -> int:
    """`withdraw_event` for many changes at once: (kind, key, student id) each; three queries in all.

    The letters' keys are built exactly from the students' parents, so the unique index finds them.
    """
    if not events:
        return 0
    parents = defaultdict(list)
    for parent_id, student_id in ParentLink.objects.filter(
        student_id__in={s for _k, _key, s in events}
    ).values_list("parent_id", "student_id"):
        parents[student_id].append(parent_id)
    letters = [f"{kind}:{key}:{p}"[:200] for kind, key, s in events for p in parents[s]]
    sent = OutboxMessage.objects.filter(
        channel=channels.EMAIL, dedupe_key__in=letters, status=Status.PENDING
    ).delete()[0]
    items = DigestItem.objects.filter(
        dedupe_key__in=[f"{kind}:{key}"[:200] for kind, key, _s in events], message__isnull=True
    ).delete()[0]
    return sent + items


CORRECTION = "correction"


@in_site_language
def correct_events(events: list[tuple[str, str, int, Line]], *, school: School, key: str) -> int:
    """Tell the parents who already had the news of these events that they were taken back (a false entry).

    events: (kind, key, student id, the line the news told) each, as `journal_event` was called. A parent
    who got the letter (sent or being sent) or a summary holding the item gets one letter per child,
    queued in the caller's transaction; `key` (the correction's own) makes it once. News that never went
    out is for `withdraw_events`. Returns the number of letters queued. Three queries and the queuing.
    """
    if not events:
        return 0
    links = defaultdict(list)
    for link in ParentLink.objects.filter(student_id__in={e[2] for e in events}).select_related(
        "parent__person", "student__person"
    ):
        links[link.student_id].append(link)
    out = (Status.SENDING, Status.SENT)
    letters = {
        f"{kind}:{k}:{link.parent_id}"[:200]: (i, link)
        for i, (kind, k, s, _l) in enumerate(events)
        for link in links[s]
    }
    told = {
        letters[dedupe]
        for dedupe in OutboxMessage.objects.filter(
            channel=channels.EMAIL, dedupe_key__in=letters, status__in=out
        ).values_list("dedupe_key", flat=True)
    }
    items = {f"{kind}:{k}"[:200]: i for i, (kind, k, _s, _l) in enumerate(events)}
    for dedupe, parent_id in DigestItem.objects.filter(
        dedupe_key__in=items, message__status__in=out
    ).values_list("dedupe_key", "parent_id"):
        i = items[dedupe]
        told |= {(i, link) for link in links[events[i][2]] if link.parent_id == parent_id}
    lines = defaultdict(list)
    for i, link in sorted(told, key=lambda t: t[0]):
        lines[link].append(events[i][3])
    email = channels.get(channels.EMAIL)
    messages = []
    for link, told_lines in lines.items():
        address = email.address_of(link.parent.person)
        if not address:
            continue
        child = person_name(link.student.person)
        messages.append(
            compose(
                school=school,
                person=link.parent.person,
                address=address,
                kind=CORRECTION,
                key=f"{CORRECTION}:{key}:{link.parent_id}:{link.student_id}",
                name="correction",
                context={
                    "title": _("Correction: %(student)s") % {"student": child},
                    "child": child,
                    "lines": told_lines,
                },
            )
        )
    if messages:
        queue(messages)
    return len(messages)
