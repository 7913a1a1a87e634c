"""End to end in a real Chromium: a teacher fills a lesson's record (topic from the plan, homework with a file,
a remark), the period's list shows it, a parent downloads the file.

Leaves screenshots of the lesson page and the list at 1280 px and at a phone's 390 px in test-artifacts/.
"""

import pytest
from django.urls import reverse

from accounts.models import Role
from journal.models import Homework, HomeworkAttachment, LessonTopic, PlanTopic, Remark
from tests import factories as f
from tests.browser.test_journal import NAMES, world_with_past_days
from tests.browser.test_substitution import sign_in
from tests.browser_fixtures import browser_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def setting(world, days):
    for last, first in NAMES[:12]:
        person = f.make_person(world.school, roles=[Role.STUDENT], last_name=last, first_name=first)
        f.enroll(person, world.class_5a)
    for n, (title, hours) in enumerate(
        [("Натуральные числа и шкалы", 2), ("Сложение и вычитание натуральных чисел", 3), ("Умножение", 2)],
        start=1,
    ):
        PlanTopic.objects.create(
            school=world.school,
            course=world.math_5a,
            position=n,
            section="Натуральные числа",
            title=title,
            hours=hours,
        )
    return [f.make_lesson(world.math_5a, day, 2) for day in days]


def test_teacher_fills_the_lesson_record(page, settings, tmp_path, browser, live_server, clock):
    settings.MEDIA_ROOT = tmp_path
    world, period, days = world_with_past_days(6)
    lessons = setting(world, days)
    lesson = lessons[2]
    sign_in(page, world.teacher.user)
    page.goto(f"{page.base_url}{reverse('journal:lesson', args=[lesson.pk])}")

    proposal = page.locator('[data-testid="proposal"] button')
    proposal.click()  # fills the field without sending the form
    assert page.input_value("#topic-text") == "Натуральные числа и шкалы"
    page.fill("#topic-text", "Натуральные числа и шкалы. Координатный луч")
    page.click('[data-testid="topic-form"] button[type=submit]:not([name])')
    page.wait_for_load_state()
    topic = LessonTopic.objects.get(lesson=lesson)
    assert topic.plan_topic.position == 1 and topic.text.endswith("Координатный луч")

    page.fill("#hw-text", "Решить задачи № 12, 14, 15. Повторить правило.")
    page.fill("#hw-pages", "с. 24–25, упр. 3")
    page.click('[data-testid="homework-form"] button[type=submit]')
    page.wait_for_load_state()
    assert Homework.objects.get(lesson=lesson).due_lesson == lessons[3]

    page.set_input_files(
        "#att-file", files=[{"name": "virus.exe", "mimeType": "application/octet-stream", "buffer": b"MZ"}]
    )
    page.click('[data-testid="attachment-form"] button[type=submit]')
    page.wait_for_load_state()
    assert page.locator("#att-file ~ .error").count() == 1
    page.set_input_files(
        "#att-file",
        files=[{"name": "Карточка с задачами.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}],
    )
    page.click('[data-testid="attachment-form"] button[type=submit]')
    page.wait_for_load_state()
    assert HomeworkAttachment.objects.get().name == "Карточка с задачами.pdf"

    page.select_option("#remark-student", str(world.student.student.pk))
    page.check("input[name=kind][value=praise]")
    page.fill("#remark-text", "Отлично работала у доски, помогла соседке по парте.")
    page.click('[data-testid="remark-form"] button[type=submit]')
    page.wait_for_load_state()
    assert Remark.objects.get().kind == "praise"
    page.select_option("#remark-student", str(world.student.student.pk))
    page.fill("#remark-text", "")
    page.click('[data-testid="remark-form"] button[type=submit]')
    page.wait_for_load_state()
    shot(page, "lesson-record-1280-error")
    page.goto(f"{page.base_url}{reverse('journal:lesson', args=[lesson.pk])}")
    shot(page, "lesson-record-1280")

    page.goto(f"{page.base_url}{reverse('journal:lessons', args=[world.math_5a.pk, period.pk])}")
    shot(page, "lesson-list-1280")
    page.click('[data-testid="fill-topics"]')
    page.wait_for_load_state()
    assert LessonTopic.objects.filter(lesson__in=lessons).count() == len(lessons)
    shot(page, "lesson-list-1280-filled")

    phone = browser_context(browser, clock, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        small = phone.new_page()
        small.base_url = live_server.url
        sign_in(small, world.teacher.user)
        small.goto(f"{small.base_url}{reverse('journal:lesson', args=[lesson.pk])}")
        shot(small, "lesson-record-390")
        small.goto(f"{small.base_url}{reverse('journal:lessons', args=[world.math_5a.pk, period.pk])}")
        shot(small, "lesson-list-390")
        width = small.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
    finally:
        phone.close()

    director = browser_context(browser, clock, viewport={"width": 1280, "height": 900})
    try:
        reader = director.new_page()
        reader.base_url = live_server.url
        sign_in(reader, world.director.user)
        reader.goto(f"{reader.base_url}{reverse('journal:lesson', args=[lesson.pk])}")
        assert reader.locator('[data-testid="read-only"]').count() == 1
        shot(reader, "lesson-record-director")
    finally:
        director.close()


def test_a_parent_downloads_the_homework_file(page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world, period, days = world_with_past_days(4)
    lessons = setting(world, days)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from journal.records import services as records
    from tests.journal import actor

    attachment = records.add_attachment(
        actor=actor(world.teacher),
        lesson=lessons[0],
        upload=SimpleUploadedFile("Карточка.pdf", b"%PDF-1.4 card", content_type="application/pdf"),
    )
    sign_in(page, world.parent.user)
    with page.expect_download() as info:
        page.evaluate(
            "url => { const a = document.createElement('a'); a.href = url; a.download = ''; document.body.append(a); a.click(); }",
            reverse("journal:attachment", args=[attachment.pk]),
        )
    download = info.value
    assert download.suggested_filename == "Карточка.pdf"
    assert open(download.path(), "rb").read() == b"%PDF-1.4 card"
