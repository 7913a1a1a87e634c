"""Every write to the journal's marks and attendance (DESIGN.md "The write path of a mark").

Each service is keyword-only, takes the acting `Actor`, runs in one transaction
and asks `journal.policy` first, so a page, an import, a task and the admin pass
the same checks at write time (R-CTL-5). Values are parsed by `journal.values`
only. Writes are compare-and-set on the row's `version` (R-J-12): a client
sends the version it saw, and a stale one raises `Conflict` carrying the
current value instead of overwriting it. Every real change appends one entry
per changed row to the mark log in the same transaction, after the row
writes (the log head stays locked until commit); an unchanged value writes
and logs nothing. Clearing keeps the row (and its version): marks become [],
attendance status "".

A mark cell's raw value may carry the lesson's attendance token too ("Н/5",
"ОП"): the marks go to the `Cell`, the token to the lesson's `Attendance`.
Attendance is touched when the value has a token, or when the client passes
the `attendance_version` it saw (then no token means "clear it"); a client that
saw no attendance and types only marks leaves attendance as it is.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts import audit
from accounts.models import Student
from journal.grid.write_context import load_work
from journal.marklog import services as marklog
from journal.marklog.notifications import nudge as nudge_notifications
from journal.models import Attendance, Cell, MarkLogEntry, MarksDeadline, Work, WorkType
from journal.policy import ensure_can_mark, ensure_can_write, with_lock_state
from journal.values import ATTENDANCE_DISPLAY, CellMarks, format_cell, parse_cell
from schedule.models import Lesson
from schedule.selectors import students_of_group

MARKS = "marks"
ATTENDANCE = "attendance"

# (code, name, weight, default): the usual work types of a Russian school (R-J-3).
DEFAULT_WORK_TYPES = [
    ("У", pgettext_lazy("work type", "oral answer"), "1", True),
    ("ДЗ", pgettext_lazy("work type", "homework"), "1", False),
    ("СР", pgettext_lazy("work type", "independent work"), "1.5", False),
    ("ПР", pgettext_lazy("work type", "practical work"), "1.5", False),
    ("ЛР", pgettext_lazy("work type", "laboratory work"), "1.5", False),
    ("Д", pgettext_lazy("work type", "dictation"), "2", False),
    ("С", pgettext_lazy("work type", "essay"), "2", False),
    ("КР", pgettext_lazy("work type", "test"), "2", False),
]


class Conflict(Exception):
    """Someone else changed the row since the client read it; carries the current value and versions.

    `current_version` is the current value of the `version` the caller passed (the cell's for
    `record_cell`, the attendance row's for `record_attendance`); `attendance_version` is always
    the attendance row's; `kind` says which row was stale ("marks" or "attendance").
    """

    def __init__(
        self,
        current_display: str,
        current_version: int | None,
        *,
        kind: str = MARKS,
        attendance_version: int | None = None,
    ):
        self.current_display = current_display
        self.current_version = current_version
        self.kind = kind
        self.attendance_version = attendance_version
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.current_display:
            return _(
                "Someone else changed this cell meanwhile: it now holds %(value)s. "
                "Check it and enter your value again."
            ) % {"value": self.current_display}
        return _(
            "Someone else changed this cell meanwhile: it is now empty. Check it and enter your value again."
        )


@dataclass(frozen=True)
class CellResult:
    display: str
    marks: tuple[int, ...]
    attendance: str | None
    cell_version: int | None
    attendance_version: int | None


# Work types and columns


@transaction.atomic
def ensure_default_work_types(school) -> list[WorkType]:
    """The school's work types, creating the usual list (У default, ДЗ, СР, ПР, ЛР, Д, С, КР) if it has none."""
    existing = list(WorkType.objects.filter(school=school))
    if existing:
        return existing
    WorkType.objects.bulk_create(
        [
            WorkType(
                school=school,
                code=code,
                name=str(name),
                weight=Decimal(weight),
                position=n,
                is_default=default,
                deadline=MarksDeadline.ORAL if code == "У" else MarksDeadline.WRITTEN,
            )
            for n, (code, name, weight, default) in enumerate(DEFAULT_WORK_TYPES, start=1)
        ],
        ignore_conflicts=True,  # a concurrent first use created them: keep theirs
    )
    return list(WorkType.objects.filter(school=school))


def _lesson_for_write(lesson: Lesson, *, lock: bool = False) -> Lesson:
    """A fresh copy of the lesson with what the policy reads (year, group, school, the period's locks)."""
    rows = with_lock_state(Lesson.objects.select_related("year", "group__year", "school__journal_settings"))
    if lock:
        rows = rows.select_for_update(no_key=True, of=("self",))
    return rows.get(pk=lesson.pk)


def work_for_write(school, pk: int, *, actor=None, student_id: int | None = None, lesson_id=None) -> Work:
    """A mark column with its lesson and what the write policy reads, loaded in one query.

    With `actor` and `student_id`, the same query answers whether the actor teaches the lesson's
    course that day and whether the student is in its group, so the policy and the service ask
    nothing more (`journal.grid.write_context`). `record_cell` uses the column as it is (no second
    load), so saving a cell loads it once. Raises `Work.DoesNotExist` when there is no such column
    in `school` (of the lesson `lesson_id`, when given).
    """
    person = getattr(actor, "person", None) if actor is not None else None
    work = load_work(
        getattr(school, "pk", school),
        pk,
        lesson_id=lesson_id,
        person_id=person.pk if person is not None else None,
        student_id=student_id,
    )
    if work is None:
        raise Work.DoesNotExist
    return work


@transaction.atomic
def add_work(*, actor, lesson: Lesson, work_type: WorkType | None = None, title: str = "", now=None) -> Work:
    """Add a mark column to a lesson after its last one (default work type unless one is given)."""
    lesson = _lesson_for_write(lesson, lock=True)  # serialises positions of concurrent additions
    override = ensure_can_mark(actor, lesson, now=now)
    if work_type is None:
        types = ensure_default_work_types(lesson.school)
        work_type = next((t for t in types if t.is_default), None) or min(types, key=lambda t: t.position)
    elif work_type.school_id != lesson.school_id:
        raise ValidationError({"work_type": _("This work type does not belong to your school.")})
    last = Work.objects.filter(lesson=lesson).aggregate(last=Max("position"))["last"] or 0
    work = Work.objects.create(
        school_id=lesson.school_id, lesson=lesson, work_type=work_type, position=last + 1, title=title.strip()
    )
    audit.record(
        actor,
        "journal.work_added",
        work,
        school=lesson.school,
        data={
            "lesson": lesson.pk,
            "work_type": work_type.code,
            "position": work.position,
            "override": override,
        },
    )
    return work


@transaction.atomic
def remove_work(*, actor, work: Work, now=None) -> None:
    """Remove a mark column that holds no marks and never held any (the mark log keeps a marked one's)."""
    lesson = _lesson_for_write(work.lesson, lock=True)  # the lock and policy of `add_work`
    override = ensure_can_mark(actor, lesson, now=now)
    work = Work.objects.select_related("work_type").get(pk=work.pk, lesson=lesson)
    cells = Cell.objects.filter(work=work)
    if cells.exclude(marks=[], owed=False).exists():
        raise ValidationError(
            _("This column holds marks: clear them first if the column is not needed."), code="marked"
        )
    # The mark log's entries name their column and are never deleted, so a column marked once stays.
    if MarkLogEntry.objects.filter(school_id=lesson.school_id, work=work).exists():
        raise ValidationError(
            _("Marks were entered in this column and are kept in the mark log, so the column stays."),
            code="logged",
        )
    audit.record(
        actor,
        "journal.work_removed",
        work,
        school=lesson.school,
        data={
            "lesson": lesson.pk,
            "work_type": work.work_type.code,
            "position": work.position,
            "override": override,
        },
    )
    cells.delete()  # rows left empty hold nothing and are not in the log
    work.delete()


# Cells and attendance


def _ensure_in_group(lesson: Lesson, student: Student):
    preloaded = getattr(lesson, "student_checked", None)
    if preloaded is not None and preloaded[0] == student.pk:
        inside = preloaded[1]
    else:
        inside = (
            students_of_group(lesson.group, on=lesson.date, year=lesson.year).filter(pk=student.pk).exists()
        )
    if not inside:
        raise ValidationError(
            _("This student was not in the class or group on the lesson's date."), code="not_in_group"
        )


@dataclass
class _Change:
    kind: str
    old: str
    new: str
    row: object


def _attendance_text(status: str | None) -> str:
    return ATTENDANCE_DISPLAY.get(status or "", "")


def _write_marks(work: Work, student: Student, value: CellMarks, version: int | None, attendance_now):
    """Compare-and-set the cell's marks (with excluded positions and the owed point); returns (cell, _Change)."""
    rows = Cell.objects.select_for_update(of=("self",)).filter(work=work, student=student)
    cell = rows.first()
    if cell is None:
        if value.is_empty:
            return None, None
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO journal_cell "
                "(school_id, work_id, student_id, marks, excluded, owed, version, updated_at) "
                "VALUES (%s, %s, %s, %s::smallint[], %s::smallint[], %s, 1, %s) "
                "ON CONFLICT (work_id, student_id) DO NOTHING RETURNING id",
                [
                    work.school_id,
                    work.pk,
                    student.pk,
                    list(value.marks),
                    list(value.excluded),
                    value.owed,
                    timezone.now(),
                ],
            )
            inserted = cursor.fetchone()
        if inserted:
            cell = Cell(
                id=inserted[0],
                school_id=work.school_id,
                work=work,
                student=student,
                marks=list(value.marks),
                excluded=list(value.excluded),
                owed=value.owed,
            )
            return cell, _Change(MARKS, "", value.text(), cell)
        # Another first write committed in between: compare with the winner's value.
        cell = rows.first()
    current = CellMarks.of(cell)
    if current == value:
        return cell, None
    if not (version == cell.version or (version is None and current.is_empty)):
        raise Conflict(
            current.text(attendance_now.status if attendance_now else None),
            cell.version,
            kind=MARKS,
            attendance_version=attendance_now.version if attendance_now else None,
        )
    updated = Cell.objects.filter(pk=cell.pk, version=cell.version).update(
        marks=list(value.marks),
        excluded=list(value.excluded),
        owed=value.owed,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if updated != 1:  # cannot happen under the row lock; refuse rather than overwrite
        raise Conflict(current.text(), cell.version, kind=MARKS)
    cell.marks, cell.excluded, cell.owed = list(value.marks), list(value.excluded), value.owed
    cell.version += 1
    return cell, _Change(MARKS, current.text(), value.text(), cell)


def _write_attendance(
    lesson: Lesson, student: Student, status: str, version: int | None, *, in_cell: bool, cell_now=None
):
    """Compare-and-set the lesson's attendance of the student ("" clears); returns (row or None, _Change or None)."""
    rows = Attendance.objects.select_for_update(of=("self",)).filter(lesson=lesson, student=student)
    row = rows.first()
    if row is None:
        if not status:
            return None, None
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO journal_attendance (school_id, lesson_id, student_id, status, reason, version, updated_at) "
                "VALUES (%s, %s, %s, %s, '', 1, %s) "
                "ON CONFLICT (lesson_id, student_id) DO NOTHING RETURNING id",
                [lesson.school_id, lesson.pk, student.pk, status, timezone.now()],
            )
            inserted = cursor.fetchone()
        if inserted:
            row = Attendance(
                id=inserted[0], school_id=lesson.school_id, lesson=lesson, student=student, status=status
            )
            return row, _Change(ATTENDANCE, "", _attendance_text(status), row)
        row = rows.first()
    if row.status == status:
        return row, None
    if not (version == row.version or (version is None and not row.status)):
        raise Conflict(
            CellMarks.of(cell_now).text(row.status or None),
            (cell_now.version if cell_now else None) if in_cell else row.version,
            kind=ATTENDANCE,
            attendance_version=row.version,
        )
    changes = {"status": status, "version": F("version") + 1, "updated_at": timezone.now()}
    if not status:
        changes["reason"] = ""  # a reason belongs to an absence or lateness that no longer stands
    if Attendance.objects.filter(pk=row.pk, version=row.version).update(**changes) != 1:
        raise Conflict(
            _attendance_text(row.status), row.version, kind=ATTENDANCE, attendance_version=row.version
        )
    old = _attendance_text(row.status)
    row.status, row.version = status, row.version + 1
    return row, _Change(ATTENDANCE, old, _attendance_text(status), row)


def _log_changes(
    actor, lesson: Lesson, student: Student, work: Work | None, changes: list[_Change], override: bool
):
    for change in changes:
        marklog.append(
            school=lesson.school,
            actor=actor,
            ip=getattr(actor, "ip", None),
            kind=change.kind,
            lesson=lesson,
            student=student,
            work=work if change.kind == MARKS else None,
            old=change.old,
            new=change.new,
        )
        if override:
            _audit_override(actor, lesson, student, change)
    # Parents' notifications read the mark log itself (journal.marklog.notifications): no query here, only a
    # nudge to the dispatcher after the commit (at most one per school every few seconds).
    if changes:
        transaction.on_commit(lambda: nudge_notifications(lesson.school_id))


@transaction.atomic
def record_cell(
    *,
    actor,
    work: Work,
    student: Student,
    raw: str,
    version: int | None,
    attendance_version: int | None = None,
    now: datetime.datetime | None = None,
) -> CellResult:
    """Save what was typed into a mark cell: its marks and (if typed or seen) the lesson's attendance."""
    parsed = parse_cell(raw)
    if not getattr(work, "loaded_for_write", False):
        work = work_for_write(work.school_id, work.pk, actor=actor, student_id=student.pk)
    lesson = work.lesson
    check = ensure_can_mark if parsed.takes_marks else ensure_can_write
    override = check(actor, lesson, now=now)
    _ensure_in_group(lesson, student)

    touch_attendance = parsed.attendance is not None or attendance_version is not None
    attendance_now = Attendance.objects.filter(lesson=lesson, student=student).first()
    cell, marks_change = _write_marks(work, student, parsed.cell_marks, version, attendance_now)
    if touch_attendance:
        # A conflict here rolls the marks back too: show the cell as it stands without them.
        before = cell
        if marks_change is not None:
            fresh = cell.version == 1  # inserted just now: there was no cell
            if fresh:
                before = None
            else:
                old = parse_cell(marks_change.old)
                before = Cell(
                    marks=list(old.marks),
                    excluded=list(old.excluded),
                    owed=old.owed,
                    version=cell.version - 1,
                )
        attendance_now, attendance_change = _write_attendance(
            lesson, student, parsed.attendance or "", attendance_version, in_cell=True, cell_now=before
        )
    else:
        attendance_change = None
    changes = [c for c in (marks_change, attendance_change) if c is not None]
    _log_changes(actor, lesson, student, work, changes, override)

    status = (attendance_now.status or None) if attendance_now else None
    stored = CellMarks.of(cell)
    return CellResult(
        display=stored.text(status),
        marks=stored.marks,
        attendance=status,
        cell_version=cell.version if cell else None,
        attendance_version=attendance_now.version if attendance_now else None,
    )


def _audit_override(actor, lesson: Lesson, student: Student, change: _Change) -> None:
    audit.record(
        actor,
        "journal.admin_override",
        change.row,
        school=lesson.school,
        summary=f"{lesson} · {change.old or '∅'} → {change.new or '∅'}",
        data={
            "kind": change.kind,
            "lesson": lesson.pk,
            "student": student.pk,
            "old": change.old,
            "new": change.new,
        },
    )


@dataclass(frozen=True)
class CellWrite:
    work: Work
    student: Student
    raw: str  # marks only: a value with attendance goes through `record_cell`
    version: int | None


@transaction.atomic
def record_cells(
    *, actor, writes: list[CellWrite], now: datetime.datetime | None = None
) -> list[Exception | None]:
    """Save the marks of many cells, as `record_cell` would save each one after the other; per write,
    None (written or already so) or the refusal (that write changes nothing, the others go on).

    The same checks: the write policy (asked once per lesson and kind of value: its answer depends on
    the lesson, not the cell), the pupil in the lesson's group on its date, compare-and-set on each
    cell's version under the cells' row locks (taken together, in id order), one mark-log entry per
    change (`marklog.append_many`) and the admin override's audit entry. Fewer round trips: a column
    and a group's pupils are loaded once, the cells read, updated and inserted in one statement each.
    """
    if not writes:
        return []
    if len({(w.work.pk, w.student.pk) for w in writes}) != len(writes):
        raise ValueError("record_cells takes each cell at most once")
    works = {
        pk: work_for_write(school_id, pk, actor=actor)
        for pk, school_id in {(w.work.pk, w.work.school_id) for w in writes}
    }
    school = next(iter(works.values())).lesson.school
    results: list[Exception | None] = [None] * len(writes)
    parsed, overrides, pupils = {}, {}, {}
    for i, w in enumerate(writes):
        lesson = works[w.work.pk].lesson
        try:
            value = parse_cell(w.raw)
            if value.attendance is not None:
                raise ValidationError(_("This saves marks only, not attendance."), code="invalid_cell")
            key = (lesson.pk, value.takes_marks)
            if key not in overrides:
                overrides[key] = (ensure_can_mark if value.takes_marks else ensure_can_write)(
                    actor, lesson, now=now
                )
            if lesson.pk not in pupils:
                pupils[lesson.pk] = set(
                    students_of_group(lesson.group, on=lesson.date, year=lesson.year).values_list(
                        "pk", flat=True
                    )
                )
            if w.student.pk not in pupils[lesson.pk]:
                raise ValidationError(
                    _("This student was not in the class or group on the lesson's date."), code="not_in_group"
                )
        except (ValidationError, PermissionDenied) as exc:
            results[i] = exc
            continue
        parsed[i] = value
    pairs = {(writes[i].work.pk, writes[i].student.pk) for i in parsed}
    cells = {
        (c.work_id, c.student_id): c
        for c in Cell.objects.select_for_update(of=("self",))
        .filter(work_id__in={p[0] for p in pairs}, student_id__in={p[1] for p in pairs})
        .order_by("pk")
    }
    updates, inserts, changes = [], [], []
    for i, value in parsed.items():
        w = writes[i]
        cell = cells.get((w.work.pk, w.student.pk))
        current = CellMarks.of(cell)
        if current == value.cell_marks or (cell is None and value.cell_marks.is_empty):
            continue
        if cell is None:
            inserts.append(i)
        elif not (w.version == cell.version or (w.version is None and current.is_empty)):
            results[i] = Conflict(current.text(), cell.version, kind=MARKS)
            continue
        else:
            updates.append(i)
        changes.append((i, current.text()))
    written = _update_cells(
        [(cells[(writes[i].work.pk, writes[i].student.pk)], parsed[i].cell_marks) for i in updates]
    )
    written |= _insert_cells(school, [(writes[i], parsed[i].cell_marks) for i in inserts])
    rows, logged = [], []
    for i, old in changes:
        w = writes[i]
        if (w.work.pk, w.student.pk) not in written:  # a first write of someone else committed meanwhile
            results[i] = Conflict("", None, kind=MARKS)
            continue
        lesson = works[w.work.pk].lesson
        rows.append(
            {
                "kind": MARKS,
                "lesson_id": lesson.pk,
                "student_id": w.student.pk,
                "work_id": w.work.pk,
                "old": old,
                "new": parsed[i].cell_marks.text(),
            }
        )
        logged.append(i)
    marklog.append_many(school=school, actor=actor, ip=getattr(actor, "ip", None), rows=rows)
    for i, row in zip(logged, rows, strict=True):
        lesson = works[writes[i].work.pk].lesson
        if overrides[(lesson.pk, parsed[i].takes_marks)]:
            change = _Change(
                MARKS, row["old"], row["new"], written[(writes[i].work.pk, writes[i].student.pk)]
            )
            _audit_override(actor, lesson, writes[i].student, change)
    if rows:
        transaction.on_commit(lambda: nudge_notifications(school.pk))
    return results


def _update_cells(updates: list[tuple[Cell, CellMarks]]) -> dict[tuple[int, int], Cell]:
    """Compare-and-set many locked cells in one statement; the cells written, by (work, student)."""
    if not updates:
        return {}
    values = ", ".join(["(%s, %s, %s::smallint[], %s::smallint[], %s)"] * len(updates))
    params = [
        x for cell, v in updates for x in (cell.pk, cell.version, list(v.marks), list(v.excluded), v.owed)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE journal_cell c SET marks = v.marks, excluded = v.excluded, owed = v.owed, "
            "version = c.version + 1, updated_at = %s "
            f"FROM (VALUES {values}) AS v(id, version, marks, excluded, owed) "
            "WHERE c.id = v.id AND c.version = v.version RETURNING c.id",
            [timezone.now(), *params],
        )
        done = {row[0] for row in cursor.fetchall()}
    written = {}
    for cell, v in updates:
        if cell.pk in done:  # all of them, under the row locks
            cell.marks, cell.excluded, cell.owed, cell.version = (
                list(v.marks),
                list(v.excluded),
                v.owed,
                cell.version + 1,
            )
            written[(cell.work_id, cell.student_id)] = cell
    return written


def _insert_cells(school, inserts: list[tuple[CellWrite, CellMarks]]) -> dict[tuple[int, int], Cell]:
    """Insert the first marks of many cells in one statement; a cell someone else inserted meanwhile is left out."""
    if not inserts:
        return {}
    values = ", ".join(["(%s, %s, %s, %s::smallint[], %s::smallint[], %s, 1, %s)"] * len(inserts))
    now = timezone.now()
    params = [
        x
        for w, v in inserts
        for x in (school.pk, w.work.pk, w.student.pk, list(v.marks), list(v.excluded), v.owed, now)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO journal_cell (school_id, work_id, student_id, marks, excluded, owed, version, updated_at) "
            f"VALUES {values} ON CONFLICT (work_id, student_id) DO NOTHING RETURNING id, work_id, student_id",
            params,
        )
        ids = {(work, student): pk for pk, work, student in cursor.fetchall()}
    written = {}
    for w, v in inserts:
        if (w.work.pk, w.student.pk) in ids:
            written[(w.work.pk, w.student.pk)] = Cell(
                id=ids[(w.work.pk, w.student.pk)],
                school_id=school.pk,
                work=w.work,
                student=w.student,
                marks=list(v.marks),
                excluded=list(v.excluded),
                owed=v.owed,
                version=1,
            )
    return written


@transaction.atomic
def record_attendance(
    *,
    actor,
    lesson: Lesson,
    student: Student,
    raw: str,
    version: int | None,
    now: datetime.datetime | None = None,
) -> CellResult:
    """Save an attendance-only value ("Н", "ОП" or "" to clear) of a student at a lesson."""
    parsed = parse_cell(raw)
    if parsed.takes_marks:
        raise ValidationError(_("Only Н (absent) or ОП (late) can be entered here."), code="invalid_cell")
    lesson = _lesson_for_write(lesson)
    override = ensure_can_write(actor, lesson, now=now)
    _ensure_in_group(lesson, student)
    row, change = _write_attendance(lesson, student, parsed.attendance or "", version, in_cell=False)
    _log_changes(actor, lesson, student, None, [change] if change else [], override)
    status = (row.status or None) if row else None
    return CellResult(
        display=format_cell((), status),
        marks=(),
        attendance=status,
        cell_version=None,
        attendance_version=row.version if row else None,
    )
