"""What a compromised login changed, and rolling it back (R-ACC-7, seed 001 §3.4).

The mark log is the list: every change of a mark cell, an attendance, an absence reason or a final
mark made by the login after the reported moment, grouped by the thing changed ("a change": the
value before the login's first change, its last value, the value now). Everything else the login
did after the moment (topics, homework, remarks, substitutions, settings, people) is read from
the audit trail and listed for the admin to check by hand.

A rollback writes the value from before through the same services as a user's edit
(`record_cell`, `record_attendance`, `record_final`), with the admin as the actor: the same
policy (the admin's override of the edit window is audited as usual), compare-and-set on the
row's version, a new mark-log entry. Nothing is deleted. A change is skipped, with the reason,
when someone else changed the same thing after the login did (or meanwhile, caught by the
version), when the value already is the one from before, or when the policy refuses. Letters and
summary items about the login's changes that have not gone out are withdrawn, and the restored
values send no news (news that already went out gets no correction yet).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit, notify
from accounts.models import AuditEvent, Student, User
from accounts.services.compromise import COMPROMISED, since_of
from schedule.models import Course, Lesson, ReportingPeriod

from . import marklog, notifications, rules
from .models import Attendance, Cell, FinalMark, MarkLogEntry, MarkLogHead, NotifyCursor, Work
from .services import Conflict, record_attendance, record_cell

ROLLED_BACK = "account_rolled_back"

# The status of a change.
READY = "ready"  # can be rolled back
RESTORED = "restored"  # already holds its value from before
CHANGED = "changed"  # someone else changed it since: skipped
MANUAL = "manual"  # not rolled back here: the admin checks it by hand


@dataclass
class Change:
    key: str  # stable id of the thing changed, used by the page's checkboxes
    kind: str  # the mark log's kind
    entries: list[MarkLogEntry]  # the login's entries on it after the moment
    before: str
    after: str
    now: str
    status: str = READY
    reason: str = ""
    lesson: Lesson | None = None
    student: Student | None = None
    course: Course | None = None
    period: ReportingPeriod | None = None
    work_id: int | None = None

    @property
    def at(self) -> datetime.datetime:
        return self.entries[-1].at


@dataclass
class Changes:
    report: AuditEvent
    user: User
    since: datetime.datetime
    journal: list[Change]
    other: list[AuditEvent]  # the login's other actions after the moment (checked by hand)

    @property
    def ready(self) -> list[Change]:
        return [c for c in self.journal if c.status == READY]


@dataclass
class Outcome:
    done: list[Change] = field(default_factory=list)
    skipped: list[tuple[Change, str]] = field(default_factory=list)
    withdrawn: int = 0


def may_roll_back(actor) -> bool:
    """Only the school admin lists and rolls back a compromised login's changes."""
    return actor.school is not None and rules.roll_back_compromised(actor)


def _target(entry: MarkLogEntry) -> str:
    if entry.kind == "marks":
        return f"marks:{entry.work_id}:{entry.student_id}"
    if entry.kind in ("attendance", "reason"):
        return f"{entry.kind}:{entry.lesson_id}:{entry.student_id}"
    return f"{entry.kind}:{entry.course_id}:{entry.period_id or 0}:{entry.student_id}"


def _who(entry: MarkLogEntry) -> str:
    actor = entry.actor
    if actor is None:
        return _("the system")
    return actor.get_full_name() or actor.username


def changes_since(report: AuditEvent) -> Changes:
    """Every change of the reported login after its moment, with what stands now (a few queries)."""
    school_id = report.school_id
    user = User.objects.get(pk=report.data["user"])
    since = since_of(report)
    mine = list(MarkLogEntry.objects.filter(school_id=school_id, actor=user, at__gte=since).order_by("seq"))
    changes: dict[str, Change] = {}
    if mine:
        students = {e.student_id for e in mine}
        later = (
            MarkLogEntry.objects.filter(school_id=school_id, seq__gte=mine[0].seq, student_id__in=students)
            .exclude(actor=user)
            .select_related("actor")
            .order_by("seq")
        )
        by_target: dict[str, list[MarkLogEntry]] = defaultdict(list)
        for entry in mine:
            by_target[_target(entry)].append(entry)
        last_other: dict[str, MarkLogEntry] = {}
        for entry in later:
            key = _target(entry)
            if key in by_target and entry.seq > by_target[key][0].seq:
                last_other[key] = entry
        for key, entries in by_target.items():
            first, last = entries[0], entries[-1]
            other = last_other.get(key)
            now = other.new if other is not None and other.seq > last.seq else last.new
            change = Change(
                key=key,
                kind=first.kind,
                entries=entries,
                before=first.old,
                after=last.new,
                now=now,
                work_id=first.work_id,
            )
            change.lesson_id, change.student_id = first.lesson_id, first.student_id
            change.course_id, change.period_id = first.course_id, first.period_id
            if first.kind == "reason":
                change.status, change.reason = (
                    MANUAL,
                    _("Absence reasons are set again by the class teacher."),
                )
            elif now == first.old:
                change.status, change.reason = RESTORED, _("It already holds its value from before.")
            elif other is not None:
                change.status = CHANGED
                change.reason = _("Changed since by %(who)s at %(at)s: roll it back by hand if needed.") % {
                    "who": _who(other),
                    "at": timezone.localtime(other.at).strftime("%d.%m.%Y %H:%M"),
                }
            changes[key] = change
        _attach(list(changes.values()))
    other = list(
        AuditEvent.objects.filter(school_id=school_id, actor=user, at__gte=since)
        .exclude(action__in=["login", "logout", "journal.admin_override", "journal.final_override"])
        .order_by("at")
    )
    return Changes(report, user, since, sorted(changes.values(), key=lambda c: c.entries[0].seq), other)


def _attach(changes: list[Change]) -> None:
    """Load the lessons, students, courses and periods the page names (one query each)."""
    lessons = Lesson.objects.select_related("course__subject", "group").in_bulk(
        {c.lesson_id for c in changes if c.lesson_id}
    )
    students = Student.objects.select_related("person").in_bulk({c.student_id for c in changes})
    courses = Course.objects.select_related("subject", "group").in_bulk(
        {c.course_id for c in changes if c.course_id}
    )
    periods = ReportingPeriod.objects.in_bulk({c.period_id for c in changes if c.period_id})
    for c in changes:
        c.lesson = lessons.get(c.lesson_id)
        c.student = students.get(c.student_id)
        c.course = courses.get(c.course_id) or (c.lesson.course if c.lesson else None)
        c.period = periods.get(c.period_id)


def _versions(changes: list[Change]) -> dict[str, int | None]:
    """The current version of each change's row (one query per kind of row)."""
    versions: dict[str, int | None] = {}
    cells = [c for c in changes if c.kind == "marks"]
    if cells:
        rows = Cell.objects.filter(
            work_id__in={c.work_id for c in cells}, student_id__in={c.student_id for c in cells}
        )
        found = {(r.work_id, r.student_id): r.version for r in rows.only("work_id", "student_id", "version")}
        versions.update({c.key: found.get((c.work_id, c.student_id)) for c in cells})
    absences = [c for c in changes if c.kind == "attendance"]
    if absences:
        rows = Attendance.objects.filter(
            lesson_id__in={c.lesson_id for c in absences}, student_id__in={c.student_id for c in absences}
        ).only("lesson_id", "student_id", "version")
        found = {(r.lesson_id, r.student_id): r.version for r in rows}
        versions.update({c.key: found.get((c.lesson_id, c.student_id)) for c in absences})
    finals = [c for c in changes if c.kind.startswith("final_")]
    if finals:
        rows = FinalMark.objects.filter(
            course_id__in={c.course_id for c in finals}, student_id__in={c.student_id for c in finals}
        ).only("course_id", "student_id", "kind", "period_id", "version")
        found = {(r.course_id, r.student_id, f"final_{r.kind}", r.period_id): r.version for r in rows}
        versions.update({c.key: found.get((c.course_id, c.student_id, c.kind, c.period_id)) for c in finals})
    return versions


def _write_back(actor, change: Change, version: int | None, works: dict[int, Work]) -> None:
    if change.kind == "marks":
        record_cell(
            actor=actor,
            work=works[change.work_id],
            student=change.student,
            raw=change.before,
            version=version,
        )
    elif change.kind == "attendance":
        record_attendance(
            actor=actor, lesson=change.lesson, student=change.student, raw=change.before, version=version
        )
    else:
        from .finals_services import record_final

        record_final(
            actor=actor,
            course=change.course,
            student=change.student,
            kind=change.kind.removeprefix("final_"),
            period=change.period,
            raw=change.before,
            version=version,
        )


@transaction.atomic
def roll_back(*, actor, report: AuditEvent, keys: list[str] | None = None) -> Outcome:
    """Write back the values from before the moment (all the ready changes, or those of `keys`)."""
    if not may_roll_back(actor) or report.school_id != actor.school.pk or report.action != COMPROMISED:
        raise PermissionDenied(_("Only the school admin rolls back a compromised login's changes."))
    found = changes_since(report)
    wanted = set(keys) if keys is not None else None
    chosen = [c for c in found.journal if wanted is None or c.key in wanted]
    outcome = Outcome()
    for change in chosen:
        if change.status != READY:
            outcome.skipped.append((change, change.reason))
    ready = [c for c in chosen if c.status == READY]
    # The chain head stays locked to the commit, so the rollback's entries follow each other: queue the
    # news of everything before them (the false news is withdrawn below), then let the dispatcher's
    # cursor pass over them — putting back a value tells the parents nothing new.
    head = marklog.lock_head(actor.school)
    notifications.dispatch(actor.school)
    cursor = NotifyCursor.objects.select_for_update(skip_locked=True).filter(school=actor.school).first()
    versions = _versions(ready)
    works = Work.objects.in_bulk({c.work_id for c in ready if c.work_id})
    for change in ready:
        try:  # each service is atomic: a refusal rolls back its own savepoint, nothing else
            _write_back(actor, change, versions.get(change.key), works)
        except Conflict:
            outcome.skipped.append((change, _("Someone else changed it meanwhile.")))
            continue
        except (ValidationError, PermissionDenied) as exc:
            outcome.skipped.append((change, " ".join(getattr(exc, "messages", [str(exc)]))))
            continue
        outcome.done.append(change)
    outcome.withdrawn = notify.withdraw_events(
        [
            (e.kind, f"log:{e.school_id}:{e.seq}", e.student_id)
            for change in outcome.done
            for e in change.entries
            if e.kind in (notify.MARKS, notify.ATTENDANCE)
        ]
    )
    if cursor is not None and cursor.seq == head.seq:
        NotifyCursor.objects.filter(pk=cursor.pk).update(
            seq=MarkLogHead.objects.filter(school=actor.school).values_list("seq", flat=True).get()
        )
    audit.record(
        actor,
        ROLLED_BACK,
        found.user,
        school=actor.school,
        summary=_("%(done)d rolled back, %(skipped)d skipped")
        % {
            "done": len(outcome.done),
            "skipped": len(outcome.skipped),
        },
        data={
            "report": report.pk,
            "done": [c.key for c in outcome.done],
            "skipped": [[c.key, reason] for c, reason in outcome.skipped],
            "withdrawn": outcome.withdrawn,
        },
    )
    return outcome
