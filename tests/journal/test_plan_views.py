"""The plan pages (R-J-5): upload, errors next to the field, export, template, clearing, pinned query counts."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from journal.models import LessonTopic, PlanTopic
from journal.plans import services as plans
from journal.plans import xlsx as plan_xlsx
from journal.plans.xlsx import PlanRow
from schedule.models import AcademicYear, Lesson
from tests import factories as f
from tests.journal import actor

TODAY = datetime.date(2026, 9, 16)
HEAD = ["№", "Раздел", "Тема урока", "Часы"]


pytestmark = pytest.mark.now(TODAY)  # the school's today is 16.09.2026


@pytest.fixture
def as_(client):
    """`as_(person)`: the client signed in as that person, pages in English (their wording is asserted)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def do(person):
        client.force_login(person.user)
        return client

    return do


def xlsx_bytes(rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(data: bytes, name="plan.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=plan_xlsx.CONTENT_TYPE)


def titles(course):
    return list(PlanTopic.objects.filter(course=course).order_by("position").values_list("title", flat=True))


def url(name, course):
    return reverse(f"journal:{name}", kwargs={"course_pk": course.pk})


def test_import_happy_path(world, as_):
    data = xlsx_bytes([HEAD, [1, "Числа", "Запись чисел", 2], [2, "", "Сравнение", 1]])
    response = as_(world.teacher).post(url("plan_import", world.math_5a), {"file": upload(data)})
    assert response.status_code == 302
    assert response["Location"] == url("plan", world.math_5a)
    assert titles(world.math_5a) == ["Запись чисел", "Сравнение"]
    page = as_(world.teacher).get(url("plan", world.math_5a))
    assert "The plan is loaded: 2 topics, 3 hours." in page.content.decode()


def test_errors_are_shown_next_to_the_field_and_nothing_is_saved(world, as_):
    plans.replace_plan(actor=actor(world.teacher), course=world.math_5a, rows=[PlanRow("", "Старая тема", 1)])
    data = xlsx_bytes([HEAD, [1, "", "Хорошая", 1], [2, "", "", 1], [3, "", "Тема", 300]])
    response = as_(world.teacher).post(url("plan_import", world.math_5a), {"file": upload(data)})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_file_error"' in html
    assert "Row 3: no topic" in html
    assert "Row 4: hours must be a whole number from 1 to 200" in html
    assert titles(world.math_5a) == ["Старая тема"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("plan.xls", None, "Upload an Excel workbook (.xlsx)"),
        ("plan.xlsx", b"garbage", "The file is damaged"),
        ("plan.xlsx", "empty-plan", "The file has no topics"),
    ],
)
def test_bad_files_are_refused_with_a_message(world, as_, name, data, message):
    if data is None:
        data = xlsx_bytes([HEAD, [1, "", "Тема", 1]])
    elif data == "empty-plan":
        data = xlsx_bytes([HEAD])
    response = as_(world.teacher).post(url("plan_import", world.math_5a), {"file": upload(data, name)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert titles(world.math_5a) == []


def test_no_file_is_an_error(world, as_):
    response = as_(world.teacher).post(url("plan_import", world.math_5a), {})
    assert response.status_code == 400
    assert 'id="id_file_error"' in response.content.decode()


def test_closed_year_shows_no_form_and_refuses_the_upload(world, as_):
    AcademicYear.objects.filter(pk=world.year.pk).update(status=AcademicYear.Status.CLOSED)
    client = as_(world.teacher)
    page = client.get(url("plan", world.math_5a))
    assert page.status_code == 200 and 'data-testid="plan-import"' not in page.content.decode()
    data = xlsx_bytes([HEAD, [1, "", "Тема", 1]])
    response = client.post(url("plan_import", world.math_5a), {"file": upload(data)})
    assert response.status_code == 400
    assert "is closed" in response.content.decode()
    assert titles(world.math_5a) == []


def test_readers_see_no_form(world, as_):
    page = as_(world.director).get(url("plan", world.math_5a)).content.decode()
    assert 'data-testid="plan-import"' not in page
    page = as_(world.deputy).get(url("plan", world.math_5a)).content.decode()
    assert 'data-testid="plan-import"' in page


def test_template_download_and_round_trip_through_the_pages(world, as_):
    client = as_(world.teacher)
    template = client.get(reverse("journal:plan_template"))
    assert template["Content-Type"] == plan_xlsx.CONTENT_TYPE
    assert "attachment" in template["Content-Disposition"]
    assert load_workbook(io.BytesIO(template.content)).sheetnames[0]
    assert (
        client.post(url("plan_import", world.math_5a), {"file": upload(template.content)}).status_code == 302
    )
    first = list(
        PlanTopic.objects.filter(course=world.math_5a).values_list("position", "section", "title", "hours")
    )
    assert first
    exported = client.get(url("plan_export", world.math_5a))
    assert exported["Content-Type"] == plan_xlsx.CONTENT_TYPE
    assert ".xlsx" in exported["Content-Disposition"]
    assert (
        client.post(url("plan_import", world.math_6b), {"file": upload(exported.content)}).status_code == 403
    )
    assert (
        client.post(url("plan_import", world.math_5a), {"file": upload(exported.content)}).status_code == 302
    )
    again = list(
        PlanTopic.objects.filter(course=world.math_5a).values_list("position", "section", "title", "hours")
    )
    assert again == first


def test_clear_asks_first_then_clears(world, as_):
    plans.replace_plan(actor=actor(world.teacher), course=world.math_5a, rows=[PlanRow("", "Тема", 1)])
    client = as_(world.teacher)
    ask = client.post(url("plan_clear", world.math_5a))
    assert ask.status_code == 200
    assert 'data-testid="plan-clear-confirm"' in ask.content.decode()
    assert titles(world.math_5a) == ["Тема"]
    done = client.post(url("plan_clear", world.math_5a), {"confirm": "on"})
    assert done.status_code == 302
    assert titles(world.math_5a) == []


def test_plan_page_shows_delivered_hours_and_the_fit(world, as_):
    course = world.math_5a
    plans.replace_plan(
        actor=actor(world.teacher),
        course=course,
        rows=[PlanRow("Числа", "Запись", 2), PlanRow("", "Дроби", 3)],
    )
    t1 = PlanTopic.objects.get(course=course, position=1)
    for n in (7, 8):
        lesson = f.make_lesson(course, datetime.date(2026, 9, n), 1)
        LessonTopic.objects.create(school=world.school, lesson=lesson, text="Запись", plan_topic=t1)
    f.make_lesson(course, datetime.date(2026, 9, 17), 1)
    html = as_(world.deputy).get(url("plan", course)).content.decode()
    assert "07.09, 08.09" in html
    assert "completed" in html and "not started" in html
    assert "2 hours short" in html
    assert ">Status<" in html  # the page is in English here (a translated msgid proves it)


def page_queries(world, as_, django_assert_num_queries, topics: int, lessons: int, expected: int):
    course = world.math_5a
    rows = [PlanRow(f"Раздел {i // 5}", f"Тема {i}", 2) for i in range(topics)]
    plans.replace_plan(actor=actor(world.teacher), course=course, rows=rows)
    plan = list(PlanTopic.objects.filter(course=course).order_by("position"))
    day = datetime.date(2026, 9, 1)
    for i in range(lessons):
        lesson = f.make_lesson(course, day + datetime.timedelta(days=i // 4), 1 + i % 4)
        if i % 3:
            LessonTopic.objects.create(
                school=world.school, lesson=lesson, text="т", plan_topic=plan[i % len(plan)]
            )
    client = as_(world.teacher)
    with django_assert_num_queries(expected):
        assert client.get(url("plan", course)).status_code == 200


# user, actor (the session is read from Redis), the course, the teacher's assignment (the rule),
# the topics with their delivered hours and dates, the lesson totals
PLAN_PAGE_QUERIES = 5


def test_plan_page_query_count_small(world, as_, django_assert_num_queries):
    page_queries(world, as_, django_assert_num_queries, topics=2, lessons=3, expected=PLAN_PAGE_QUERIES)


def test_plan_page_query_count_large(world, as_, django_assert_num_queries):
    page_queries(world, as_, django_assert_num_queries, topics=60, lessons=80, expected=PLAN_PAGE_QUERIES)


# user, actor, the current year, the chosen class, the class list, the courses with their
# planned/delivered/held subqueries
OVERVIEW_QUERIES = 5


@pytest.mark.parametrize("size", [1, 20])
def test_overview_query_count_is_fixed(world, as_, django_assert_num_queries, size):
    for course in (world.math_5a, world.russian_5a):
        rows = [PlanRow("", f"Тема {i}", 1) for i in range(size)]
        plans.replace_plan(actor=actor(world.admin), course=course, rows=rows)
        for i in range(size):
            f.make_lesson(
                course,
                datetime.date(2026, 9, 1) + datetime.timedelta(days=i),
                1 if course == world.math_5a else 2,
            )
    client = as_(world.deputy)
    with django_assert_num_queries(OVERVIEW_QUERIES):
        response = client.get(reverse("journal:plans") + f"?class={world.class_5a.pk}")
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2


def test_overview_numbers(world, as_):
    course = world.math_5a
    plans.replace_plan(
        actor=actor(world.teacher), course=course, rows=[PlanRow("", "А", 2), PlanRow("", "Б", 2)]
    )
    t = PlanTopic.objects.get(course=course, position=1)
    for n, status in ((7, Lesson.Status.PLANNED), (8, Lesson.Status.CANCELLED), (30, Lesson.Status.PLANNED)):
        lesson = f.make_lesson(course, datetime.date(2026, 9, n), 1, status=status)
        LessonTopic.objects.create(school=world.school, lesson=lesson, text="А", plan_topic=t)
    response = as_(world.teacher).get(reverse("journal:plans"))
    rows = {c.pk: c for c in response.context["rows"]}
    assert set(rows) == {world.math_5a.pk}  # a teacher sees their own courses
    assert (rows[course.pk].planned, rows[course.pk].delivered, rows[course.pk].held) == (4, 1, 1)
    assert "25%" in response.content.decode()
    readers = as_(world.director).get(reverse("journal:plans"))
    assert readers.context["rows"] == [] and readers.context["classes"]
    class_teacher = as_(world.class_teacher).get(reverse("journal:plans"))
    assert {c.pk for c in class_teacher.context["rows"]} == {world.math_5a.pk, world.russian_5a.pk}
