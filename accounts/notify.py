"""Parents' notifications (R-D-4): preferences, a transactional outbox, daily summaries, a weekly digest.

How a message travels:

1. A journal service calls `journal_event(...)` inside its own transaction. For each parent of the
   student who wants that kind "immediately" it writes an `OutboxMessage` row; for "daily" a
   `DigestItem`. Both commit or roll back with the change itself, so a rolled-back mark never
   notifies and a committed one is never lost.
2. After the commit the web publishes `deliver_notification_task` through accounts/jobs.py: one
   quick try, skipped altogether while the broker's breaker is open (one warning a minute in the
   log during an outage, not one per write); a row the broker never got simply stays pending.
3. `flush_outbox` (beat, every minute) sends every due pending row, so whatever was queued while
   the broker was down goes out once it is back.
4. Sending claims the row first with one conditional UPDATE (pending and due → sending, with a
   fresh claim token). PostgreSQL re-checks the WHERE clause after a concurrent UPDATE commits,
   so of two workers (or a task and the flush) exactly one wins; the loser sends nothing.
   Failures back off exponentially and end as failed after MAX_ATTEMPTS.

The honest at-least-once window: if a worker dies after the mail server accepted a letter but
before the row is marked sent, the claim expires after LEASE and the letter is sent again. No
outbox can close that window without the mail server's help; it is minutes wide and needs a crash
at exactly that moment.

The weekly digest reads the journal's tables (lazy imports below: accounts sits under journal in
the import order, so this is the one place that looks upward; it belongs in a journal selector
once the journal has one for it).
"""

from __future__ import annotations

import datetime
import functools
import logging
import uuid
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import audit, channels, jobs
from .models import Delivery, DigestItem, NotificationPreference, OutboxMessage, ParentLink, School

log = logging.getLogger(__name__)

MARKS, ATTENDANCE, REMARKS = "marks", "attendance", "remarks"
EVENT_KINDS = (MARKS, ATTENDANCE, REMARKS)
DAILY, WEEKLY = "daily", "weekly"  # kinds of the summary messages

MAX_ATTEMPTS = 8  # 1 + 2 + 4 + … minutes: about four hours of trying before a row is failed
LEASE = datetime.timedelta(minutes=10)  # a claim older than this is taken to be a dead worker's
FLUSH_BATCH = 500
DAILY_HOUR = 18  # daily summaries of the events before 18:00 school time
WEEKLY_WEEKDAY, WEEKLY_HOUR = 6, 18  # the week's digest from Sunday 18:00 school time
KEEP_SENT = datetime.timedelta(days=90)

Status = OutboxMessage.Status


# Preferences


def preferences_of(parent) -> NotificationPreference:
    """The parent's settings, or the defaults (unsaved) when they never chose."""
    pref = NotificationPreference.objects.filter(parent=parent).first()
    return pref or NotificationPreference(school_id=parent.school_id, parent=parent)


@transaction.atomic
def save_preferences(
    *, actor, parent, marks: str, attendance: str, remarks: str, weekly: bool
) -> NotificationPreference:
    """Store what the parent wants; audited. Raises ValidationError naming the bad field."""
    values = {MARKS: marks, ATTENDANCE: attendance, REMARKS: remarks}
    errors = {
        name: _("Choose one of the options.")
        for name, value in values.items()
        if value not in Delivery.values
    }
    if errors:
        raise ValidationError(errors)
    pref, _created = NotificationPreference.objects.update_or_create(
        parent=parent,
        defaults={
            **values,
            "weekly": bool(weekly),
            "school_id": parent.school_id,
            "updated_at": timezone.now(),
        },
    )
    audit.record(
        actor,
        "accounts.notifications_changed",
        pref,
        school=parent.school,
        data={**values, "weekly": bool(weekly)},
    )
    return pref


@dataclass
class PreferencesPage:
    preference: NotificationPreference
    email: str
    children: list[str]


def preferences_page(actor) -> PreferencesPage:
    """What the settings page shows: the settings, where letters go, whose news they carry (2 queries)."""
    parent = actor.parent
    links = ParentLink.objects.filter(parent=parent).select_related("student__person")
    return PreferencesPage(
        preference=preferences_of(parent),
        email=channels.get(channels.EMAIL).address_of(actor.person),
        children=sorted(link.student.person.full_name for link in links),
    )


# Rendering


@dataclass
class Line:
    on: datetime.date
    subject: str
    text: str


@dataclass
class Child:
    name: str
    lines: list[Line] = field(default_factory=list)
    marks: list[tuple[str, str]] = field(default_factory=list)  # weekly: (subject, "5 4 (2)")
    absences: int = 0
    lateness: int = 0


def _name(person) -> str:
    return f"{person.last_name} {person.first_name}".strip()


def _greeting_name(person) -> str:
    return " ".join(p for p in (person.first_name, person.patronymic) if p) or person.full_name


def describe(kind: str, variant: str, summary: str) -> str:
    """One event as a parent reads it, e.g. «отметки: 5, 4» or «пропуск урока»."""
    if kind == MARKS:
        return _("marks: %(marks)s") % {"marks": summary}
    if kind == ATTENDANCE:
        return _("late for the lesson") if variant == "late" else _("absent from the lesson")
    if variant == "praise":
        return _("praise: %(text)s") % {"text": summary}
    return _("remark: %(text)s") % {"text": summary}


def _title(kind: str, variant: str, student: str) -> str:
    if kind == MARKS:
        return _("New marks: %(student)s") % {"student": student}
    if kind == ATTENDANCE:
        if variant == "late":
            return _("Lateness: %(student)s") % {"student": student}
        return _("Absence: %(student)s") % {"student": student}
    if variant == "praise":
        return _("Praise: %(student)s") % {"student": student}
    return _("Remark: %(student)s") % {"student": student}


def _links() -> dict[str, str]:
    return {
        "portal_url": settings.SITE_URL + reverse("home"),
        "settings_url": settings.SITE_URL + reverse("accounts:notifications"),
    }


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    """templates/email/<name>_subject.txt, _body.txt and _body.html, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {**_links(), **context}
        subject = " ".join(render_to_string(f"email/{name}_subject.txt", context).split())
        text = render_to_string(f"email/{name}_body.txt", context).strip() + "\n"
        html = render_to_string(f"email/{name}_body.html", context)
    return subject[:300], text, html


def _message(*, school, person, address: str, kind: str, key: str, name: str, context: dict) -> OutboxMessage:
    subject, text, html = render_email(
        name, {"school": school, "recipient": _greeting_name(person), **context}
    )
    return OutboxMessage(
        school=school,
        recipient=person,
        channel=channels.EMAIL,
        address=address,
        kind=kind,
        subject=subject,
        text=text,
        html=html,
        dedupe_key=key[:200],
    )


# Queuing (inside the caller's transaction)


def in_site_language(func):
    """Letters are written in the site's language (Russian), whoever's request caused them."""

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return func(*args, **kwargs)

    return wrapped


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
    harmless (e.g. f"cell:{cell.pk}:{cell.version}"). With `lesson`, the school, the date and the
    subject's name come from it (the name in the same query as the parents). Returns how many
    messages and summary items were written. Four queries at most, whatever the number of parents.
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
    if subject is None and lesson is not None:
        from schedule.models import Course  # see the module docstring

        name = Course.objects.filter(pk=lesson.course_id).values("subject__name")[:1]
        links = links.annotate(subject_name=Subquery(name))
    messages, items = [], []
    for link in links:
        subject = getattr(link, "subject_name", subject) or ""
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
        child = _name(link.student.person)
        messages.append(
            _message(
                school=school,
                person=parent.person,
                address=address,
                kind=kind,
                key=f"{kind}:{key}:{parent.pk}",
                name="event",
                context={
                    "title": _title(kind, variant, child),
                    "child": child,
                    "line": Line(when, subject, describe(kind, variant, summary)),
                },
            )
        )
    if items:
        DigestItem.objects.bulk_create(items, ignore_conflicts=True)
    if messages:
        _queue(messages)
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
        child = _name(link.student.person)
        messages.append(
            _message(
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
        _queue(messages)
    return len(messages)


def _queue(messages: list[OutboxMessage]) -> None:
    """Insert the rows (a repeated dedupe key is skipped) and publish them after the commit."""
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    ids = list(
        OutboxMessage.objects.filter(
            channel=channels.EMAIL, dedupe_key__in=[m.dedupe_key for m in messages], status=Status.PENDING
        ).values_list("pk", flat=True)
    )
    _publish(ids)


def _publish(ids) -> None:
    """Hand the messages to Celery after the commit; those the broker does not get wait for the flush."""
    from .notify_tasks import deliver_notification_task

    for pk in ids:
        jobs.publish_after_commit(deliver_notification_task, pk)


# Sending


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 240))


def claim(message_id: int, *, now=None) -> OutboxMessage | None:
    """Take the message for sending if it is due and nobody holds it; None otherwise."""
    now = now or timezone.now()
    token = uuid.uuid4()
    due = Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, claimed_at__lt=now - LEASE
    )
    taken = OutboxMessage.objects.filter(due, pk=message_id).update(
        status=Status.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1
    )
    if not taken:
        return None
    return OutboxMessage.objects.filter(pk=message_id, claim_token=token).first()


def deliver(message_id: int, *, now=None) -> str:
    """Send one message if it is due and unclaimed; returns its status afterwards ("skipped" if not ours)."""
    message = claim(message_id, now=now)
    if message is None:
        return "skipped"
    mine = OutboxMessage.objects.filter(pk=message.pk, claim_token=message.claim_token)
    try:
        channels.get(message.channel).send(message)
    except Exception as exc:  # the channel's own errors: SMTP, network, an unknown channel
        failed = message.attempts >= MAX_ATTEMPTS or isinstance(exc, KeyError)
        log.warning("notification %s: attempt %d failed: %r", message.pk, message.attempts, exc)
        mine.update(
            status=Status.FAILED if failed else Status.PENDING,
            next_attempt_at=timezone.now() + _backoff(message.attempts),
            claim_token=None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return Status.FAILED if failed else Status.PENDING
    mine.update(status=Status.SENT, sent_at=timezone.now(), claim_token=None, last_error="")
    return Status.SENT


def flush_outbox(*, now=None, limit: int = FLUSH_BATCH) -> int:
    """Send the due messages (those the broker never got, retries, dead workers' claims); returns how many went."""
    now = now or timezone.now()
    due = Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, claimed_at__lt=now - LEASE
    )
    ids = list(
        OutboxMessage.objects.filter(due)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(deliver(pk, now=now) == Status.SENT for pk in ids)


def purge_sent(*, now=None) -> int:
    """Forget sent and failed messages older than KEEP_SENT (their items go with them)."""
    cutoff = (now or timezone.now()) - KEEP_SENT
    old = OutboxMessage.objects.filter(status__in=[Status.SENT, Status.FAILED], created_at__lt=cutoff)
    DigestItem.objects.filter(message__in=old).delete()
    return old.delete()[1].get(OutboxMessage._meta.label, 0)


# Daily summaries


def _local(now, school) -> datetime.datetime:
    return now.astimezone(zoneinfo.ZoneInfo(school.timezone or settings.TIME_ZONE))


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
            child = children.setdefault(item.student_id, Child(_name(item.student.person)))
            child.lines.append(
                Line(item.happened_on, item.subject, describe(item.kind, item.variant, item.summary))
            )
        message = _message(
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
    _publish([m.pk for m in messages])
    return len(messages)


# The weekly digest


def digest_week(now, school) -> tuple[datetime.date, datetime.date]:
    """Monday and Sunday of the latest week whose Sunday 18:00 (school time) has passed."""
    local = _local(now, school)
    sunday = local.date() + datetime.timedelta(days=(WEEKLY_WEEKDAY - local.weekday()) % 7)
    if sunday > local.date() or (sunday == local.date() and local.hour < WEEKLY_HOUR):
        sunday -= datetime.timedelta(days=7)
    return sunday - datetime.timedelta(days=6), sunday


def build_weekly_digests(*, now=None) -> int:
    """The weekly digest for every school whose week is over and not yet digested; returns messages queued.

    Run hourly: each school's digest is built once per week (its dedupe keys say so).
    """
    now = now or timezone.now()
    queued = 0
    for school in School.objects.filter(is_active=True):
        queued += weekly_for_school(school, *digest_week(now, school))
    return queued


def _marks_text(marks, excluded) -> str:
    return " ".join(f"({m})" if i in excluded else str(m) for i, m in enumerate(marks))


@in_site_language
@transaction.atomic
def weekly_for_school(school, monday: datetime.date, sunday: datetime.date) -> int:
    """One digest per parent who wants it: per child the week's marks by subject, absences, lateness, remarks.

    Six queries per school at most, whatever its size.
    """
    from journal.models import Attendance, Cell, Remark  # see the module docstring

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
    students = {link.student_id for link in links}
    children = {link.student_id: Child(_name(link.student.person)) for link in links}
    in_week = {"school": school, "student_id__in": students}
    marks: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for student_id, values, excluded, subject in (
        Cell.objects.filter(**in_week, work__lesson__date__range=(monday, sunday))
        .exclude(marks=[])
        .order_by("work__lesson__date", "work__lesson__slot", "work__position")
        .values_list("student_id", "marks", "excluded", "work__lesson__course__subject__name")
    ):
        marks[student_id][subject].append(_marks_text(values, excluded))
    for student_id, by_subject in marks.items():
        children[student_id].marks = sorted((s, " ".join(v)) for s, v in by_subject.items())
    for row in (
        Attendance.objects.filter(**in_week, lesson__date__range=(monday, sunday))
        .exclude(status="")
        .values("student_id", "status")
        .annotate(n=Count("pk"))
    ):
        child = children[row["student_id"]]
        if row["status"] == Attendance.Status.LATE:
            child.lateness = row["n"]
        else:
            child.absences = row["n"]
    for student_id, kind, text, on, subject in (
        Remark.objects.filter(**in_week, lesson__date__range=(monday, sunday))
        .order_by("lesson__date", "created_at")
        .values_list("student_id", "kind", "text", "lesson__date", "lesson__course__subject__name")
    ):
        children[student_id].lines.append(Line(on, subject, describe(REMARKS, kind, text)))
    by_parent: dict[int, list] = defaultdict(list)
    for link in links:
        by_parent[link.parent_id].append(link)
    messages = [
        _message(
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
    _queue(messages)
    return len(messages)
