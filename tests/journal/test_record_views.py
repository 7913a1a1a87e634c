"""The lesson page and its forms, the attachment download, the period's list of lessons (R-J-4, R-J-6, R-J-7)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from journal.models import Homework, HomeworkAttachment, LessonTopic, PlanTopic, Remark
from journal.records import services as records
from schedule.models import Lesson, ReportingPeriod
from tests.journal import actor, d

# The school's today is Monday 12.10.2026 (the tests' clock, tests/clock.py).
pytestmark = [pytest.mark.django_db, pytest.mark.now("2026-10-12 10:00")]

TODAY = d(10, 12)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def as_(client):
    """`as_(person)`: the client signed in as that person, pages in English (their wording is asserted)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def do(person):
        client.force_login(person.user)
        return client

    return do


@pytest.fixture
def the_lesson(world):
    from tests import factories as f

    return f.make_lesson(world.math_5a, TODAY, 2)


def lesson_at(course, day, slot=1, **kw):
    from tests import factories as f

    return f.make_lesson(course, day, slot, **kw)


def url(name, *args):
    return reverse(f"journal:{name}", args=args)


def page(client, lesson) -> str:
    response = client.get(url("lesson", lesson.pk))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def pdf(name="Задание.pdf", content=b"%PDF-1.4 task"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# The lesson page


def test_teacher_sees_the_header_and_the_forms(world, the_lesson, as_):
    PlanTopic.objects.create(school=world.school, course=world.math_5a, position=1, title="Дроби", hours=2)
    nxt = lesson_at(world.math_5a, d(10, 14))
    html = page(as_(world.teacher), the_lesson)
    assert "Математика · 5А" in html
    assert world.teacher.full_name in html and "09:25" in html
    assert url("grid", world.math_5a.pk, the_lesson.period_id) in html
    for form in ("topic-form", "homework-form", "attachment-form", "remark-form"):
        assert f'data-testid="{form}"' in html
    assert "Proposed from the plan:" in html and "1. Дроби" in html
    assert f'<option value="{nxt.pk}" selected>' in html  # due: the next lesson by default
    assert world.student.full_name in html  # the student select
    assert 'data-testid="read-only"' not in html


@pytest.mark.parametrize("who", ["director", "deputy", "admin", "class_teacher"])
def test_readers_see_the_record_read_only(world, the_lesson, as_, who):
    teacher = actor(world.teacher)
    records.set_topic(actor=teacher, lesson=the_lesson, text="Сравнение дробей")
    records.set_homework(actor=teacher, lesson=the_lesson, text="Решить № 101", pages="с. 45")
    attachment = records.add_attachment(actor=teacher, lesson=the_lesson, upload=pdf())
    records.add_remark(
        actor=teacher, lesson=the_lesson, student=world.student.student, kind="praise", text="Отличный ответ"
    )
    html = page(as_(getattr(world, who)), the_lesson)
    assert 'data-testid="read-only"' in html
    record = html.split('class="lr-grid"')[1].split('class="footer"')[0]
    assert ('method="post"' in record) == (who == "admin")
    for text in ("Сравнение дробей", "Решить № 101", "с. 45", "Задание.pdf", "Отличный ответ"):
        assert text in html
    assert url("attachment", attachment.pk) in html
    assert 'data-testid="topic-form"' not in html and 'data-testid="remark-form"' not in html
    if who == "admin":  # the admin may remove a remark, nothing else
        assert url("delete_remark", Remark.objects.get().pk) in html


def test_students_and_parents_do_not_open_the_lesson_page(world, the_lesson, as_):
    assert as_(world.student).get(url("lesson", the_lesson.pk)).status_code == 403
    assert as_(world.parent).get(url("lesson", the_lesson.pk)).status_code == 403


def test_a_future_lesson_takes_topic_and_homework_but_no_remark_yet(world, as_):
    later = lesson_at(world.math_5a, d(10, 20))
    html = page(as_(world.teacher), later)
    assert 'data-testid="topic-form"' in html and 'data-testid="homework-form"' in html
    assert 'data-testid="remark-form"' not in html
    assert "Remarks can be written on or after the lesson's date." in html


def test_a_closed_year_shows_the_page_read_only_and_refuses_a_post(world, the_lesson, as_):
    world.year.status = "closed"
    world.year.save()
    client = as_(world.teacher)
    assert 'data-testid="read-only"' in page(client, the_lesson)
    response = client.post(url("save_topic", the_lesson.pk), {"text": "Дроби"}, follow=True)
    assert "read-only" in response.content.decode()
    assert not LessonTopic.objects.exists()


# Topic


def test_topic_is_saved_and_redirects_back(world, the_lesson, as_):
    response = as_(world.teacher).post(url("save_topic", the_lesson.pk), {"text": " Дроби "})
    assert response.status_code == 302 and response["Location"] == url("lesson", the_lesson.pk) + "#topic"
    assert LessonTopic.objects.get(lesson=the_lesson).text == "Дроби"


def test_use_the_proposed_topic_without_javascript(world, the_lesson, as_):
    planned = PlanTopic.objects.create(
        school=world.school, course=world.math_5a, position=1, title="Дроби", hours=2
    )
    as_(world.teacher).post(url("save_topic", the_lesson.pk), {"text": "", "use_plan": planned.pk})
    topic = LessonTopic.objects.get(lesson=the_lesson)
    assert (topic.text, topic.plan_topic) == ("Дроби", planned)


def test_topic_errors_are_shown_next_to_the_field(world, the_lesson, as_):
    foreign = PlanTopic.objects.create(
        school=world.school, course=world.russian_5a, position=1, title="Причастие", hours=1
    )
    client = as_(world.teacher)
    response = client.post(url("save_topic", the_lesson.pk), {"text": "я" * 301})
    assert response.status_code == 200
    assert 'class="field has-error"' in response.content.decode()
    response = client.post(url("save_topic", the_lesson.pk), {"text": "Причастие", "plan_topic": foreign.pk})
    assert response.status_code == 200 and "another course&#x27;s plan" in response.content.decode()
    assert not LessonTopic.objects.exists()


def test_another_teacher_cannot_post(world, the_lesson, as_):
    response = as_(world.other_teacher).post(url("save_topic", the_lesson.pk), {"text": "Дроби"})
    assert response.status_code == 403
    assert not LessonTopic.objects.exists()


# Homework


def test_homework_is_saved_with_its_due_lesson(world, the_lesson, as_):
    nxt = lesson_at(world.math_5a, d(10, 14))
    response = as_(world.teacher).post(
        url("save_homework", the_lesson.pk), {"text": "№ 5", "pages": "с. 10", "due_lesson": nxt.pk}
    )
    assert response.status_code == 302
    homework = Homework.objects.get(lesson=the_lesson)
    assert (homework.text, homework.pages, homework.due_lesson) == ("№ 5", "с. 10", nxt)


def test_an_earlier_due_lesson_is_refused_next_to_the_field(world, the_lesson, as_):
    earlier = lesson_at(world.math_5a, d(10, 5))
    response = as_(world.teacher).post(
        url("save_homework", the_lesson.pk), {"text": "№ 5", "pages": "", "due_lesson": earlier.pk}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose a later lesson of the same course." in html
    assert html.index("Choose a later lesson") > html.index('id="hw-due"')  # under the select
    assert "№ 5" in html  # what was typed is kept
    assert not Homework.objects.exists()


def test_a_due_lesson_of_another_course_is_refused(world, the_lesson, as_):
    other = lesson_at(world.russian_5a, d(10, 14))
    response = as_(world.teacher).post(
        url("save_homework", the_lesson.pk), {"text": "№ 5", "pages": "", "due_lesson": other.pk}
    )
    assert (
        response.status_code == 200
        and "Choose a later lesson of the same course." in response.content.decode()
    )
    assert not Homework.objects.exists()


def test_attachment_upload_and_removal(world, the_lesson, as_, settings):
    client = as_(world.teacher)
    response = client.post(url("add_attachment", the_lesson.pk), {"file": pdf()})
    assert response.status_code == 302
    attachment = HomeworkAttachment.objects.get()
    assert attachment.name == "Задание.pdf"
    html = page(client, the_lesson)
    assert url("attachment", attachment.pk) in html and url("delete_attachment", attachment.pk) in html
    response = client.post(url("delete_attachment", attachment.pk))
    assert response.status_code == 302 and not HomeworkAttachment.objects.exists()


def test_a_wrong_file_is_refused_next_to_the_field(world, the_lesson, as_, settings):
    response = as_(world.teacher).post(
        url("add_attachment", the_lesson.pk), {"file": SimpleUploadedFile("run.exe", b"MZ")}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Files of this type cannot be attached" in html
    assert not HomeworkAttachment.objects.exists() and not list(settings.MEDIA_ROOT.rglob("*.*"))


def test_the_upload_form_needs_a_file(world, the_lesson, as_):
    response = as_(world.teacher).post(url("add_attachment", the_lesson.pk), {})
    assert response.status_code == 200 and "This field is required." in response.content.decode()


# Download


@pytest.fixture
def attachment(world, the_lesson):
    return records.add_attachment(actor=actor(world.teacher), lesson=the_lesson, upload=pdf())


@pytest.mark.parametrize("who", ["student", "parent", "teacher", "class_teacher", "director"])
def test_the_group_and_the_staff_download_the_file_under_its_name(world, attachment, as_, who):
    response = as_(getattr(world, who)).get(url("attachment", attachment.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 task"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "private" in response["Cache-Control"]
    assert (
        "filename*=utf-8''%D0%97%D0%B0%D0%B4%D0%B0%D0%BD%D0%B8%D0%B5.pdf" in response["Content-Disposition"]
    )


@pytest.mark.parametrize("who", ["other_parent", "other_student", "other_teacher"])
def test_another_family_cannot_download(world, attachment, as_, who):
    assert as_(getattr(world, who)).get(url("attachment", attachment.pk)).status_code == 403


def test_another_school_gets_404(world, other_world, attachment, as_):
    assert as_(other_world.admin).get(url("attachment", attachment.pk)).status_code == 404


def test_a_missing_file_answers_404(world, attachment, as_, settings):
    (settings.MEDIA_ROOT / attachment.file.name).unlink()
    assert as_(world.student).get(url("attachment", attachment.pk)).status_code == 404


# Remarks


def test_remark_is_added_and_removed(world, the_lesson, as_):
    client = as_(world.teacher)
    response = client.post(
        url("add_remark", the_lesson.pk),
        {"student": world.student.student.pk, "kind": "praise", "text": "Помог однокласснику"},
    )
    assert response.status_code == 302 and response["Location"].endswith("#remarks")
    remark = Remark.objects.get()
    assert (remark.student, remark.kind, remark.author) == (world.student.student, "praise", world.teacher)
    assert "Помог однокласснику" in page(client, the_lesson)
    assert client.post(url("delete_remark", remark.pk)).status_code == 302
    assert not Remark.objects.exists()


def test_a_remark_about_a_student_of_another_class_is_refused(world, the_lesson, as_):
    response = as_(world.teacher).post(
        url("add_remark", the_lesson.pk),
        {"student": world.other_student.student.pk, "kind": "remark", "text": "Шумел"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "was not in the lesson" in html
    assert not Remark.objects.exists()


def test_a_remark_needs_a_text(world, the_lesson, as_):
    response = as_(world.teacher).post(
        url("add_remark", the_lesson.pk), {"student": world.student.student.pk, "kind": "remark", "text": ""}
    )
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert not Remark.objects.exists()


def test_director_cannot_remove_a_remark(world, the_lesson, as_):
    remark = records.add_remark(
        actor=actor(world.teacher),
        lesson=the_lesson,
        student=world.student.student,
        kind="remark",
        text="Шумел",
    )
    assert as_(world.director).post(url("delete_remark", remark.pk)).status_code == 403
    assert Remark.objects.exists()


# The period's lessons


def q1(world):
    return ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=1)


def fill_lessons(world, n):
    teacher = actor(world.teacher)
    day, made = datetime.date(2026, 9, 1), []
    while len(made) < n:
        if day.weekday() < 5:
            made.append(lesson_at(world.math_5a, day))
        day += datetime.timedelta(days=1)
    for x in made[::2]:
        records.set_topic(actor=teacher, lesson=x, text=f"Тема {x.date:%d.%m}")
        records.set_homework(actor=teacher, lesson=x, text=f"Задача {x.date:%d.%m}", pages="с. 5")
        records.add_remark(
            actor=teacher, lesson=x, student=world.student.student, kind="remark", text="Шумел"
        )
    return made


@pytest.mark.parametrize("n", [3, 12])
def test_lessons_page_query_count_does_not_grow(world, as_, django_assert_num_queries, n):
    made = fill_lessons(world, n)
    client = as_(world.teacher)
    address = url("lessons", world.math_5a.pk, q1(world).pk)
    client.get(address)  # the session settles (sign-in checks cached per session) before counting
    # the user and the person, the course, its periods, the teacher's assignment, the lessons with topic,
    # homework and remark count in one query: none grows with the lessons
    with django_assert_num_queries(5):
        response = client.get(address)
    html = response.content.decode()
    assert response.status_code == 200
    for x in made:
        assert url("lesson", x.pk) in html
    assert f"Тема {made[0].date:%d.%m}" in html and f"Задача {made[0].date:%d.%m}" in html
    assert 'data-testid="fill-topics"' in html


def test_readers_get_no_fill_button_and_cannot_post(world, as_):
    fill_lessons(world, 2)
    client = as_(world.director)
    html = client.get(url("lessons", world.math_5a.pk, q1(world).pk)).content.decode()
    assert 'data-testid="fill-topics"' not in html
    assert client.post(url("fill_topics", world.math_5a.pk, q1(world).pk)).status_code == 403


def test_fill_topics_button(world, as_):
    made = fill_lessons(world, 3)
    cancelled = lesson_at(world.math_5a, d(9, 30), status=Lesson.Status.CANCELLED)
    PlanTopic.objects.create(school=world.school, course=world.math_5a, position=1, title="Дроби", hours=5)
    response = as_(world.teacher).post(url("fill_topics", world.math_5a.pk, q1(world).pk), follow=True)
    assert response.status_code == 200
    assert "1 lesson got its topic from the plan." in response.content.decode()
    assert LessonTopic.objects.get(lesson=made[1]).text == "Дроби"
    assert not LessonTopic.objects.filter(lesson=cancelled).exists()


def test_a_topic_linked_to_the_plan_shows_its_plan_topic_and_no_proposal(world, the_lesson, as_):
    planned = PlanTopic.objects.create(
        school=world.school, course=world.math_5a, position=1, title="Дроби", hours=2
    )
    client = as_(world.teacher)
    client.post(url("save_topic", the_lesson.pk), {"text": "", "use_plan": planned.pk})
    html = page(client, the_lesson)
    assert "In the plan: 1. Дроби" in html and 'data-testid="proposal"' not in html


def test_a_student_of_another_school_is_refused_next_to_the_field(world, other_world, the_lesson, as_):
    response = as_(world.teacher).post(
        url("add_remark", the_lesson.pk),
        {"student": other_world.student.student.pk, "kind": "remark", "text": "Шумел"},
    )
    assert response.status_code == 200 and "was not in the lesson" in response.content.decode()
    assert not Remark.objects.exists()


@pytest.mark.parametrize("n", [1, 5])
def test_lesson_page_query_count_does_not_grow(world, the_lesson, as_, django_assert_num_queries, n):
    from tests import factories as f

    teacher = actor(world.teacher)
    PlanTopic.objects.create(school=world.school, course=world.math_5a, position=1, title="Дроби", hours=2)
    for i in range(n):
        person = f.make_person(world.school, roles=["student"])
        f.enroll(person, world.class_5a)
        records.add_remark(
            actor=teacher, lesson=the_lesson, student=person.student, kind="remark", text="Шумел"
        )
        records.add_attachment(actor=teacher, lesson=the_lesson, upload=pdf(f"{i}.pdf"))
        lesson_at(world.math_5a, d(10, 13 + i))
    client = as_(world.teacher)
    address = url("lesson", the_lesson.pk)
    client.get(address)  # the session settles (sign-in checks cached per session) before counting
    # the user and the person, the lesson, the rules, topic, homework, files, remarks, the next lessons,
    # the plan, the students: none grows with remarks, files or lessons
    with django_assert_num_queries(11):
        assert client.get(address).status_code == 200
