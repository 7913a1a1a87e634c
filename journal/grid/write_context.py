"""What saving one cell needs to know, in one hand-written query (the hot path of the 8 a.m. peak).

`load_work(school_id, work_id, lesson_id, person_id, student_id)` returns the mark column
with its lesson, the lesson's year, group and school and the school's journal settings,
plus four facts the write policy and the service would otherwise ask in queries of
their own:

- `lesson.course_locked`, `lesson.period_closed` — the period locks (R-F-5), the same
  rule as `journal.policy.lock_state`;
- `lesson.teacher_checked = (person_id, teaches)` — the person teaches the lesson
  (`journal.policy.assignment_covers`), as `journal.policy.may_fill_lesson` asks first;
- `lesson.student_checked = (student_id, inside)` — the student is in the lesson's
  group on its date, as `schedule.selectors.students_of_group` answers.

The ORM would build the same objects from a `select_related` with four `Exists`
annotations, but compiling that query costs more than running it (≈4 ms of the
≈20 ms budget of a save); this module's SQL is built once per process from the
models' own field lists. `tests/journal/test_write_context.py` checks that its
four facts agree with the ORM rules they stand for, case by case.
"""

from __future__ import annotations

from functools import cache

from django.db import connection

from accounts.models import School
from journal.models import JournalSettings, Work
from schedule.models import AcademicYear, Lesson, StudyGroup

# (model, alias) in the order of the selected columns.
PARTS = (
    (Work, "w"),
    (Lesson, "l"),
    (AcademicYear, "y"),
    (StudyGroup, "g"),
    (School, "s"),
    (JournalSettings, "js"),
)

FACTS = """
  EXISTS (SELECT 1 FROM journal_courselock k
          WHERE k.course_id = l.course_id AND k.period_id = l.period_id AND k.locked),
  EXISTS (SELECT 1 FROM journal_periodclosure pc WHERE pc.period_id = l.period_id),
  EXISTS (SELECT 1 FROM schedule_courseteacher ct
          WHERE ct.course_id = l.course_id AND ct.teacher_id = %(person)s
            AND ct.starts <= (SELECT p.ends FROM schedule_reportingperiod p WHERE p.id = l.period_id)
            AND (ct.ends IS NULL OR ct.ends >= l.date)),
  CASE WHEN g.kind = 'whole_class' THEN
    EXISTS (SELECT 1 FROM schedule_enrollment e
            WHERE e.school_class_id = g.school_class_id AND e.student_id = %(student)s
              AND e.starts <= l.date AND (e.ends IS NULL OR e.ends >= l.date))
  ELSE
    EXISTS (SELECT 1 FROM schedule_groupmembership m
            WHERE m.group_id = g.id AND m.student_id = %(student)s
              AND m.starts <= l.date AND (m.ends IS NULL OR m.ends >= l.date))
  END
"""

FROM = """
FROM journal_work w
JOIN schedule_lesson l ON l.id = w.lesson_id
JOIN schedule_academicyear y ON y.id = l.year_id
JOIN schedule_studygroup g ON g.id = l.group_id
JOIN accounts_school s ON s.id = l.school_id
LEFT JOIN journal_journalsettings js ON js.school_id = s.id
WHERE w.id = %(work)s AND w.school_id = %(school)s AND (%(lesson)s::bigint IS NULL OR w.lesson_id = %(lesson)s)
"""


@cache
def _query() -> tuple[str, list[tuple[type, list[str], int]]]:
    """The SQL and, per model, its field attnames and where its columns start in a row."""
    columns, layout, at = [], [], 0
    for model, alias in PARTS:
        fields = model._meta.concrete_fields
        columns += [f'{alias}."{f.column}"' for f in fields]
        layout.append((model, [f.attname for f in fields], at))
        at += len(fields)
    return f"SELECT {', '.join(columns)},{FACTS}{FROM}", layout


def load_work(
    school_id: int, work_id: int, *, lesson_id: int | None, person_id: int | None, student_id: int | None
) -> Work | None:
    """The column ready for `services.record_cell` (see the module's docstring), or None if there is none."""
    sql, layout = _query()
    params = {
        "school": school_id,
        "work": work_id,
        "lesson": lesson_id,
        "person": person_id,
        "student": student_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    db = connection.alias
    objects = {}
    for model, names, at in layout:
        values = row[at : at + len(names)]
        objects[model] = None if values[0] is None else model.from_db(db, names, values)
    work, lesson, school = objects[Work], objects[Lesson], objects[School]
    lesson.year, lesson.group, lesson.school = objects[AcademicYear], objects[StudyGroup], school
    work.lesson = lesson
    if objects[JournalSettings] is not None:
        school.journal_settings = objects[JournalSettings]
    course_locked, period_closed, teaches, inside = row[-4:]
    lesson.course_locked, lesson.period_closed = course_locked, period_closed
    if person_id is not None:
        lesson.teacher_checked = (person_id, teaches)
    if student_id is not None:
        lesson.student_checked = (student_id, inside)
    work.loaded_for_write = True
    return work
