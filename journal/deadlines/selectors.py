"""What was due and when it was done, read from the journal's own data (R-CTL-4).

`items()` reads the lessons of a range of dates in three queries (lessons with their records, works
with their marks' first entries, the school's holidays) and judges each deadline with
`journal.deadlines.values`:

- the lesson record (topic and attendance, R-CTL-1): done when the topic was first written; absences
  entered later than that count (an absence first entered the next morning makes the lesson late). A
  lesson where everybody was present leaves no attendance rows, so the topic is what says "filled".
- homework (R-CTL-2): measured where homework was given (the regulation asks for it "if homework is
  set"); done when it was first written.
- marks (R-CTL-3): per mark column, done when the last of its students' marks was first entered (the
  mark log); missing while the column has no mark at all after its deadline.

Who owns a deadline: the lesson's teacher, or the substitute who took it. Cancelled lessons and
lessons on a holiday of the group's grade are not due. A moved lesson is due on its new date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection

from accounts.selectors import school_zone
from journal.models import DeadlineSettings

from . import values
from .values import Rules

RECORD, HOMEWORK, MARKS, PLAN, TIMETABLE = "record", "homework", "marks", "plan", "timetable"
CLAUSES = (RECORD, HOMEWORK, MARKS, PLAN, TIMETABLE)
# Marks of a lesson can be due this long after it (10 days, or N working days over a holiday).
LONGEST_MARKS_WAIT = datetime.timedelta(days=31)
PENDING = "pending"


@dataclass
class Item:
    """One deadline of one lesson, mark column or course plan."""

    clause: str
    key: str
    teacher_id: int | None
    course_id: int
    lesson_id: int | None
    work_id: int | None
    date: datetime.date  # the lesson's date (a plan: the period's first day)
    due: datetime.datetime
    done: datetime.datetime | None
    state: str  # on_time | late | missing | pending (not due yet, not done)
    late_by: datetime.timedelta | None = None
    label: str = ""  # the mark column's work type code; a plan: the period's name
    group: str = ""
    subject: str = ""
    slot: int | None = None
    school_class_id: int | None = None  # a timetable's class
    ends: datetime.time | None = None  # the lesson's end

    def held_by(self, moment: datetime.datetime) -> bool:
        """The lesson is over at `moment` (in the school's zone)."""
        local = moment.astimezone(self.due.tzinfo)
        return self.ends is not None and (self.date, self.ends) <= (local.date(), local.time())

    @property
    def late_text(self) -> str:
        return values.late_text(self.late_by)


def rules_of(school) -> Rules:
    try:
        settings = school.deadline_settings
    except DeadlineSettings.DoesNotExist:
        return Rules()
    return Rules.of(settings)


LESSONS_SQL = """
SELECT l.id, l.date, l.course_id, g.grade, g.name, sj.name, l.slot,
       COALESCE(s.substitute_id, l.teacher_id) AS teacher_id,
       t.created_at AS topic_at, h.created_at AS homework_at,
       (SELECT max(a.first_at) FROM (
           SELECT min(e.at) AS first_at FROM journal_marklogentry e
           WHERE e.lesson_id = l.id AND e.kind = 'attendance' AND e.new <> '' GROUP BY e.student_id
        ) a) AS attendance_at,
       COALESCE((
           SELECT max(o.ends) FROM schedule_lesson o JOIN schedule_studygroup og ON og.id = o.group_id
           WHERE o.school_id = l.school_id AND o.date = l.date AND o.status = 'planned'
             AND og.school_class_id = g.school_class_id
       ), l.ends) AS class_ends,
       (SELECT json_agg(json_build_array(w.id, wt.deadline, wt.code, m.marked,
                                         extract(epoch FROM m.last_first_at)) ORDER BY w.position, w.id)
          FROM journal_work w
          JOIN journal_worktype wt ON wt.id = w.work_type_id
          LEFT JOIN LATERAL (
               SELECT count(*) AS marked, max(f.first_at) AS last_first_at FROM (
                   SELECT min(e.at) AS first_at FROM journal_marklogentry e
                    WHERE e.lesson_id = w.lesson_id AND e.work_id = w.id AND e.kind = 'marks' AND e.new <> ''
                    GROUP BY e.student_id) f
          ) m ON true
         WHERE w.lesson_id = l.id AND wt.deadline <> 'none') AS works,
       l.ends
  FROM schedule_lesson l
  JOIN schedule_studygroup g ON g.id = l.group_id
  JOIN schedule_course c ON c.id = l.course_id
  JOIN schedule_subject sj ON sj.id = c.subject_id
  LEFT JOIN schedule_substitution s ON s.lesson_id = l.id
  LEFT JOIN journal_lessontopic t ON t.lesson_id = l.id
  LEFT JOIN journal_homework h ON h.lesson_id = l.id
 WHERE l.school_id = %(school)s AND l.status = 'planned' AND l.date BETWEEN %(first)s AND %(last)s
   AND (%(teacher)s::bigint IS NULL OR COALESCE(s.substitute_id, l.teacher_id) = %(teacher)s)
   AND NOT EXISTS (
       SELECT 1 FROM schedule_holiday hd
        WHERE hd.year_id = l.year_id AND l.date BETWEEN hd.starts AND hd.ends
          AND (cardinality(hd.grades) = 0 OR g.grade = ANY(hd.grades)))
 ORDER BY l.date, l.starts, l.id
"""

HOLIDAYS_SQL = """
SELECT d::date FROM schedule_holiday hd, generate_series(hd.starts, hd.ends, interval '1 day') d
 WHERE hd.school_id = %(school)s AND cardinality(hd.grades) = 0 AND hd.ends >= %(first)s
"""

PLANS_SQL = """
SELECT c.id, p.id, p.starts, g.name, sj.name, p.name,
       (SELECT ct.teacher_id FROM schedule_courseteacher ct
         WHERE ct.course_id = c.id AND ct.starts <= p.starts AND (ct.ends IS NULL OR ct.ends >= p.starts)
         ORDER BY ct.starts DESC, ct.id DESC LIMIT 1) AS teacher_id,
       (SELECT min(pt.created_at) FROM journal_plantopic pt WHERE pt.course_id = c.id) AS plan_at,
       EXISTS (SELECT 1 FROM journal_plantopic pt WHERE pt.course_id = c.id) AS has_plan
  FROM schedule_course c
  JOIN schedule_studygroup g ON g.id = c.group_id
  JOIN schedule_subject sj ON sj.id = c.subject_id
  JOIN schedule_periodscheme sc ON sc.year_id = c.year_id AND g.grade = ANY(sc.grades)
  JOIN schedule_reportingperiod p ON p.scheme_id = sc.id
 WHERE c.school_id = %(school)s AND p.starts BETWEEN %(first)s AND %(last)s
 ORDER BY p.starts, c.id
"""


# Each class's weekly timetable for each period starting in the range: the entries of its groups that run
# on the period's first day, and when the first of them was placed (seed 001 A.19).
TIMETABLES_SQL = """
SELECT sc.id, p.id, p.starts, sc.grade::text || sc.letter, p.name,
       (SELECT min(e.created_at) FROM schedule_timetableentry e JOIN schedule_studygroup g ON g.id = e.group_id
         WHERE g.school_class_id = sc.id AND e.starts <= p.starts AND (e.ends IS NULL OR e.ends >= p.starts)),
       EXISTS (SELECT 1 FROM schedule_timetableentry e JOIN schedule_studygroup g ON g.id = e.group_id
         WHERE g.school_class_id = sc.id AND e.starts <= p.starts AND (e.ends IS NULL OR e.ends >= p.starts))
  FROM schedule_schoolclass sc
  JOIN schedule_periodscheme ps ON ps.year_id = sc.year_id AND sc.grade = ANY(ps.grades)
  JOIN schedule_reportingperiod p ON p.scheme_id = ps.id
 WHERE sc.school_id = %(school)s AND p.starts BETWEEN %(first)s AND %(last)s
 ORDER BY p.starts, sc.grade, sc.letter
"""


def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def lesson_items(
    school,
    first: datetime.date,
    last: datetime.date,
    *,
    now: datetime.datetime,
    teacher_id: int | None = None,
    rules: Rules | None = None,
) -> list[Item]:
    """The record, homework and marks deadlines of the lessons held from `first` to `last` (1 query, 2 with
    the stricter working-days rule)."""
    rules = rules or rules_of(school)
    tz = school_zone(school)
    now = now.astimezone(tz)
    params = {"school": school.pk, "first": first, "last": last, "teacher": teacher_id}
    lessons = _rows(LESSONS_SQL, params)
    holidays = {row[0] for row in _rows(HOLIDAYS_SQL, params)} if rules.written_working_days else set()
    items: list[Item] = []
    for row in lessons:
        lesson_id, day, course_id, grade, group, subject, slot, teacher = row[:8]
        topic_at, homework_at, attendance_at, class_ends, works, ends = row[8:14]
        where = {"group": group, "subject": subject, "slot": slot, "ends": ends}
        due = values.record_due(day, rules, tz)
        done = max(topic_at, attendance_at) if topic_at and attendance_at else topic_at
        key = f"lesson:{lesson_id}"
        items.append(_item(RECORD, key, teacher, course_id, lesson_id, None, day, due, done, now, **where))
        if homework_at is not None:
            due = values.homework_due(day, class_ends, rules, tz)
            key = f"homework:{lesson_id}"
            items.append(
                _item(HOMEWORK, key, teacher, course_id, lesson_id, None, day, due, homework_at, now, **where)
            )
        for work_id, kind, code, marked, last_first_at in works or ():
            due = values.marks_due(day, grade, kind, rules, tz, holidays)
            if due is None:
                continue
            done = datetime.datetime.fromtimestamp(float(last_first_at), tz=datetime.UTC) if marked else None
            key = f"work:{work_id}"
            items.append(
                _item(
                    MARKS,
                    key,
                    teacher,
                    course_id,
                    lesson_id,
                    work_id,
                    day,
                    due,
                    done,
                    now,
                    label=code,
                    **where,
                )
            )
    return items


def plan_items(
    school, first: datetime.date, last: datetime.date, *, now: datetime.datetime, rules: Rules | None = None
) -> list[Item]:
    """The thematic plan of each course, and the weekly timetable of each class, before each period starting
    from `first` to `last` (2 queries). A plan or timetable written before the moments were kept is there
    at an unknown moment: counted on time."""
    rules = rules or rules_of(school)
    tz = school_zone(school)
    params = {"school": school.pk, "first": first, "last": last}
    items = []
    for course_id, period_id, starts, group, subject, period, teacher, plan_at, has_plan in _rows(
        PLANS_SQL, params
    ):
        due = values.plan_due(starts, rules, tz)
        done = (plan_at or due) if has_plan else None
        key = f"plan:{course_id}:{period_id}"
        where = {"group": group, "subject": subject, "label": period}
        items.append(_item(PLAN, key, teacher, course_id, None, None, starts, due, done, now, **where))
    for class_id, period_id, starts, name, period, placed_at, placed in _rows(TIMETABLES_SQL, params):
        due = values.plan_due(starts, rules, tz)
        done = (placed_at or due) if placed else None
        key = f"timetable:{class_id}:{period_id}"
        item = _item(TIMETABLE, key, None, None, None, None, starts, due, done, now, group=name, label=period)
        item.school_class_id = class_id
        items.append(item)
    return items


def _item(clause, key, teacher, course_id, lesson_id, work_id, day, due, done, now, **where) -> Item:
    judged = values.judge(due, done, now)
    state, late_by = judged if judged else (PENDING, None)
    return Item(clause, key, teacher, course_id, lesson_id, work_id, day, due, done, state, late_by, **where)


HOME_LOOK_BACK = datetime.timedelta(days=14)
HOME_LINES = 8


@dataclass
class HomeList:
    """A teacher's deadlines on their home page: due today (not yet done) and late (still missing)."""

    today: list[Item]
    late: list[Item]
    more_today: int = 0
    more_late: int = 0


def for_home(school, teacher, now: datetime.datetime) -> HomeList:
    """Live, the teacher's own lessons of the last two weeks and today (2 queries, 3 with the stricter rule):
    today's records and the columns due by tonight not yet done, and the records and columns still missing."""
    tz = school_zone(school)
    today = now.astimezone(tz).date()
    tonight = values.end_of_day(today, tz)
    items = lesson_items(school, today - HOME_LOOK_BACK, today, now=now, teacher_id=teacher.pk)
    due = [i for i in items if i.state == PENDING and i.clause in (RECORD, MARKS) and i.due <= tonight]
    late = [i for i in items if i.state == values.MISSING and i.clause in (RECORD, MARKS)]
    due.sort(key=lambda i: (i.due, i.date, i.slot or 0))
    late.sort(key=lambda i: (i.date, i.slot or 0), reverse=True)
    return HomeList(
        due[:HOME_LINES], late[:HOME_LINES], max(0, len(due) - HOME_LINES), max(0, len(late) - HOME_LINES)
    )
