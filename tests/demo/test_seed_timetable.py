"""The demo school's bells, weekly timetable and lesson calendar (ejournal/demo/), on the tiny size.

One school is built for the whole module (a year of lessons takes a second or two
to write) and removed at the end; the tests only read it.
"""

import datetime
from collections import Counter, defaultdict

import pytest

from accounts.models import School
from ejournal import demo
from schedule import calendar
from schedule.models import (
    BellDay,
    Course,
    Enrollment,
    GroupMembership,
    Holiday,
    Lesson,
    ReportingPeriod,
    SchoolClass,
    StudyGroup,
    TimetableEntry,
)

TODAY = datetime.date(2026, 11, 23)
SLUG = "demo-tiny-timetable"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        for stale in School.objects.filter(slug=SLUG):
            demo.purge_school(stale)
        built = demo.build_demo(size="tiny", slug=SLUG, today=TODAY, login_prefix="tt-")
    yield built
    with django_db_blocker.unblock():
        demo.purge_school(School.objects.get(slug=SLUG))


@pytest.fixture
def school(seeded, db):
    return seeded.school


def overlaps(a, b):
    return a[0] < b[1] and b[0] < a[1]


def test_every_class_has_its_weekly_hours_placed(seeded, school):
    assert seeded.timetable.shortfall == {}, f"lessons without a place: {seeded.timetable.shortfall}"
    placed = Counter(TimetableEntry.objects.filter(school=school).values_list("course_id", flat=True))
    shortfall = {}
    for course in Course.objects.filter(school=school).select_related("group", "subject"):
        wanted = demo.weekly_lessons(course.hours_per_week)
        if placed[course.id] != wanted:
            shortfall[f"{course.group.name} {course.subject.name}"] = wanted - placed[course.id]
    assert not shortfall, f"weekly lessons missing (+) or extra (-): {shortfall}"


def test_the_week_has_no_gaps_and_respects_the_daily_limits(school):
    by_class_day = defaultdict(list)
    entries = TimetableEntry.objects.filter(school=school).select_related("group__school_class")
    for e in entries:
        by_class_day[e.group.school_class, e.weekday].append(e.slot)
    for (c, weekday), slots in by_class_day.items():
        slots = sorted(set(slots))
        assert slots == list(range(1, len(slots) + 1)), f"{c.name}, day {weekday}: gaps in {slots}"
        limit = 7 if c.grade >= 5 else 5
        assert len(slots) <= limit, (c.name, weekday, slots)
    for c in SchoolClass.objects.filter(school=school, grade=1):
        days = sorted(len({s for s in by_class_day[c, w]}) for w in range(1, 6))
        assert days[-1] <= 5 and days[-2] <= 4, f"{c.name}: {days}"


def test_no_clash_of_teachers_rooms_groups_or_students(school):
    lessons = list(
        Lesson.objects.filter(school=school, status="planned").values_list(
            "date", "starts", "ends", "teacher_id", "room_id", "group_id"
        )
    )
    busy = defaultdict(list)
    for date, starts, ends, teacher, room, group in lessons:
        for key in (("teacher", teacher), ("room", room), ("group", group)):
            if key[1] is None:
                continue
            for other in busy[key, date]:
                assert not overlaps(other, (starts, ends)), (key, date, other, (starts, ends))
            busy[key, date].append((starts, ends))
    # Students: a student's groups on a date (class + subgroups) never meet at overlapping times.
    first_day = school.years.get().starts
    whole = dict(
        StudyGroup.objects.filter(school=school, kind="whole_class").values_list("school_class_id", "pk")
    )
    students_of = defaultdict(set)  # group id → its students on the first day
    for e in Enrollment.objects.filter(school=school, starts=first_day):
        students_of[whole[e.school_class_id]].add(e.student_id)
    for m in GroupMembership.objects.filter(school=school, starts=first_day):
        students_of[m.group_id].add(m.student_id)
    by_student_slot = defaultdict(set)
    for e in TimetableEntry.objects.filter(school=school):
        for student in students_of[e.group_id]:
            key = (student, e.weekday, e.slot)
            assert key not in by_student_slot or by_student_slot[key] == {e.group_id}, key
            by_student_slot[key].add(e.group_id)


def test_english_subgroups_meet_together_with_two_teachers_in_two_rooms(school):
    english = TimetableEntry.objects.filter(school=school, course__subject__name=demo.ENGLISH)
    together = defaultdict(list)
    for e in english.select_related("group"):
        together[e.group.school_class_id, e.weekday, e.slot].append(e)
    assert together
    for key, pair in together.items():
        assert len(pair) == 2, key
        assert pair[0].group_id != pair[1].group_id
        assert pair[0].teacher_id != pair[1].teacher_id
        assert pair[0].room_id != pair[1].room_id


def test_subject_rooms_and_home_rooms(seeded, school):
    home = seeded.timetable.home_rooms
    for e in TimetableEntry.objects.filter(school=school).select_related("course__subject", "group", "room"):
        subject = e.course.subject.name
        if subject == demo.PE:
            assert e.room.subjects.filter(name=demo.PE).exists(), e
        elif e.group.grade <= 4 and subject in demo.PRIMARY_CORE:
            assert e.room_id == home[e.group.school_class_id].id, e


def test_lessons_on_every_school_day_of_every_period_and_none_on_holidays(school):
    year = school.years.get()
    holidays = list(Holiday.objects.filter(year=year))
    lessons_on = defaultdict(set)  # class id → dates with lessons
    for class_id, date in Lesson.objects.filter(school=school).values_list("group__school_class_id", "date"):
        lessons_on[class_id].add(date)
    for c in SchoolClass.objects.filter(school=school):
        periods = ReportingPeriod.objects.filter(scheme__year=year, scheme__grades__contains=[c.grade])
        expected = set()
        for p in periods:
            day = p.starts
            while day <= p.ends:
                off = any(
                    h.starts <= day <= h.ends and (not h.grades or c.grade in h.grades) for h in holidays
                )
                if day.isoweekday() <= 5 and not off:
                    expected.add(day)
                day += datetime.timedelta(days=1)
        assert lessons_on[c.id] == expected, (
            f"{c.name}: missing {sorted(expected - lessons_on[c.id])[:5]}, "
            f"extra {sorted(lessons_on[c.id] - expected)[:5]}"
        )
    first_grade_break = next(h for h in holidays if h.grades == [1])
    assert Lesson.objects.filter(
        school=school, date=first_grade_break.starts, group__grade__gt=1
    ).exists()  # the first-grade holidays are for the first grade only


def test_the_shortened_day_has_its_own_times(seeded, school):
    bell_day = BellDay.objects.get(school=school)
    assert bell_day.schedule.name == "Сокращённый день"
    assert bell_day.date.isoweekday() <= 5
    on_short = Lesson.objects.filter(school=school, date=bell_day.date, slot=2)
    assert on_short.exists()
    assert {(x.starts, x.ends) for x in on_short} == {(datetime.time(9, 10), datetime.time(9, 40))}
    usual = Lesson.objects.filter(school=school, date=bell_day.date - datetime.timedelta(days=7), slot=2)
    assert {(x.starts, x.ends) for x in usual} == {(datetime.time(9, 25), datetime.time(10, 10))}


def test_generating_again_changes_nothing(seeded, school):
    report = calendar.generate_lessons(actor=None, year=school.years.get())
    assert (report.created, report.updated, report.deleted, report.cancelled) == (0, 0, 0, 0)
    assert seeded.timetable.lessons.created == Lesson.objects.filter(school=school).count()


def test_the_timetable_is_deterministic(seeded, school, db):
    other = demo.build_demo(size="tiny", slug="demo-tiny-again", today=TODAY, login_prefix="again-")

    def week(s):
        return sorted(
            TimetableEntry.objects.filter(school=s).values_list(
                "group__name", "weekday", "slot", "course__subject__name", "teacher__last_name", "room__name"
            )
        )

    assert week(school) == week(other.school)
    assert other.counts["lessons"] == Lesson.objects.filter(school=school).count()
