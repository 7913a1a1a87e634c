"""Reads of thematic plans (R-J-5): the topic a lesson is offered, a course's plan against the lessons held,
the overview of every course's plan."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
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
from django.utils.translation import gettext_lazy

from journal.models import LessonTopic, PlanTopic
from schedule.models import Course, Lesson

NOT_STARTED, IN_PROGRESS, DONE, OVER = "not_started", "in_progress", "done", "over"


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
