"""Deadlines of the journal (issue 16, R-CTL-1…4): when each part is due, and how it is measured from the
journal's own data.

Boundary tables for each clause (the topic by 20:00, homework an hour after the class's last lesson on a
usual and a shortened day, oral marks in a day, written work in 7 days for grades 2–9 and 10 for
10–11, the stricter working-days rule over a weekend and a holiday), then the measures of real lessons:
the substitute owns the lesson they took, a cancelled lesson, a holiday and a moved lesson change what
is due, and measuring twice changes nothing.
"""

import datetime
import threading

import pytest
from django.db import connection

from journal.deadlines import selectors, services, values
from journal.deadlines.values import LATE, MISSING, ON_TIME, Rules
from journal.grid.services import add_work, ensure_default_work_types, record_attendance, record_cell
from journal.models import DeadlineMeasure, EditWindow, JournalSettings, MarksDeadline, WorkType
from journal.records.services import set_homework, set_topic
from schedule.calendar import cancel_lesson, move_lesson
from schedule.services.years import save_holiday
from schedule.substitutions import assign_substitute
from tests import factories as f
from tests.journal import MSK, actor, d

RULES = Rules()


def m(day, hh, mm=0):
    return datetime.datetime.combine(day, datetime.time(hh, mm), tzinfo=MSK)


# Pure rules ----------------------------------------------------------------------------------------

MON, TUE, FRI, SAT = d(12, 7), d(12, 8), d(12, 11), d(12, 12)


@pytest.mark.parametrize(
    ("done", "state"),
    [(m(MON, 19, 59), ON_TIME), (m(MON, 20, 0), ON_TIME), (m(MON, 20, 1), LATE), (None, MISSING)],
)
def test_the_topic_is_due_by_eight_in_the_evening(done, state):
    due = values.record_due(MON, RULES, MSK)
    assert due == m(MON, 20)
    assert values.judge(due, done, m(TUE, 2))[0] == state


def test_a_saturday_lesson_is_due_on_saturday_and_nothing_is_reported_before_the_deadline():
    due = values.record_due(SAT, RULES, MSK)
    assert due == m(SAT, 20)
    assert values.judge(due, None, m(SAT, 19, 59)) is None
    assert values.judge(due, None, m(SAT, 20, 1)) == (MISSING, None)


@pytest.mark.parametrize(
    ("last_ends", "done", "state"),
    [
        (datetime.time(14, 0), m(MON, 14, 59), ON_TIME),
        (datetime.time(14, 0), m(MON, 15, 1), LATE),
        (datetime.time(13, 55), m(MON, 14, 54), ON_TIME),  # a shortened day: the bells end earlier
        (datetime.time(13, 55), m(MON, 14, 59), LATE),
    ],
)
def test_homework_is_due_an_hour_after_the_class_s_last_lesson(last_ends, done, state):
    due = values.homework_due(MON, last_ends, RULES, MSK)
    assert values.judge(due, done, m(TUE, 2))[0] == state


def test_late_by_is_told_in_days_hours_and_minutes():
    due = values.homework_due(MON, datetime.time(14, 0), RULES, MSK)
    state, late_by = values.judge(due, m(MON, 15, 46), m(TUE, 2))
    assert (state, values.late_text(late_by)) == (LATE, "46 мин")
    assert values.late_text(m(TUE, 18, 10) - due) == "1 д 3 ч"


@pytest.mark.parametrize(
    ("grade", "kind", "due"),
    [
        (5, "oral", m(TUE, 23, 59)),  # within a day: to the end of the next day
        (11, "oral", m(TUE, 23, 59)),
        (9, "written", m(d(12, 14), 23, 59)),  # 7 days for grades 2–9
        (10, "written", m(d(12, 17), 23, 59)),  # 10 days for grades 10–11
        (1, "oral", None),  # the first grade has no marks (seed 002 5.7)
        (5, "none", None),
    ],
)
def test_marks_are_due_by_work_type_and_grade(grade, kind, due):
    got = values.marks_due(MON, grade, kind, RULES, MSK)
    if due is None:
        assert got is None
    else:
        assert got - datetime.timedelta(minutes=1) == due


def test_the_stricter_rule_counts_working_days_past_a_weekend_and_a_holiday():
    rules = Rules(written_working_days=3)
    # Written on Friday: Monday, Tuesday, Wednesday.
    assert values.marks_due(FRI, 7, "written", rules, MSK) == m(d(12, 17), 0)
    # With Tuesday a holiday of the school: Monday, Wednesday, Thursday.
    assert values.marks_due(FRI, 7, "written", rules, MSK, holidays={d(12, 15)}) == m(d(12, 18), 0)
    # Oral answers keep their one day.
    assert values.marks_due(FRI, 7, "oral", rules, MSK) == m(d(12, 13), 0)


def test_the_plan_is_due_two_days_before_the_period():
    assert values.plan_due(d(11, 5), RULES, MSK) == m(d(11, 4), 0)


# Measured from the journal ---------------------------------------------------------------------------


@pytest.fixture
def week(world, clock):
    """Two lessons of 5А on Monday 7 December: math in slot 2 (the teacher), Russian in slot 6 (the class
    teacher, the class's last lesson, ending 14:10); the clock on that day at 09:00."""
    clock.move_to("2026-12-07 09:00")
    JournalSettings.objects.create(school=world.school, edit_window=EditWindow.NEVER_LOCKED)
    f.make_bells(world.school)
    math = f.make_lesson(world.math_5a, MON, 2)
    russian = f.make_lesson(world.russian_5a, MON, 6)
    return world, math, russian


def measure_on(school, day, now, **kw):
    return {i.key: i for i in selectors.lesson_items(school, day, day, now=now, **kw)}


def test_a_topic_written_in_time_late_or_never(week, clock):
    world, math, russian = week
    clock.move_to("2026-12-07 19:59")
    set_topic(actor=actor(world.teacher), lesson=math, text="Дроби")
    clock.move_to("2026-12-07 20:01")
    set_topic(actor=actor(world.class_teacher), lesson=russian, text="Причастие")
    items = measure_on(world.school, MON, m(TUE, 2))
    assert items[f"lesson:{math.pk}"].state == ON_TIME
    assert (items[f"lesson:{russian.pk}"].state, items[f"lesson:{russian.pk}"].late_text) == (LATE, "1 мин")
    # An edit later keeps the first moment: still on time.
    clock.move_to("2026-12-08 09:00")
    set_topic(actor=actor(world.teacher), lesson=math, text="Дроби, повторение")
    assert measure_on(world.school, MON, m(TUE, 10))[f"lesson:{math.pk}"].state == ON_TIME


def test_an_absence_entered_the_next_morning_makes_the_lesson_late(week, clock):
    world, math, _russian = week
    clock.move_to("2026-12-07 12:00")
    set_topic(actor=actor(world.teacher), lesson=math, text="Дроби")
    clock.move_to("2026-12-08 08:10")
    record_attendance(
        actor=actor(world.teacher), lesson=math, student=world.student.student, raw="Н", version=None
    )
    item = measure_on(world.school, MON, m(TUE, 10))[f"lesson:{math.pk}"]
    assert item.state == LATE
    assert item.done == m(TUE, 8, 10).replace(second=item.done.second, microsecond=item.done.microsecond)


def test_nothing_written_is_missing_only_after_the_deadline(week):
    world, math, _russian = week
    assert measure_on(world.school, MON, m(MON, 19))[f"lesson:{math.pk}"].state == selectors.PENDING
    assert measure_on(world.school, MON, m(MON, 20, 1))[f"lesson:{math.pk}"].state == MISSING


def test_homework_counts_from_the_end_of_the_class_s_last_lesson_not_its_own(week, clock):
    world, math, _russian = week  # math ends 10:10, the class's day ends 14:10
    clock.move_to("2026-12-07 15:09")
    set_homework(actor=actor(world.teacher), lesson=math, text="№ 12", pages="")
    assert measure_on(world.school, MON, m(TUE, 2))[f"homework:{math.pk}"].state == ON_TIME
    # Without the later lesson (cancelled), the class's day ends with math at 10:10: due 11:10.
    cancel_lesson(actor=actor(world.admin), lesson=_russian)
    item = measure_on(world.school, MON, m(TUE, 2))[f"homework:{math.pk}"]
    assert (item.state, item.late_text) == (LATE, "3 ч 59 мин")


def test_a_lesson_without_homework_has_no_homework_deadline(week):
    world, math, _russian = week
    assert f"homework:{math.pk}" not in measure_on(world.school, MON, m(d(12, 9), 2))


def oral_and_test(world, lesson):
    ensure_default_work_types(world.school)
    types = {t.code: t for t in WorkType.objects.filter(school=world.school)}
    return (
        add_work(actor=actor(world.teacher), lesson=lesson, work_type=types["У"]),
        add_work(actor=actor(world.teacher), lesson=lesson, work_type=types["КР"]),
    )


def test_marks_oral_in_a_day_written_in_a_week(week, clock):
    world, math, _russian = week
    oral, test = oral_and_test(world, math)
    clock.move_to("2026-12-08 23:58")
    record_cell(actor=actor(world.teacher), work=oral, student=world.student.student, raw="5", version=None)
    clock.move_to("2026-12-15 00:05")
    record_cell(actor=actor(world.teacher), work=test, student=world.student.student, raw="4", version=None)
    items = measure_on(world.school, MON, m(d(12, 16), 2))
    assert items[f"work:{oral.pk}"].state == ON_TIME
    assert (items[f"work:{test.pk}"].state, items[f"work:{test.pk}"].late_text) == (LATE, "5 мин")
    assert items[f"work:{test.pk}"].label == "КР"


def test_a_column_without_marks_is_missing_after_its_deadline(week):
    world, math, _russian = week
    oral, test = oral_and_test(world, math)
    items = measure_on(world.school, MON, m(d(12, 9), 0, 1))
    assert items[f"work:{oral.pk}"].state == MISSING
    assert items[f"work:{test.pk}"].state == selectors.PENDING


def test_the_tenth_grade_has_ten_days_for_a_test(world, clock):
    clock.move_to("2026-12-07 09:00")
    c10 = f.make_class(world.year, 10, "А")
    course = f.make_course(f.whole_group(c10), world.math_5a.subject, world.teacher)
    lesson = f.make_lesson(course, MON, 3)
    ensure_default_work_types(world.school)
    test = add_work(
        actor=actor(world.teacher),
        lesson=lesson,
        work_type=WorkType.objects.get(school=world.school, code="КР"),
    )
    items = measure_on(world.school, MON, m(d(12, 16), 2))
    assert items[f"work:{test.pk}"].state == selectors.PENDING  # a fifth grade would be missing by now
    assert measure_on(world.school, MON, m(d(12, 18), 0, 1))[f"work:{test.pk}"].state == MISSING


def test_a_work_type_without_deadline_is_not_measured(week):
    world, math, _russian = week
    oral, _test = oral_and_test(world, math)
    services.set_work_type_deadline(
        actor=actor(world.admin), work_type=oral.work_type, deadline=MarksDeadline.NONE
    )
    assert f"work:{oral.pk}" not in measure_on(world.school, MON, m(d(12, 20), 2))


def test_the_substitute_owns_the_lesson_they_took(week):
    world, math, _russian = week
    assign_substitute(actor=actor(world.deputy), lesson=math, substitute=world.substitute)
    item = measure_on(world.school, MON, m(TUE, 2))[f"lesson:{math.pk}"]
    assert item.teacher_id == world.substitute.pk
    own = measure_on(world.school, MON, m(TUE, 2), teacher_id=world.teacher.pk)
    assert f"lesson:{math.pk}" not in own


def test_a_cancelled_lesson_is_not_due(week):
    world, math, _russian = week
    cancel_lesson(actor=actor(world.admin), lesson=math)
    assert f"lesson:{math.pk}" not in measure_on(world.school, MON, m(TUE, 2))


def test_a_moved_lesson_is_due_on_its_new_date(week):
    world, math, _russian = week
    moved = move_lesson(actor=actor(world.admin), lesson=math, date=TUE)
    assert moved.pk == math.pk
    assert f"lesson:{math.pk}" not in measure_on(world.school, MON, m(d(12, 9), 2))
    item = measure_on(world.school, TUE, m(d(12, 9), 2))[f"lesson:{math.pk}"]
    assert item.due == m(TUE, 20)


def test_a_lesson_on_a_holiday_is_not_due(week):
    world, math, _russian = week
    lesson = f.make_lesson(world.math_5a, d(12, 10), 2)
    assert f"lesson:{lesson.pk}" in measure_on(world.school, d(12, 10), m(d(12, 11), 2))
    save_holiday(
        actor=actor(world.admin), year=world.year, name="День школы", starts=d(12, 10), ends=d(12, 10)
    )
    assert f"lesson:{lesson.pk}" not in measure_on(world.school, d(12, 10), m(d(12, 11), 2))


# Stored measures -------------------------------------------------------------------------------------


def test_measuring_twice_changes_nothing_and_a_later_entry_turns_missing_into_late(week, clock):
    world, math, russian = week
    first = services.measure(world.school, MON, MON, now=m(TUE, 2))
    assert (first.added, first.changed, first.removed) == (2, 0, 0)
    again = services.measure(world.school, MON, MON, now=m(TUE, 2, 30))
    assert (again.added, again.changed, again.removed) == (0, 0, 0)
    clock.move_to("2026-12-08 08:00")
    set_topic(actor=actor(world.teacher), lesson=math, text="Дроби")
    cancel_lesson(actor=actor(world.admin), lesson=russian)
    third = services.measure(world.school, MON, MON, now=m(d(12, 9), 2))
    assert (third.added, third.changed, third.removed) == (0, 1, 1)
    row = DeadlineMeasure.objects.get(school=world.school)
    assert (row.key, row.state, row.teacher_id) == (f"lesson:{math.pk}", LATE, world.teacher.pk)


def test_the_plan_before_each_period(world, clock):
    clock.move_to("2026-12-07 09:00")
    from journal.models import PlanTopic

    period = world.math_5a.lessons.model.period.field.related_model.objects.filter(
        scheme__year=world.year, scheme__grades__contains=[5]
    ).order_by("starts")[2]
    PlanTopic.objects.create(school=world.school, course=world.math_5a, position=1, title="Дроби")
    items = {
        i.key: i
        for i in selectors.plan_items(world.school, period.starts, period.starts, now=m(period.starts, 9))
    }
    assert items[f"plan:{world.math_5a.pk}:{period.pk}"].state == ON_TIME
    assert items[f"plan:{world.russian_5a.pk}:{period.pk}"].state == MISSING


@pytest.mark.django_db(transaction=True)
def test_two_workers_measuring_at_once_store_each_deadline_once(clock):
    from tests.conftest import build_world

    clock.move_to("2026-12-07 09:00")
    world = build_world()
    f.make_lesson(world.math_5a, MON, 2)
    f.make_lesson(world.russian_5a, MON, 6)
    errors = []

    def run():
        try:
            services.measure(world.school, MON, MON, now=m(TUE, 2))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert DeadlineMeasure.objects.filter(school=world.school).count() == 2


# Settings ---------------------------------------------------------------------------------------------


def test_only_the_admin_sets_the_deadlines_and_bad_values_change_nothing(world):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        services.save_settings(actor=actor(world.deputy), school=world.school, record_by="21:00")
    good = {"record_by": "21:00", "homework_hours": "2", "oral_days": "1", "written_days": "7",
            "written_days_senior": "10", "written_working_days": "", "plan_days": "2", "remind": True,
            "remind_at": "08:00"}  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.save_settings(
            actor=actor(world.admin), school=world.school, **{**good, "record_by": "25:00", "oral_days": "-1"}
        )
    assert set(refused.value.message_dict) == {"record_by", "oral_days"}
    assert services.settings_of(world.school).record_by == datetime.time(20, 0)
    saved = services.save_settings(actor=actor(world.admin), school=world.school, **good)
    assert (saved.record_by, saved.homework_hours) == (datetime.time(21, 0), 2)
    from accounts.models import AuditEvent

    event = AuditEvent.objects.filter(action="journal.deadlines_set").get()
    assert event.data["new"] == {"record_by": "21:00", "homework_hours": 2}


def test_the_timetable_before_each_period(world, clock):
    """Seed 001 A.19: each class's timetable 2 days before the period; the entries' moment of placing."""
    from schedule.models import ReportingPeriod, TimetableEntry

    clock.move_to("2026-11-02 12:00")  # before the second quarter (5 November), after its deadline (3rd)
    period = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=2)
    entry = TimetableEntry.objects.create(
        school=world.school, year=world.year, course=world.math_5a, group=world.math_5a.group,
        teacher=world.teacher, weekday=1, slot=1, starts=world.year.starts,
    )  # fmt: skip
    items = {
        i.key: i
        for i in selectors.plan_items(world.school, period.starts, period.starts, now=m(period.starts, 9))
    }
    assert items[f"timetable:{world.class_5a.pk}:{period.pk}"].state == ON_TIME
    assert items[f"timetable:{world.class_6b.pk}:{period.pk}"].state == MISSING
    # Placed after the deadline: late; placed before the moments were kept (unknown): on time.
    TimetableEntry.objects.filter(pk=entry.pk).update(created_at=m(d(11, 4), 9))
    items = {
        i.key: i
        for i in selectors.plan_items(world.school, period.starts, period.starts, now=m(period.starts, 9))
    }
    assert items[f"timetable:{world.class_5a.pk}:{period.pk}"].state == LATE
    TimetableEntry.objects.filter(pk=entry.pk).update(created_at=None)
    items = {
        i.key: i
        for i in selectors.plan_items(world.school, period.starts, period.starts, now=m(period.starts, 9))
    }
    assert items[f"timetable:{world.class_5a.pk}:{period.pk}"].state == ON_TIME
    stored = services.measure(world.school, period.starts, period.starts, now=m(period.starts, 9))
    assert (
        stored.added
        and DeadlineMeasure.objects.filter(clause="timetable", school_class=world.class_6b).get().state
        == MISSING
    )
