"""`journal.plans.bulk.create_plans`: the plans of many courses at once, each check refusing the whole
batch with nothing saved, one audit event, and a number of queries that does not grow with the batch."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from journal.models import PlanTopic
from journal.plans.bulk import create_plans
from journal.plans.xlsx import PlanRow
from schedule.models import AcademicYear

pytestmark = pytest.mark.django_db

NOTE = "seeded by a test"


def rows(n=2):
    return [PlanRow("Числа", f"Тема {i}", 2) for i in range(1, n + 1)]


def write(world, plans):
    return create_plans(actor=None, school=world.school, plans=plans, note=NOTE)


def snapshot():
    return PlanTopic.objects.count(), AuditEvent.objects.count()


def refused(world, plans):
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        write(world, plans)
    assert list(info.value.message_dict) == ["plans"]
    assert snapshot() == before


def test_the_plans_of_several_courses_in_order(world):
    topics = write(world, [(world.math_5a, rows(3)), (world.russian_5a, [PlanRow("", " Фонетика ", 1)])])
    assert [(t.course_id, t.position, t.title, t.hours) for t in topics] == [
        (world.math_5a.pk, 1, "Тема 1", 2),
        (world.math_5a.pk, 2, "Тема 2", 2),
        (world.math_5a.pk, 3, "Тема 3", 2),
        (world.russian_5a.pk, 1, "Фонетика", 1),
    ]
    assert all(t.pk and t.school_id == world.school.pk for t in topics)
    assert PlanTopic.objects.count() == 4


def test_one_audit_event_for_the_batch(world):
    before = AuditEvent.objects.count()
    write(world, [(world.math_5a, rows(3)), (world.russian_5a, rows(1))])
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert (event.action, event.summary, event.actor, event.school) == (
        "create_plans",
        NOTE,
        None,
        world.school,
    )
    assert event.data == {"courses": 2, "topics": 4, "hours": 8}


def test_the_queries_do_not_grow_with_the_batch(world):
    with CaptureQueriesContext(connection) as small:
        write(world, [(world.math_5a, rows(1))])
    PlanTopic.objects.all().delete()
    with CaptureQueriesContext(connection) as big:
        write(world, [(world.math_5a, rows(40)), (world.russian_5a, rows(30)), (world.math_6b, rows(30))])
    assert len(small) == len(big) == 6  # savepoint, courses, plans, insert, audit, release


def test_a_course_of_another_school_is_refused(world, other_world):
    refused(world, [(world.math_5a, rows()), (other_world.math_5a, rows())])


def test_a_closed_year_is_refused(world):
    AcademicYear.objects.filter(pk=world.year.pk).update(status=AcademicYear.Status.CLOSED)
    refused(world, [(world.math_5a, rows())])


def test_a_course_given_twice_is_refused(world):
    refused(world, [(world.math_5a, rows()), (world.math_5a, rows())])


def test_a_course_with_a_plan_is_refused(world):
    write(world, [(world.russian_5a, rows())])
    refused(world, [(world.math_5a, rows()), (world.russian_5a, rows())])


def test_an_empty_plan_is_refused(world):
    refused(world, [(world.math_5a, rows()), (world.russian_5a, [])])


def test_a_topic_without_a_title_is_refused(world):
    refused(world, [(world.math_5a, [*rows(), PlanRow("Числа", "  ", 1)])])


@pytest.mark.parametrize(
    "row", [PlanRow("", "т" * 301, 1), PlanRow("р" * 201, "Тема", 1)], ids=["title", "section"]
)
def test_a_title_or_section_too_long_is_refused(world, row):
    refused(world, [(world.math_5a, [row])])


@pytest.mark.parametrize("hours", [0, 201])
def test_hours_out_of_range_are_refused(world, hours):
    refused(world, [(world.math_5a, [PlanRow("", "Тема", hours)])])


def test_another_school_s_plan_is_left_alone(world, other_world):
    write(other_world, [(other_world.math_5a, rows(3))])
    write(world, [(world.math_5a, rows())])
    assert PlanTopic.objects.filter(school=world.school).count() == 2
