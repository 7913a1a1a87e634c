"""Parents hear of new marks and absences from the mark log itself (R-D-4).

The mark log is already written in the transaction of every change (and is
append-only and chained), so it is the transactional outbox of journal events:
saving a cell costs no extra query for notifications. `dispatch(school)` reads
the entries after the school's `NotifyCursor`, keeps the last state of each
cell and attendance in the batch (a mark typed and corrected a minute later
sends one letter, with the corrected mark), asks `accounts.notify.journal_event`
to queue what each parent wants, and moves the cursor — all in one
transaction, with the cursor row locked (one dispatcher per school at a time),
so each entry is dispatched exactly once even if two workers run. Nothing is
sent for a cleared cell or attendance, for one that ends the batch as it began (a change rolled
back), nor for absence reasons.

Run by the beat task `dispatch-journal-notifications` every minute, and nudged
right after a save commits (`nudge`); when the broker is down the beat catches
up when it is back.
"""

from __future__ import annotations

import logging

from django.db import transaction

from accounts import jobs, notify
from accounts.models import School
from journal.models import MarkLogEntry, MarkLogHead, NotifyCursor

log = logging.getLogger(__name__)
BATCH = 2000


def dispatch(school, *, batch: int = BATCH) -> int:
    """Queue the notifications of the school's new log entries; returns how many events were passed on."""
    with transaction.atomic():
        NotifyCursor.objects.get_or_create(school=school)
        cursor = NotifyCursor.objects.select_for_update(skip_locked=True).filter(school=school).first()
        if cursor is None:  # another worker is dispatching this school
            return 0
        entries = list(
            MarkLogEntry.objects.filter(school=school, seq__gt=cursor.seq, kind__in=("marks", "attendance"))
            .select_related("lesson__course__subject", "student")
            .order_by("seq")[:batch]
        )
        if not entries:
            head = MarkLogHead.objects.filter(school=school).values_list("seq", flat=True).first() or 0
            if head > cursor.seq:
                NotifyCursor.objects.filter(pk=cursor.pk).update(seq=head)
            return 0
        last: dict[tuple, MarkLogEntry] = {}
        first_old: dict[tuple, str] = {}
        for entry in entries:
            key = (entry.kind, entry.lesson_id, entry.work_id, entry.student_id)
            first_old.setdefault(key, entry.old)
            last[key] = entry
        sent = 0
        for target, entry in last.items():
            if not entry.new or entry.lesson is None or entry.new == first_old[target]:
                continue  # cleared, or back to where it was (a change rolled back): no news
            key = f"log:{entry.school_id}:{entry.seq}"
            if entry.kind == "marks":
                if entry.new in ("•",):
                    continue
                notify.journal_event(
                    notify.MARKS,
                    entry.student,
                    lesson=entry.lesson,
                    school=school,
                    subject=entry.lesson.course.subject.name,
                    summary=entry.new,
                    key=key,
                )
            else:
                variant = "absent" if entry.new == "Н" else "late"
                notify.journal_event(
                    notify.ATTENDANCE,
                    entry.student,
                    lesson=entry.lesson,
                    school=school,
                    subject=entry.lesson.course.subject.name,
                    variant=variant,
                    key=key,
                )
            sent += 1
        NotifyCursor.objects.filter(pk=cursor.pk).update(seq=entries[-1].seq)
    return sent


def dispatch_all() -> int:
    """`dispatch` every active school with news (the beat task)."""
    total = 0
    for school in School.objects.filter(is_active=True).order_by("pk"):
        try:
            total += dispatch(school)
        except Exception:  # one school's failure must not stop the others
            log.exception("notification dispatch failed for school %s", school.pk)
    return total


NUDGE_SECONDS = 5


def nudge(school_id: int) -> None:
    """After a save commits: dispatch within a few seconds instead of waiting for the beat.

    At most one task per school every NUDGE_SECONDS (a Redis key), run after that delay so it
    picks up every save of the window. Never fails or slows the request: when the cache or the
    broker is down, the minute beat catches up.
    """
    from django.core.cache import cache

    from journal.marklog.tasks import dispatch_notifications_task

    if cache.add(f"journal:notify-nudge:{school_id}", 1, timeout=NUDGE_SECONDS):  # a miss with Redis down
        jobs.publish(dispatch_notifications_task, school_id, countdown=NUDGE_SECONDS)
