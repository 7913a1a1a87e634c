"""The set form of the lesson record's writes, for a builder that enters a school's past lessons at once
(the demo school): topics, homework and remarks, kept with the moments they were written.

`record_lessons` checks what `set_topic`, `set_homework` and `add_remark` check with
`journal.policy.ensure_can_fill_record`, over the whole batch in a fixed number of queries: the lesson
is the school's and not cancelled, its year open and (but for the school admin) its period neither
locked nor closed; the author (a login for topics and homework, a person for remarks) is the lesson's
teacher or substitute or the school admin (`journal.policy.Writers`; a row written by no login is
not asked); a first grade gets no homework, and a remark's lesson is not after today; the texts within their limits; a topic's plan topic is of the lesson's course; a
homework's due lesson a later, not cancelled lesson of the same course; a remark's kind one of the
list, its text given and its student in the lesson's class or group on that day; no lesson's topic or
homework given twice or already written. An empty topic or homework (nothing to write) is skipped, as
the single-row services write nothing for it. The parents are not notified (these are past events).

The batch is refused whole (a `ValidationError` keyed by the argument: `topics`, `homework`,
`remarks`, or the row's field); each table is streamed with COPY and one audit event records the
batch, with the caller's `note`.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from accounts import audit
from accounts.bulk import copy_rows
from accounts.models import School
from accounts.selectors import local_today
from journal.grid.bulk import Pupils
from journal.models import CourseLock, Homework, LessonTopic, PeriodClosure, PlanTopic, Remark
from journal.policy import Writers
from journal.records.services import PAGES_MAX, REMARK_MAX, TASK_MAX, TOPIC_MAX
from schedule.models import AcademicYear, Lesson, StudyGroup


@dataclass(frozen=True)
class PastTopic:
    lesson_id: int
    text: str
    plan_topic_id: int | None
    by: int | None  # the login that wrote it
    at: datetime.datetime


@dataclass(frozen=True)
class PastHomework:
    lesson_id: int
    text: str
    pages: str
    due_lesson_id: int | None
    by: int | None  # the login that wrote it
    at: datetime.datetime


@dataclass(frozen=True)
class PastRemark:
    lesson_id: int
    student_id: int
    kind: str
    text: str
    author_id: int | None  # the person who wrote it
    at: datetime.datetime


@dataclass
class Records:
    topics: int
    homework: int
    remarks: int


@dataclass(frozen=True)
class _Lesson:
    course_id: int
    group: tuple  # ("c", class id) or ("g", group id), as `Pupils` keys them
    grade: int
    date: datetime.date
    starts: datetime.time
    cancelled: bool
    year_open: bool
    locked: bool  # the course's period locked or the period closed (R-F-5)
    period_ends: datetime.date


def _refuse(field: str, message, **params):
    raise ValidationError({field: ValidationError(message, params=params or None)})


def _lessons(school: School, ids: set[int]) -> dict[int, _Lesson]:
    """The lessons named, of the school, with their lock state: three queries."""
    named = RawSQL("SELECT unnest(%s::bigint[])", [sorted(ids)])  # one parameter, not one per lesson
    rows = Lesson.objects.filter(school=school, pk__in=named).values_list(
        "pk", "course_id", "period_id", "group__kind", "group__school_class_id", "group_id", "group__grade",
        "date", "starts", "status", "year__status", "period__ends",
    )  # fmt: skip
    rows = list(rows)
    periods = {r[2] for r in rows}
    courses = {r[1] for r in rows}
    locked = set(
        CourseLock.objects.filter(period_id__in=periods, course_id__in=courses, locked=True).values_list(
            "course_id", "period_id"
        )
    )
    closed = set(PeriodClosure.objects.filter(period_id__in=periods).values_list("period_id", flat=True))
    return {
        pk: _Lesson(
            course_id,
            ("c", cid) if kind == StudyGroup.Kind.WHOLE_CLASS else ("g", gid),
            grade,
            day,
            starts,
            status == Lesson.Status.CANCELLED,
            year_status == AcademicYear.Status.OPEN,
            (course_id, period_id) in locked or period_id in closed,
            period_ends,
        )
        for pk, course_id, period_id, kind, cid, gid, grade, day, starts, status, year_status, period_ends in rows
    }


class _Check:
    """The checks every row of the lesson record shares (`ensure_can_fill_record` in set form)."""

    def __init__(self, school: School, lessons: dict[int, _Lesson], writers: Writers, now):
        self.lessons, self.writers = lessons, writers
        self.today = local_today(school, now)

    def lesson(self, field: str, lesson_id: int, person_id: int | None, *, homework=False, remark=False):
        lesson = self.lessons.get(lesson_id)
        if lesson is None:
            _refuse(field, _("This lesson does not belong to your school."))
        if person_id is not None and not self.writers.fills_lesson(
            person_id, lesson_id=lesson_id, course_id=lesson.course_id, date=lesson.date,
            period_ends=lesson.period_ends,
        ):  # fmt: skip
            _refuse(field, _("Only the lesson's teacher or substitute can fill in this lesson."))
        if not lesson.year_open:
            _refuse(field, _("The year of this lesson is closed: its journal is read-only."))
        if lesson.locked and not (person_id is not None and self.writers.is_admin(person_id)):
            _refuse(field, _("The period of this lesson is locked or closed: its journal is read-only."))
        if lesson.cancelled:
            _refuse(field, _("The lesson was cancelled."))
        if homework and lesson.grade == 1:
            _refuse(field, _("First-grade classes get no homework."))
        if remark and lesson.date > self.today:
            _refuse(field, _("A remark can be written on or after the lesson's date."))
        return lesson

    def person(self, user_id: int | None) -> int | None:
        """The person of the login that wrote a row (None: no login); refused if not of the school."""
        if user_id is None:
            return None
        person = self.writers.person_of.get(user_id)
        if person is None:
            _refuse("by", _("This login is not of a person of your school."))
        return person


def _once(seen: set, lesson_id: int, field: str) -> None:
    if lesson_id in seen:
        _refuse(field, _("A lesson is given twice."))
    seen.add(lesson_id)


def _too_long(field: str, text: str, limit: int) -> None:
    if len(text) > limit:
        _refuse(field, _("At most %(limit)d characters, please."), limit=limit)


@transaction.atomic
def record_lessons(
    *,
    actor,
    school: School,
    topics: Sequence[PastTopic] = (),
    homework: Sequence[PastHomework] = (),
    remarks: Sequence[PastRemark] = (),
    now: datetime.datetime | None = None,
    note: str = "",
) -> Records:
    """Enter the topics, homework and remarks of past (and, for topics and homework, coming) lessons,
    each with its author and moment, as at `now` (the present by default, as the single-row services'
    `now`); a fixed number of queries and the three COPYs, whatever the batch's size."""
    ids = {t.lesson_id for t in topics} | {h.lesson_id for h in homework} | {r.lesson_id for r in remarks}
    ids |= {h.due_lesson_id for h in homework if h.due_lesson_id is not None}
    lessons = _lessons(school, ids)
    writers = Writers(
        school,
        user_ids={t.by for t in topics if t.by} | {h.by for h in homework if h.by},
        person_ids={r.author_id for r in remarks if r.author_id},
        course_ids={lesson.course_id for lesson in lessons.values()},
        lesson_ids=lessons,
    )
    check = _Check(school, lessons, writers, now)
    plan_course = dict(
        PlanTopic.objects.filter(
            school=school, pk__in=sorted({t.plan_topic_id for t in topics if t.plan_topic_id})
        ).values_list("pk", "course_id")
    )

    topic_rows, seen = [], set()
    for t in topics:
        text = (t.text or "").strip()
        if not text:
            continue
        _once(seen, t.lesson_id, "topics")
        lesson = check.lesson("topics", t.lesson_id, check.person(t.by))
        _too_long("text", text, TOPIC_MAX)
        if t.plan_topic_id is not None and plan_course.get(t.plan_topic_id) != lesson.course_id:
            _refuse("plan_topic", _("This topic is from another course's plan."))
        topic_rows.append((school.pk, t.lesson_id, text, t.plan_topic_id, t.by, t.at))
    if seen and LessonTopic.objects.filter(lesson_id__in=sorted(seen)).exists():
        _refuse("topics", _("This lesson has a topic already."))

    homework_rows, seen = [], set()
    for h in homework:
        text, pages = (h.text or "").strip(), (h.pages or "").strip()
        if not text and not pages:
            continue
        _once(seen, h.lesson_id, "homework")
        lesson = check.lesson("homework", h.lesson_id, check.person(h.by), homework=True)
        _too_long("text", text, TASK_MAX)
        _too_long("pages", pages, PAGES_MAX)
        if h.due_lesson_id is not None:
            due = lessons.get(h.due_lesson_id)
            later = due is not None and (due.date, due.starts) > (lesson.date, lesson.starts)
            if not later or due.course_id != lesson.course_id:
                _refuse("due_lesson", _("Choose a later lesson of the same course."))
            if due.cancelled:
                _refuse("due_lesson", _("That lesson is cancelled."))
        homework_rows.append((school.pk, h.lesson_id, text, pages, h.due_lesson_id, h.by, h.at))
    if seen and Homework.objects.filter(lesson_id__in=sorted(seen)).exists():
        _refuse("homework", _("This lesson has homework already."))

    pupils = Pupils(school) if remarks else None
    remark_rows = []
    for r in remarks:
        lesson = check.lesson("remarks", r.lesson_id, r.author_id, remark=True)
        text = (r.text or "").strip()
        if r.kind not in Remark.Kind.values:
            _refuse("kind", _("Choose praise or remark."))
        if not text:
            _refuse("text", _("Write what happened."))
        _too_long("text", text, REMARK_MAX)
        if not pupils.contains(lesson.group, lesson.date, student_id=r.student_id):
            _refuse("student", _("This student was not in the lesson's class or group on that day."))
        remark_rows.append((school.pk, r.lesson_id, r.student_id, r.kind, text, r.author_id, r.at))

    result = Records(
        # A past record was first written when it was last changed (`created_at`: the deadlines measure it).
        copy_rows(
            LessonTopic,
            ["school", "lesson", "text", "plan_topic", "updated_by", "updated_at", "created_at"],
            [row + (row[-1],) for row in topic_rows],
        ),
        copy_rows(
            Homework,
            ["school", "lesson", "text", "pages", "due_lesson", "updated_by", "updated_at", "created_at"],
            [row + (row[-1],) for row in homework_rows],
        ),
        copy_rows(
            Remark, ["school", "lesson", "student", "kind", "text", "author", "created_at"], remark_rows
        ),
    )
    audit.record(
        actor,
        "record_lessons",
        None,
        school=school,
        summary=note,
        data={"topics": result.topics, "homework": result.homework, "remarks": result.remarks},
    )
    return result
