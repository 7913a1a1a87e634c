"""The admin's report of the mark log (R-J-11): a query returning plain rows, and its XLSX renderer.

`matching()` filters a school's log for one academic year (by the lessons' year);
`page_rows()` and `iter_rows()` turn `.values_list()` tuples into `LogRow`s,
never model instances, so the page costs a fixed number of queries and the
export of 100 000 entries streams through a server-side cursor in chunks.

The teacher filter means "changes made by this person" (the entry's actor),
not "changes in this teacher's courses": the log answers who changed a mark.
The class filter takes the lessons of the class's own groups (the whole class
and its subgroups); cross-class groups belong to no class and are left out.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from accounts import xlsx
from accounts.models import AuditEvent, Person
from journal.models import MarkLogEntry, MarkLogHead
from journal.policy import school_zone
from schedule.models import AcademicYear, SchoolClass

CHUNK = 2000
EMPTY = "∅"
KINDS = {
    "marks": gettext_lazy("marks"),
    "attendance": gettext_lazy("attendance"),
    "reason": gettext_lazy("absence reason"),
    "final_period": gettext_lazy("period final mark"),
    "final_year": gettext_lazy("year mark"),
    "final_exam": gettext_lazy("exam mark"),
    "final_final": gettext_lazy("overall final mark"),
}
# The audit event of an admin's write after the edit window follows its log entry in the same
# transaction (journal.grid.services._log_changes), so it is found within this time of the entry.
OVERRIDE_SLACK = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class LogFilter:
    """What the admin asked for; every field but the year may be empty."""

    year: AcademicYear
    actor: Person | None = None  # the person who made the change
    school_class: SchoolClass | None = None
    date_from: datetime.date | None = None  # of the change, in the school's time zone
    date_to: datetime.date | None = None
    kind: str = ""
    student: str = ""


@dataclass(slots=True)
class LogRow:
    seq: int
    at: datetime.datetime  # naive, in the school's time zone
    actor_name: str
    actor_login: str
    ip: str
    class_name: str
    group_name: str  # the subgroup or cross-class group; empty for the whole class
    subject: str
    lesson_date: datetime.date
    slot: int | None
    student: str
    kind: str
    kind_label: str
    old: str
    new: str
    override: bool  # the admin changed it after the edit window
    period: str = ""  # a final mark's period (its entries have no lesson)
    proposed: int | None = None  # the proposal next to a final mark (an override when it differs)

    @property
    def is_final(self) -> bool:
        return self.kind.startswith("final_")

    @property
    def final_override(self) -> bool:
        return (
            self.is_final and self.proposed is not None and self.new != "" and self.new != str(self.proposed)
        )


def _start_of(day: datetime.date, zone) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def matching(school, f: LogFilter) -> QuerySet[MarkLogEntry]:
    """The school's log entries of the year's lessons that pass the filter, newest first."""
    # Entries of lessons, and of final marks (no lesson: their course names the year and the class).
    entries = MarkLogEntry.objects.filter(Q(lesson__year=f.year) | Q(course__year=f.year), school=school)
    if f.actor is not None:
        if f.actor.user_id is None:
            return entries.none()
        entries = entries.filter(actor_id=f.actor.user_id)
    if f.school_class is not None:
        entries = entries.filter(
            Q(lesson__group__school_class=f.school_class) | Q(course__group__school_class=f.school_class)
        )
    zone = school_zone(school)
    if f.date_from is not None:
        entries = entries.filter(at__gte=_start_of(f.date_from, zone))
    if f.date_to is not None:
        entries = entries.filter(at__lt=_start_of(f.date_to + datetime.timedelta(days=1), zone))
    if f.kind:
        entries = entries.filter(kind=f.kind)
    for word in f.student.split():
        entries = entries.filter(
            Q(student__person__last_name__icontains=word)
            | Q(student__person__first_name__icontains=word)
            | Q(student__person__patronymic__icontains=word)
        )
    return entries.order_by("-seq")


def _override():
    """Whether an admin-override audit event matches the entry (same actor, lesson, student, values)."""
    events = AuditEvent.objects.annotate(
        a_lesson=KT("data__lesson"),
        a_student=KT("data__student"),
        a_kind=KT("data__kind"),
        a_old=KT("data__old"),
        a_new=KT("data__new"),
    ).filter(
        school_id=OuterRef("school_id"),
        action="journal.admin_override",
        actor_id=OuterRef("actor_id"),
        at__gte=OuterRef("at"),
        at__lte=OuterRef("at") + OVERRIDE_SLACK,
        a_lesson=Cast(OuterRef("lesson_id"), TextField()),
        a_student=Cast(OuterRef("student_id"), TextField()),
        a_kind=OuterRef("kind"),
        a_old=OuterRef("old"),
        a_new=OuterRef("new"),
    )
    return Exists(events)


COLUMNS = (
    "seq",
    "at",
    "actor_id",
    "actor__username",
    "ip",
    "v_grade",
    "v_letter",
    "v_group_kind",
    "v_group_name",
    "v_subject",
    "lesson__date",
    "lesson__slot",
    "student__person__last_name",
    "student__person__first_name",
    "student__person__patronymic",
    "kind",
    "old",
    "new",
    "is_override",
    "period__name",
    "proposed",
)


def _values(entries: QuerySet[MarkLogEntry]) -> QuerySet:
    # The class, group and subject of the lesson, or of the course for a final mark's entry.
    either = {
        f"v_{name}": Coalesce(f"lesson__group__{path}", f"course__group__{path}")
        for name, path in (
            ("grade", "school_class__grade"),
            ("letter", "school_class__letter"),
            ("group_kind", "kind"),
            ("group_name", "name"),
        )
    }
    either["v_subject"] = Coalesce("lesson__course__subject__name", "course__subject__name")
    return entries.annotate(is_override=_override(), **either).values_list(*COLUMNS)


def actor_names(school, entries: QuerySet[MarkLogEntry] | None = None, user_ids=None) -> dict[int, str]:
    """Short names of the people (of this school) behind the logins that made the entries; one query."""
    people = Person.objects.filter(school=school)
    people = people.filter(
        user_id__in=entries.order_by().values("actor_id") if user_ids is None else user_ids
    )
    return {
        p.user_id: p.short_name
        for p in people.only("user_id", "last_name", "first_name", "patronymic").order_by("id")
    }


def _labels() -> dict:
    """The kinds' labels (and the author of system entries) in the active language, translated once."""
    return {None: _("system"), **{kind: str(label) for kind, label in KINDS.items()}}


def _row(values: tuple, names: dict[int, str], zone, labels: dict) -> LogRow:
    (
        seq,
        at,
        actor_id,
        login,
        ip,
        grade,
        letter,
        group_kind,
        group_name,
        subject,
        lesson_date,
        slot,
        last,
        first,
        patronymic,
        kind,
        old,
        new,
        override,
        period,
        proposed,
    ) = values
    actor_name = labels[None] if actor_id is None else names.get(actor_id, login or "")
    return LogRow(
        seq=seq,
        at=at.astimezone(zone).replace(tzinfo=None, microsecond=0),
        actor_name=actor_name,
        actor_login=login or "",
        ip=str(ip) if ip else "",
        class_name=f"{grade}{letter}" if grade is not None else "",
        group_name="" if group_kind == "whole_class" else group_name,
        subject=subject,
        lesson_date=lesson_date,
        slot=slot,
        student=" ".join(p for p in (last, first, patronymic) if p),
        kind=kind,
        kind_label=labels.get(kind, kind),
        old=old,
        new=new,
        override=bool(override),
        period=period or "",
        proposed=proposed,
    )


def page_rows(school, entries: QuerySet[MarkLogEntry]) -> list[LogRow]:
    """The rows of an already sliced queryset (a page): two queries, the entries and their actors' names.

    The page's ids are chosen in a subquery first, so a deep page skips bare index entries,
    not joined rows with their override check.
    """
    order = entries.query.order_by or ("-seq",)
    values = list(_values(MarkLogEntry.objects.filter(pk__in=entries.values("pk")).order_by(*order)))
    names = actor_names(school, user_ids={v[2] for v in values if v[2] is not None})
    zone, labels = school_zone(school), _labels()
    return [_row(v, names, zone, labels) for v in values]


def iter_rows(school, entries: QuerySet[MarkLogEntry]) -> Iterator[LogRow]:
    """Every row of `entries`, read in chunks through a server-side cursor."""
    names = actor_names(school, entries)
    zone, labels = school_zone(school), _labels()
    for values in _values(entries).iterator(chunk_size=CHUNK):
        yield _row(values, names, zone, labels)


@dataclass(frozen=True)
class LogSummary:
    total: int  # entries of the school's whole log
    head_seq: int  # the chain head's seq (equal to `total` while the chain is intact)


def summary(school) -> LogSummary:
    """The size of the school's log and its head (two queries)."""
    head = MarkLogHead.objects.filter(school=school).values_list("seq", flat=True).first()
    total = MarkLogEntry.objects.filter(school=school).count()
    return LogSummary(total=total, head_seq=head or 0)


# XLSX

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEAD_FILL = PatternFill("solid", fgColor="E8F0FC")


def headings() -> list[tuple[str, int]]:
    """Column titles with their widths (in characters)."""
    return [
        (_("No."), 8),
        (_("When"), 19),
        (_("Who"), 24),
        (_("Login"), 16),
        (_("IP address"), 15),
        (_("Class"), 7),
        (_("Group"), 14),
        (_("Subject"), 20),
        (_("Lesson date or period"), 14),
        (_("Lesson no."), 8),
        (_("Student"), 30),
        (_("What changed"), 16),
        (_("Was"), 9),
        (_("Became"), 9),
        (_("After the edit window"), 12),
        (_("Proposed"), 10),
    ]


def xlsx_values(row: LogRow) -> list:
    """One entry as the cells of its sheet row (the page shows the same values)."""
    return [
        row.seq,
        row.at,
        row.actor_name,
        row.actor_login,
        row.ip,
        row.class_name,
        row.group_name,
        row.subject,
        row.lesson_date or row.period,
        row.slot,
        row.student,
        row.kind_label,
        row.old or EMPTY,
        row.new or EMPTY,
        _("yes") if row.override else "",
        row.proposed if row.proposed is not None else "",
    ]


def write_workbook(rows: Iterable[LogRow], out) -> int:
    """Write the rows as a one-sheet write-only workbook to the file `out`; returns the number of rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Mark log")[:31])
    columns = headings()
    for i, (_title, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for title, _width in columns:
        head.append(
            xlsx.cell(
                ws, title, font=bold, fill=HEAD_FILL, alignment=Alignment(wrap_text=True, vertical="top")
            )
        )
    xlsx.append(ws, head)
    count = 0
    for row in rows:
        values = xlsx_values(row)
        values[1] = xlsx.cell(ws, values[1], number_format="DD.MM.YYYY HH:MM:SS")
        values[8] = xlsx.cell(ws, values[8], number_format="DD.MM.YYYY")
        xlsx.append(ws, values)
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    xlsx.save(wb, out)
    return count


def build_file(rows: Iterable[LogRow]):
    """The workbook in a temporary file (rewound), so a large export never sits in memory as bytes."""
    out = tempfile.TemporaryFile(suffix=".xlsx")
    write_workbook(rows, out)
    out.seek(0)
    return out


def file_name(year: AcademicYear) -> str:
    """ASCII, e.g. zhurnal-izmeneniy-2026-2027.xlsx."""
    label = "-".join(ch for ch in year.name.replace("/", "-").split("-") if ch.isdigit()) or str(year.pk)
    return f"zhurnal-izmeneniy-{label}.xlsx"
