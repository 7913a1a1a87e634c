"""What a compromised login changed, and rolling it back (R-ACC-7, seed 001 §3.4).

The mark log is the list of marks, attendance, absence reasons and final marks: every change the
login made after the reported moment, grouped by the thing changed ("a change": the value before
the login's first change, its last value, the value now). Topics, homework and remarks come from
their audit events (which carry the old and new values); everything else the login did after the
moment (attachments, substitutions, settings, people) is listed from the audit trail for the admin
to check by hand.

A rollback writes the value from before through the same services as a user's edit
(`record_cell`, `record_attendance`, `record_final`; `set_topic`, `set_homework`, `remove_remark`,
`add_remark`), with the admin as the actor: the same
policy (the admin's override of the edit window is audited as usual), compare-and-set on the
row's version, a new mark-log or audit entry. No history is deleted (a remark or topic the
login added goes as its service removes it, its text kept in the audit trail). A change is skipped, with the reason,
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
from .models import (
    Attendance,
    Cell,
    FinalMark,
    Homework,
    LessonTopic,
    MarkLogEntry,
    MarkLogHead,
    NotifyCursor,
    PlanTopic,
    Remark,
    Work,
)
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
    events: list[AuditEvent] = field(default_factory=list)  # a lesson record's: the login's audit events
    record: object = None  # a lesson record's state before (topic, homework) or the remark concerned

    @property
    def at(self) -> datetime.datetime:
        return self.entries[-1].at if self.entries else self.events[-1].at

    @property
    def first_at(self) -> datetime.datetime:
        return self.entries[0].at if self.entries else self.events[0].at


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
    events = list(
        AuditEvent.objects.filter(school_id=school_id, actor=user, at__gte=since)
        .exclude(action__in=["login", "logout", "journal.admin_override", "journal.final_override"])
        .order_by("at", "pk")
    )
    records = _record_changes([e for e in events if e.action in RECORD_ACTIONS])
    other = [e for e in events if e.action not in RECORD_ACTIONS]
    journal = sorted([*changes.values(), *records], key=lambda c: c.first_at)
    return Changes(report, user, since, journal, other)


RECORD_ACTIONS = {
    "journal.topic_set": "topic",
    "journal.topic_cleared": "topic",
    "journal.homework_set": "homework",
    "journal.homework_cleared": "homework",
    "journal.remark_added": "remark",
    "journal.remark_removed": "remark_removed",
}
CHANGED_BY_SOMEONE = "changed_by_someone"


def _topic_state(topic) -> dict | None:
    return {"text": topic.text, "plan_topic": topic.plan_topic_id} if topic else None


def _homework_state(homework) -> dict | None:
    if homework is None:
        return None
    return {"text": homework.text, "pages": homework.pages, "due_lesson": homework.due_lesson_id}


def _shown(state) -> str:
    if not state:
        return ""
    return " · ".join(str(state[k]) for k in ("text", "pages") if state.get(k))


def _record_changes(events: list[AuditEvent]) -> list[Change]:
    """Topics, homework and remarks the login changed (from their audit events), with what stands now."""
    by_key: dict[str, list[AuditEvent]] = defaultdict(list)
    for event in events:
        kind = RECORD_ACTIONS[event.action]
        key = f"{kind}:{event.object_id}" if kind in ("topic", "homework", "remark") else f"{kind}:{event.pk}"
        by_key[key].append(event)
    lesson_ids = {int(v[0].object_id) for k, v in by_key.items() if k.split(":")[0] in ("topic", "homework")}
    topics = {t.lesson_id: t for t in LessonTopic.objects.filter(lesson_id__in=lesson_ids)}
    homework = {h.lesson_id: h for h in Homework.objects.filter(lesson_id__in=lesson_ids)}
    remarks = Remark.objects.in_bulk(
        {int(v[0].object_id) for k, v in by_key.items() if k.startswith("remark:")}
    )
    lessons = Lesson.objects.select_related("course__subject", "group").in_bulk(
        lesson_ids | {v[0].data.get("lesson") for k, v in by_key.items() if k.startswith("remark")} - {None}
    )
    students = Student.objects.select_related("person").in_bulk(
        {v[0].data.get("student") for k, v in by_key.items() if k.startswith("remark")} - {None}
    )
    out = []
    for key, evs in by_key.items():
        kind = key.split(":")[0]
        change = Change(key=key, kind=kind, entries=[], before="", after="", now="", events=evs)
        if kind in ("topic", "homework"):
            lesson_id = int(evs[0].object_id)
            current = (
                _topic_state(topics.get(lesson_id))
                if kind == "topic"
                else _homework_state(homework.get(lesson_id))
            )
            before, after = evs[0].data.get("old"), evs[-1].data.get("new")
            change.lesson, change.record = lessons.get(lesson_id), before
            change.before, change.after, change.now = _shown(before), _shown(after), _shown(current)
            if current == before:
                change.status, change.reason = RESTORED, _("It already holds its value from before.")
            elif current != after:
                change.status, change.reason = (
                    CHANGED,
                    _("Changed since by someone else: roll it back by hand if needed."),
                )
        else:
            data = evs[0].data
            change.lesson, change.student = lessons.get(data.get("lesson")), students.get(data.get("student"))
            if kind == "remark":
                change.record = remarks.get(int(evs[0].object_id))
                change.before, change.after = "", data.get("text", "")
                change.now = change.record.text if change.record else ""
                if change.record is None:
                    change.status, change.reason = RESTORED, _("It already holds its value from before.")
            else:
                change.before, change.after, change.now = data.get("text", ""), "", ""
        if change.lesson is not None:
            change.course = change.lesson.course
        out.append(change)
    return out


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
    if change.kind in ("topic", "homework", "remark", "remark_removed"):
        _write_back_record(actor, change)
    elif change.kind == "marks":
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


def _write_back_record(actor, change: Change) -> None:
    """A lesson record put back through its service (each is atomic, like the marks' services)."""
    from . import records

    before = change.record
    if change.kind == "topic":
        plan = PlanTopic.objects.filter(pk=before.get("plan_topic")).first() if before else None
        records.set_topic(
            actor=actor, lesson=change.lesson, text=before["text"] if before else "", plan_topic=plan
        )
    elif change.kind == "homework":
        due = Lesson.objects.filter(pk=before.get("due_lesson")).first() if before else None
        records.set_homework(
            actor=actor,
            lesson=change.lesson,
            text=before["text"] if before else "",
            pages=before["pages"] if before else "",
            due_lesson=due,
        )
    elif change.kind == "remark":
        records.remove_remark(actor=actor, remark=change.record)
    else:
        data = change.events[0].data
        records.add_remark(
            actor=actor, lesson=change.lesson, student=change.student, kind=data["kind"], text=data["text"]
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
