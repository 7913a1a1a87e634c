"""The set form of the grid's writes, for a builder that enters a school's journal of past lessons at
once (the demo school): mark columns, their marks and attendance, with their mark-log entries.

`record_history` checks what `record_cell` and `record_attendance` check of a value that is not being
edited but entered as it was typed then: the text parses (`journal.values.parse_cell`, marks in a mark
cell, a token in an attendance row), the lesson and the work type are the school's, the lesson's year
is open and its period neither locked nor closed, a first grade takes no marks (R-SET-5), the pupil
was in the lesson's class or group on its date, and no cell or attendance row is written twice. The
edit window and who teaches the lesson are not asked: they concern a change made now, and these were
made on the lessons' days by their teachers (`actor_id` of each). The batch is refused whole; the rows
are streamed with COPY, the mark-log entries chained by `journal.marklog.services.append_history`, and
one audit event records the batch.

`record_marks` enters marks into columns already written (the make-up marks a final needs), with the same
checks of a mark cell and no cell written before; its entries are chained, or handed back for a caller
that chains them with the rest of the history.
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import audit
from accounts.bulk import copy_rows
from accounts.models import School
from journal.marklog import services as marklog
from journal.models import Attendance, Cell, Work, WorkType
from journal.policy import with_lock_state
from journal.values import ATTENDANCE_DISPLAY, format_cell, parse_cell
from schedule.models import AcademicYear, Enrollment, GroupMembership, Lesson, StudyGroup

MARKS = "marks"
ATTENDANCE = "attendance"


@dataclass(frozen=True)
class PastMarks:
    """A mark cell as its teacher typed it: `work` is an index into the batch's works."""

    work: int
    student_id: int
    raw: str
    at: datetime.datetime
    actor_id: int | None  # the login that typed it


@dataclass(frozen=True)
class PastAttendance:
    lesson_id: int
    student_id: int
    raw: str  # «Н» or «ОП»
    reason: str
    at: datetime.datetime
    actor_id: int | None


@dataclass(frozen=True)
class PastCell:
    """A mark cell typed into an existing column (`work_id`), as its teacher typed it."""

    work_id: int
    student_id: int
    raw: str
    at: datetime.datetime
    actor_id: int | None  # the login that typed it


@dataclass
class Marks:
    cells: int
    entries: list[dict]  # their mark-log entries, in `append_history`'s form


@dataclass
class History:
    works: list[Work]
    cells: int
    attendance: int
    log_entries: int


def _refuse(field: str, message, **params):
    raise ValidationError({field: ValidationError(message, params=params or None)})


def _starts(stay: tuple) -> datetime.date:
    return stay[0]


class Pupils:
    """Who was in each class and group on a day, from the school's enrollments and memberships."""

    def __init__(self, school: School):
        self.stays = defaultdict(list)  # (class or group key, student) → sorted [(starts, ends)]
        for cid, sid, s, e in Enrollment.objects.filter(school=school).values_list(
            "school_class_id", "student_id", "starts", "ends"
        ):
            self.stays["c", cid, sid].append((s, e))
        for gid, sid, s, e in GroupMembership.objects.filter(school=school).values_list(
            "group_id", "student_id", "starts", "ends"
        ):
            self.stays["g", gid, sid].append((s, e))
        for ranges in self.stays.values():
            ranges.sort(key=_starts)

    def contains(self, key, day: datetime.date, *, student_id: int) -> bool:
        ranges = self.stays.get((*key, student_id), ())
        i = bisect_right(ranges, day, key=_starts)
        return i > 0 and (ranges[i - 1][1] is None or day <= ranges[i - 1][1])


def _lessons(school: School, ids: Iterable[int] | None = None) -> dict[int, tuple]:
    """Lesson id → (group key, grade, date, writable): every lesson of the school (or those of `ids`),
    in one query."""
    lessons = Lesson.objects.filter(school=school)
    if ids is not None:
        lessons = lessons.filter(pk__in=sorted(set(ids)))
    rows = with_lock_state(lessons).values_list(
        "pk",
        "group__kind",
        "group__school_class_id",
        "group_id",
        "group__grade",
        "date",
        "year__status",
        "course_locked",
        "period_closed",
    )
    return {
        pk: (
            ("c", cid) if kind == StudyGroup.Kind.WHOLE_CLASS else ("g", gid),
            grade,
            day,
            status == AcademicYear.Status.OPEN and not locked and not closed,
        )
        for pk, kind, cid, gid, grade, day, status, locked, closed in rows
    }


def _parse(raw: str):
    try:
        return parse_cell(raw)
    except ValidationError as exc:
        raise ValidationError({"raw": exc.error_list}) from exc


def _lesson(lessons: dict, lesson_id: int, *, marks: bool) -> tuple:
    """The lesson's (group key, date), refused unless it is the school's, writable, and (for marks)
    not a first grade's."""
    lesson = lessons.get(lesson_id)
    if lesson is None:
        _refuse(NON_FIELD_ERRORS, _("This lesson does not belong to your school."))
    key, grade, day, writable = lesson
    if not writable:
        _refuse(NON_FIELD_ERRORS, _("The journal of this lesson is read-only: its year or period is closed."))
    if marks and grade == 1:
        _refuse(NON_FIELD_ERRORS, _("First-grade classes take no marks, only attendance."))
    return key, day


def _check_pupil(pupils: Pupils, lesson: tuple, student_id: int) -> None:
    if not pupils.contains(*lesson, student_id=student_id):
        _refuse("student", _("This student was not in the class or group on the lesson's date."))


def _check_once(seen: set, key: tuple, field: str) -> None:
    if key in seen:
        _refuse(field, _("A cell is given twice."))
    seen.add(key)


@transaction.atomic
def record_history(
    *,
    actor,
    school: School,
    works: Sequence[Work],
    marks: Sequence[PastMarks],
    attendance: Sequence[PastAttendance],
    more_entries: Callable[[], Iterable[dict]] | None = None,
    note: str = "",
) -> History:
    """Enter the columns, marks and attendance of past lessons, with one mark-log entry per mark cell
    and attendance row, in time order.

    `more_entries`, called once the rows are written (it may read them), returns further entries of
    the same history (the finals given on these marks, say) in `append_history`'s form: they are
    chained with these, in time order."""
    lessons = _lessons(school)
    pupils = Pupils(school)
    types = set(WorkType.objects.filter(school=school).values_list("pk", flat=True))
    for w in works:
        if w.work_type_id not in types:
            _refuse("work_type", _("This work type does not belong to your school."))
        w.school_id = school.pk
    columns = [_lesson(lessons, w.lesson_id, marks=True) for w in works]
    entries, cells, seen = [], [], set()
    for m in marks:
        value = _parse(m.raw)
        if value.attendance is not None:
            _refuse("raw", _("This saves marks only, not attendance."))
        if value.cell_marks.is_empty:  # as `record_cells`: an empty new cell is not written
            continue
        _check_once(seen, (m.work, m.student_id), "marks")
        _check_pupil(pupils, columns[m.work], m.student_id)
        cells.append((m, value.cell_marks))
    rows, seen = [], set()
    for a in attendance:
        value = _parse(a.raw)
        if value.attendance is None or value.takes_marks:
            _refuse("raw", _("Only Н (absent) or ОП (late) can be entered here."))
        if a.reason and a.reason not in Attendance.Reason.values:
            _refuse("reason", _("Choose a reason from the list."))
        _check_once(seen, (a.lesson_id, a.student_id), "attendance")
        _check_pupil(pupils, _lesson(lessons, a.lesson_id, marks=False), a.student_id)
        rows.append((school.pk, a.lesson_id, a.student_id, value.attendance, a.reason, 1, a.at))
        entries.append(
            {"at": a.at, "actor_id": a.actor_id, "kind": ATTENDANCE, "lesson_id": a.lesson_id,
             "student_id": a.student_id, "work_id": None, "old": "", "new": ATTENDANCE_DISPLAY[value.attendance]}
        )  # fmt: skip

    works = Work.objects.bulk_create(works, batch_size=5000)
    n_cells = copy_rows(
        Cell,
        ["school", "work", "student", "marks", "excluded", "owed", "version", "updated_at"],
        (
            (school.pk, works[m.work].pk, m.student_id, list(v.marks), list(v.excluded), v.owed, 1, m.at)
            for m, v in cells
        ),
    )
    n_attendance = copy_rows(
        Attendance, ["school", "lesson", "student", "status", "reason", "version", "updated_at"], rows
    )
    for m, v in cells:
        work = works[m.work]
        entries.append(
            {"at": m.at, "actor_id": m.actor_id, "kind": MARKS, "lesson_id": work.lesson_id,
             "student_id": m.student_id, "work_id": work.pk, "old": "", "new": format_cell(v.marks, None, v.excluded, v.owed)}
        )  # fmt: skip
    if more_entries is not None:
        entries += more_entries()
    entries.sort(key=lambda e: (e["at"], e["lesson_id"] or 0, e["student_id"], e["kind"]))
    logged = marklog.append_history(school=school, rows=entries)
    audit.record(
        actor,
        "record_history",
        None,
        school=school,
        summary=note,
        data={"works": len(works), "cells": n_cells, "attendance": n_attendance, "log_entries": logged},
    )
    return History(works, n_cells, n_attendance, logged)


def _mark_entry(m, lesson_id: int, work_id: int, v) -> dict:
    return {"at": m.at, "actor_id": m.actor_id, "kind": MARKS, "lesson_id": lesson_id, "student_id": m.student_id,
            "work_id": work_id, "old": "", "new": format_cell(v.marks, None, v.excluded, v.owed)}  # fmt: skip


@transaction.atomic
def record_marks(
    *, actor, school: School, cells: Sequence[PastCell], chain: bool = True, note: str = ""
) -> Marks:
    """Enter past marks into columns already written (a make-up mark in a period's last column, say):
    `record_history`'s checks of a mark cell, and no cell written before; one mark-log entry per cell.

    With `chain=False` the entries are not appended but returned, for a caller that chains them with
    others of the same history in time order (`record_history`'s `more_entries`)."""
    works = dict(
        Work.objects.filter(school=school, pk__in=sorted({c.work_id for c in cells})).values_list(
            "pk", "lesson_id"
        )
    )
    lessons = _lessons(school, works.values())
    pupils = Pupils(school)
    rows, seen = [], set()
    for m in cells:
        if m.work_id not in works:
            _refuse("work", _("This mark column does not belong to your school."))
        value = _parse(m.raw)
        if value.attendance is not None:
            _refuse("raw", _("This saves marks only, not attendance."))
        if value.cell_marks.is_empty:
            continue
        _check_once(seen, (m.work_id, m.student_id), "cells")
        _check_pupil(pupils, _lesson(lessons, works[m.work_id], marks=True), m.student_id)
        rows.append((m, value.cell_marks))
    if seen:
        written = Cell.objects.filter(work_id__in=sorted({w for w, _s in seen})).values_list(
            "work_id", "student_id"
        )
        if seen & set(written):
            _refuse("cells", _("This cell is written already."))
    n = copy_rows(
        Cell,
        ["school", "work", "student", "marks", "excluded", "owed", "version", "updated_at"],
        (
            (school.pk, m.work_id, m.student_id, list(v.marks), list(v.excluded), v.owed, 1, m.at)
            for m, v in rows
        ),
    )
    entries = [_mark_entry(m, works[m.work_id], m.work_id, v) for m, v in rows]
    if chain:
        entries.sort(key=lambda e: (e["at"], e["lesson_id"], e["student_id"]))
        marklog.append_history(school=school, rows=entries)
    audit.record(
        actor, "record_marks", None, school=school, summary=note, data={"cells": n, "chained": chain}
    )
    return Marks(n, [] if chain else entries)
