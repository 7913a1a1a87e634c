"""The diary's week and homework list (R-D-1): what one student had, has and must prepare, lesson by lesson.

`diary_week(student, week)` takes the student's week from `schedule.weeks.week_of_student`
(two queries: lessons, holidays) and adds, in ONE more query whatever the number
of lessons, what the journal holds for this student at each lesson: the topic,
their marks with work types, their attendance, remarks and praise about them,
and the homework due at the lesson with its attachments. `homework_due(student,
today)` lists the homework due in the coming days: two queries.

Which homework a lesson shows: the homework due AT it, i.e. what the student
must have done for it — as in a paper diary, where the task is written on the
day it is due. A homework is due at its `due_lesson`; when that is empty (the
demo data, imports), at the next lesson of the same course after the one it was
given at that is not cancelled. Homework given at lessons the student had is
thus shown on the lesson they prepare it for; the lesson page shows it where it
was given.

Only this student's marks, attendance and remarks are read (every such
subquery filters on the student); lessons come from the groups the student was
in on each date (`week_of_student`), so another student's data cannot show.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext_lazy as _

from accounts.models import Person, Student
from journal.models import Attendance, Remark
from journal.values import CellMarks
from schedule import weeks
from schedule.models import GroupMembership, Lesson, StudyGroup
from schedule.weeks import Week, WeekLesson

HOMEWORK_DAYS = 14  # the homework page looks this many days ahead of today

# Homework due at lesson `l` (a row with id, course_id, date, starts, status) with its attachments, as a JSON
# array ordered by the date it was given. `prev` is the last lesson of the course before `l` that was not
# cancelled: homework without a due lesson given at or after it (and before `l`) is due at `l`.
HOMEWORK_OF_LESSON = """
(SELECT json_agg(json_build_array(h.id, h.text, h.pages, g.date, g.id,
        (SELECT json_agg(json_build_array(f.id, f.name, f.size) ORDER BY f.uploaded_at, f.id)
           FROM journal_homeworkattachment f WHERE f.homework_id = h.id))
        ORDER BY g.date, g.starts, h.id)
   FROM journal_homework h JOIN schedule_lesson g ON g.id = h.lesson_id
  WHERE h.id IN (
        SELECT x.id FROM journal_homework x WHERE x.due_lesson_id = l.id
        UNION ALL
        SELECT x.id FROM schedule_lesson y JOIN journal_homework x ON x.lesson_id = y.id
         WHERE x.due_lesson_id IS NULL AND l.status = 'planned'
           AND y.course_id = l.course_id AND y.date <= l.date AND (y.date, y.starts) < (l.date, l.starts)
           AND y.date >= COALESCE(prev.date, '-infinity'::date)
           AND (y.date, y.starts) >= (COALESCE(prev.date, '-infinity'::date), COALESCE(prev.starts, '00:00'::time))
  ))
"""

# The previous lesson of `l`'s course that took place (a LEFT JOIN LATERAL named `prev`).
PREVIOUS_HELD = """
LEFT JOIN LATERAL (
  SELECT p.date, p.starts FROM schedule_lesson p
   WHERE p.course_id = l.course_id AND p.status = 'planned' AND p.date <= l.date
     AND (p.date, p.starts) < (l.date, l.starts)
   ORDER BY p.date DESC, p.starts DESC LIMIT 1
) prev ON true
"""

WEEK_SQL = f"""
SELECT l.id,
  (SELECT t.text FROM journal_lessontopic t WHERE t.lesson_id = l.id),
  (SELECT json_build_array(a.status, a.reason) FROM journal_attendance a
    WHERE a.lesson_id = l.id AND a.student_id = %(student)s AND a.status <> ''),
  (SELECT json_agg(json_build_array(wt.code, wt.name, c.marks, c.excluded, c.owed) ORDER BY w.position, w.id)
     FROM journal_work w
     JOIN journal_cell c ON c.work_id = w.id AND c.student_id = %(student)s
     JOIN journal_worktype wt ON wt.id = w.work_type_id
    WHERE w.lesson_id = l.id AND (c.owed OR cardinality(c.marks) > 0)),
  (SELECT json_agg(json_build_array(r.kind, r.text, p.last_name, p.first_name, p.patronymic)
                   ORDER BY r.created_at, r.id)
     FROM journal_remark r LEFT JOIN accounts_person p ON p.id = r.author_id
    WHERE r.lesson_id = l.id AND r.student_id = %(student)s),
  {HOMEWORK_OF_LESSON}
FROM schedule_lesson l
{PREVIOUS_HELD}
WHERE l.id = ANY(%(ids)s) AND l.school_id = %(school)s
"""

HOMEWORK_SQL = f"""
SELECT l.id, {HOMEWORK_OF_LESSON}
FROM schedule_lesson l
{PREVIOUS_HELD}
WHERE l.id = ANY(%(ids)s) AND l.school_id = %(school)s
"""


@dataclass(frozen=True, slots=True)
class Mark:
    """The student's marks in one mark column: "5", "5/4", "(2)/5", "•"; the work type's code and name."""

    text: str
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Attachment:
    pk: int
    name: str
    size: int


@dataclass(frozen=True, slots=True)
class HomeworkItem:
    pk: int
    text: str
    pages: str
    given: datetime.date  # the date of the lesson it was set at
    given_lesson_id: int
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class RemarkItem:
    kind: str  # Remark.Kind
    text: str
    author: str

    @property
    def is_praise(self) -> bool:
        return self.kind == Remark.Kind.PRAISE

    @property
    def kind_label(self) -> str:
        return Remark.Kind(self.kind).label if self.kind in Remark.Kind.values else self.kind


# The school's notation, as the class journal writes it, and what it means (the tooltip).
ATTENDANCE_CODES = {Attendance.Status.ABSENT: "н", Attendance.Status.LATE: "оп"}
ATTENDANCE_LABELS = {Attendance.Status.ABSENT: _("absent"), Attendance.Status.LATE: _("late for the lesson")}


@dataclass(frozen=True, slots=True)
class AttendanceItem:
    status: str  # Attendance.Status
    reason: str  # Attendance.Reason or ""

    @property
    def code(self) -> str:
        return ATTENDANCE_CODES.get(self.status, "")

    @property
    def is_absent(self) -> bool:
        return self.status == Attendance.Status.ABSENT

    @property
    def status_label(self) -> str:
        return str(ATTENDANCE_LABELS.get(self.status, ""))

    @property
    def reason_label(self) -> str:
        return Attendance.Reason(self.reason).label if self.reason in Attendance.Reason.values else ""


@dataclass
class DiaryLesson:
    lesson: WeekLesson
    topic: str = ""
    marks: list[Mark] = field(default_factory=list)
    attendance: AttendanceItem | None = None
    remarks: list[RemarkItem] = field(default_factory=list)
    homework: list[HomeworkItem] = field(default_factory=list)


@dataclass
class DiaryDay:
    date: datetime.date
    lessons: list[DiaryLesson]
    holiday: str = ""
    is_today: bool = False
    is_open: bool = False  # expanded on first view: today, or the day asked for

    @property
    def anchor(self) -> str:
        return f"d{self.date:%Y-%m-%d}"

    @property
    def mark_count(self) -> int:
        return sum(len(x.marks) for x in self.lessons)

    @property
    def absences(self) -> int:
        return sum(1 for x in self.lessons if x.attendance and x.attendance.is_absent)

    @property
    def homework_count(self) -> int:
        return sum(len(x.homework) for x in self.lessons)


@dataclass
class DiaryWeek:
    week: Week
    days: list[DiaryDay]
    focus: datetime.date  # the day the page opens at

    @property
    def is_empty(self) -> bool:
        return self.week.is_empty


def _short_name(last, first, patronymic) -> str:
    if last is None:
        return ""
    return Person(last_name=last, first_name=first or "", patronymic=patronymic or "").short_name


def _homework(rows) -> list[HomeworkItem]:
    return [
        HomeworkItem(
            pk=pk,
            text=text,
            pages=pages,
            given=datetime.date.fromisoformat(given),
            given_lesson_id=given_lesson,
            attachments=tuple(Attachment(*a) for a in files or ()),
        )
        for pk, text, pages, given, given_lesson, files in rows or ()
    ]


def _records(student: Student, lesson_ids: list[int]) -> dict[int, tuple]:
    """Topic, attendance, marks, remarks and homework of each lesson for `student`: one query."""
    if not lesson_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(WEEK_SQL, {"student": student.pk, "ids": lesson_ids, "school": student.school_id})
        return {row[0]: row[1:] for row in cursor.fetchall()}


def _diary_lesson(lesson: WeekLesson, record: tuple | None) -> DiaryLesson:
    if record is None:
        return DiaryLesson(lesson)
    topic, attendance, marks, remarks, homework = record
    return DiaryLesson(
        lesson,
        topic=topic or "",
        marks=[
            Mark(CellMarks(tuple(m), tuple(x or ()), bool(owed)).text(), code, name)
            for code, name, m, x, owed in marks or ()
        ],
        attendance=AttendanceItem(*attendance) if attendance else None,
        remarks=[RemarkItem(kind, text, _short_name(*who)) for kind, text, *who in remarks or ()],
        homework=_homework(homework),
    )


def diary_week(student: Student, week: Week, focus: datetime.date | None = None) -> DiaryWeek:
    """The student's `week` (from `week_of_student`) with the journal's records of each lesson: one query.

    `focus` is the day to open (default today); when it is not a day of the week
    shown, the week's first school day opens.
    """
    records = _records(student, [x.pk for x in week.lessons])
    focus = focus or week.today
    shown = {d.date for d in week.days}
    if focus not in shown:
        focus = next((d.date for d in week.days if d.lessons), week.days[0].date)
    days = [
        DiaryDay(
            date=day.date,
            lessons=[_diary_lesson(x, records.get(x.pk)) for x in day.lessons],
            holiday=day.holiday,
            is_today=day.is_today,
            is_open=day.date == focus,
        )
        for day in week.days
    ]
    return DiaryWeek(week, days, focus)


# The homework page


@dataclass
class DueLesson:
    """A lesson in the coming days with the homework due at it."""

    pk: int
    date: datetime.date
    starts: datetime.time
    subject: str
    cancelled: bool
    homework: list[HomeworkItem]


@dataclass
class DueDay:
    date: datetime.date
    lessons: list[DueLesson]
    is_today: bool = False

    @property
    def count(self) -> int:
        return sum(len(x.homework) for x in self.lessons)


def homework_due(student: Student, today: datetime.date, days: int = HOMEWORK_DAYS) -> list[DueDay]:
    """Homework due at the student's lessons from `today` to `today + days`, by day and lesson order: two queries.

    Days and lessons without homework are left out; an empty list means nothing is due.
    """
    # The groups the student was ever in narrow the school's lessons down before the per-date check.
    groups = GroupMembership.objects.filter(student=student).values("group_id")
    classes = StudyGroup.objects.filter(
        kind=StudyGroup.Kind.WHOLE_CLASS, school_class__enrollments__student=student
    ).values("pk")
    lessons = list(
        Lesson.objects.filter(
            weeks.student_lessons(student),
            group_id__in=groups.union(classes),
            school_id=student.school_id,
            date__gte=today,
            date__lte=today + datetime.timedelta(days=days),
        )
        .order_by("date", "starts", "pk")
        .values_list("pk", "date", "starts", "course__subject__name", "status")
    )
    if not lessons:
        return []
    with connection.cursor() as cursor:
        cursor.execute(HOMEWORK_SQL, {"ids": [x[0] for x in lessons], "school": student.school_id})
        due = {pk: _homework(rows) for pk, rows in cursor.fetchall() if rows}
    result: list[DueDay] = []
    for pk, date, starts, subject, status in lessons:
        if pk not in due:
            continue
        item = DueLesson(pk, date, starts, subject, status == Lesson.Status.CANCELLED, due[pk])
        if not result or result[-1].date != date:
            result.append(DueDay(date, [], is_today=date == today))
        result[-1].lessons.append(item)
    return result
