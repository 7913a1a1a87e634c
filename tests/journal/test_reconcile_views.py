"""The reconciliation page and its form (R-J-8): who sees what, what a POST changes, the page's query count."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import Role
from journal.marklog import services as marklog
from journal.models import Attendance, MarkLogEntry
from tests import factories as f

from . import d, lesson

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_pages(client):
    """Pages in English: the Russian catalogue is compiled later from tests' TSV (the wording is checked here)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


MON, TUE, THU = d(10, 12), d(10, 13), d(10, 15)


def page_url(school_class, week=None):
    url = reverse("journal:reconcile", args=[school_class.pk])
    return f"{url}?week={week}" if week else url


def post_url(school_class):
    return reverse("journal:set_reason", args=[school_class.pk])


def absent(course, day, slot, person, status="absent", reason=""):
    return Attendance.objects.create(
        school=course.school,
        lesson=lesson(course, day, slot),
        student=person.student,
        status=status,
        reason=reason,
    )


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def rows(world):
    return [
        absent(world.math_5a, TUE, 1, world.student),
        absent(world.russian_5a, TUE, 2, world.student),
        absent(world.math_5a, THU, 3, world.student, status="late"),
    ]


def test_the_class_teacher_sees_the_week_with_selects(world, rows, login):
    html = body(login(world.class_teacher).get(page_url(world.class_5a, "2026-10-14")))
    assert "12 October – 17 October 2026" in html  # a Wednesday shows its week
    assert "Ученикова Зоя" in html and "Матем." in html and "Рус. яз." in html and "ОП" in html
    assert html.count('name="reason"') == 1 + 1 + 2 + 1  # the week, Tuesday and its two lessons, Thursday
    assert '<details class="rc-each">' in html  # Tuesday's lessons share a reason: folded
    assert 'data-testid="read-only"' not in html
    assert "?week=2026-10-05" in html and "?week=2026-10-19" in html  # previous and next weeks


@pytest.mark.parametrize("who", ["director", "deputy"])
def test_readers_see_it_read_only_and_may_pick_a_class(world, rows, login, who):
    html = body(login(getattr(world, who)).get(page_url(world.class_5a, "2026-10-12")))
    assert 'data-testid="read-only"' in html and 'name="reason"' not in html
    assert "Ученикова Зоя" in html and "no reason yet" in html
    assert reverse("journal:reconcile", args=[world.class_6b.pk]) in html


def test_the_admin_reconciles_and_a_closed_year_is_read_only(world, rows, login):
    client = login(world.admin)
    assert 'name="reason"' in body(client.get(page_url(world.class_5a, "2026-10-12")))
    world.year.status = "closed"
    world.year.save()
    assert 'name="reason"' not in body(client.get(page_url(world.class_5a, "2026-10-12")))


def test_other_teachers_are_refused_and_other_schools_get_404(world, other_world, rows, login, client):
    for person in (world.teacher, world.other_teacher, world.student, world.parent):
        assert login(person).get(page_url(world.class_5a)).status_code == 403
    assert login(other_world.admin).get(page_url(world.class_5a)).status_code == 404
    assert login(world.other_teacher).get(page_url(world.class_6b)).status_code == 200


@pytest.mark.parametrize(
    "week", ["garbage", "2026-13-45", "1900-01-01", "2099-12-31", "2026-10-14T10:00", ""]
)
def test_any_week_parameter_gives_a_page(world, rows, login, week):
    html = body(login(world.class_teacher).get(page_url(world.class_5a) + "?week=" + week))
    assert 'data-testid="week-range"' in html


def test_dates_outside_the_year_are_moved_into_it(world, login):
    client = login(world.class_teacher)
    assert "31 August – 5 September 2026" in body(client.get(page_url(world.class_5a, "2020-01-01")))
    assert 'data-testid="prev-week"' not in body(client.get(page_url(world.class_5a, "2020-01-01")))
    html = body(client.get(page_url(world.class_5a, "2030-01-01")))
    assert "31 May – 5 June 2027" in html and 'data-testid="next-week"' not in html


def test_an_empty_week_and_the_weeks_left_without_reasons(world, rows, login):
    absent(world.math_5a, d(9, 15), 1, world.student, reason="illness")
    html = body(login(world.class_teacher).get(page_url(world.class_5a, "2026-09-14")))
    assert 'data-testid="week-empty"' not in html
    html = body(login(world.class_teacher).get(page_url(world.class_5a, "2026-09-21")))
    assert 'data-testid="week-empty"' in html
    assert "?week=2026-10-12" in html and "3 lessons" in html


def test_posting_a_days_reason(world, rows, login):
    client = login(world.class_teacher)
    student = world.student.student.pk
    response = client.post(
        post_url(world.class_5a),
        {"student": student, "date": "2026-10-13", "week": "2026-10-12", "reason": "illness"},
    )
    assert response.status_code == 302
    assert response["Location"] == page_url(world.class_5a, "2026-10-12") + f"#s{student}"
    assert [r.reason for r in Attendance.objects.order_by("pk")] == ["illness", "illness", ""]
    assert texts(response) == ["Reason saved for 2 lessons."]
    assert MarkLogEntry.objects.count() == 2 and marklog.verify(world.school)[0]
    # The same again changes nothing.
    response = client.post(
        post_url(world.class_5a),
        {"student": student, "date": "2026-10-13", "week": "2026-10-12", "reason": "illness"},
    )
    assert MarkLogEntry.objects.count() == 2 and "nothing changed" in texts(response)[-1].lower()


def test_posting_one_lessons_reason_and_the_whole_week(world, rows, login):
    client = login(world.class_teacher)
    client.post(
        post_url(world.class_5a), {"attendance": [rows[1].pk], "week": "2026-10-12", "reason": "unexcused"}
    )
    assert [r.reason for r in Attendance.objects.order_by("pk")] == ["", "unexcused", ""]
    client.post(post_url(world.class_5a), {"attendance": [r.pk for r in rows], "reason": "excused"})
    assert [r.reason for r in Attendance.objects.order_by("pk")] == ["excused"] * 3
    html = body(client.get(page_url(world.class_5a, "2026-10-12")))
    assert 'data-testid="week-empty"' not in html and 'class="rc-n rc-pending is-pending"' not in html


@pytest.mark.parametrize(
    "data, message",
    [
        ({"student": "x", "date": "2026-10-13", "reason": "illness"}, "whole number"),
        ({"date": "2026-10-13", "reason": "illness"}, "No absences or lateness were chosen"),
        ({"student": 1, "date": "2026-10-13", "reason": "flu"}, "Choose a reason"),
        ({"student": 1, "date": "2026-10-13", "reason": "?"}, "Choose a reason"),
        ({"attendance": ["1", "y"], "reason": "illness"}, "not valid"),
        ({"attendance": [999999999], "reason": "illness"}, "not absences or lateness of this class"),
        ({"attendance": ["9" * 30], "reason": "illness"}, "not valid"),
        ({"student": "9" * 30, "date": "2026-10-13", "reason": "illness"}, "less than or equal"),
        ({"student": 1, "date": "2026-10-13", "week": "20261012", "reason": "illness"}, "valid date"),
        (
            {"student": 999999999, "date": "2026-10-13", "reason": "illness"},
            "no absences or lateness in the class",
        ),
        ({"student": 1, "date": "13.10.2026x", "reason": "illness"}, "valid date"),
    ],
)
def test_bad_input_gives_a_message_and_changes_nothing(world, rows, login, data, message):
    response = login(world.class_teacher).post(post_url(world.class_5a), data)
    assert response.status_code == 302
    assert any(message in m for m in texts(response)), texts(response)
    assert not Attendance.objects.exclude(reason="").exists() and not MarkLogEntry.objects.exists()


def test_another_class_students_rows_are_refused(world, rows, login):
    other = absent(world.math_6b, TUE, 2, world.other_student)
    client = login(world.class_teacher)
    response = client.post(
        post_url(world.class_5a), {"attendance": [other.pk, rows[0].pk], "reason": "illness"}
    )
    assert "not absences or lateness of this class" in texts(response)[0]
    response = client.post(
        post_url(world.class_5a),
        {"student": world.other_student.student.pk, "date": "2026-10-13", "reason": "illness"},
    )
    assert "no absences or lateness in the class" in texts(response)[-1]
    assert not Attendance.objects.exclude(reason="").exists()


def test_readers_and_teachers_may_not_post(world, other_world, rows, login):
    data = {"student": world.student.student.pk, "date": "2026-10-13", "reason": "illness"}
    for person in (world.director, world.deputy, world.teacher, world.other_teacher, world.student):
        assert login(person).post(post_url(world.class_5a), data).status_code == 403
    assert login(other_world.admin).post(post_url(world.class_5a), data).status_code == 404
    assert login(world.class_teacher).get(post_url(world.class_5a)).status_code == 405
    assert not Attendance.objects.exclude(reason="").exists()


def test_a_closed_year_refuses_the_post(world, rows, login):
    world.year.status = "closed"
    world.year.save()
    response = login(world.class_teacher).post(
        post_url(world.class_5a),
        {"student": world.student.student.pk, "date": "2026-10-13", "reason": "illness"},
    )
    assert "read-only" in texts(response)[0]
    assert not Attendance.objects.exclude(reason="").exists()


# The login and its person (middleware), the class, the week's rows, the other weeks without reasons;
# readers also get the year's classes to switch to.
PAGE_QUERIES = 4


def _fill(world, students):
    for i in range(students):
        person = f.make_person(
            world.school, roles=[Role.STUDENT], last_name=f"Ученик{i:02}", first_name="Иван"
        )
        f.enroll(person, world.class_5a)
    people = [e.student.person for e in world.class_5a.enrollments.select_related("student__person")]
    for slot, day in enumerate((TUE, THU, d(9, 15)), start=1):
        math = lesson(world.math_5a, day, slot)
        russian = lesson(world.russian_5a, day, slot + 3)
        for p in people:
            Attendance.objects.create(school=world.school, lesson=math, student=p.student, status="absent")
            Attendance.objects.create(school=world.school, lesson=russian, student=p.student, status="late")


@pytest.mark.parametrize("students", [2, 15])
@pytest.mark.parametrize("who", ["class_teacher", "director"])
def test_the_page_query_count_does_not_grow_with_the_class(
    world, client, students, who, django_assert_num_queries
):
    _fill(world, students)
    client.force_login(getattr(world, who).user)
    url = page_url(world.class_5a, "2026-10-12")
    client.get(url)  # the session's first request may touch more
    with django_assert_num_queries(PAGE_QUERIES + (1 if who == "director" else 0)):
        html = body(client.get(url))
    assert html.count('data-testid="student-') == students + 1
