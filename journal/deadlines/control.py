"""The deputy's control of deadlines (R-CTL-4, seed 002 8.2–8.3): the stored measures of a range of days,
per teacher and clause, and the list behind each figure.

Two queries for the overview (the counts, the teachers' names), one for a drill-down. The measures are
those the nightly job stored (`journal.deadlines.services.measure`); `measured_until` says up to when.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q

from accounts.models import Person
from journal.models import DeadlineMeasure

from . import values

CLAUSES = [c for c, _label in DeadlineMeasure.Clause.choices]
STATES = (values.ON_TIME, values.LATE, values.MISSING)


@dataclass
class Cell:
    on_time: int = 0
    late: int = 0
    missing: int = 0

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.missing

    def share(self, state: str) -> int | None:
        """Percent of the total in `state`, rounded; None when nothing was due."""
        return round(100 * getattr(self, state) / self.total) if self.total else None

    @property
    def on_time_share(self) -> int | None:
        return self.share(values.ON_TIME)

    @property
    def late_share(self) -> int | None:
        return self.share(values.LATE)

    @property
    def missing_share(self) -> int | None:
        return self.share(values.MISSING)

    def add(self, other: Cell) -> None:
        self.on_time += other.on_time
        self.late += other.late
        self.missing += other.missing


@dataclass
class TeacherRow:
    teacher_id: int | None
    teacher: Person | None = None
    cells: dict[str, Cell] = field(default_factory=dict)
    total: Cell = field(default_factory=Cell)

    def cell(self, clause: str) -> Cell:
        return self.cells.get(clause) or Cell()

    @property
    def ordered(self) -> list[tuple[str, Cell]]:
        return [(c, self.cell(c)) for c in CLAUSES]


@dataclass
class Overview:
    first: datetime.date
    last: datetime.date
    teachers: list[TeacherRow]
    totals: dict[str, Cell]
    total: Cell
    measured_until: datetime.datetime | None

    @property
    def ordered_totals(self) -> list[tuple[str, Cell]]:
        return [(c, self.totals.get(c) or Cell()) for c in CLAUSES]


def _in_range(school, first: datetime.date, last: datetime.date):
    return DeadlineMeasure.objects.filter(school=school, day__gte=first, day__lte=last)


def _counts(rows, *by: str):
    """The measures of `rows` counted by state, per `by` fields and clause (one query)."""
    return (
        rows.values(*by, "teacher_id", "clause")
        .annotate(
            on_time=Count("pk", filter=Q(state=values.ON_TIME)),
            late=Count("pk", filter=Q(state=values.LATE)),
            missing=Count("pk", filter=Q(state=values.MISSING)),
            until=Max("measured_at"),
        )
        .order_by()
    )


def _overview(first, last, counts, people: dict | None) -> Overview:
    """The figures of `counts` rows per teacher; teachers named from `people` (None: not named)."""
    by_teacher: dict[int | None, TeacherRow] = {}
    totals: dict[str, Cell] = {}
    total = Cell()
    until = None
    for row in counts:
        cell = Cell(row["on_time"], row["late"], row["missing"])
        entry = by_teacher.setdefault(row["teacher_id"], TeacherRow(row["teacher_id"]))
        entry.cells[row["clause"]] = cell
        entry.total.add(cell)
        totals.setdefault(row["clause"], Cell()).add(cell)
        total.add(cell)
        until = max(until, row["until"]) if until else row["until"]
    for pk, entry in by_teacher.items():
        entry.teacher = (people or {}).get(pk)
    ordered = sorted(
        by_teacher.values(),
        key=lambda r: (
            r.teacher_id is None,
            (r.teacher.last_name, r.teacher.first_name) if r.teacher else ("", ""),
            r.teacher_id or 0,
        ),
    )
    return Overview(first, last, ordered, totals, total, until)


def _people(counts) -> dict:
    return Person.objects.filter(pk__in={row["teacher_id"] for row in counts if row["teacher_id"]}).in_bulk()


def overview(
    school,
    first: datetime.date,
    last: datetime.date,
    *,
    teacher: Person | None = None,
    load_people: bool = True,
) -> Overview:
    """Per teacher (by name) and clause, how many deadlines were met, late or missing (2 queries, 1 without
    `load_people`, when the caller names the teachers itself); only `teacher`'s when given."""
    rows = _in_range(school, first, last)
    if teacher is not None:
        rows = rows.filter(teacher=teacher)
    counts = list(_counts(rows))
    return _overview(first, last, counts, _people(counts) if load_people else None)


def overview_by_class(school, first: datetime.date, last: datetime.date) -> dict[int, Overview]:
    """{class id: its lessons' figures per teacher} for every class at once (2 queries)."""
    counts = list(_counts(_in_range(school, first, last), "course__group__school_class"))
    people = _people(counts)
    per_class: dict[int, list] = {}
    for row in counts:
        if row["course__group__school_class"] is not None:
            per_class.setdefault(row["course__group__school_class"], []).append(row)
    return {pk: _overview(first, last, rows, people) for pk, rows in per_class.items()}


@dataclass
class Detail:
    measure: DeadlineMeasure
    late_text: str


DETAILS_LIMIT = 500


def details(
    school,
    first: datetime.date,
    last: datetime.date,
    *,
    teacher_id: int | None = None,
    clause: str | None = None,
    state: str | tuple[str, ...] | None = None,
    limit: int | None = DETAILS_LIMIT,
) -> list[Detail]:
    """The measured deadlines behind a figure (`state`: one state or several), latest lessons first, at most
    `limit` (None: all) (1 query)."""
    rows = _in_range(school, first, last).select_related(
        "course__subject", "course__group", "school_class", "lesson", "work__work_type", "teacher"
    )
    if teacher_id is not None:
        rows = rows.filter(teacher_id=teacher_id)
    if clause in CLAUSES:
        rows = rows.filter(clause=clause)
    if isinstance(state, tuple):
        rows = rows.filter(state__in=[s for s in state if s in STATES])
    elif state in STATES:
        rows = rows.filter(state=state)
    rows = rows.order_by("-day", "lesson__starts", "clause", "pk")[:limit]
    return [
        Detail(m, values.late_text(m.done_at - m.due_at) if m.state == values.LATE and m.done_at else "")
        for m in rows
    ]
