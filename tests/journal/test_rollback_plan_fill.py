"""A compromised login's topics filled from the plan and mark columns it added, rolled back (R-ACC-7).

One fill covers many lessons: each lesson goes back to having no topic on its own, and a lesson whose
topic someone else changed since is skipped with the reason. A column the login added goes through
`remove_work` when it never held marks; one that did (the mark log keeps its marks) stays, with why.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import audit
from accounts.models import AuditEvent
from accounts.services.compromise import report_compromised
from journal.grid.services import add_work, ensure_default_work_types, record_cell, remove_work
from journal.marklog import services as marklog
from journal.models import Cell, LessonTopic, PlanTopic, Work
from journal.records import services as records
from journal.rollback import services as rollback
from tests import factories as f
from tests.clock import moment

from . import actor, d, lesson

pytestmark = pytest.mark.django_db


def report(world, whom):
    return report_compromised(
        actor=actor(world.admin), user=whom.user, school=world.school, since=moment("2026-12-09 13:00")
    )


def plan(course, *titles):
    return [
        PlanTopic.objects.create(school=course.school, course=course, position=n, title=title, hours=1)
        for n, title in enumerate(titles, start=1)
    ]


def listed(event) -> dict[str, rollback.Change]:
    return {c.key: c for c in rollback.changes_since(event).journal}


def statuses(event) -> dict[str, str]:
    return {key: c.status for key, c in listed(event).items()}


def topics() -> dict[int, tuple[str, int | None]]:
    return {t.lesson_id: (t.text, t.plan_topic_id) for t in LessonTopic.objects.all()}


def test_each_lesson_of_a_plan_fill_goes_back_and_one_changed_since_is_skipped(world, clock, english):
    titles = plan(world.math_5a, "Натуральные числа", "Дроби", "Проценты", "Уравнения")
    kept, filled, contested, third = (lesson(world.math_5a, d(12, day)) for day in (1, 2, 3, 4))
    teacher, admin = actor(world.teacher), actor(world.admin)
    clock.move_to("2026-12-09 12:00")
    records.set_topic(actor=teacher, lesson=kept, text="Повторение")
    clock.move_to("2026-12-09 14:00")
    assert records.fill_topics_from_plan(actor=teacher, course=world.math_5a, period=kept.period) == 3
    [fill] = AuditEvent.objects.filter(action="journal.topics_filled_from_plan")
    # The event names each lesson's topic before (none: only empty lessons are filled) and after.
    assert [t["lesson"] for t in fill.data["topics"]] == [filled.pk, contested.pk, third.pk]
    assert all(t["old"] is None for t in fill.data["topics"])
    assert fill.data["topics"][0]["new"] == {
        "text": topics()[filled.pk][0],
        "plan_topic": topics()[filled.pk][1],
    }
    clock.move_to("2026-12-09 15:00")
    records.set_topic(actor=admin, lesson=contested, text="Самостоятельная работа")
    event = report(world, world.teacher)
    found = listed(event)
    assert statuses(event) == {
        f"topic:{filled.pk}": "ready",
        f"topic:{contested.pk}": "changed",
        f"topic:{third.pk}": "ready",
    }
    assert found[f"topic:{filled.pk}"].before == "" and found[f"topic:{filled.pk}"].after in {
        t.title for t in titles
    }
    log = marklog.verify(world.school)

    outcome = rollback.roll_back(actor=admin, report=event)

    assert sorted(c.key for c in outcome.done) == sorted([f"topic:{filled.pk}", f"topic:{third.pk}"])
    [(skipped, reason)] = outcome.skipped
    assert skipped.key == f"topic:{contested.pk}" and reason.startswith("Changed since by")
    assert topics() == {kept.pk: ("Повторение", None), contested.pk: ("Самостоятельная работа", None)}
    # Through the topic service with the admin as actor; the login's own event stays.
    cleared = AuditEvent.objects.filter(actor=world.admin.user, action="journal.topic_cleared")
    assert sorted(int(e.object_id) for e in cleared) == sorted([filled.pk, third.pk])
    assert AuditEvent.objects.filter(pk=fill.pk, data=fill.data).exists()
    assert log[0] and marklog.verify(world.school)[0]
    assert statuses(event) == {
        f"topic:{filled.pk}": "restored",
        f"topic:{contested.pk}": "changed",
        f"topic:{third.pk}": "restored",
    }


def test_a_lesson_filled_and_then_edited_by_the_login_goes_back_to_no_topic(world, clock, english):
    plan(world.math_5a, "Дроби")
    filled = lesson(world.math_5a, d(12, 1))
    teacher = actor(world.teacher)
    clock.move_to("2026-12-09 14:00")
    records.fill_topics_from_plan(actor=teacher, course=world.math_5a, period=filled.period)
    records.set_topic(actor=teacher, lesson=filled, text="Ложная тема")
    event = report(world, world.teacher)
    [change] = rollback.changes_since(event).journal
    assert (change.key, change.status, change.before, change.after) == (
        f"topic:{filled.pk}",
        "ready",
        "",
        "Ложная тема",
    )
    outcome = rollback.roll_back(actor=actor(world.admin), report=event)
    assert outcome.done == [change] and not LessonTopic.objects.exists()


def test_a_fill_recorded_without_its_topics_is_listed_by_hand(world, clock, english):
    clock.move_to("2026-12-09 14:00")
    period = lesson(world.math_5a, d(12, 1)).period
    audit.record(
        actor(world.teacher),
        "journal.topics_filled_from_plan",
        world.math_5a,
        school=world.school,
        data={"period": period.pk, "lessons": [1, 2]},  # as the service wrote it before
    )
    found = rollback.changes_since(report(world, world.teacher))
    assert found.journal == []
    assert [o.event.action for o in found.other] == ["journal.topics_filled_from_plan"]


def test_columns_the_login_added_go_when_they_never_held_marks(world, clock, english):
    student = world.student.student
    empty, marked, others, older = (lesson(world.math_5a, d(12, day)) for day in (1, 2, 3, 4))
    teacher, admin = actor(world.teacher), actor(world.admin)
    clock.move_to("2026-12-09 12:00")
    before = add_work(actor=teacher, lesson=older)
    clock.move_to("2026-12-09 14:00")
    added = add_work(actor=teacher, lesson=empty)
    false = add_work(actor=teacher, lesson=marked)
    record_cell(actor=teacher, work=false, student=student, raw="2", version=None)
    contested = add_work(actor=teacher, lesson=others)
    clock.move_to("2026-12-09 15:00")
    record_cell(actor=admin, work=contested, student=student, raw="4", version=None)
    event = report(world, world.teacher)
    found = listed(event)
    assert statuses(event) == {
        f"work:{added.pk}": "ready",
        f"work:{false.pk}": "manual",
        f"marks:{false.pk}:{student.pk}": "ready",
        f"work:{contested.pk}": "manual",
    }
    assert "mark log keeps them" in found[f"work:{false.pk}"].reason
    assert found[f"work:{contested.pk}"].reason.startswith("Someone else entered marks")
    assert found[f"work:{added.pk}"].lesson == empty and found[f"work:{added.pk}"].after == "У"
    logins_events = AuditEvent.objects.filter(actor=world.teacher.user).count()

    outcome = rollback.roll_back(actor=admin, report=event)

    assert sorted(c.key for c in outcome.done) == sorted(
        [f"work:{added.pk}", f"marks:{false.pk}:{student.pk}"]
    )
    assert sorted(c.key for c, _reason in outcome.skipped) == sorted(
        [f"work:{false.pk}", f"work:{contested.pk}"]
    )
    assert set(Work.objects.values_list("pk", flat=True)) == {before.pk, false.pk, contested.pk}
    assert Cell.objects.get(work=false).marks == [] and Cell.objects.get(work=contested).marks == [4]
    [removed] = AuditEvent.objects.filter(action="journal.work_removed")
    assert (removed.actor, removed.object_id, removed.data["lesson"]) == (
        world.admin.user,
        str(added.pk),
        empty.pk,
    )
    assert AuditEvent.objects.filter(actor=world.teacher.user).count() == logins_events
    assert marklog.verify(world.school)[0]
    assert rollback.changes_since(event).journal[0].status == "restored"


def test_remove_work_refuses_a_column_with_marks_or_marked_once_and_other_teachers(world, clock, english):
    student = world.student.student
    held = lesson(world.math_5a, d(12, 8))
    teacher = actor(world.teacher)
    marked, cleared, empty = (add_work(actor=teacher, lesson=held) for _n in range(3))
    record_cell(actor=teacher, work=marked, student=student, raw="5", version=None)
    result = record_cell(actor=teacher, work=cleared, student=student, raw="3", version=None)
    record_cell(actor=teacher, work=cleared, student=student, raw="", version=result.cell_version)
    with pytest.raises(ValidationError, match="This column holds marks"):
        remove_work(actor=teacher, work=marked)
    with pytest.raises(ValidationError, match="kept in the mark log"):
        remove_work(actor=teacher, work=cleared)
    with pytest.raises(PermissionDenied):
        remove_work(actor=actor(world.other_teacher), work=empty)
    assert Work.objects.filter(lesson=held).count() == 3
    assert not AuditEvent.objects.filter(action="journal.work_removed").exists()

    remove_work(actor=teacher, work=empty)

    assert set(Work.objects.filter(lesson=held)) == {marked, cleared}
    [removed] = AuditEvent.objects.filter(action="journal.work_removed")
    assert removed.data == {"lesson": held.pk, "work_type": "У", "position": 3, "override": False}
    # A column added after it takes the next place; the gap left behind is harmless.
    assert add_work(actor=teacher, lesson=held).position == 3


def test_remove_work_refuses_a_first_grade_like_add_work(world, english):
    first = f.make_class(world.year, 1, "А", class_teacher=world.class_teacher)
    course = f.make_course(f.whole_group(first), world.math_5a.subject, world.teacher)
    held = lesson(course, d(12, 8))
    work_type = ensure_default_work_types(world.school)[0]
    work = Work.objects.create(school=world.school, lesson=held, work_type=work_type, position=1)
    with pytest.raises(ValidationError, match="First-grade"):
        remove_work(actor=actor(world.teacher), work=work)
