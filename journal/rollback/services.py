"""What a compromised login changed, and rolling it back (R-ACC-7, seed 001 §3.4).

The mark log is the list of marks, attendance, absence reasons and final marks: every change the
login made after the reported moment, grouped by the thing changed ("a change": the value before
the login's first change, its last value, the value now). Everything else comes from the login's
audit events: lesson records (topics, those filled from the plan one per lesson, homework,
remarks, files), mark columns added, substitutions, the school's settings and work types, people's
roles and parent links; `rollback_kinds` says, per audit action,
what it changed and its state before and after, and per kind of thing how to read it now and put it
back. An action that cannot be undone (a printout, a consent on paper, a person created) is listed
with the reason, for the admin to check by hand.

A rollback writes the value from before through the same services as a user's edit
(`record_cells`, the batch form of `record_cell`; `record_attendance`, `record_final`, `set_reasons`;
the services of `rollback_kinds`),
with the admin as the actor: the same policy (the admin's override of the edit window is audited as
usual), compare-and-set (the row's version; for the audit-based kinds the state now, read under the
row lock the service takes), a new mark-log or audit entry. No history is deleted. A change is
skipped, with the reason, when someone else changed the same thing after the login did (or
meanwhile), when the value already is the one from before, or when the policy refuses. Letters and
summary items about the login's changes that have not gone out are withdrawn, the restored values
send no news, and parents who already had a letter or a summary about a false entry get one
correction letter per child (`notify.correct_events`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts import audit, notify
from accounts.models import AuditEvent, Student, User
from accounts.services.compromise import COMPROMISED, since_of
from journal import rules
from journal.grid.services import CellWrite, Conflict, record_attendance, record_cells
from journal.marklog import notifications
from journal.marklog import services as marklog
from journal.models import Attendance, Cell, FinalMark, MarkLogEntry, MarkLogHead, NotifyCursor, Work
from journal.reconcile import services as reconcile
from journal.rollback.kinds import ACTIONS, IRREVERSIBLE, KINDS, OTHER
from schedule.models import Course, Lesson, ReportingPeriod, SchoolClass

ROLLED_BACK = "account_rolled_back"

# The status of a change.
READY = "ready"  # can be rolled back
RESTORED = "restored"  # already holds its value from before
CHANGED = "changed"  # someone else changed it since: skipped
MANUAL = "manual"  # cannot be rolled back: the admin checks it by hand
# The page's names of the mark log's kinds (the audit-based kinds name themselves in rollback_kinds).
LOG_LABELS = {"marks": _lazy("Mark"), "attendance": _lazy("Attendance"), "reason": _lazy("Absence reason")}


@dataclass
class Change:
    key: str  # stable id of the thing changed, used by the page's checkboxes
    kind: str  # the mark log's kind, or a kind of rollback_kinds
    entries: list[MarkLogEntry]  # the login's entries on it after the moment
    before: str  # the values as the page shows them
    after: str
    now: str
    status: str = READY
    reason: str = ""
    note: str = ""  # what the admin checks by hand besides
    lesson: Lesson | None = None
    student: Student | None = None
    course: Course | None = None
    period: ReportingPeriod | None = None
    lesson_id: int | None = None
    student_id: int | None = None
    course_id: int | None = None
    period_id: int | None = None
    work_id: int | None = None
    school_id: int | None = None
    events: list[AuditEvent] = field(default_factory=list)  # an audit-based change's: the login's events
    was: object = None  # an audit-based change's states: before the login, after it, now
    became: object = None
    current: object = None

    @property
    def at(self) -> datetime.datetime:
        return self.entries[-1].at if self.entries else self.events[-1].at

    @property
    def first_at(self) -> datetime.datetime:
        return self.entries[0].at if self.entries else self.events[0].at

    @property
    def label(self) -> str:
        if self.kind in KINDS:
            return KINDS[self.kind].label
        return LOG_LABELS.get(self.kind) or _("Final mark")


@dataclass
class Other:
    event: AuditEvent
    reason: str


@dataclass
class Changes:
    report: AuditEvent
    user: User
    since: datetime.datetime
    journal: list[Change]
    other: list[Other]  # the login's actions that are not rolled back here, with the reason

    @property
    def ready(self) -> list[Change]:
        return [c for c in self.journal if c.status == READY]


@dataclass
class Outcome:
    done: list[Change] = field(default_factory=list)
    skipped: list[tuple[Change, str]] = field(default_factory=list)
    withdrawn: int = 0
    corrected: int = 0  # letters telling parents that news they had was taken back


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
                school_id=school_id,
            )
            change.lesson_id, change.student_id = first.lesson_id, first.student_id
            change.course_id, change.period_id = first.course_id, first.period_id
            if now == first.old:
                change.status, change.reason = RESTORED, _("It already holds its value from before.")
            elif other is not None:
                change.status = CHANGED
                change.reason = _("Changed since by %(who)s at %(at)s: roll it back by hand if needed.") % {
                    "who": _who(other),
                    "at": timezone.localtime(other.at).strftime("%d.%m.%Y %H:%M"),
                }
            changes[key] = change
    events = list(
        AuditEvent.objects.filter(school_id=school_id, actor=user, at__gte=since)
        .exclude(action__in=NOT_CHANGES)
        .order_by("at", "pk")
    )
    covered, unlisted = _per_thing(events)
    audited = _audited_changes(school_id, covered)
    _attach(list(changes.values()) + audited)
    other = [Other(e, str(IRREVERSIBLE.get(e.action, OTHER))) for e in unlisted]
    journal = sorted([*changes.values(), *audited], key=lambda c: c.first_at)
    return Changes(report, user, since, journal, other)


# Not changes of the journal: signing in and out, the admin's overrides (audited beside the change
# itself), and the absence reasons' summary (each reason is in the mark log).
NOT_CHANGES = ["login", "logout", "journal.admin_override", "journal.final_override", "journal.reasons_set"]


def _per_thing(events: list[AuditEvent]) -> tuple[list[AuditEvent], list[AuditEvent]]:
    """The events the registry covers, an event on many things split per thing; and the others."""
    covered, unlisted = [], []
    for event in events:
        action = ACTIONS.get(event.action)
        parts = [] if action is None else [event] if action.parts is None else action.parts(event)
        if parts:
            covered.extend(parts)
        else:
            unlisted.append(event)
    return covered, unlisted


def _audited_changes(school_id: int, events: list[AuditEvent]) -> list[Change]:
    """The login's audit events grouped per thing changed, each with its state before, after and now."""
    by_key: dict[str, list[AuditEvent]] = defaultdict(list)
    for event in events:
        action = ACTIONS[event.action]
        by_key[f"{action.kind}:{action.thing(event)}"].append(event)
    out = []
    for key, evs in by_key.items():
        actions = [ACTIONS[e.action] for e in evs]
        kind = KINDS[actions[0].kind]
        if kind.merge:  # each field: its state before the first event that touched it, after the last
            was = {
                k: v
                for a, e in reversed(list(zip(actions, evs, strict=True)))
                for k, v in a.before(e).items()
            }
            became = {k: v for a, e in zip(actions, evs, strict=True) for k, v in a.after(e).items()}
        else:
            was, became = actions[0].before(evs[0]), actions[-1].after(evs[-1])
        change = Change(
            key=key,
            kind=actions[0].kind,
            entries=[],
            before="",
            after="",
            now="",
            events=evs,
            was=was,
            became=became,
            school_id=school_id,
            lesson_id=actions[0].lesson(evs[0]),
            student_id=actions[0].student(evs[0]),
            note=next((n for a, e in zip(actions, evs, strict=True) if (n := a.note(e))), ""),
        )
        change.current = kind.now(change, False)
        change.before, change.after, change.now = kind.show(was), kind.show(became), kind.show(change.current)
        change.status, change.reason = _status(kind, change)
        out.append(change)
    return out


def _status(kind, change: Change) -> tuple[str, str]:
    if reason := kind.cannot(change):
        return MANUAL, reason
    if change.current == change.was:
        return RESTORED, _("It already holds its value from before.")
    if change.current != change.became:
        return CHANGED, _("Changed since by someone else: roll it back by hand if needed.")
    return READY, ""


def _attach(changes: list[Change]) -> None:
    """Load the lessons, students, courses and periods the page names (one query each)."""
    lessons = Lesson.objects.select_related("course__subject", "group").in_bulk(
        {c.lesson_id for c in changes if c.lesson_id}
    )
    students = Student.objects.select_related("person").in_bulk(
        {c.student_id for c in changes if c.student_id}
    )
    courses = Course.objects.select_related("subject", "group").in_bulk(
        {c.course_id for c in changes if c.course_id}
    )
    periods = ReportingPeriod.objects.in_bulk({c.period_id for c in changes if c.period_id})
    for c in changes:
        c.lesson = lessons.get(c.lesson_id)
        c.student = students.get(c.student_id) if c.student_id else None
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


@notify.in_site_language
def _told(change: Change, entry: MarkLogEntry) -> notify.Line:
    """The news the parents had of a false entry, as `journal.marklog.notifications` worded it."""
    if entry.kind == notify.MARKS:
        text = notify.describe(notify.MARKS, "", entry.new)
    else:
        text = notify.describe(notify.ATTENDANCE, "absent" if entry.new == "Н" else "late", "")
    return notify.Line(change.lesson.date, change.lesson.course.subject.name, text)


def _last(change: Change) -> tuple:
    return (change.at, change.events[-1].pk if change.events else change.entries[-1].seq)


class _Meanwhile(Exception):
    """The thing changed between the listing and the write: not written."""


def _skip_reason(exc: Exception) -> str:
    if isinstance(exc, (Conflict, _Meanwhile)):
        return _("Someone else changed it meanwhile.")
    return " ".join(getattr(exc, "messages", [str(exc)]))


def _write_back(actor, change: Change, version: int | None, works: dict[int, Work]) -> None:
    if change.kind in KINDS:
        kind = KINDS[change.kind]
        current = kind.now(change, True)  # under the lock its service takes: compare, then write
        if current != change.became:
            raise _Meanwhile
        kind.restore(actor, change, current)
    elif change.kind == "attendance":
        record_attendance(
            actor=actor, lesson=change.lesson, student=change.student, raw=change.before, version=version
        )
    elif change.kind == reconcile.LOG_KIND:
        _write_back_reason(actor, change)
    else:
        from journal.finals.services import record_final

        record_final(
            actor=actor,
            course=change.course,
            student=change.student,
            kind=change.kind.removeprefix("final_"),
            period=change.period,
            raw=change.before,
            version=version,
        )


def _write_back_reason(actor, change: Change) -> None:
    """An absence reason put back through `set_reasons`, for the class its audit event names.

    The mark log keeps the reason's label; the chain head is locked since the listing, so the row's
    reason is still the one listed.
    """
    codes = {reconcile.reason_text(code): code for code in ("", *reconcile.REASONS)}
    row = Attendance.objects.get(lesson_id=change.lesson_id, student_id=change.student_id)
    event = (
        AuditEvent.objects.filter(
            school_id=change.school_id, action="journal.reasons_set", data__attendance__contains=[row.pk]
        )
        .order_by("-pk")
        .first()
    )
    if event is None or change.before not in codes:
        raise ValidationError(_("The class of this absence is not known: set its reason by hand."))
    school_class = SchoolClass.objects.get(pk=event.object_id)
    reconcile.set_reasons(
        actor=actor, school_class=school_class, attendance=[row.pk], reason=codes[change.before]
    )


@transaction.atomic
def roll_back(*, actor, report: AuditEvent, keys: list[str] | None = None) -> Outcome:
    """Write back the values from before the moment (all the ready changes, or those of `keys`)."""
    if not may_roll_back(actor) or report.school_id != actor.school.pk or report.action != COMPROMISED:
        raise PermissionDenied(_("Only the school admin rolls back a compromised login's changes."))
    # The chain head stays locked to the commit: nothing the mark log holds changes between the listing
    # below and the writes, and the rollback's entries follow each other. The news of everything before
    # them is queued (the false news is withdrawn below), then the dispatcher's cursor passes over them —
    # putting back a value tells the parents nothing new.
    head = marklog.lock_head(actor.school)
    found = changes_since(report)
    wanted = set(keys) if keys is not None else None
    chosen = [c for c in found.journal if wanted is None or c.key in wanted]
    outcome = Outcome()
    for change in chosen:
        if change.status != READY:
            outcome.skipped.append((change, change.reason))
    # Newest first, as undo goes: a type made the default is given back its place before it is removed.
    ready = sorted((c for c in chosen if c.status == READY), key=_last, reverse=True)
    notifications.dispatch(actor.school)
    cursor = NotifyCursor.objects.select_for_update(skip_locked=True).filter(school=actor.school).first()
    versions = _versions(ready)
    works = Work.objects.in_bulk({c.work_id for c in ready if c.work_id})
    # The marks in one batch through `record_cells` (the same checks as `record_cell`, per cell).
    cells = [c for c in ready if c.kind == "marks"]
    refusals = record_cells(
        actor=actor,
        writes=[CellWrite(works[c.work_id], c.student, c.before, versions.get(c.key)) for c in cells],
    )
    for change, refusal in zip(cells, refusals, strict=True):
        if refusal is None:
            outcome.done.append(change)
        else:
            outcome.skipped.append((change, _skip_reason(refusal)))
    for change in (c for c in ready if c.kind != "marks"):
        try:  # each service is atomic: a refusal rolls back its own savepoint, nothing else
            _write_back(actor, change, versions.get(change.key), works)
        except (Conflict, _Meanwhile, ValidationError, PermissionDenied) as exc:
            outcome.skipped.append((change, _skip_reason(exc)))
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
    # Parents who already had the news of a false entry are told it was taken back, once.
    outcome.corrected = notify.correct_events(
        sorted(
            (
                (e.kind, f"log:{e.school_id}:{e.seq}", e.student_id, _told(change, e))
                for change in outcome.done
                for e in change.entries
                if e.kind in (notify.MARKS, notify.ATTENDANCE)
            ),
            key=lambda event: int(event[1].rsplit(":", 1)[1]),
        ),
        school=actor.school,
        key=f"rollback:{report.pk}:{head.seq}",
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
            "corrected": outcome.corrected,
        },
    )
    return outcome
