"""Writes of thematic plans (КТП, R-J-5): the ordered topics of a course with their hours.

- `replace_plan` / `clear_plan` are the only writes of a plan (policy + audit).
- The reads are in `selectors`: `proposed_topic(lesson)` is what the lesson page offers as the topic;
  `plan_report` and `plans_overview` compare planned and delivered hours.

A lesson "delivers" one hour of the plan topic its `LessonTopic` links to when it
is a lesson of that topic's course, is not cancelled and is dated today or
earlier (in the school's time zone).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import audit
from journal import rules
from journal.models import LessonTopic, PlanTopic
from journal.plans.xlsx import PlanRow
from schedule.models import Course

# The journal's proposal


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
