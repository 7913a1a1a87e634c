"""The tamper-evident mark log (R-J-11, DESIGN.md decision 7): append in the caller's transaction, verify.

Each school has its own chain. An entry's `hash` is SHA-256 of the previous
entry's hash followed by the entry's canonical content (a JSON object with
sorted keys), so editing, removing or reordering any row breaks the chain
from that row on. The chain head (`MarkLogHead`, one row per school) is locked
`FOR UPDATE` for the append, which serialises the writers of one school and
makes `seq` gapless; the lock is held from the append to the commit, so
services append after their own row writes.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from journal.models import MarkLogEntry, MarkLogHead

GENESIS = "0" * 64
CHUNK = 2000


def canonical_content(
    *,
    school_id,
    seq,
    at: datetime.datetime,
    actor_id,
    ip,
    kind,
    lesson_id,
    student_id,
    work_id,
    old,
    new,
    course_id=None,
    period_id=None,
    proposed=None,
) -> str:
    """The bytes (as text) an entry's hash covers: sorted-key JSON, `at` as ISO UTC with microseconds.

    Entries of final marks (no lesson) also cover their course, period and the proposed mark; the
    entries of lessons keep the content they always had, so older chains verify unchanged.
    """
    content = {
        "school": school_id,
        "seq": seq,
        "at": at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "actor": actor_id,
        "ip": ip or None,
        "kind": kind,
        "lesson": lesson_id,
        "student": student_id,
        "work": work_id,
        "old": old,
        "new": new,
    }
    if course_id is not None:
        content.update(course=course_id, period=period_id, proposed=proposed)
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


def entry_hash(entry: MarkLogEntry) -> str:
    """Recompute the hash a stored entry should carry."""
    return chain_hash(
        entry.prev_hash,
        canonical_content(
            school_id=entry.school_id,
            seq=entry.seq,
            at=entry.at,
            actor_id=entry.actor_id,
            ip=entry.ip,
            kind=entry.kind,
            lesson_id=entry.lesson_id,
            student_id=entry.student_id,
            work_id=entry.work_id,
            old=entry.old,
            new=entry.new,
            course_id=entry.course_id,
            period_id=entry.period_id,
            proposed=entry.proposed,
        ),
    )


def lock_head(school) -> MarkLogHead:
    """The school's chain head under a row lock; created on first use without a race."""
    head = MarkLogHead.objects.select_for_update().filter(school=school).first()
    if head is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO journal_markloghead (school_id, seq, hash) VALUES (%s, 0, %s) "
                "ON CONFLICT (school_id) DO NOTHING",
                [school.pk, GENESIS],
            )
        head = MarkLogHead.objects.select_for_update().get(school=school)
    return head


def normalise_ip(ip: str | None) -> str | None:
    """The address as the database gives it back (the hash must match what verify reads)."""
    if not ip:
        return None
    return MarkLogEntry._meta.get_field("ip").to_python(str(ip))


def _user_id(actor):
    """An Actor's login, a User, or None for system jobs."""
    user = getattr(actor, "user", actor)
    return user.pk if getattr(user, "is_authenticated", False) else None


# Where the sequence number goes in the content: the database fills it in under the head's lock.
_SEQ_MARK = -7_070_707_070_707


def append(
    *,
    school,
    actor,
    ip,
    kind: str,
    lesson=None,
    student,
    work=None,
    old: str,
    new: str,
    course=None,
    period=None,
    proposed: int | None = None,
) -> MarkLogEntry:
    """Append one entry to the school's chain; call inside the transaction that made the change.

    One statement (one round trip on the hot path of saving a mark): it locks the school's chain
    head, inserts the entry with the next `seq` and its hash — SHA-256 computed by PostgreSQL over
    the same UTF-8 bytes `entry_hash` recomputes in Python (a test checks both agree) — and moves
    the head. An entry is about a lesson's cell or attendance (`lesson`, `work`) or about a final
    mark (`course`, `period`, `proposed`).
    """
    at = timezone.now()
    actor_id = _user_id(actor)
    ip = normalise_ip(ip)
    lesson_id = lesson.pk if lesson is not None else None
    work_id = work.pk if work is not None else None
    course_id = course.pk if course is not None else None
    period_id = period.pk if period is not None else None
    content = canonical_content(
        school_id=school.pk,
        seq=_SEQ_MARK,
        at=at,
        actor_id=actor_id,
        ip=ip,
        kind=kind,
        lesson_id=lesson_id,
        student_id=student.pk,
        work_id=work_id,
        old=old,
        new=new,
        course_id=course_id,
        period_id=period_id,
        proposed=proposed,
    )
    before, after = content.split(f'"seq":{_SEQ_MARK}')
    params = [
        school.pk,
        school.pk, at, actor_id, ip, kind, lesson_id, student.pk, work_id, old, new,
        course_id, period_id, proposed, before + '"seq":', after,
        school.pk,
    ]  # fmt: skip
    sql = (
        "WITH h AS (SELECT seq, hash FROM journal_markloghead WHERE school_id = %s FOR UPDATE), "
        "e AS (INSERT INTO journal_marklogentry (school_id, seq, at, actor_id, ip, kind, lesson_id, "
        "student_id, work_id, old, new, course_id, period_id, proposed, prev_hash, hash) "
        "SELECT %s, h.seq + 1, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, h.hash, "
        "encode(sha256(convert_to(h.hash || %s || (h.seq + 1)::text || %s, 'UTF8')), 'hex') FROM h "
        "RETURNING id, seq, prev_hash, hash) "
        "UPDATE journal_markloghead m SET seq = e.seq, hash = e.hash FROM e WHERE m.school_id = %s "
        "RETURNING e.id, e.seq, e.prev_hash, e.hash"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:  # the school's first entry: create its head, then append
            lock_head(school)
            cursor.execute(sql, params)
            row = cursor.fetchone()
    entry_id, seq, prev_hash, digest = row
    entry = MarkLogEntry(
        id=entry_id,
        school=school,
        seq=seq,
        at=at,
        actor_id=actor_id,
        ip=ip,
        kind=kind,
        lesson_id=lesson_id,
        student_id=student.pk,
        work_id=work_id,
        old=old,
        new=new,
        course_id=course_id,
        period_id=period_id,
        proposed=proposed,
        prev_hash=prev_hash,
        hash=digest,
    )
    entry._state.adding = False
    return entry


def _chain(school_id, seq: int, prev: str, rows):
    """Each row (a dict of `canonical_content`'s fields but the school and seq) with the seq, prev_hash
    and hash that continue the chain whose last entry is (`seq`, `prev`)."""
    for row in rows:
        seq += 1
        digest = chain_hash(prev, canonical_content(school_id=school_id, seq=seq, **row))
        yield seq, prev, digest, row
        prev = digest


def append_many(*, school, actor, ip, rows: list[dict]) -> list[MarkLogEntry]:
    """Append several entries of lessons at once, as `append` would one after the other.

    `rows`: each an entry's kind, lesson_id, student_id, work_id, old and new. The head is locked
    first, so the chain cannot move between reading it and writing; the hashes are `entry_hash`'s,
    the one `verify` recomputes (and `append`'s, which a test checks). One insert and one update of
    the head, whatever the number of entries.
    """
    if not rows:
        return []
    head = lock_head(school)
    actor_id, ip = _user_id(actor), normalise_ip(ip)
    rows = [{"at": timezone.now(), "actor_id": actor_id, "ip": ip, **row} for row in rows]
    entries = [
        MarkLogEntry(school=school, seq=seq, prev_hash=prev, hash=digest, **row)
        for seq, prev, digest, row in _chain(school.pk, head.seq, head.hash, rows)
    ]
    MarkLogEntry.objects.bulk_create(entries)
    MarkLogHead.objects.filter(school=school).update(seq=entries[-1].seq, hash=entries[-1].hash)
    return entries


# The columns `append_history` copies, in the order of its rows.
_HISTORY_FIELDS = ("school", "seq", "at", "actor", "kind", "lesson", "student", "work", "old", "new",
                   "course", "period", "proposed", "prev_hash", "hash")  # fmt: skip


def append_history(*, school, rows: Iterable[dict]) -> int:
    """Append entries of changes made earlier (the demo school's year of journal, built at once), in
    the order they happened; returns how many.

    `rows`: each an entry's `at`, `actor_id` (a login's id or None), kind, lesson_id, student_id,
    work_id, old and new, and for a final mark its course_id, period_id and proposed; no address.
    Chained as `append_many` chains (the head locked, the hashes `verify` recomputes) but streamed
    into the table with COPY, without a model instance per entry: hundreds of thousands of rows.
    """
    head = lock_head(school)
    meta = MarkLogEntry._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in _HISTORY_FIELDS)
    chained = _chain(school.pk, head.seq, head.hash, ({"ip": None, **row} for row in rows))
    seq, last = head.seq, head.hash  # the loop leaves the last entry's here
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for seq, prev, last, row in chained:
                copy.write_row(
                    (school.pk, seq, row["at"], row["actor_id"], row["kind"], row["lesson_id"],
                     row["student_id"], row["work_id"], row["old"], row["new"], row.get("course_id"),
                     row.get("period_id"), row.get("proposed"), prev, last)
                )  # fmt: skip
    MarkLogHead.objects.filter(school=school).update(seq=seq, hash=last)
    return seq - head.seq


def verify(school) -> tuple[bool, int | None, str]:
    """Walk the school's chain in `seq` order: (intact?, the first broken seq or None, a message)."""
    expected_seq, prev = 1, GENESIS
    entries = MarkLogEntry.objects.filter(school=school).order_by("seq").iterator(chunk_size=CHUNK)
    for entry in entries:
        if entry.seq != expected_seq:
            return False, expected_seq, _("entry %(seq)d is missing") % {"seq": expected_seq}
        if entry.prev_hash != prev:
            return (
                False,
                entry.seq,
                _("entry %(seq)d does not follow the previous entry") % {"seq": entry.seq},
            )
        if entry_hash(entry) != entry.hash:
            return False, entry.seq, _("entry %(seq)d was altered") % {"seq": entry.seq}
        prev = entry.hash
        expected_seq += 1
    count = expected_seq - 1
    head = MarkLogHead.objects.filter(school=school).first()
    if head is not None and (head.seq != count or head.hash != prev):
        if head.seq > count:
            return False, count + 1, _("entry %(seq)d is missing") % {"seq": count + 1}
        return False, head.seq, _("the chain head does not match entry %(seq)d") % {"seq": head.seq}
    if head is None and count:
        return False, 1, _("the chain head is missing")
    return True, None, _("intact: %(count)d entries") % {"count": count}
