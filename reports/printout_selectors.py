"""Reads of the printouts for their pages: a period's classes with where each stands, what waits for whom,
and which printouts' data changed after they were taken (R-R-5).

Each function runs a fixed number of queries whatever the number of classes, courses or marks; the
snapshots (`Printout.data`, the big part) are never loaded for lists.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Role
from schedule.models import ReportingPeriod, SchoolClass

from . import printout_rules as rules
from . import printouts
from .measures import fetch
from .models import Printout, PrintoutSignature, Step
from .signoff import State, state_of

LIST_FIELDS = ("data",)  # deferred on every list: the snapshot can weigh a megabyte


# A printout's data changed after it was taken: marks, attendance and finals from the mark log (it has the
# lesson or the course and period, and `at`, indexed with the school), topics and homework by `updated_at`.
CHANGED_SQL = """
SELECT p.id FROM reports_printout p
WHERE p.id = ANY(%s) AND (
  EXISTS (
    SELECT 1 FROM journal_marklogentry e
    JOIN schedule_lesson l ON l.id = e.lesson_id
    JOIN schedule_studygroup g ON g.id = l.group_id
    WHERE e.school_id = p.school_id AND e.at > p.generated_at AND p.kind = 'period'
      AND l.period_id = p.period_id AND g.school_class_id = p.school_class_id)
  OR EXISTS (
    SELECT 1 FROM journal_marklogentry e
    JOIN schedule_course c ON c.id = e.course_id
    JOIN schedule_studygroup g ON g.id = c.group_id
    WHERE e.school_id = p.school_id AND e.at > p.generated_at AND e.lesson_id IS NULL
      AND g.school_class_id = p.school_class_id
      AND ((p.kind = 'period' AND e.period_id = p.period_id) OR (p.kind = 'year' AND e.kind = 'final_year')))
  OR EXISTS (
    SELECT 1 FROM schedule_lesson l
    JOIN schedule_studygroup g ON g.id = l.group_id
    LEFT JOIN journal_lessontopic t ON t.lesson_id = l.id AND t.updated_at > p.generated_at
    LEFT JOIN journal_homework h ON h.lesson_id = l.id AND h.updated_at > p.generated_at
    WHERE p.kind = 'period' AND l.period_id = p.period_id AND g.school_class_id = p.school_class_id
      AND (t.id IS NOT NULL OR h.id IS NOT NULL))
)
"""


def changed_after(printout_ids: list[int]) -> set[int]:
    """The printouts (of `printout_ids`) whose underlying data changed after their snapshot: one query."""
    if not printout_ids:
        return set()
    return {pk for (pk,) in fetch(CHANGED_SQL, [list(printout_ids)])}


def _signatures(printout_ids: list[int]) -> dict[int, list[PrintoutSignature]]:
    out: dict[int, list] = {pk: [] for pk in printout_ids}
    for s in PrintoutSignature.objects.filter(printout_id__in=printout_ids).order_by("signed_at", "pk"):
        out[s.printout_id].append(s)
    return out


@dataclass
class ClassRow:
    school_class: SchoolClass
    printout: Printout | None
    state: State | None
    changed: bool = False
    versions: int = 0


def period_rows(school, year, period: ReportingPeriod | None) -> list[ClassRow]:
    """Every class of the period's grades (the year summary: every class of the year) with its latest printout,
    where it stands and whether its data changed since: 5 queries in all."""
    classes = (
        SchoolClass.objects.filter(year=year).select_related("class_teacher").order_by("grade", "letter")
    )
    if period is not None:
        classes = classes.filter(grade__in=period.scheme.grades)
    classes = list(classes)
    kind = Printout.Kind.PERIOD if period is not None else Printout.Kind.YEAR
    latest: dict[int, Printout] = {}
    versions: dict[int, int] = {}
    for p in (
        Printout.objects.filter(school=school, year=year, kind=kind, period=period)
        .defer(*LIST_FIELDS)
        .select_related("class_teacher")
        .order_by("school_class_id", "-version")
    ):
        latest.setdefault(p.school_class_id, p)
        versions[p.school_class_id] = versions.get(p.school_class_id, 0) + 1
    ids = [p.pk for p in latest.values()]
    signatures = _signatures(ids)
    names = printouts.leaders(school)
    changed = changed_after(ids)
    rows = []
    for c in classes:
        p = latest.get(c.pk)
        state = state_of(p, signatures[p.pk], names) if p else None
        rows.append(ClassRow(c, p, state, p is not None and p.pk in changed, versions.get(c.pk, 0)))
    return rows


@dataclass
class Waiting:
    printout: Printout
    state: State
    what: str  # "course" | "class_teacher" | "deputy" | "director"
    courses: list  # the actor's unconfirmed course pages (CourseStep), for "course"


def waiting_for(actor) -> list[Waiting]:
    """The printouts of the actor's school waiting for the actor's own sign-off now (the home page card):
    one query when nothing waits (the usual morning), 3 otherwise, whatever the number of printouts."""
    person = actor.person
    if actor.school is None or person is None:
        return []
    wanted = Q(teacher_ids__contains=[person.pk]) | Q(class_teacher=person)
    if actor.has_role(Role.DEPUTY, Role.DIRECTOR):
        wanted = Q()
    candidates = list(
        Printout.objects.filter(wanted, school=actor.school, frozen_at__isnull=True, render_status="done")
        .defer(*LIST_FIELDS)
        .select_related("class_teacher", "period", "school_class")
        .order_by("generated_at", "pk")
    )
    if not candidates:
        return []
    signatures = _signatures([p.pk for p in candidates])
    names = printouts.leaders(actor.school)
    out = []
    for p in candidates:
        state = state_of(p, signatures[p.pk], names)
        if state.stage == "courses":
            mine = [
                c for c in state.courses if not c.signature and rules.confirm_course(actor, p, c.course_id)
            ]
            if mine:
                out.append(Waiting(p, state, Step.COURSE, mine))
        elif state.stage == "class_teacher" and rules.certify_title(actor, p):
            out.append(Waiting(p, state, Step.CLASS_TEACHER, []))
        elif state.stage == "deputy" and rules.sign_as_deputy(actor, p):
            out.append(Waiting(p, state, Step.DEPUTY, []))
        elif state.stage == "director" and rules.sign_as_director(actor, p):
            out.append(Waiting(p, state, Step.DIRECTOR, []))
    return out
