"""The set form of the plans' write, for a builder that enters the plans of a whole school at once (the
demo school).

`create_plans` is `replace_plan` for many courses that have no plan yet: each course the school's,
of an open year (its plans can still change), given once and without a plan, each plan not empty,
and each topic with a title of at most 300 characters, a section of at most 200 and 1–200 hours
(what the plan's import accepts, `journal.plans.xlsx`). Who may edit a plan is not asked: the plans
are entered by the school (no login), not by a teacher now. The batch is refused whole (a
`ValidationError` keyed by `plans`); the topics are inserted in one statement, and one audit event
records the batch, with the caller's `note`.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import School
from journal.models import PlanTopic
from journal.plans.xlsx import MAX_HOURS, SECTION_MAX, TITLE_MAX, PlanRow
from schedule.models import AcademicYear, Course

FIELD = "plans"


def _refuse(message, **params):
    raise ValidationError({FIELD: ValidationError(message, params=params or None)})


def _check_rows(rows: Sequence[PlanRow]) -> None:
    if not rows:
        _refuse(_("The plan is empty."))
    for row in rows:
        title = (row.title or "").strip()
        if not title:
            _refuse(_("Every topic needs a title."))
        if len(title) > TITLE_MAX or len((row.section or "").strip()) > SECTION_MAX:
            _refuse(_("A topic's title or section is too long."))
        if not isinstance(row.hours, int) or not 1 <= row.hours <= MAX_HOURS:
            _refuse(_("Hours must be a whole number from 1 to %(max)s."), max=MAX_HOURS)


@transaction.atomic
def create_plans(
    *,
    actor,
    school: School,
    plans: Sequence[tuple[Course, Sequence[PlanRow]]],
    note: str = "",
    at: datetime.datetime | None = None,
) -> list[PlanTopic]:
    """Enter the plan of each course (its topics in order: positions 1, 2, …); returns every topic
    created, the courses' in the order given. Three queries, whatever the number of courses. `at`: when
    the plans were written (a past year's, for the demo; the plans' deadline measures it), else now."""
    at = at or timezone.now()
    ids = [course.pk for course, _rows in plans]
    if len(set(ids)) != len(ids):
        _refuse(_("A course is given twice."))
    # The courses locked till commit (as `replace_plan` locks its course), with their year's status.
    status = dict(
        Course.objects.select_for_update(of=("self",))
        .filter(school=school, pk__in=ids)
        .values_list("pk", "year__status")
    )
    if len(status) != len(ids):
        _refuse(_("This course does not belong to your school."))
    if any(s != AcademicYear.Status.OPEN for s in status.values()):
        _refuse(_("The year of this course is closed: its plans can no longer be changed."))
    for _course, rows in plans:
        _check_rows(rows)
    if PlanTopic.objects.filter(course_id__in=ids).exists():
        _refuse(_("This course already has a plan."))
    topics = PlanTopic.objects.bulk_create(
        [
            PlanTopic(
                school_id=school.pk,
                course_id=course.pk,
                position=position,
                section=(row.section or "").strip(),
                title=row.title.strip(),
                hours=row.hours,
                created_at=at,
            )
            for course, rows in plans
            for position, row in enumerate(rows, start=1)
        ]
    )
    audit.record(
        actor,
        "create_plans",
        None,
        school=school,
        summary=note,
        data={"courses": len(ids), "topics": len(topics), "hours": sum(t.hours for t in topics)},
    )
    return topics
