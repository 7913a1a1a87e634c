"""The journal of every lesson before the build's day: thematic plans, mark columns and marks,
attendance, topics, homework, remarks, and their mark-log entries."""

from __future__ import annotations

import datetime
import random
import time
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass

from accounts.models import Person
from journal.models import Work
from schedule.models import (
    Lesson,
)

from .calendar import Calendar
from .context import NOTE, Ctx
from .courses import Courses
from .curriculum import ENGLISH, PE, TALKS
from .finals import Finals, build_finals
from .pupils import Pupils
from .structure import Structure
from .texts import PRAISES, REMARKS, homework_for, plan_for

LANGUAGES = ("Русский язык", ENGLISH)


# Practical subjects: no homework, and oral marks only (no tests).
NO_HOMEWORK = (PE, TALKS, "Музыка", "Изобразительное искусство", "Труд (технология)")


@dataclass
class Journal:
    works: int = 0
    cells: int = 0
    attendance: int = 0
    topics: int = 0
    plan_topics: int = 0
    homework: int = 0
    remarks: int = 0
    log_entries: int = 0
    finals: Finals | None = None
    seconds: float = 0.0  # how long the journal took to build
    until: datetime.date | None = None  # the first day without marks and attendance (today)


def build_journal(
    ctx: Ctx, calendar: Calendar, structure: Structure, courses: Courses, pupils: Pupils
) -> Journal:
    """Marks, attendance, topics, homework, remarks and plans of every lesson before `journal_today`,
    with their hash-chained mark-log entries (R-J-11), written with COPY.

    Ability per student (a few weak ones, most good), sickness in spells of 2–5 school days
    (the whole day missed), reasons set for past weeks but not the current one; grade 1 gets no
    marks and no homework (R-SET-5), only attendance and topics. Topics run one week ahead.
    """
    from journal.grid.bulk import PastAttendance, PastMarks, record_history
    from journal.grid.services import ensure_default_work_types
    from journal.plans.bulk import create_plans
    from journal.plans.xlsx import PlanRow
    from journal.records.bulk import PastHomework, PastRemark, PastTopic, record_lessons
    from journal.values import ATTENDANCE_DISPLAY, format_cell

    started = time.monotonic()
    school, year = ctx.school, calendar.year
    rng = ctx.rng("journal")
    slack = ctx.rng("journal-deadlines")  # who is late with what (a stream of its own)
    period_ends = {p.ends for p in calendar.periods}  # late marks stay in their lesson's period
    today = ctx.journal_today
    monday = today - datetime.timedelta(days=today.weekday())
    topics_until = monday + datetime.timedelta(days=14)  # this week and the next one: entered in advance
    tz = zoneinfo.ZoneInfo(school.timezone)
    result = Journal(until=today)

    types = {t.code: t for t in ensure_default_work_types(school)}
    subject_of = {s.id: s.name for s in structure.subjects.values()}
    no_marks_subjects = {s.id for s in structure.subjects.values() if s.no_final_assessment}
    user_of = dict(Person.objects.filter(school=school, user__isnull=False).values_list("id", "user_id"))

    # Who is in each group on a date: enrollments for whole classes, memberships for subgroups.
    class_of_group = {g.id: cid for cid, g in structure.whole_groups.items()}
    grade_of_group = {g.id: g.grade for g in structure.whole_groups.values()}
    grade_of_group |= {g.id: g.grade for gs in structure.subgroups.values() for g in gs}
    stays: dict[int, list[tuple[int, datetime.date, datetime.date | None]]] = defaultdict(list)
    by_class = defaultdict(list)
    for e in pupils.enrollments:
        by_class[e.school_class_id].append((e.student_id, e.starts, e.ends))
    for gid, cid in class_of_group.items():
        stays[gid] = by_class[cid]
    for m in pupils.memberships:
        stays[m.group_id].append((m.student_id, m.starts, m.ends))
    for rows in stays.values():
        rows.sort(key=lambda r: (r[0], r[1]))

    lessons = list(
        Lesson.objects.filter(year=year, status=Lesson.Status.PLANNED)
        .order_by("course_id", "date", "slot", "pk")
        .values_list("pk", "course_id", "group_id", "teacher_id", "date", "ends")
    )
    course_subject = {c.id: c.subject_id for c in courses.courses}

    # Students: ability (mean mark) and sick spells over the school days before today.
    student_ids = sorted({sid for rows in stays.values() for sid, _a, _b in rows})
    ability = {}
    for sid in student_ids:
        r = rng.random()
        ability[sid] = (
            rng.uniform(2.7, 3.4)
            if r < 0.06
            else rng.uniform(3.4, 3.9)
            if r < 0.25
            else rng.uniform(3.9, 4.8)
        )
    school_days = sorted({d for _pk, _c, _g, _t, d, _e in lessons if d < today})
    sick: dict[int, set[datetime.date]] = defaultdict(set)
    unreconciled: set[tuple[int, datetime.date]] = set()
    for sid in student_ids:
        i = 0
        while i < len(school_days):
            if rng.random() < 0.011:
                span = school_days[i : i + rng.randint(2, 5)]
                sick[sid].update(span)
                if rng.random() < 0.1:  # the note from the doctor has not come yet
                    unreconciled.update((sid, d) for d in span)
                i += len(span) + 3
            else:
                i += 1

    def members(group_id, day):
        return [sid for sid, a, b in stays[group_id] if a <= day and (b is None or day <= b)]

    def moment(day, ends, minutes):
        return datetime.datetime.combine(day, ends, tzinfo=tz) + datetime.timedelta(minutes=minutes)

    # The plan of every course: as many hours as the course has lessons this year.
    per_course = defaultdict(list)
    for row in lessons:
        per_course[row[1]].append(row)
    plans, plan_hours, n_topics = [], {}, 0
    for course in courses.courses:
        rows = plan_for(subject_of[course.subject_id], len(per_course[course.id]))
        hours_list = []
        for _section, _title, h in rows:
            hours_list += [n_topics] * h
            n_topics += 1
        plans.append((course, [PlanRow(section, title, h) for section, title, h in rows]))
        plan_hours[course.id] = hours_list
    # The plans were entered in the last week of August, before the deadline of the first period.
    written = datetime.datetime.combine(
        year.starts - datetime.timedelta(days=6), datetime.time(11), tzinfo=tz
    )
    plan_rows = create_plans(actor=ctx.actor, school=school, plans=plans, note=NOTE, at=written)
    result.plan_topics = len(plan_rows)

    # Mark columns first (their ids are needed for cells and the log).
    work_rows, marks_rows, attendance_rows = [], [], []
    topic_rows, homework_rows, remark_rows = [], [], []
    for course_id, rows in per_course.items():
        subject = subject_of[course_subject[course_id]]
        offset = rng.randint(4, 7)
        hw_rng = random.Random(f"{ctx.seed}:{course_id}:homework")
        for n, (pk, _c, group_id, teacher_id, day, ends) in enumerate(rows):
            if day >= topics_until:
                break
            actor = user_of.get(teacher_id)
            plan = plan_rows[plan_hours[course_id][n]] if n < len(plan_hours[course_id]) else None
            topic_at = moment(day, ends, -300 if day >= today else 20)
            # The deadlines' mix (journal/deadlines): a few topics written the next morning, and a few of
            # the last week's not yet; from a random stream of its own, so the rest stays as it was.
            late = slack.random() if day < today else 1.0
            if late < 0.07 and day + datetime.timedelta(days=1) < today:
                topic_at = datetime.datetime.combine(
                    day + datetime.timedelta(days=1), datetime.time(7, slack.randint(30, 59)), tzinfo=tz
                )
            if not (late >= 0.985 and today - datetime.timedelta(days=7) <= day < today):
                topic_rows.append(
                    PastTopic(pk, plan.title if plan else subject, plan.pk if plan else None, actor, topic_at)
                )
            if day >= today:
                continue
            grade = grade_of_group[group_id]
            present = members(group_id, day)
            marks_allowed = grade > 1 and course_subject[course_id] not in no_marks_subjects
            if grade > 1 and subject not in NO_HOMEWORK and rng.random() < 0.85:
                text, pages = homework_for(subject, hw_rng, n)
                homework_rows.append(PastHomework(pk, text, pages, None, actor, moment(day, ends, 30)))
            absent = set()
            for sid in present:
                if day in sick[sid] or rng.random() < 0.003:
                    status = "absent"
                elif rng.random() < 0.01:
                    status = "late"
                else:
                    continue
                if status == "absent":
                    absent.add(sid)
                if day >= monday or (sid, day) in unreconciled:
                    reason = ""
                elif status == "late":
                    reason = "unexcused" if rng.random() < 0.5 else ""
                elif day in sick[sid]:
                    reason = "illness" if rng.random() < 0.92 else "excused"
                else:
                    reason = rng.choice(("excused", "unexcused"))
                at = moment(day, ends, rng.randint(-40, 180))
                attendance_rows.append(PastAttendance(pk, sid, ATTENDANCE_DISPLAY[status], reason, at, actor))
            if marks_allowed:
                if n % 8 == offset and subject not in NO_HOMEWORK:
                    code = "Д" if subject == "Русский язык" and rng.random() < 0.5 else "КР"
                    share = 0.9
                elif subject in LANGUAGES and rng.random() < 0.08:
                    code, share = "СР", 0.85
                else:
                    code, share = "У", rng.uniform(0.25, 0.35)
                work_rows.append(Work(school=school, lesson_id=pk, work_type=types[code], position=1))
                w = len(work_rows) - 1
                # Some columns marked after their deadline: a test a week and a half later, an oral
                # answer two days later (never later than the build's day).
                marked_late = None
                if slack.random() < (0.04 if code == "У" else 0.12):
                    late_day = day + datetime.timedelta(days=2 if code == "У" else slack.randint(8, 12))
                    if late_day < today and not any(day <= end < late_day for end in period_ends):
                        marked_late = datetime.datetime.combine(late_day, datetime.time(16, 0), tzinfo=tz)
                for sid in present:
                    if sid in absent or rng.random() >= share:
                        continue
                    mark = min(5, max(2, round(rng.gauss(ability[sid], 0.75 if code == "У" else 0.9))))
                    marks = [mark]
                    if code == "У" and rng.random() < 0.03:
                        marks.append(min(5, max(2, mark + rng.choice((-1, 0, 1)))))
                    at = moment(day, ends, rng.randint(0, 240))
                    if marked_late is not None:
                        at = marked_late + (at - moment(day, ends, 0))
                    marks_rows.append(PastMarks(w, sid, format_cell(tuple(marks)), at, actor))
            if present and rng.random() < 0.04:
                praise = rng.random() < 0.55
                remark_rows.append(
                    PastRemark(pk, rng.choice(present), "praise" if praise else "remark",
                               rng.choice(PRAISES if praise else REMARKS), teacher_id, moment(day, ends, 10))
                )  # fmt: skip

    records = record_lessons(
        actor=ctx.actor,
        school=school,
        topics=topic_rows,
        homework=homework_rows,
        remarks=remark_rows,
        now=datetime.datetime.combine(today, datetime.time(), tzinfo=tz),  # the build's day, at midnight
        note=NOTE,
    )
    result.topics, result.homework, result.remarks = records.topics, records.homework, records.remarks

    def finals_entries():
        """The period finals, on the marks just written: their mark-log entries join the chain, in time
        order with the marks (with the make-up marks given so that a student gets a final)."""
        result.finals = build_finals(ctx, calendar, courses, user_of)
        return result.finals.entries

    history = record_history(
        actor=ctx.actor,
        school=school,
        works=work_rows,
        marks=marks_rows,
        attendance=attendance_rows,
        more_entries=finals_entries,
        note=NOTE,
    )
    result.works, result.cells, result.attendance = len(history.works), history.cells, history.attendance
    result.cells += result.finals.makeup
    result.log_entries = history.log_entries
    result.seconds = time.monotonic() - started
    return result
