"""Substitutions (R-TT-4, R-ACC-6): who may record them and when, refusals that name the clash, the deputy's page."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent, Role
from journal import policy
from schedule import weeks
from schedule.models import AcademicYear, Lesson, Substitution
from schedule.substitutions import assign_substitute, cancel_substitution
from tests import factories as f
from tests.schedule.conftest import d

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MONDAY = d(10, 12)
MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")


def at(day, hhmm):
    return datetime.datetime.combine(day, datetime.time.fromisoformat(hhmm), tzinfo=MOSCOW)


BEFORE = at(MONDAY, "07:00")  # lesson 2 begins at 09:25
AFTER = at(MONDAY, "09:30")


class Day:
    def __init__(self, world):
        w = self.world = world
        pe = f.make_subject(w.school, "Физкультура", "Физ-ра")
        self.pe_6b = f.make_course(f.whole_group(w.class_6b), pe, w.substitute)
        self.math_1 = f.make_lesson(w.math_5a, MONDAY, 1)
        self.math_2 = f.make_lesson(w.math_5a, MONDAY, 2)
        self.russian_3 = f.make_lesson(w.russian_5a, MONDAY, 3)
        self.pe_2 = f.make_lesson(self.pe_6b, MONDAY, 2)  # the substitute is busy in slot 2
        self.math_6b_3 = f.make_lesson(w.math_6b, MONDAY, 3)
        self.math_tue = f.make_lesson(w.math_5a, MONDAY + datetime.timedelta(days=1), 1)


@pytest.fixture
def day(world):
    return Day(world)


@pytest.fixture
def deputy_actor(world, actor_of):
    return actor_of(world.deputy)


def test_deputy_records_before_the_lesson(world, day, deputy_actor):
    sub = assign_substitute(
        actor=deputy_actor, lesson=day.math_1, substitute=world.substitute, reason="болезнь", now=BEFORE
    )
    assert (sub.absent_teacher, sub.substitute, sub.late, sub.reason) == (
        world.teacher,
        world.substitute,
        False,
        "болезнь",
    )
    assert sub.recorded_by == world.deputy.user
    event = AuditEvent.objects.get(action="substitution_recorded")
    assert (
        event.data["substitute"] == world.substitute.pk and event.data["absent_teacher"] == world.teacher.pk
    )


def test_deputy_is_refused_once_the_lesson_has_begun(world, day, deputy_actor):
    with pytest.raises(ValidationError, match="already begun"):
        assign_substitute(actor=deputy_actor, lesson=day.math_2, substitute=world.other_teacher, now=AFTER)
    assert not Substitution.objects.exists()


def test_admin_after_the_start_is_marked_late(world, day, admin_actor):
    sub = assign_substitute(actor=admin_actor, lesson=day.math_2, substitute=world.other_teacher, now=AFTER)
    assert sub.late is True


@pytest.mark.parametrize("persona", ["director", "teacher", "class_teacher", "student", "parent"])
def test_nobody_else_records(world, day, actor_of, persona):
    with pytest.raises(ValidationError):
        assign_substitute(
            actor=actor_of(getattr(world, persona)),
            lesson=day.math_1,
            substitute=world.substitute,
            now=BEFORE,
        )


def test_busy_substitute_is_refused_with_the_clash_named(world, day, deputy_actor):
    with pytest.raises(ValidationError) as refused:
        assign_substitute(actor=deputy_actor, lesson=day.math_2, substitute=world.substitute, now=BEFORE)
    message = " ".join(refused.value.messages)
    assert world.substitute.short_name in message
    assert "6Б" in message and "Физкультура" in message and "09:25" in message
    assert "substitute" in refused.value.error_dict


def test_a_substitution_elsewhere_is_a_clash_too(world, day, deputy_actor):
    assign_substitute(actor=deputy_actor, lesson=day.math_6b_3, substitute=world.teacher, now=BEFORE)
    with pytest.raises(ValidationError) as refused:
        assign_substitute(actor=deputy_actor, lesson=day.russian_3, substitute=world.teacher, now=BEFORE)
    assert "6Б" in " ".join(refused.value.messages)


def test_own_lesson_covered_by_someone_else_frees_the_teacher(world, day, deputy_actor):
    # The substitute's own PE lesson in slot 2 goes to the class teacher: the substitute is free then.
    assign_substitute(actor=deputy_actor, lesson=day.pe_2, substitute=world.class_teacher, now=BEFORE)
    sub = assign_substitute(actor=deputy_actor, lesson=day.math_2, substitute=world.substitute, now=BEFORE)
    assert sub.substitute == world.substitute


def test_cancelled_lessons_own_teachers_non_teachers_and_other_schools_are_refused(
    world, other_world, day, deputy_actor
):
    cases = [
        (day.math_1, world.teacher, "own teacher"),
        (day.math_1, world.director, "must be a teacher of this school"),
        (day.math_1, world.student, "must be a teacher of this school"),
        (day.math_1, other_world.teacher, "must be a teacher of this school"),
    ]
    for lesson, person, text in cases:
        with pytest.raises(ValidationError, match=text):
            assign_substitute(actor=deputy_actor, lesson=lesson, substitute=person, now=BEFORE)
    Lesson.objects.filter(pk=day.math_1.pk).update(status=Lesson.Status.CANCELLED)
    with pytest.raises(ValidationError, match="cancelled"):
        assign_substitute(actor=deputy_actor, lesson=day.math_1, substitute=world.substitute, now=BEFORE)
    assert not Substitution.objects.exists()


def test_closed_year_is_refused(world, day, deputy_actor):
    AcademicYear.objects.filter(pk=world.year.pk).update(status=AcademicYear.Status.CLOSED)
    with pytest.raises(ValidationError, match="2026/2027"):
        assign_substitute(actor=deputy_actor, lesson=day.math_1, substitute=world.substitute, now=BEFORE)


def test_another_schools_deputy_cannot_touch_the_lesson(world, other_world, day, actor_of):
    with pytest.raises(ValidationError, match="does not belong"):
        assign_substitute(
            actor=actor_of(other_world.deputy), lesson=day.math_1, substitute=world.substitute, now=BEFORE
        )


def test_replacing_a_substitution_updates_it_and_audits_old_and_new(world, day, deputy_actor):
    first = assign_substitute(actor=deputy_actor, lesson=day.math_1, substitute=world.substitute, now=BEFORE)
    second = assign_substitute(
        actor=deputy_actor, lesson=day.math_1, substitute=world.other_teacher, reason="курсы", now=BEFORE
    )
    assert second.pk == first.pk and Substitution.objects.count() == 1
    assert Substitution.objects.get().substitute == world.other_teacher
    event = AuditEvent.objects.get(action="substitution_changed")
    assert event.data["old"]["substitute"] == world.substitute.pk
    assert event.data["new"] == {"substitute": world.other_teacher.pk, "reason": "курсы", "late": False}


def test_cancel_substitution(world, day, deputy_actor, admin_actor):
    sub = assign_substitute(actor=deputy_actor, lesson=day.math_2, substitute=world.other_teacher, now=BEFORE)
    with pytest.raises(ValidationError, match="already begun"):
        cancel_substitution(actor=deputy_actor, substitution=sub, now=AFTER)
    cancel_substitution(actor=admin_actor, substitution=sub, now=AFTER)
    assert not Substitution.objects.exists()
    event = AuditEvent.objects.get(action="substitution_cancelled")
    assert event.data["substitute"] == world.other_teacher.pk and event.data["after_start"] is True


def test_withdrawing_is_refused_when_the_own_teacher_is_busy_elsewhere(world, day, deputy_actor):
    # The PE teacher is away in slot 2, and the maths teacher, freed by a substitute, takes PE.
    assign_substitute(actor=deputy_actor, lesson=day.math_2, substitute=world.other_teacher, now=BEFORE)
    assign_substitute(actor=deputy_actor, lesson=day.pe_2, substitute=world.teacher, now=BEFORE)
    with pytest.raises(ValidationError, match="Физкультура"):
        cancel_substitution(actor=deputy_actor, substitution=day.math_2.substitution, now=BEFORE)
    assert Substitution.objects.count() == 2


def test_the_substitute_may_fill_that_lesson_and_no_other(world, day, deputy_actor, actor_of):
    assign_substitute(actor=deputy_actor, lesson=day.math_1, substitute=world.substitute, now=BEFORE)
    substitute = actor_of(world.substitute)
    assert policy.may_fill_lesson(substitute, day.math_1) is True
    assert policy.may_fill_lesson(substitute, day.math_2) is False  # same course, same day
    assert policy.may_fill_lesson(substitute, day.math_tue) is False
    assert policy.may_fill_lesson(actor_of(world.teacher), day.math_1) is True


# The deputy's page


def test_free_teachers_are_those_without_an_overlapping_lesson(world, day):
    world.math_5a.subject.teachers.add(world.other_teacher)
    page = weeks.substitution_day(world.school, MONDAY, absent=world.teacher, now=BEFORE)
    assert [c.lesson.pk for c in page.choices] == [day.math_1.pk, day.math_2.pk]
    slot_1, slot_2 = page.choices
    assert [t.pk for t in slot_1.subject_teachers] == [world.other_teacher.pk]
    assert world.substitute in slot_1.other_teachers and world.teacher not in slot_1.other_teachers
    assert world.substitute not in slot_2.other_teachers  # PE in 6Б at that time
    assert world.director not in slot_1.other_teachers  # not a teacher
    assert not slot_1.begun
    assert {t.teacher.pk for t in page.teachers} == {
        world.teacher.pk,
        world.class_teacher.pk,
        world.substitute.pk,
        world.other_teacher.pk,
    }


def test_substitution_day_has_fixed_queries(world, day, django_assert_num_queries):
    with django_assert_num_queries(3):
        weeks.substitution_day(world.school, MONDAY, absent=world.teacher, now=BEFORE)
    for i in range(4):
        extra = f.make_person(world.school, roles=[Role.TEACHER], last_name=f"Новиков{i}")
        course = f.make_course(
            f.whole_group(f.make_class(world.year, 7 + i, "А")), f.make_subject(world.school, f"П{i}"), extra
        )
        for slot in range(1, 6):
            f.make_lesson(course, MONDAY, slot)
    with django_assert_num_queries(3):
        page = weeks.substitution_day(world.school, MONDAY, absent=world.teacher, now=BEFORE)
    assert len(page.teachers) == 8


@pytest.fixture
def before_lessons(clock):
    """The tests' clock at `BEFORE` (a Monday morning before lessons) for pages that ask the time."""
    clock.move_to(BEFORE)


def test_deputy_page_lists_the_day_and_records_a_substitution(client, world, day, before_lessons):
    client.force_login(world.deputy.user)
    page = reverse("schedule:substitution_day")
    html = client.get(page, {"date": MONDAY.isoformat()}).content.decode()
    assert world.teacher.short_name in html
    html = client.get(page, {"date": MONDAY.isoformat(), "teacher": world.teacher.pk}).content.decode()
    assert f'action="{reverse("schedule:substitution_record", args=[day.math_1.pk])}"' in html
    response = client.post(
        reverse("schedule:substitution_record", args=[day.math_1.pk]),
        {"substitute": world.substitute.pk, "reason": "болезнь"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{page}?date=2026-10-12&teacher={world.teacher.pk}"
    sub = Substitution.objects.get()
    assert sub.lesson == day.math_1 and sub.substitute == world.substitute
    assert world.substitute.short_name in response.content.decode()


def test_refusal_is_shown_and_nothing_saved(client, world, day, before_lessons):
    client.force_login(world.deputy.user)
    response = client.post(
        reverse("schedule:substitution_record", args=[day.math_2.pk]),
        {"substitute": world.substitute.pk},
        follow=True,
    )
    assert "Физкультура" in response.content.decode()  # the clash, named
    assert not Substitution.objects.exists()


def test_withdraw_on_the_page(client, world, day, before_lessons, deputy_actor):
    sub = assign_substitute(actor=deputy_actor, lesson=day.math_1, substitute=world.substitute, now=BEFORE)
    client.force_login(world.deputy.user)
    client.post(reverse("schedule:substitution_cancel", args=[sub.pk]))
    assert not Substitution.objects.exists()


def test_substitute_sees_the_lesson_on_the_home_page_and_in_the_week(client, world, day, deputy_actor, clock):
    assign_substitute(actor=deputy_actor, lesson=day.math_1, substitute=world.substitute, now=BEFORE)
    clock.move_to(MONDAY)
    client.force_login(world.substitute.user)
    html = client.get(reverse("home")).content.decode()
    assert f'data-lesson="{day.math_1.pk}"' in html and f'data-lesson="{day.pe_2.pk}"' in html
    assert f'data-lesson="{day.math_2.pk}"' not in html
    assert world.teacher.short_name in html  # "instead of"
    week = client.get(reverse("schedule:week_teacher", args=[world.substitute.pk]), {"date": "2026-10-12"})
    assert f'data-lesson="{day.math_1.pk}"' in week.content.decode()


def test_home_today_query_count_does_not_grow_with_substitutions(client, world, day, deputy_actor, clock):
    clock.move_to(MONDAY)
    client.force_login(world.substitute.user)
    client.get(reverse("home"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(reverse("home"))
    assign_substitute(actor=deputy_actor, lesson=day.math_1, substitute=world.substitute, now=BEFORE)
    assign_substitute(actor=deputy_actor, lesson=day.russian_3, substitute=world.substitute, now=BEFORE)
    with CaptureQueriesContext(connection) as after:
        html = client.get(reverse("home")).content.decode()
    assert len(after) == len(before)
    assert html.count("badge warn") >= 2
