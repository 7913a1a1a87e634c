"""Thematic plans (КТП, R-J-5): the ordered topics of a course with their hours.

- `proposed_topic(lesson)` is what the lesson page offers as the topic.
- `replace_plan` / `clear_plan` are the only writes of a plan (policy + audit).
- `plan_report` and `plans_overview` compare planned and delivered hours.

A lesson "delivers" one hour of the plan topic its `LessonTopic` links to when it
is a lesson of that topic's course, is not cancelled and is dated today or
earlier (in the school's time zone).
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit
from journal import rules
from journal.models import LessonTopic, PlanTopic
from journal.plans.xlsx import PlanRow
from schedule.models import Course, Lesson

# The journal's proposal


def proposed_topic(lesson: Lesson) -> PlanTopic | None:
    """The next planned topic for `lesson`, from the topics the course's earlier lessons covered.

    An earlier lesson (of the same course, not cancelled, before this one) "uses" an
    hour of the plan topic its recorded topic links to. The proposal continues from
    the topic of the latest such lesson: that topic while it has hours left, else the
    next one after it with hours left, else the first unfinished topic of the plan
    (one skipped earlier). Without earlier linked lessons it is the first topic with
    hours left. One query; None when the course has no plan or every hour is used.
    """
    lesson_q = "lesson_topics__lesson__"
    earlier = (
        Q(**{f"{lesson_q}course_id": lesson.course_id})
        & ~Q(**{f"{lesson_q}status": Lesson.Status.CANCELLED})
        & (
            Q(**{f"{lesson_q}date__lt": lesson.date})
            | Q(**{f"{lesson_q}date": lesson.date, f"{lesson_q}starts__lt": lesson.starts})
        )
    )
    if lesson.pk:
        earlier &= ~Q(**{f"{lesson_q}pk": lesson.pk})
    moment = ExpressionWrapper(F(f"{lesson_q}date") + F(f"{lesson_q}starts"), output_field=DateTimeField())
    topics = list(
        PlanTopic.objects.filter(course_id=lesson.course_id)
        .annotate(used=Count("lesson_topics", filter=earlier), last=Max(moment, filter=earlier))
        .order_by("position")
    )
    open_topics = [t for t in topics if t.used < t.hours]
    covered = [t for t in topics if t.last is not None]
    if covered:
        latest = max(covered, key=lambda t: t.last)
        after = next((t for t in open_topics if t.position >= latest.position), None)
        if after is not None:
            return after
    return open_topics[0] if open_topics else None


# Writes


def ensure_can_edit_plan(actor, course: Course) -> None:
    """Refuse unless `actor` may change the plan of `course` now (the year must be open)."""
    if not rules.edit_plan(actor, course):
        raise PermissionDenied("journal.rules.edit_plan")
    if course.year.is_read_only:
        raise ValidationError(
            _("The year %(year)s is closed: its plans can no longer be changed.")
            % {"year": course.year.name},
            code="year_closed",
        )


@dataclass(frozen=True)
class PlanChange:
    topics: int
    hours: int
    kept: int  # topics whose (position, title) stayed, with their lesson links
    added: int
    removed: int
    unlinked_lessons: int  # lesson topics whose plan link was dropped


def _lock_course(course: Course) -> Course:
    """The course row locked till commit, so two imports of one plan never interleave."""
    return Course.objects.select_for_update(of=("self",)).select_related("year", "school").get(pk=course.pk)


@transaction.atomic
def replace_plan(*, actor, course: Course, rows: list[PlanRow]) -> PlanChange:
    """Replace the whole plan of `course` by `rows` (in order: positions 1, 2, …), audited with the counts.

    A topic whose (position, title) is unchanged keeps its row, so the lessons
    linked to it stay linked (its section and hours are updated). Every other old
    topic is deleted, and the lessons linked to it keep their topic text but lose
    the link (`LessonTopic.plan_topic` becomes NULL).
    """
    course = _lock_course(course)
    ensure_can_edit_plan(actor, course)
    if not rows:
        raise ValidationError(_("The plan is empty."), code="empty")
    old = {(t.position, t.title): t for t in PlanTopic.objects.filter(course=course)}
    wanted = {(position, row.title): row for position, row in enumerate(rows, start=1)}
    gone = [t.pk for key, t in old.items() if key not in wanted]
    unlinked = LessonTopic.objects.filter(plan_topic_id__in=gone).count() if gone else 0
    if gone:
        PlanTopic.objects.filter(pk__in=gone).delete()
    kept, new = [], []
    for (position, title), row in wanted.items():
        topic = old.get((position, title))
        if topic is not None:
            topic.section, topic.hours = row.section, row.hours
            kept.append(topic)
        else:
            new.append(
                PlanTopic(
                    school=course.school,
                    course=course,
                    position=position,
                    section=row.section,
                    title=title,
                    hours=row.hours,
                )
            )
    PlanTopic.objects.bulk_update(kept, ["section", "hours"])
    PlanTopic.objects.bulk_create(new)
    change = PlanChange(
        topics=len(rows),
        hours=sum(r.hours for r in rows),
        kept=len(kept),
        added=len(new),
        removed=len(gone),
        unlinked_lessons=unlinked,
    )
    audit.record(actor, "plan_replaced", course, school=course.school, data=asdict(change))
    return change


@transaction.atomic
def clear_plan(*, actor, course: Course) -> PlanChange:
    """Delete every topic of the plan of `course`; linked lessons keep their topic text, without the link."""
    course = _lock_course(course)
    ensure_can_edit_plan(actor, course)
    topics = PlanTopic.objects.filter(course=course)
    removed = topics.count()
    unlinked = LessonTopic.objects.filter(plan_topic__course=course).count()
    topics.delete()
    change = PlanChange(topics=0, hours=0, kept=0, added=0, removed=removed, unlinked_lessons=unlinked)
    audit.record(actor, "plan_cleared", course, school=course.school, data=asdict(change))
    return change


# Reads


def _delivered_filter(course_id, today: datetime.date, prefix: str = "lesson_topics__lesson__") -> Q:
    return (
        Q(**{f"{prefix}course_id": course_id})
        & ~Q(**{f"{prefix}status": Lesson.Status.CANCELLED})
        & Q(**{f"{prefix}date__lte": today})
    )


def plan_topics(course: Course) -> QuerySet[PlanTopic]:
    return PlanTopic.objects.filter(course=course).order_by("position")


@dataclass
class PlanReport:
    """The plan of a course against the lessons held (the plan page)."""

    topics: list[PlanTopic]  # each with .delivered, .dates, .status, .status_label, .status_class
    planned: int
    delivered: int
    held: int  # lessons held so far (not cancelled, dated today or earlier)
    held_without_topic: int
    held_off_plan: int  # held with a topic that links to no topic of this plan
    upcoming: int  # lessons still scheduled this year (after today, not cancelled)
    remaining: int  # planned hours not delivered yet (topics over plan count zero)

    @property
    def percent(self) -> int | None:
        return round(100 * self.delivered / self.planned) if self.planned else None

    @property
    def shortfall(self) -> int:
        """Hours the scheduled lessons lack to finish the plan (0: the plan fits)."""
        return max(self.remaining - self.upcoming, 0)

    @property
    def spare(self) -> int:
        return max(self.upcoming - self.remaining, 0)


NOT_STARTED, IN_PROGRESS, DONE, OVER = "not_started", "in_progress", "done", "over"
# status → (label, badge class) for the plan page
STATUS_BADGES = {
    NOT_STARTED: (gettext_lazy("not started"), "plan-idle"),
    IN_PROGRESS: (gettext_lazy("in progress"), ""),
    DONE: (gettext_lazy("completed"), "ok"),
    OVER: (gettext_lazy("over plan"), "warn"),
}


def topic_status(planned: int, delivered: int) -> str:
    if delivered == 0:
        return NOT_STARTED
    if delivered < planned:
        return IN_PROGRESS
    return DONE if delivered == planned else OVER


def plan_report(course: Course, today: datetime.date) -> PlanReport:
    """The plan page's data in two queries whatever the size of the plan or the number of lessons."""
    delivered = _delivered_filter(course.pk, today)
    topics = list(
        plan_topics(course).annotate(
            delivered=Count("lesson_topics", filter=delivered),
            dates=ArrayAgg(
                "lesson_topics__lesson__date",
                filter=delivered,
                ordering=("lesson_topics__lesson__date", "lesson_topics__lesson__starts"),
                default=Value([]),
            ),
        )
    )
    for t in topics:
        t.status = topic_status(t.hours, t.delivered)
        t.status_label, t.status_class = STATUS_BADGES[t.status]
    held = ~Q(status=Lesson.Status.CANCELLED) & Q(date__lte=today)
    in_plan = Q(topic__plan_topic__course_id=course.pk)
    counts = Lesson.objects.filter(course=course).aggregate(
        held=Count("pk", filter=held),
        without_topic=Count("pk", filter=held & Q(topic__isnull=True)),
        off_plan=Count("pk", filter=held & Q(topic__isnull=False) & ~in_plan),
        upcoming=Count("pk", filter=~Q(status=Lesson.Status.CANCELLED) & Q(date__gt=today)),
    )
    return PlanReport(
        topics=topics,
        planned=sum(t.hours for t in topics),
        delivered=sum(t.delivered for t in topics),
        held=counts["held"],
        held_without_topic=counts["without_topic"],
        held_off_plan=counts["off_plan"],
        upcoming=counts["upcoming"],
        remaining=sum(max(t.hours - t.delivered, 0) for t in topics),
    )


def plans_overview(courses: QuerySet[Course], today: datetime.date) -> QuerySet[Course]:
    """`courses` with `planned` hours, `topic_count`, `delivered` hours and `held` lessons, in one query."""
    planned = (
        PlanTopic.objects.filter(course=OuterRef("pk"))
        .order_by()
        .values("course")
        .annotate(total=Sum("hours"), n=Count("pk"))
    )
    delivered = (
        LessonTopic.objects.filter(plan_topic__course=OuterRef("pk"))
        .filter(_delivered_filter(OuterRef("pk"), today, prefix="lesson__"))
        .order_by()
        .values("plan_topic__course")
        .annotate(n=Count("pk"))
    )
    held = (
        Lesson.objects.filter(course=OuterRef("pk"), date__lte=today)
        .exclude(status=Lesson.Status.CANCELLED)
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
    )
    zero = Value(0, output_field=IntegerField())
    return courses.annotate(
        planned=Coalesce(Subquery(planned.values("total"), output_field=IntegerField()), zero),
        topic_count=Coalesce(Subquery(planned.values("n"), output_field=IntegerField()), zero),
        delivered=Coalesce(Subquery(delivered.values("n"), output_field=IntegerField()), zero),
        held=Coalesce(Subquery(held.values("n"), output_field=IntegerField()), zero),
    )
