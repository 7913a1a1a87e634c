"""The demo school's journal (archive/demo.build_journal) on the tiny size: marks, attendance, the record."""

import datetime
from collections import Counter
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Sum

from accounts.models import School
from archive import demo
from journal import marklog
from journal.models import (
    Attendance,
    Cell,
    Homework,
    HomeworkAttachment,
    LessonTopic,
    MarkLogEntry,
    MarkLogHead,
    PlanTopic,
    Remark,
    Work,
)
from schedule.models import Course, Lesson

TODAY = datetime.date(2026, 11, 23)  # a Monday
MONDAY = TODAY


SLUG = "demo-tiny-journal"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One tiny school for the read-only tests of this module (building one takes seconds)."""
    with django_db_blocker.unblock():
        for stale in School.objects.filter(slug=SLUG):
            demo.purge_school(stale)
        built = demo.build_demo(size="tiny", slug=SLUG, today=TODAY, login_prefix="tj-")
    yield built
    with django_db_blocker.unblock():
        demo.purge_school(School.objects.get(slug=SLUG))


@pytest.fixture
def tiny(seeded, db):
    return seeded


def test_the_tiny_school_has_marks_attendance_topics_homework_and_remarks(tiny):
    school = tiny.school
    assert Cell.objects.filter(school=school).count() > 500
    assert Attendance.objects.filter(school=school, status="absent").exists()
    assert Attendance.objects.filter(school=school, status="late").exists()
    assert LessonTopic.objects.filter(school=school).count() > 500
    assert Homework.objects.filter(school=school).exclude(pages="").count() > 200
    assert Remark.objects.filter(school=school).values("kind").distinct().count() == 2
    codes = Counter(Work.objects.filter(school=school).values_list("work_type__code", flat=True))
    assert codes["У"] > codes["КР"] > 0
    assert tiny.journal.cells == Cell.objects.filter(school=school).count()
    # Marks look real: mostly 4 and 5, some 3 and 2, and a few double marks.
    marks = Counter(
        m for ms in Cell.objects.filter(school=school).values_list("marks", flat=True) for m in ms
    )
    assert marks[4] + marks[5] > marks[3] > marks[2] > 0
    assert Cell.objects.filter(school=school, marks__len=2).exists()


def test_every_course_has_a_plan_as_long_as_its_year(tiny):
    courses = Course.objects.filter(school=tiny.school).annotate(n=Count("lessons", distinct=True))
    hours = dict(
        PlanTopic.objects.filter(school=tiny.school)
        .values("course")
        .annotate(h=Sum("hours"))
        .values_list("course", "h")
    )
    for course in courses:
        assert hours[course.pk] == max(course.n, 1), course
    # Topics follow the plan in order.
    course = courses.filter(subject__name="Русский язык", group__grade=5).first()
    linked = list(
        LessonTopic.objects.filter(lesson__course=course)
        .order_by("lesson__date", "lesson__slot")
        .values_list("plan_topic__position", flat=True)
    )
    assert linked[0] == 1 and linked == sorted(linked)


def test_nothing_after_today_but_topics_of_this_and_next_week(tiny):
    school = tiny.school
    assert not Work.objects.filter(school=school, lesson__date__gte=TODAY).exists()
    assert not Attendance.objects.filter(school=school, lesson__date__gte=TODAY).exists()
    assert not Homework.objects.filter(school=school, lesson__date__gte=TODAY).exists()
    ahead = LessonTopic.objects.filter(school=school, lesson__date__gte=TODAY)
    assert ahead.exists()
    assert not ahead.filter(lesson__date__gte=MONDAY + datetime.timedelta(days=14)).exists()
    assert not Lesson.objects.filter(school=school, date__lt=TODAY, topic__isnull=True).exists()


def test_reasons_are_set_for_past_weeks_mostly_illness(tiny):
    past = Attendance.objects.filter(school=tiny.school, status="absent", lesson__date__lt=MONDAY)
    reasons = Counter(past.values_list("reason", flat=True))
    assert reasons["illness"] > sum(reasons.values()) / 2
    # A sick student misses the whole day.
    day = past.filter(reason="illness").values_list("student", "lesson__date").first()
    lessons_that_day = Lesson.objects.filter(
        school=tiny.school,
        date=day[1],
        group__school_class__enrollments__student=day[0],
        group__kind="whole_class",
    ).count()
    assert past.filter(student=day[0], lesson__date=day[1]).count() >= lessons_that_day > 0


def test_the_current_week_is_not_reconciled(db):
    built = demo.build_demo(size="tiny", today=datetime.date(2026, 11, 27))  # a Friday
    week = Attendance.objects.filter(school=built.school, lesson__date__gte=MONDAY)
    assert week.exists()
    assert not week.exclude(reason="").exists()


def test_first_grades_get_attendance_and_topics_but_no_marks_nor_homework(tiny):
    school = tiny.school
    first = Lesson.objects.filter(school=school, group__grade=1, date__lt=TODAY)
    assert first.exists()
    assert not Work.objects.filter(lesson__in=first).exists()
    assert not Cell.objects.filter(school=school, work__lesson__group__grade=1).exists()
    assert not Homework.objects.filter(lesson__in=first).exists()
    assert LessonTopic.objects.filter(lesson__in=first).count() == first.count()
    assert Attendance.objects.filter(lesson__in=first).exists()


def test_the_mark_log_has_an_entry_per_mark_and_absence_and_verifies(tiny):
    school = tiny.school
    ok, seq, message = marklog.verify(school)
    assert ok, message
    entries = MarkLogEntry.objects.filter(school=school)
    assert entries.filter(kind="marks").count() == Cell.objects.filter(school=school).count()
    assert entries.filter(kind="attendance").count() == Attendance.objects.filter(school=school).count()
    head = MarkLogHead.objects.get(school=school)
    assert head.seq == entries.count()
    entry = entries.filter(kind="marks").select_related("lesson__teacher").first()
    assert entry.old == "" and entry.new and entry.actor_id == entry.lesson.teacher.user_id
    assert entry.at.date() == entry.lesson.date
    out = StringIO()
    call_command("verify_mark_log", school=school.slug, stdout=out)
    assert "intact" in out.getvalue()


def test_the_chain_breaks_if_a_seeded_entry_is_altered(tiny):
    connection.check_constraints()  # ALTER TABLE refuses while deferred checks are pending
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE journal_marklogentry DISABLE TRIGGER journal_marklogentry_append_only")
        cursor.execute(
            "UPDATE journal_marklogentry SET new = '2' WHERE school_id = %s AND seq = 5", [tiny.school.pk]
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE journal_marklogentry ENABLE TRIGGER journal_marklogentry_append_only")
    assert marklog.verify(tiny.school)[:2] == (False, 5)


def test_reset_clears_the_journal_and_the_attachment_files_and_rebuilds_it(
    db, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    first = demo.build_demo(size="tiny", today=TODAY)
    homework = Homework.objects.filter(school=first.school).first()
    attachment = HomeworkAttachment(school=first.school, homework=homework, name="задание.pdf", size=4)
    attachment.file.save("задание.pdf", ContentFile(b"%PDF"), save=True)
    path = tmp_path / attachment.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", size="tiny", today=TODAY, reset=True, stdout=StringIO())
    assert not HomeworkAttachment.objects.filter(pk=attachment.pk).exists()
    assert not path.exists()
    school = School.objects.get(slug="demo-tiny")
    for model in (
        Cell,
        Work,
        Attendance,
        LessonTopic,
        Homework,
        Remark,
        PlanTopic,
        MarkLogEntry,
        MarkLogHead,
    ):
        assert not model.objects.filter(school_id=first.school.pk).exists(), model
    assert demo.count_rows(school) == first.counts
    assert marklog.verify(school)[0]
    # The mark log is append-only again.
    with pytest.raises(DatabaseError), transaction.atomic():
        MarkLogEntry.objects.filter(school=school).delete()
