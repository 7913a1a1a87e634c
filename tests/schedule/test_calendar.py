"""The lesson calendar (schedule/calendar.py): generation from the timetable and regeneration against PostgreSQL."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from accounts.models import AuditEvent
from schedule import calendar
from schedule.models import AcademicYear, BellDay, Holiday, Lesson, Substitution, TimetableEntry
from tests import factories as f

from .conftest import d

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY, SATURDAY = 1, 2, 6
SHORT = [("08:30", "09:00"), ("09:10", "09:40"), ("09:50", "10:20"), ("10:30", "11:00")]


def entry(course, weekday, slot, *, room=None, starts=None, ends=None, teacher=None, shift=1):
    """A timetable line written directly (the placing service has its own tests)."""
    return TimetableEntry.objects.create(
        school=course.school,
        year=course.year,
        course=course,
        group=course.group,
        teacher=teacher or course.teachers.first().teacher,
        room=room,
        weekday=weekday,
        shift=shift,
        slot=slot,
        starts=starts or course.year.starts,
        ends=ends,
    )


def dates(course, **kw):
    return list(Lesson.objects.filter(course=course, **kw).order_by("date").values_list("date", flat=True))


def school_days(year, weekday, grade_periods, holidays=()):
    """Every `weekday` inside the periods and outside the holidays, computed independently."""
    out = []
    for a, b in grade_periods:
        day = a
        while day <= b:
            if day.isoweekday() == weekday and not any(h0 <= day <= h1 for h0, h1 in holidays):
                out.append(day)
            day += datetime.timedelta(days=1)
    return out


def quarters(year):
    return list(year.schemes.get(kind="quarters").periods.order_by("starts").values_list("starts", "ends"))


def halves(year):
    return list(year.schemes.get(kind="halves").periods.order_by("starts").values_list("starts", "ends"))


@pytest.fixture
def bells(world):
    return f.make_bells(world.school)


@pytest.fixture
def generate(world, admin_actor):
    def run(**kw):
        return calendar.generate_lessons(actor=admin_actor, year=world.year, **kw)

    return run


# Generation


def test_lessons_for_every_school_day_of_the_periods(world, bells, generate):
    entry(world.math_5a, MONDAY, 1)
    entry(world.math_5a, TUESDAY, 3)
    report = generate()
    expected_mondays = school_days(world.year, MONDAY, quarters(world.year))
    assert dates(world.math_5a, slot=1) == expected_mondays
    assert dates(world.math_5a, slot=3) == school_days(world.year, TUESDAY, quarters(world.year))
    assert report.created == Lesson.objects.count()
    assert (report.updated, report.deleted, report.kept_with_data) == (0, 0, 0)
    lesson = Lesson.objects.filter(course=world.math_5a, slot=3).first()
    assert (lesson.starts, lesson.ends) == (datetime.time(10, 30), datetime.time(11, 15))
    assert lesson.teacher == world.teacher and lesson.group == world.math_5a.group
    assert lesson.period.starts <= lesson.date <= lesson.period.ends
    assert (lesson.status, lesson.origin) == ("planned", "timetable")
    # Between the first and second quarter (autumn break of the quarter scheme) there are no lessons.
    assert not Lesson.objects.filter(date__gt=d(10, 24), date__lt=d(11, 5)).exists()
    event = AuditEvent.objects.filter(action="generate_lessons").get()
    assert event.data["created"] == report.created


def test_holidays_and_grade_limited_holidays(world, bells, generate):
    entry(world.math_5a, MONDAY, 1)
    entry(world.math_6b, MONDAY, 2)
    Holiday.objects.create(school=world.school, year=world.year, name="Всем", starts=d(9, 14), ends=d(9, 14))
    Holiday.objects.create(
        school=world.school, year=world.year, name="Пятым", starts=d(9, 21), ends=d(9, 27), grades=[5]
    )
    Holiday.objects.create(
        school=world.school, year=world.year, name="Первым", starts=d(9, 28), ends=d(9, 28), grades=[1]
    )
    generate()
    fifth = dates(world.math_5a)
    sixth = dates(world.math_6b)
    assert d(9, 14) not in fifth and d(9, 14) not in sixth
    assert d(9, 21) not in fifth and d(9, 21) in sixth
    assert d(9, 28) in fifth and d(9, 28) in sixth


def test_weekends_only_where_the_timetable_has_them(world, bells, generate):
    entry(world.math_5a, SATURDAY, 2)
    generate()
    days = dates(world.math_5a)
    assert days and {x.isoweekday() for x in days} == {SATURDAY}
    assert not Lesson.objects.filter(date__week_day=1).exists()  # no Sunday ever


def test_each_grade_follows_its_own_scheme(world, bells, generate):
    tenth = f.make_class(world.year, 10, "А")
    course = f.make_course(f.whole_group(tenth), world.math_5a.subject, world.other_teacher)
    entry(course, MONDAY, 4)
    entry(world.math_5a, MONDAY, 4)
    generate()
    assert dates(course) == school_days(world.year, MONDAY, halves(world.year))
    autumn_break = d(10, 26)  # a Monday between the first two quarters, inside the first half-year
    assert autumn_break in dates(course) and autumn_break not in dates(world.math_5a)


def test_date_range_and_classes_limit_the_run(world, bells, generate):
    entry(world.math_5a, MONDAY, 1)
    entry(world.math_6b, MONDAY, 1)
    report = generate(date_from=d(9, 1), date_to=d(9, 30), classes=[world.class_5a])
    assert dates(world.math_5a) == [d(9, 7), d(9, 14), d(9, 21), d(9, 28)]
    assert not dates(world.math_6b)
    assert report.created == 4


def test_a_bell_day_gives_its_times(world, bells, generate):
    short = f.make_bells(world.school, name="Сокращённый день", slots=SHORT, is_default=False)
    BellDay.objects.create(school=world.school, date=d(9, 14), shift=1, schedule=short)
    entry(world.math_5a, MONDAY, 2)
    generate()
    on_short = Lesson.objects.get(course=world.math_5a, date=d(9, 14))
    usual = Lesson.objects.get(course=world.math_5a, date=d(9, 7))
    assert (on_short.starts, on_short.ends) == (datetime.time(9, 10), datetime.time(9, 40))
    assert (usual.starts, usual.ends) == (datetime.time(9, 25), datetime.time(10, 10))
    # A special day declared later: regeneration moves the times of that day only.
    BellDay.objects.create(school=world.school, date=d(9, 21), shift=1, schedule=short)
    report = generate()
    assert (report.created, report.updated, report.deleted) == (0, 1, 0)
    assert Lesson.objects.get(course=world.math_5a, date=d(9, 21)).starts == datetime.time(9, 10)


def test_missing_bells_are_reported_not_invented(world, generate):
    f.make_bells(world.school, slots=f.BELLS[:2])
    entry(world.math_5a, MONDAY, 5)
    report = generate()
    assert report.created == 0 and report.not_created > 0
    assert any("5" in m for m in report.messages)


# Regeneration


def test_a_second_run_changes_nothing(world, bells, generate):
    entry(world.math_5a, MONDAY, 1)
    entry(world.russian_5a, MONDAY, 2, room=f.make_room(world.school, "201"))
    first = generate()
    before = list(Lesson.objects.order_by("pk").values())
    second = generate()
    assert first.created > 0
    assert (second.created, second.updated, second.deleted, second.cancelled) == (0, 0, 0, 0)
    assert list(Lesson.objects.order_by("pk").values()) == before


def test_a_mid_period_timetable_change(world, bells, generate):
    old = entry(world.math_5a, MONDAY, 1)
    generate()
    room = f.make_room(world.school, "305")
    # From 12 October maths moves to the third lesson in room 305.
    old.ends = d(10, 11)
    old.save()
    new = entry(world.math_5a, MONDAY, 3, room=room, starts=d(10, 12))
    report = generate()
    before = Lesson.objects.filter(course=world.math_5a, date__lte=d(10, 11))
    after = Lesson.objects.filter(course=world.math_5a, date__gte=d(10, 12))
    assert set(before.values_list("slot", "entry_id")) == {(1, old.pk)}
    assert set(after.values_list("slot", "entry_id", "room_id")) == {(3, new.pk, room.pk)}
    assert report.deleted == after.count() == report.created
    assert report.kept_with_data == 0


def test_a_room_change_updates_in_place(world, bells, generate):
    e = entry(world.math_5a, MONDAY, 1)
    generate()
    ids = set(Lesson.objects.values_list("pk", flat=True))
    e.room = f.make_room(world.school, "101")
    e.save()
    report = generate()
    assert report.updated == len(ids) and report.created == report.deleted == 0
    assert set(Lesson.objects.values_list("pk", flat=True)) == ids
    assert set(Lesson.objects.values_list("room_id", flat=True)) == {e.room_id}


def substitute(lesson, world):
    return Substitution.objects.create(
        school=world.school, lesson=lesson, absent_teacher=lesson.teacher, substitute=world.substitute
    )


def test_regeneration_keeps_lessons_with_data_and_reports_them(world, bells, generate):
    e = entry(world.math_5a, MONDAY, 1)
    generate()
    with_data = Lesson.objects.get(course=world.math_5a, date=d(10, 12))
    substitute(with_data, world)
    total = Lesson.objects.count()
    e.delete()
    report = generate()
    assert list(Lesson.objects.all()) == [with_data]
    assert Lesson.objects.get().status == "planned"
    assert report.deleted == total - 1
    assert report.kept_with_data == 1
    assert any("12.10.2026" in m and "5А Математика" in m for m in report.messages), report.messages


def test_a_kept_lesson_is_cancelled_when_the_timetable_needs_its_time(world, bells, generate):
    e = entry(world.math_5a, MONDAY, 1)
    generate()
    with_data = Lesson.objects.get(course=world.math_5a, date=d(10, 12))
    substitute(with_data, world)
    e.delete()
    entry(world.russian_5a, MONDAY, 1)  # the class now has Russian in that slot
    report = generate()
    with_data.refresh_from_db()
    assert with_data.status == "cancelled"
    assert Substitution.objects.filter(lesson=with_data).exists()
    assert report.cancelled == 1 and report.kept_with_data == 1
    assert Lesson.objects.filter(course=world.russian_5a, date=d(10, 12), status="planned").exists()
    again = generate()
    assert (again.created, again.updated, again.deleted, again.cancelled) == (0, 0, 0, 0)


def test_data_is_found_through_every_reverse_relation():
    relations = {model for model, _column, _label in calendar.data_relations()}
    assert Substitution in relations


def test_extra_and_moved_lessons_are_never_touched(world, bells, generate, admin_actor):
    entry(world.math_5a, MONDAY, 1)
    generate()
    lesson = Lesson.objects.get(course=world.math_5a, date=d(9, 14))
    moved = calendar.move_lesson(actor=admin_actor, lesson=lesson, date=d(9, 16), slot=2)
    extra = calendar.add_extra_lesson(actor=admin_actor, course=world.math_5a, date=d(9, 17), slot=4)
    report = generate()
    assert (report.created, report.updated, report.deleted) == (0, 0, 0)
    moved.refresh_from_db()
    assert (moved.date, moved.slot, moved.origin, moved.status) == (d(9, 16), 2, "moved", "planned")
    assert Lesson.objects.filter(pk=extra.pk, origin="extra").exists()
    # The old place of the moved lesson shows it was moved; it is not generated again.
    old = Lesson.objects.get(course=world.math_5a, date=d(9, 14))
    assert old.status == "cancelled" and "16.09.2026" in old.note


def test_a_closed_year_is_not_generated(world, bells, generate):
    AcademicYear.objects.filter(pk=world.year.pk).update(status="closed")
    with pytest.raises(calendar.ValidationError):
        generate()
    assert not Lesson.objects.exists()


def test_dates_outside_the_year_are_refused(world, bells, generate):
    with pytest.raises(calendar.ValidationError) as info:
        generate(date_from=d(8, 1))
    assert "date_from" in info.value.message_dict


def test_the_command_prints_the_report(world, bells):
    entry(world.math_5a, MONDAY, 1)
    out = StringIO()
    call_command("generate_lessons", school=world.school.slug, year=world.year.name, stdout=out)
    assert "created" in out.getvalue()
    assert Lesson.objects.exists()
    with pytest.raises(CommandError):
        call_command("generate_lessons", school="nope", stdout=StringIO())


@pytest.mark.usefixtures("english")
def test_a_clash_slipping_past_the_checks_becomes_a_validation_error(world, bells):
    lesson = f.make_lesson(world.math_5a, d(9, 7), 1)
    with pytest.raises(calendar.ValidationError) as info, calendar.lesson_constraints():
        f.make_lesson(world.russian_5a, d(9, 7), 1)
    assert "already has a lesson" in str(info.value)
    with transaction.atomic():
        assert Lesson.objects.get() == lesson


def test_a_cancelled_lesson_stays_cancelled_through_regeneration(world, bells, generate, admin_actor):
    e = entry(world.math_5a, MONDAY, 1)
    generate()
    lesson = Lesson.objects.get(course=world.math_5a, date=d(9, 14))
    calendar.cancel_lesson(actor=admin_actor, lesson=lesson, note="экскурсия")
    e.room = f.make_room(world.school, "101")
    e.save()
    generate()
    lesson.refresh_from_db()
    assert (lesson.status, lesson.note, lesson.room_id) == ("cancelled", "экскурсия", e.room_id)
    assert Lesson.objects.filter(course=world.math_5a, date=d(9, 14)).count() == 1


def test_teachers_swapped_between_two_classes_update_without_a_transient_clash(world, bells, generate):
    a = entry(world.math_5a, MONDAY, 1)
    b = entry(world.math_6b, MONDAY, 1)
    generate()
    # Swap the teachers of the two entries (through a third person: the entries refuse the clash too).
    for e, person in ((a, world.substitute), (b, world.teacher), (a, world.other_teacher)):
        e.teacher = person
        e.save()
    report = generate()
    mondays = len(school_days(world.year, MONDAY, quarters(world.year)))
    assert (report.updated, report.created, report.deleted) == (2 * mondays, 0, 0)
    assert set(Lesson.objects.filter(course=world.math_5a).values_list("teacher_id", flat=True)) == {
        world.other_teacher.pk
    }
    assert set(Lesson.objects.filter(course=world.math_6b).values_list("teacher_id", flat=True)) == {
        world.teacher.pk
    }
    assert set(Lesson.objects.values_list("status", flat=True)) == {"planned"}
