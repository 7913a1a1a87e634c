"""The lesson record's services (R-J-4, R-J-6, R-J-7): topic, homework and its files, remarks, filling from the plan."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEvent, Role
from journal.models import Homework, HomeworkAttachment, LessonTopic, PlanTopic, Remark
from journal.records import services as records
from schedule.models import Lesson, ReportingPeriod, Substitution
from tests import factories as f

from . import actor, at, d, lesson

pytestmark = pytest.mark.django_db

NOW = at(d(10, 12), 10)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def the_lesson(world):
    return lesson(world.math_5a, d(10, 12))


@pytest.fixture
def teacher(world):
    return actor(world.teacher)


def upload(name="task.pdf", content=b"%PDF-1.4 homework", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def actions():
    return list(AuditEvent.objects.filter(action__startswith="journal.").values_list("action", flat=True))


def stored_files(media):
    return sorted(p.name for p in media.rglob("*") if p.is_file())


def plan(course, *titles_hours):
    return [
        PlanTopic.objects.create(school=course.school, course=course, position=n, title=title, hours=hours)
        for n, (title, hours) in enumerate(titles_hours, start=1)
    ]


# Who and when


@pytest.mark.parametrize(
    "who", ["other_teacher", "class_teacher", "director", "deputy", "student", "parent", "substitute"]
)
def test_only_the_lessons_teacher_fills_the_record(world, the_lesson, who):
    someone = actor(getattr(world, who))
    with pytest.raises(PermissionDenied):
        records.set_topic(actor=someone, lesson=the_lesson, text="Дроби", now=NOW)
    with pytest.raises(PermissionDenied):
        records.set_homework(actor=someone, lesson=the_lesson, text="№ 5", pages="", now=NOW)
    with pytest.raises(PermissionDenied):
        records.add_remark(
            actor=someone,
            lesson=the_lesson,
            student=world.student.student,
            kind="praise",
            text="Молодец",
            now=NOW,
        )
    assert not LessonTopic.objects.exists() and not Homework.objects.exists() and not Remark.objects.exists()


def test_the_substitute_fills_the_lesson_they_took(world, the_lesson):
    Substitution.objects.create(
        school=world.school, lesson=the_lesson, absent_teacher=world.teacher, substitute=world.substitute
    )
    topic = records.set_topic(actor=actor(world.substitute), lesson=the_lesson, text="Дроби", now=NOW)
    assert topic.text == "Дроби"


def test_another_schools_admin_is_refused(world, other_world, the_lesson):
    with pytest.raises(PermissionDenied):
        records.set_topic(actor=actor(other_world.admin), lesson=the_lesson, text="Дроби", now=NOW)


@pytest.mark.parametrize("status", ["closed", "archived"])
def test_a_closed_year_refuses_every_part_of_the_record(world, the_lesson, teacher, status, english):
    world.year.status = status
    world.year.save()
    for call in (
        lambda: records.set_topic(actor=teacher, lesson=the_lesson, text="Дроби", now=NOW),
        lambda: records.set_homework(actor=teacher, lesson=the_lesson, text="№ 5", pages="", now=NOW),
        lambda: records.add_attachment(actor=teacher, lesson=the_lesson, upload=upload(), now=NOW),
        lambda: records.add_remark(
            actor=teacher,
            lesson=the_lesson,
            student=world.student.student,
            kind="remark",
            text="Шумел",
            now=NOW,
        ),
    ):
        with pytest.raises(ValidationError, match="read-only"):
            call()
    assert not LessonTopic.objects.exists() and not Homework.objects.exists()
    assert not HomeworkAttachment.objects.exists() and not Remark.objects.exists()


def test_a_cancelled_lesson_takes_nothing(world, teacher, english):
    cancelled = lesson(world.math_5a, d(10, 12), status=Lesson.Status.CANCELLED)
    with pytest.raises(ValidationError, match="cancelled"):
        records.set_topic(actor=teacher, lesson=cancelled, text="Дроби", now=NOW)


def test_a_first_grade_takes_a_topic_but_no_homework(world, teacher, english):
    first = f.make_class(world.year, 1, "А")
    course = f.make_course(f.whole_group(first), world.math_5a.subject, world.teacher)
    first_lesson = lesson(course, d(10, 12), 3)
    assert (
        records.set_topic(actor=teacher, lesson=first_lesson, text="Счёт до 10", now=NOW).text == "Счёт до 10"
    )
    with pytest.raises(ValidationError, match="First-grade"):
        records.set_homework(actor=teacher, lesson=first_lesson, text="Прописи", pages="", now=NOW)
    with pytest.raises(ValidationError, match="First-grade"):
        records.add_attachment(actor=teacher, lesson=first_lesson, upload=upload(), now=NOW)
    assert not Homework.objects.exists()


# Topic


def test_topic_is_set_changed_and_cleared_with_audit(world, the_lesson, teacher):
    topics = plan(world.math_5a, ("Обыкновенные дроби", 2))
    topic = records.set_topic(
        actor=teacher, lesson=the_lesson, text="  Обыкновенные дроби ", plan_topic=topics[0], now=NOW
    )
    assert (topic.text, topic.plan_topic, topic.updated_by) == (
        "Обыкновенные дроби",
        topics[0],
        world.teacher.user,
    )
    records.set_topic(
        actor=teacher, lesson=the_lesson, text="Обыкновенные дроби", plan_topic=topics[0], now=NOW
    )
    records.set_topic(actor=teacher, lesson=the_lesson, text="Сложение дробей", now=NOW)
    topic.refresh_from_db()
    assert (topic.text, topic.plan_topic) == ("Сложение дробей", None)
    assert records.set_topic(actor=teacher, lesson=the_lesson, text="   ", now=NOW) is None
    assert not LessonTopic.objects.exists()
    # the unchanged second save wrote nothing
    assert actions() == ["journal.topic_set", "journal.topic_set", "journal.topic_cleared"]
    event = AuditEvent.objects.filter(action="journal.topic_set").order_by("pk").last()
    assert (
        event.data["old"]["text"] == "Обыкновенные дроби" and event.data["new"]["text"] == "Сложение дробей"
    )


def test_topic_may_be_entered_in_advance(world, teacher):
    later = lesson(world.math_5a, d(12, 1))
    assert records.set_topic(actor=teacher, lesson=later, text="Проценты", now=NOW).text == "Проценты"


def test_topic_too_long_or_of_another_course_plan(world, the_lesson, teacher):
    with pytest.raises(ValidationError) as exc:
        records.set_topic(actor=teacher, lesson=the_lesson, text="я" * 301, now=NOW)
    assert "text" in exc.value.error_dict
    foreign = plan(world.russian_5a, ("Причастие", 3))[0]
    with pytest.raises(ValidationError) as exc:
        records.set_topic(actor=teacher, lesson=the_lesson, text="Причастие", plan_topic=foreign, now=NOW)
    assert "plan_topic" in exc.value.error_dict
    assert not LessonTopic.objects.exists() and not actions()


# Homework


def test_homework_with_due_lesson(world, the_lesson, teacher):
    nxt = lesson(world.math_5a, d(10, 14))
    homework = records.set_homework(
        actor=teacher, lesson=the_lesson, text=" Решить № 12, 14 ", pages="с. 45", due_lesson=nxt, now=NOW
    )
    assert (homework.text, homework.pages, homework.due_lesson) == ("Решить № 12, 14", "с. 45", nxt)
    assert actions() == ["journal.homework_set"]
    assert records.set_homework(actor=teacher, lesson=the_lesson, text="", pages="  ", now=NOW) is None
    assert not Homework.objects.exists()
    assert actions() == ["journal.homework_set", "journal.homework_cleared"]


@pytest.mark.parametrize("case", ["other_course", "earlier", "same", "cancelled"])
def test_due_lesson_must_be_a_later_open_lesson_of_the_course(world, the_lesson, teacher, case):
    due = {
        "other_course": lambda: lesson(world.russian_5a, d(10, 14), 2),
        "earlier": lambda: lesson(world.math_5a, d(10, 9)),
        "same": lambda: the_lesson,
        "cancelled": lambda: lesson(world.math_5a, d(10, 14), status=Lesson.Status.CANCELLED),
    }[case]()
    with pytest.raises(ValidationError) as exc:
        records.set_homework(actor=teacher, lesson=the_lesson, text="№ 5", pages="", due_lesson=due, now=NOW)
    assert list(exc.value.error_dict) == ["due_lesson"]
    assert not Homework.objects.exists()


def test_homework_fields_too_long(world, the_lesson, teacher):
    with pytest.raises(ValidationError) as exc:
        records.set_homework(actor=teacher, lesson=the_lesson, text="я" * 4001, pages="с" * 201, now=NOW)
    assert set(exc.value.error_dict) == {"text", "pages"}


def test_a_later_lesson_on_the_same_day_may_be_due(world, the_lesson, teacher):
    second = lesson(world.math_5a, d(10, 12), 4)
    hw = records.set_homework(
        actor=teacher, lesson=the_lesson, text="№ 5", pages="", due_lesson=second, now=NOW
    )
    assert hw.due_lesson == second


# Attachments


def test_attachment_is_stored_under_a_random_name(world, the_lesson, teacher, media):
    attachment = records.add_attachment(
        actor=teacher, lesson=the_lesson, upload=upload("Задание к уроку.PDF"), now=NOW
    )
    assert attachment.name == "Задание к уроку.PDF"
    assert attachment.homework.lesson == the_lesson  # the homework row was created for it
    assert attachment.size == len(b"%PDF-1.4 homework") and attachment.uploaded_by == world.teacher.user
    assert (
        attachment.file.name.startswith(f"homework/{world.school.pk}/")
        and "Задание" not in attachment.file.name
    )
    assert attachment.file.name.endswith(".pdf")
    assert (media / attachment.file.name).read_bytes() == b"%PDF-1.4 homework"
    assert actions() == ["journal.attachment_added"]
    # homework with a file and no text stays
    assert records.set_homework(actor=teacher, lesson=the_lesson, text="", pages="", now=NOW) is not None


@pytest.mark.parametrize(
    "name, content, field_message",
    [
        ("virus.exe", b"MZ", "cannot be attached"),
        ("noextension", b"data", "cannot be attached"),
        ("big.pdf", b"x" * (10 * 1024 * 1024 + 1), "too big"),
        ("empty.txt", b"", "empty"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_saved(
    world, the_lesson, teacher, media, name, content, field_message, english
):
    with pytest.raises(ValidationError) as exc:
        records.add_attachment(actor=teacher, lesson=the_lesson, upload=upload(name, content), now=NOW)
    assert field_message in " ".join(exc.value.message_dict["file"])
    assert not HomeworkAttachment.objects.exists() and not Homework.objects.exists()
    assert stored_files(media) == [] and not actions()


def test_a_file_of_exactly_10_mb_is_accepted(world, the_lesson, teacher):
    big = upload("scan.jpg", b"x" * (10 * 1024 * 1024), "image/jpeg")
    assert (
        records.add_attachment(actor=teacher, lesson=the_lesson, upload=big, now=NOW).size == 10 * 1024 * 1024
    )


def test_at_most_five_files(world, the_lesson, teacher, media, english):
    for n in range(5):
        records.add_attachment(actor=teacher, lesson=the_lesson, upload=upload(f"{n}.txt", b"abc"), now=NOW)
    with pytest.raises(ValidationError, match="At most 5 files"):
        records.add_attachment(actor=teacher, lesson=the_lesson, upload=upload("6.txt", b"abc"), now=NOW)
    assert HomeworkAttachment.objects.count() == 5 and len(stored_files(media)) == 5


def test_removing_an_attachment_deletes_the_file_after_commit(
    world, the_lesson, teacher, media, django_capture_on_commit_callbacks
):
    attachment = records.add_attachment(actor=teacher, lesson=the_lesson, upload=upload(), now=NOW)
    path = media / attachment.file.name
    records.set_homework(actor=teacher, lesson=the_lesson, text="Прочитать", pages="", now=NOW)
    with django_capture_on_commit_callbacks() as callbacks:
        records.remove_attachment(actor=teacher, attachment=attachment, now=NOW)
    assert path.exists() and len(callbacks) == 1  # not before the commit
    callbacks[0]()
    assert not path.exists()
    assert not HomeworkAttachment.objects.exists()
    assert Homework.objects.get().text == "Прочитать"  # the homework text stays
    assert "journal.attachment_removed" in actions()


def test_removing_the_last_file_of_an_empty_homework_removes_it(
    world, the_lesson, teacher, django_capture_on_commit_callbacks, media
):
    attachment = records.add_attachment(actor=teacher, lesson=the_lesson, upload=upload(), now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        records.remove_attachment(actor=teacher, attachment=attachment, now=NOW)
    assert not Homework.objects.exists() and stored_files(media) == []


def test_another_teacher_cannot_remove_a_file(world, the_lesson, teacher, media):
    attachment = records.add_attachment(actor=teacher, lesson=the_lesson, upload=upload(), now=NOW)
    with pytest.raises(PermissionDenied):
        records.remove_attachment(actor=actor(world.other_teacher), attachment=attachment, now=NOW)
    assert HomeworkAttachment.objects.exists() and len(stored_files(media)) == 1


# Remarks


def test_remark_is_added_and_removed_by_its_author(world, the_lesson, teacher):
    remark = records.add_remark(
        actor=teacher,
        lesson=the_lesson,
        student=world.student.student,
        kind="praise",
        text=" Отличный ответ ",
        now=NOW,
    )
    assert (remark.kind, remark.text, remark.author) == ("praise", "Отличный ответ", world.teacher)
    records.remove_remark(actor=teacher, remark=remark, now=NOW)
    assert not Remark.objects.exists()
    assert actions() == ["journal.remark_added", "journal.remark_removed"]
    assert AuditEvent.objects.get(action="journal.remark_removed").data["text"] == "Отличный ответ"


def test_the_admin_removes_anyones_remark_and_a_substitute_not_the_teachers(world, the_lesson, teacher):
    remark = records.add_remark(
        actor=teacher,
        lesson=the_lesson,
        student=world.student.student,
        kind="remark",
        text="Без формы",
        now=NOW,
    )
    Substitution.objects.create(
        school=world.school, lesson=the_lesson, absent_teacher=world.teacher, substitute=world.substitute
    )
    with pytest.raises(PermissionDenied):
        records.remove_remark(actor=actor(world.substitute), remark=remark, now=NOW)
    records.remove_remark(actor=actor(world.admin), remark=remark, now=NOW)
    assert not Remark.objects.exists()


def test_remark_on_a_future_lesson_is_refused(world, teacher, english):
    future = lesson(world.math_5a, d(10, 13))
    with pytest.raises(ValidationError, match="on or after"):
        records.add_remark(
            actor=teacher, lesson=future, student=world.student.student, kind="remark", text="Шумел", now=NOW
        )
    assert not Remark.objects.exists()


def test_remark_needs_a_student_of_the_group_on_that_day_a_kind_and_a_text(world, the_lesson, teacher):
    with pytest.raises(ValidationError) as exc:
        records.add_remark(
            actor=teacher,
            lesson=the_lesson,
            student=world.other_student.student,
            kind="scold",
            text="  ",
            now=NOW,
        )
    assert set(exc.value.error_dict) == {"student", "kind", "text"}
    left = f.make_person(world.school, roles=[Role.STUDENT])
    f.enroll(left, world.class_5a, starts=d(9, 1), ends=d(10, 1))
    with pytest.raises(ValidationError) as exc:
        records.add_remark(
            actor=teacher, lesson=the_lesson, student=left.student, kind="remark", text="Шумел", now=NOW
        )
    assert list(exc.value.error_dict) == ["student"]
    assert not Remark.objects.exists() and not actions()


# Filling topics from the plan


def test_fill_topics_from_plan_walks_the_lessons_in_order(world, teacher):
    period = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=1)
    topics = plan(world.math_5a, ("Натуральные числа", 2), ("Дроби", 1), ("Проценты", 5))
    days = [d(9, 7), d(9, 9), d(9, 14), d(9, 16), d(9, 21)]
    lessons = [lesson(world.math_5a, day) for day in days]
    lessons.insert(2, lesson(world.math_5a, d(9, 11), status=Lesson.Status.CANCELLED))
    records.set_topic(actor=teacher, lesson=lessons[3], text="Контрольная работа", now=NOW)
    n = records.fill_topics_from_plan(actor=teacher, course=world.math_5a, period=period, now=NOW)
    got = {t.lesson_id: (t.text, t.plan_topic_id) for t in LessonTopic.objects.all()}
    assert n == 4
    assert [got.get(x.pk) for x in lessons] == [
        ("Натуральные числа", topics[0].pk),
        ("Натуральные числа", topics[0].pk),
        None,  # cancelled
        ("Контрольная работа", None),  # kept
        ("Дроби", topics[1].pk),
        ("Проценты", topics[2].pk),
    ]
    assert actions().count("journal.topics_filled_from_plan") == 1


def test_fill_topics_from_plan_refuses_a_reader(world):
    period = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=1)
    plan(world.math_5a, ("Дроби", 1))
    lesson(world.math_5a, d(9, 7))
    with pytest.raises(PermissionDenied):
        records.fill_topics_from_plan(
            actor=actor(world.director), course=world.math_5a, period=period, now=NOW
        )
    assert not LessonTopic.objects.exists()
