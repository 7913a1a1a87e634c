"""The set form of `record_final`, for a builder that enters a school's past finals at once (the demo
school): final marks with their moments, their mark-log entries, and the locks of the course periods
they complete.

`record_finals` checks what `record_final` checks with `journal.policy.ensure_can_set_final`, over the
whole batch in a fixed number of queries: the value parses (`parse_final`; an empty one is skipped, as
there is nothing to clear); the course is the school's, its year open, it takes finals (not a first
grade, not «no final assessment»); the kind is known and a period's final names one of the course's
periods, the others none; the period (for the year, exam and overall finals, the course's last) had
begun on the day the final was entered; but for the school admin, the school has not closed that
period nor — for a period's or the year's final — is the course's period locked; the login that
entered it (when one did) is the school admin or a teacher of the course during that period; the
student needs that final (`who_needs_finals`); a period's final rests on marks (a proposal from
them, R-F-3); no final is given twice or written before. The proposal is computed as `record_final`
computes it (a period's from its marks, the year's from the period finals entered by then, the
overall final's from the year's and the exam's) and kept with the final.

As `record_final`, a period's or a year's final that completes the finals of its course period locks
it (R-F-5: a `CourseLock` and its `LockEvent`, at the moment and by the login of the completing
final). The batch is refused whole (a `ValidationError` keyed by the field: `raw`, `student`, or
`finals` for the rules of the course and period); the finals are streamed with COPY, each other table
inserted in one statement, the mark-log entries chained by `journal.marklog.services.append_history`
(or, with `chain=False`, returned for the caller to chain with the rest of the history), and one
audit event records the batch, with the caller's `note`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import audit
from accounts.bulk import copy_rows
from accounts.models import School
from accounts.selectors import school_zone
from journal.finals.selectors import sums, who_needs_finals
from journal.finals.values import Thresholds, parse_final, propose, propose_from_marks
from journal.marklog import services as marklog
from journal.models import CourseLock, FinalKind, FinalMark, LockEvent, PeriodClosure
from journal.policy import Writers, journal_settings
from schedule.models import AcademicYear, Course, ReportingPeriod


@dataclass(frozen=True)
class PastFinal:
    course_id: int
    student_id: int
    kind: str
    period_id: int | None  # a period's final only
    raw: str
    at: datetime.datetime
    actor_id: int | None  # the login that entered it


@dataclass
class Finals:
    marks: int = 0
    overrides: int = 0  # differ from their proposal
    locked: int = 0  # course periods locked by the batch
    entries: list[dict] = field(default_factory=list)  # with `chain=False`: the mark-log entries


def _refuse(field_name: str, message, **params):
    raise ValidationError({field_name: ValidationError(message, params=params or None)})


@dataclass(frozen=True)
class _Course:
    year_open: bool
    takes_finals: bool
    periods: tuple  # the reporting periods of its grade, in order


def _courses(school: School, ids: set[int]) -> dict[int, _Course]:
    """The courses named, of the school, with their periods: two queries."""
    rows = list(
        Course.objects.filter(school=school, pk__in=sorted(ids)).values_list(
            "pk", "year_id", "year__status", "group__grade", "subject__no_final_assessment"
        )
    )
    periods = defaultdict(list)
    for p in ReportingPeriod.objects.filter(scheme__year_id__in={r[1] for r in rows}).select_related(
        "scheme"
    ):
        periods[p.scheme.year_id].append(p)
    out = {}
    for pk, year_id, status, grade, no_final in rows:
        own = sorted((p for p in periods[year_id] if grade in p.scheme.grades), key=lambda p: p.starts)
        out[pk] = _Course(status == AcademicYear.Status.OPEN, grade != 1 and not no_final, tuple(own))
    return out


def _entry(f: PastFinal, value: int, proposed) -> dict:
    return {"at": f.at, "actor_id": f.actor_id, "kind": f"final_{f.kind}", "lesson_id": None,
            "student_id": f.student_id, "work_id": None, "old": "", "new": str(value),
            "course_id": f.course_id, "period_id": f.period_id, "proposed": proposed}  # fmt: skip


@transaction.atomic
def record_finals(
    *, actor, school: School, finals: Sequence[PastFinal], chain: bool = True, note: str = ""
) -> Finals:
    """Enter past final marks (and the locks they complete); a fixed number of queries, whatever the
    batch's size."""
    zone = school_zone(school)
    given = []
    for f in finals:
        try:
            value = parse_final(f.raw)
        except ValidationError as exc:
            raise ValidationError({"raw": exc.error_list}) from exc
        if value is not None:
            given.append((f, value))
    courses = _courses(school, {f.course_id for f, _v in given})
    writers = Writers(
        school, user_ids={f.actor_id for f, _v in given if f.actor_id}, course_ids=list(courses)
    )
    own_of = {}  # final → the period it belongs to
    for f, _v in given:
        course = courses.get(f.course_id)
        if course is None:
            _refuse("finals", _("This course does not belong to your school."))
        if f.kind not in FinalKind.values:
            _refuse("finals", _("Unknown kind of final mark."))
        if f.kind == FinalKind.PERIOD:
            own = next((p for p in course.periods if p.pk == f.period_id), None)
            if own is None:
                _refuse("finals", _("This period is not one of the course's reporting periods."))
        elif f.period_id is not None:
            _refuse("finals", _("Only a period's final mark names a period."))
        elif not course.periods:
            _refuse("finals", _("The year has no reporting periods for this grade."))
        else:
            own = course.periods[-1]
        if f.actor_id is not None:
            person = writers.person_of.get(f.actor_id)
            if person is None or not writers.sets_finals(person, course_id=f.course_id, period=own):
                _refuse("finals", _("Only the course's teacher or the school admin sets its final marks."))
        if not course.year_open:
            _refuse("finals", _("The year of this course is closed: its journal is read-only."))
        if not course.takes_finals:
            _refuse("finals", _("This course takes no final marks (a first grade or no final assessment)."))
        if f.at.astimezone(zone).date() < own.starts:
            _refuse("finals", _("%(period)s had not begun when this final was entered."), period=own.name)
        own_of[f] = own

    pairs = {(own_of[f].pk, f.course_id) for f, _v in given}
    periods = {p for p, _c in pairs}
    locks = {
        (c, p): (pk, locked)
        for pk, c, p, locked in CourseLock.objects.filter(
            period_id__in=periods, course_id__in=list(courses)
        ).values_list("pk", "course_id", "period_id", "locked")
    }
    closed = set(PeriodClosure.objects.filter(period_id__in=periods).values_list("period_id", flat=True))
    needed = who_needs_finals(sorted(pairs))
    needs = {(p, c): set(students) for (p, c), students in needed.items()}
    written = defaultdict(dict)  # (course, student) → {period id or kind: (value, at)}
    for course_id, student_id, kind, period_id, value in FinalMark.objects.filter(
        course_id__in=list(courses)
    ).values_list("course_id", "student_id", "kind", "period_id", "value"):
        written[course_id, student_id][period_id or kind] = (value, None)
    for f, value in given:
        own = own_of[f]
        admin = f.actor_id is not None and writers.is_admin(writers.person_of[f.actor_id])
        if not admin and own.pk in closed:
            _refuse("finals", _("The school has closed this period: its journal is read-only."))
        if (
            not admin
            and f.kind in (FinalKind.PERIOD, FinalKind.YEAR)
            and locks.get((f.course_id, own.pk), (0, 0))[1]
        ):
            _refuse("finals", _("All final marks of this period are entered, so its journal is locked."))
        if f.student_id not in needs.get((own.pk, f.course_id), ()):
            _refuse(
                "student",
                _("This student is not in the class or group at the end of %(period)s."),
                period=own.name,
            )
        key = f.period_id or f.kind
        if key in written[f.course_id, f.student_id]:
            _refuse("finals", _("This final mark is given twice or written already."))
        written[f.course_id, f.student_id][key] = (value, f.at)

    # The proposals, as `record_final` computes them when each final is entered (in time order).
    thresholds = Thresholds.of(journal_settings(school))
    figures = sums(school_id=school.pk, period_ids=sorted(p for p, _c in pairs)) if pairs else {}
    rows, entries, overrides = [], [], 0
    for f, value in given:
        mine = written[f.course_id, f.student_id]
        if f.kind == FinalKind.PERIOD:
            total = figures.get((f.course_id, f.period_id, f.student_id))
            proposal = propose(*total, thresholds) if total else None
            if proposal is None:
                _refuse("finals", _("No current marks in %(period)s: a final mark must rest on marks (regulation 7.3)."),
                        period=own_of[f].name)  # fmt: skip
        elif f.kind == FinalKind.EXAM:
            proposal = None
        else:
            before = {k: v for k, (v, at) in mine.items() if at is None or at < f.at}
            if f.kind == FinalKind.YEAR:
                basis = [v for k, v in before.items() if isinstance(k, int)]
                proposal = propose_from_marks(basis, thresholds, "periods")
            else:
                basis = [before[FinalKind.YEAR]] if FinalKind.YEAR in before else []
                if basis and FinalKind.EXAM in before:
                    basis.append(before[FinalKind.EXAM])
                proposal = propose_from_marks(basis, thresholds, "year_exam")
        proposed = proposal.mark if proposal else None
        overrides += proposal is not None and value != proposal.mark
        rows.append(
            (school.pk, f.course_id, f.student_id, f.kind, f.period_id, value, proposed,
             proposal.average if proposal else None, proposal.rule if proposal else "", 1, f.actor_id, f.at)
        )  # fmt: skip
        entries.append(_entry(f, value, proposed))

    # The course periods the batch completes (`_lock_if_complete`): every needed final of the period, and
    # of the year for the course's last period, entered.
    completing = {}  # (course, period) → the final that completes it, the latest of the batch
    for f, _v in given:
        if f.kind in (FinalKind.PERIOD, FinalKind.YEAR):
            key = (f.course_id, own_of[f].pk)
            if key not in completing or completing[key].at <= f.at:
                completing[key] = f
    new_locks, reopened, events = [], [], []
    for (course_id, period_id), f in sorted(completing.items()):
        last = courses[course_id].periods[-1].pk == period_id
        for student_id in needs.get((period_id, course_id), ()):
            mine = written[course_id, student_id]
            if period_id not in mine or (last and FinalKind.YEAR not in mine):
                break
        else:
            pk, locked = locks.get((course_id, period_id), (None, False))
            if locked:
                continue
            lock = CourseLock(school_id=school.pk, course_id=course_id, period_id=period_id, changed_at=f.at)
            if pk is None:
                new_locks.append(lock)
            else:
                lock.pk, lock.locked = pk, True
                reopened.append(lock)
            events.append(
                LockEvent(school_id=school.pk, course_id=course_id, period_id=period_id,
                          action=LockEvent.Action.LOCKED, actor_id=f.actor_id, at=f.at)
            )  # fmt: skip

    result = Finals(overrides=overrides)
    result.marks = copy_rows(
        FinalMark,
        ["school", "course", "student", "kind", "period", "value", "proposed", "average", "rule", "version",
         "updated_by", "updated_at"],
        rows,
    )  # fmt: skip
    CourseLock.objects.bulk_create(new_locks)
    if reopened:
        CourseLock.objects.bulk_update(reopened, ["locked", "changed_at"])
    LockEvent.objects.bulk_create(events)
    result.locked = len(events)
    if chain:
        entries.sort(key=lambda e: (e["at"], e["student_id"], e["kind"]))
        marklog.append_history(school=school, rows=entries)
    else:
        result.entries = entries
    audit.record(
        actor,
        "record_finals",
        None,
        school=school,
        summary=note,
        data={"finals": result.marks, "overrides": overrides, "locked": result.locked},
    )
    return result
