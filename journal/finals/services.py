"""Every write of final marks and period locks (R-F-1…6).

- `record_final`: one final mark typed (or cleared) in the finals view: the one
  parser (`journal.finals.values.parse_final`), the one policy (`journal.policy.
  ensure_can_set_final`), compare-and-set on the version, the mark log entry
  (kind `final_<kind>`, with the proposal, so an override shows in the log) and,
  when that completes the period's finals, the course's period lock.
- `accept_proposals`: every missing final of a period (or the year) set to its
  proposal in one transaction.
- `lock_course_period` / `reopen_course_period`: the teacher locks again after a
  reopening; the admin reopens for a named reason. `close_period` /
  `reopen_period`: the school closes a whole period. Each is a `LockEvent` and an
  audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Role, Student
from journal.finals.selectors import periods_of, sums, who_needs_finals
from journal.finals.values import Proposal, Thresholds, parse_final, propose, propose_from_marks
from journal.grid.services import Conflict
from journal.marklog import services as marklog
from journal.models import CourseLock, FinalKind, FinalMark, LockEvent, PeriodClosure
from journal.policy import ensure_can_set_final, journal_settings
from schedule.models import Course, ReportingPeriod


@dataclass(frozen=True)
class FinalResult:
    value: int | None
    version: int | None
    proposal: Proposal | None
    locked: bool  # the write completed the period's finals: the course's period is now locked


def _course(course: Course) -> Course:
    return Course.objects.select_related("subject", "group__year", "year", "school__journal_settings").get(
        pk=course.pk
    )


def _check_kind(kind: str, period, periods: list) -> None:
    if kind not in FinalKind.values:
        raise ValidationError(_("Unknown kind of final mark."), code="kind")
    if kind == FinalKind.PERIOD:
        if period is None or period.pk not in {p.pk for p in periods}:
            raise ValidationError(
                _("This period is not one of the course's reporting periods."), code="period"
            )
    elif period is not None:
        raise ValidationError(_("Only a period's final mark names a period."), code="period")


def _proposal_for(
    course: Course, student_id: int, kind: str, period, periods: list, thresholds
) -> Proposal | None:
    """The proposal for one student's final: from the period's marks, the periods' finals or year + exam."""
    if kind == FinalKind.PERIOD:
        total = sums(course_ids=[course.pk], period_ids=[period.pk]).get((course.pk, period.pk, student_id))
        return propose(*total, thresholds) if total else None
    if kind == FinalKind.EXAM:
        return None
    marks = dict(
        FinalMark.objects.filter(course=course, student_id=student_id).values_list("kind", "value")
        if kind == FinalKind.FINAL
        else FinalMark.objects.filter(
            course=course, student_id=student_id, kind=FinalKind.PERIOD
        ).values_list("period_id", "value")
    )
    if kind == FinalKind.YEAR:
        return propose_from_marks(list(marks.values()), thresholds, "periods")
    basis = [marks[FinalKind.YEAR]] if FinalKind.YEAR in marks else []
    if basis and FinalKind.EXAM in marks:
        basis.append(marks[FinalKind.EXAM])
    return propose_from_marks(basis, thresholds, "year_exam")


def _label(kind: str, period) -> str:
    return period.name if period is not None else FinalKind(kind).label


@transaction.atomic
def record_final(
    *,
    actor,
    course: Course,
    student: Student,
    kind: str,
    period: ReportingPeriod | None = None,
    raw: str,
    version: int | None,
    now=None,
) -> FinalResult:
    """Set (or clear, with an empty value) one final mark; compare-and-set on `version` (R-J-12)."""
    value = parse_final(raw)
    course = _course(course)
    periods = periods_of(course)
    _check_kind(kind, period, periods)
    ensure_can_set_final(actor, course, kind, period, periods, now=now)
    own = period or periods[-1]
    if student.pk not in who_needs_finals([(own.pk, course.pk)]).get((own.pk, course.pk), []):
        raise ValidationError(
            _("This student is not in the class or group at the end of %(period)s.") % {"period": own.name},
            code="not_in_group",
        )
    thresholds = Thresholds.of(journal_settings(course.school))
    proposal = _proposal_for(course, student.pk, kind, period, periods, thresholds)
    if kind == FinalKind.PERIOD and value is not None and proposal is None:
        raise ValidationError(
            _(
                "No current marks in %(period)s: a final mark must rest on marks (regulation 7.3). "
                "Enter the marks of the student's make-up work first."
            )
            % {"period": own.name},
            code="no_marks",
        )
    rows = FinalMark.objects.select_for_update().filter(course=course, student_id=student.pk, kind=kind)
    if kind == FinalKind.PERIOD:
        rows = rows.filter(period=period)
    current = rows.first()
    old = current.value if current else None
    if old == value:
        return FinalResult(value, current.version if current else None, proposal, False)
    if current is not None and version != current.version:
        raise Conflict(str(current.value), current.version)
    if current is None and version is not None:
        raise Conflict("", None)  # it was cleared meanwhile
    fields = {
        "proposed": proposal.mark if proposal else None,
        "average": proposal.average if proposal else None,
        "rule": proposal.rule if proposal else "",
        "updated_by": actor.user if getattr(actor.user, "is_authenticated", False) else None,
        "updated_at": timezone.now(),
    }
    new_version = None
    if value is None:
        current.delete()
    elif current is None:
        created = FinalMark.objects.create(
            school_id=course.school_id,
            course=course,
            student_id=student.pk,
            kind=kind,
            period=period,
            value=value,
            **fields,
        )
        new_version = created.version
    else:
        rows.filter(version=current.version).update(value=value, version=F("version") + 1, **fields)
        new_version = current.version + 1
    marklog.append(
        school=course.school,
        actor=actor,
        ip=getattr(actor, "ip", None),
        kind=f"final_{kind}",
        student=student,
        old="" if old is None else str(old),
        new="" if value is None else str(value),
        course=course,
        period=period,
        proposed=proposal.mark if proposal else None,
    )
    if value is not None and proposal is not None and value != proposal.mark:
        audit.record(
            actor,
            "journal.final_override",
            course,
            school=course.school,
            summary=f"{course} · {_label(kind, period)} · {proposal.mark} → {value}",
            data={
                "student": student.pk,
                "kind": kind,
                "period": period.pk if period else None,
                "proposed": proposal.mark,
                "value": value,
                "rule": proposal.rule,
            },
        )
    locked = False
    if value is not None and kind in (FinalKind.PERIOD, FinalKind.YEAR):
        locked = _lock_if_complete(actor, course, own, periods)
    return FinalResult(value, new_version, proposal, locked)


def missing_finals(course: Course, period: ReportingPeriod, periods: list) -> int:
    """How many finals of the period (and, for the last period, of the year) are still missing: 2 queries."""
    members = who_needs_finals([(period.pk, course.pk)]).get((period.pk, course.pk), [])
    which = Q(kind=FinalKind.PERIOD, period=period)
    kinds = 1
    if periods and period.pk == periods[-1].pk:
        which |= Q(kind=FinalKind.YEAR)
        kinds = 2
    entered = FinalMark.objects.filter(which, course=course, student_id__in=members).count()
    return len(members) * kinds - entered


def _event(actor, course, period, action, reason=""):
    LockEvent.objects.create(
        school_id=period.school_id,
        course=course,
        period=period,
        action=action,
        reason=reason,
        actor=actor.user if getattr(actor.user, "is_authenticated", False) else None,
    )
    audit.record(
        actor,
        f"journal.period_{action}",
        course or period,
        school=actor.school,
        summary=f"{course or ''} {period.name}: {LockEvent.Action(action).label}"
        + (f" — {reason}" if reason else ""),
        data={"course": course.pk if course else None, "period": period.pk, "reason": reason},
    )


def _lock_if_complete(actor, course, period, periods) -> bool:
    """Lock the course's period when all its finals are entered and it is not locked yet (R-F-5)."""
    if missing_finals(course, period, periods):
        return False
    lock = CourseLock.objects.select_for_update().filter(course=course, period=period).first()
    if lock is not None and lock.locked:
        return False
    if lock is None:
        CourseLock.objects.create(school_id=course.school_id, course=course, period=period, locked=True)
    else:
        CourseLock.objects.filter(pk=lock.pk).update(locked=True, changed_at=timezone.now())
    _event(actor, course, period, LockEvent.Action.LOCKED)
    return True


@transaction.atomic
def accept_proposals(
    *, actor, course: Course, kind: str, period: ReportingPeriod | None = None, now=None
) -> int:
    """Set every missing final of the period (or the year) to its proposal; returns how many were set.

    Students without a proposal (no current marks) are left for the teacher (R-F-3).
    """
    from accounts.selectors import local_today
    from journal.finals.selectors import finals_table

    course = _course(course)
    periods = periods_of(course)
    _check_kind(kind, period, periods)
    if kind not in (FinalKind.PERIOD, FinalKind.YEAR):
        raise ValidationError(_("Only period and year marks are proposed for a whole class."), code="kind")
    ensure_can_set_final(actor, course, kind, period, periods, now=now)
    table = finals_table(course, local_today(course.school, now))
    key = f"{kind}-{period.pk}" if period else kind
    done = 0
    for row in table.rows:
        cell = next(c for c in row.cells if c.key == key)
        if cell.needed and cell.mark is None and cell.proposal is not None:
            record_final(
                actor=actor,
                course=course,
                student=row.student,
                kind=kind,
                period=period,
                raw=str(cell.proposal.mark),
                version=None,
                now=now,
            )
            done += 1
    return done


@transaction.atomic
def lock_course_period(*, actor, course: Course, period: ReportingPeriod) -> None:
    """Lock a course's period again after a reopening (its teacher or the admin); all finals must be in."""
    course = _course(course)
    periods = periods_of(course)
    _check_kind(FinalKind.PERIOD, period, periods)
    ensure_can_set_final(actor, course, FinalKind.PERIOD, period, periods)
    if missing_finals(course, period, periods):
        raise ValidationError(
            _("Some final marks of %(period)s are still missing.") % {"period": period.name},
            code="incomplete",
        )
    if not _lock_if_complete(actor, course, period, periods):
        raise ValidationError(_("This period is already locked."), code="locked")


@transaction.atomic
def reopen_course_period(*, actor, course: Course, period: ReportingPeriod, reason: str) -> None:
    """The school admin reopens a course's locked period for a named reason (R-F-5)."""
    if not actor.has_role(Role.ADMIN) or actor.school is None or actor.school.pk != course.school_id:
        raise PermissionDenied(_("Only the school admin reopens a locked period."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the period is reopened: it is recorded.")})
    lock = CourseLock.objects.select_for_update().filter(course=course, period=period, locked=True).first()
    if lock is None:
        raise ValidationError(_("This period of the course is not locked."), code="not_locked")
    CourseLock.objects.filter(pk=lock.pk).update(locked=False, changed_at=timezone.now())
    _event(actor, course, period, LockEvent.Action.REOPENED, reason[:300])


@transaction.atomic
def close_period(*, actor, period: ReportingPeriod) -> None:
    """The school closes a reporting period: read-only for everyone except the admin (R-F-5)."""
    if not actor.has_role(Role.ADMIN) or actor.school is None or actor.school.pk != period.school_id:
        raise PermissionDenied(_("Only the school admin closes a period."))
    if PeriodClosure.objects.filter(period=period).exists():
        raise ValidationError(_("This period is already closed."), code="closed")
    PeriodClosure.objects.create(
        school_id=period.school_id,
        period=period,
        closed_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
    )
    _event(actor, None, period, LockEvent.Action.CLOSED)


@transaction.atomic
def reopen_period(*, actor, period: ReportingPeriod, reason: str) -> None:
    """The school admin reopens a closed period for a named reason."""
    if not actor.has_role(Role.ADMIN) or actor.school is None or actor.school.pk != period.school_id:
        raise PermissionDenied(_("Only the school admin reopens a period."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the period is reopened: it is recorded.")})
    if not PeriodClosure.objects.filter(period=period).delete()[0]:
        raise ValidationError(_("This period is not closed."), code="not_closed")
    _event(actor, None, period, LockEvent.Action.UNCLOSED, reason[:300])
