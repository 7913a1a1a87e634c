"""The period finals (and in the summer the year finals) of every period that has ended, the make-up
marks they need, and the locks of the courses whose finals are all in."""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection

from journal.models import FinalKind, Work
from schedule.models import Lesson

from .calendar import Calendar, in_summer
from .context import NOTE, Ctx
from .courses import Courses


@dataclass
class Finals:
    marks: int = 0
    year_marks: int = 0  # of `marks`: the year finals (in the summer)
    overrides: int = 0  # differ from the proposal by one point
    makeup: int = 0  # marks added for students without marks, so that they get a final (R-F-3)
    locked: int = 0  # course periods with every final in: locked (R-F-5)
    incomplete: int = 0  # course periods of ended periods with finals missing
    entries: list = field(default_factory=list)  # their mark-log entries, chained by build_journal


FINALS_INCOMPLETE = 0.1  # the share of courses whose finals of the latest ended period are not all in


FINALS_OVERRIDE = 0.04  # the share of finals of 3 or 4 that the teacher sets one point off the proposal


FINALS_ENTERED = (0.0, 0.4, 0.7, 0.9)  # how much of an incomplete course is in


def build_finals(ctx: Ctx, calendar: Calendar, courses: Courses, user_of: dict[int, int]) -> Finals:
    """The period finals of every reporting period that ended before `journal_today` (R-F-1, R-F-2).

    Runs once the marks are written: proposals come from `journal.finals.selectors.propose_period`
    (three queries for the whole school). For the latest ended period of each scheme about a tenth
    of the courses (one of them the demo teacher's) are left with finals missing, so the deputy's
    control page has late courses and the demo teacher's home page finals due. In the others the
    teacher enters every final in one sitting after the period's end, by its deadline: first a
    make-up mark in the period's last mark column for a student without marks (R-F-3 forbids a final
    without them), then every student in the group on the last day gets the proposal, a few of 3 or
    4 one point off; the period is then locked for the course (a `CourseLock` and its `LockEvent`,
    R-F-5). Written through `journal.grid.bulk.record_marks` and `journal.finals.bulk.record_finals`
    (which locks the course periods it completes, as `record_final` does); their mark-log entries are
    returned for build_journal's chain.

    In the summer (`journal_today` after the year's last day) no course is late and, in the sitting
    of each scheme's last period, the teacher also enters the year finals: the proposal from the
    student's period finals (`journal.finals.values.propose_from_marks`, as the finals view proposes them).
    """
    from journal.finals import selectors as fs
    from journal.finals.bulk import PastFinal, record_finals
    from journal.finals.values import Thresholds, deadline, propose_from_marks
    from journal.grid.bulk import PastCell, record_marks

    rng = ctx.rng("finals")
    school, today = ctx.school, ctx.journal_today
    # The sums run on tables filled moments ago in this transaction: without statistics the planner
    # picks nested loops over the marks (a minute for the large school instead of a second).
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE journal_cell, journal_work, journal_worktype, schedule_lesson, schedule_enrollment, "
            "schedule_groupmembership, schedule_studygroup"
        )
    tz = zoneinfo.ZoneInfo(school.timezone)
    settings = fs.journal_settings(school)
    result = Finals()
    ended = sorted((p for p in calendar.periods if p.ends < today), key=lambda p: (p.ends, p.pk))
    latest = {p.scheme_id: p for p in ended}
    year_over = in_summer(today, calendar.year)
    thresholds = Thresholds.of(settings)
    last_of_scheme = {p.scheme_id: p for p in sorted(calendar.periods, key=lambda p: (p.ends, p.pk))}
    period_values = defaultdict(list)  # (course, student) → the period finals entered so far
    teacher_of = {cid: person.id for cid, person in courses.teacher.items()}
    demo_teacher = courses.demo_teacher.id
    marks = []
    for period in ended:
        due = deadline(period.ends, settings.finals_deadline, settings.finals_deadline_days)
        due = min(due, today - datetime.timedelta(days=1))
        period_courses = fs.courses_of_period(period)

        def proposals(period=period, period_courses=period_courses):
            by_course = defaultdict(list)
            for proposed in fs.propose_period(period, period_courses, school_wide=True):
                by_course[proposed.course_id].append(proposed)
            return by_course

        by_course = proposals()
        late = set()
        if latest[period.scheme_id] is period and not year_over:
            late = {cid for cid in by_course if rng.random() < FINALS_INCOMPLETE}
            own = [cid for cid in by_course if teacher_of.get(cid) == demo_teacher]
            late |= set(own[:1])
        sitting = {}  # course → when its teacher starts entering the finals
        for course_id in by_course:
            span = max(0, (due - period.ends).days)  # after the period's last marks, by the deadline
            day = period.ends + datetime.timedelta(days=rng.randint(min(1, span), span))
            at = datetime.datetime.combine(
                day, datetime.time(rng.randint(14, 19), rng.randint(0, 59)), tzinfo=tz
            )
            sitting[course_id] = at + datetime.timedelta(
                seconds=rng.randint(0, 59), microseconds=rng.randint(0, 999_999)
            )

        # Make-up marks for the students without marks in the courses to complete.
        without = [
            (course_id, r.student_id)
            for course_id, rows in by_course.items()
            if course_id not in late
            for r in rows
            if r.proposal is None
        ]
        if without:
            last_work = {
                course_id: (work_id, lesson_id)
                for course_id, work_id, lesson_id in Work.objects.filter(
                    school=school, lesson__period=period, lesson__status=Lesson.Status.PLANNED
                )
                .order_by("lesson__course_id", "-lesson__date", "-lesson__slot", "-position")
                .distinct("lesson__course_id")
                .values_list("lesson__course_id", "pk", "lesson_id")
            }
            cells = []
            for course_id, student_id in without:
                if course_id not in last_work:
                    continue
                work_id, _lesson_id = last_work[course_id]
                mark = rng.choice((3, 4, 4, 5))
                at = sitting[course_id] - datetime.timedelta(minutes=rng.randint(5, 30))
                cells.append(
                    PastCell(work_id, student_id, str(mark), at, user_of.get(teacher_of.get(course_id)))
                )
            result.makeup = 0  # (of the last period with students without marks, as before)
            if cells:
                makeup = record_marks(actor=ctx.actor, school=school, cells=cells, chain=False, note=NOTE)
                result.makeup = makeup.cells
                result.entries += makeup.entries
                by_course = proposals()

        for course_id, rows in by_course.items():
            actor = user_of.get(teacher_of.get(course_id))
            at = sitting[course_id]
            entered = [r for r in rows if r.proposal is not None]
            if course_id in late:
                entered = entered[: int(len(entered) * rng.choice(FINALS_ENTERED))]
            for r in entered:
                p = r.proposal
                value = p.mark
                if value in (3, 4) and rng.random() < FINALS_OVERRIDE:
                    value += rng.choice((-1, 1))
                    result.overrides += 1
                at += datetime.timedelta(seconds=rng.randint(2, 12))
                marks.append(
                    PastFinal(course_id, r.student_id, FinalKind.PERIOD, period.pk, str(value), at, actor)
                )
                period_values[course_id, r.student_id].append(value)
            if year_over and last_of_scheme[period.scheme_id] is period:
                for r in entered:
                    p = propose_from_marks(period_values[course_id, r.student_id], thresholds, "periods")
                    at += datetime.timedelta(seconds=rng.randint(2, 12))
                    marks.append(
                        PastFinal(course_id, r.student_id, FinalKind.YEAR, None, str(p.mark), at, actor)
                    )
                    result.year_marks += 1
            if len(entered) < len(rows):  # the others are locked by `record_finals`, as complete
                result.incomplete += 1
    given = record_finals(actor=ctx.actor, school=school, finals=marks, chain=False, note=NOTE)
    result.marks, result.locked = given.marks, given.locked
    result.entries += given.entries
    return result
