"""The lesson-calendar pages: generating from the timetable, a class's day and its one-off changes."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schedule.models import Lesson, TimetableEntry
from tests import factories as f

from .conftest import d

pytestmark = pytest.mark.django_db


@pytest.fixture
def bells(world):
    return f.make_bells(world.school)


def day_url(world, on):
    return reverse("schedule:calendar_day", kwargs={"pk": world.class_5a.pk}) + f"?on={on.isoformat()}"


def test_the_deputy_generates_the_calendar_and_sees_the_report(world, bells, login):
    TimetableEntry.objects.create(
        school=world.school,
        year=world.year,
        course=world.math_5a,
        group=world.math_5a.group,
        teacher=world.teacher,
        weekday=1,
        slot=1,
        starts=world.year.starts,
    )
    client = login(world.deputy)
    page = client.get(reverse("schedule:calendar_generate"))
    assert page.status_code == 200
    response = client.post(
        reverse("schedule:calendar_generate"),
        {
            "year": world.year.pk,
            "date_from": "2026-09-01",
            "date_to": "2026-09-30",
            "classes": [world.class_5a.pk],
        },
    )
    assert response.status_code == 200
    assert response.context["report"].created == 4
    assert list(Lesson.objects.values_list("date", flat=True).order_by("date")) == [
        d(9, 7),
        d(9, 14),
        d(9, 21),
        d(9, 28),
    ]
    again = client.post(reverse("schedule:calendar_generate"), {"year": world.year.pk})
    assert again.context["report"].created == Lesson.objects.count() - 4


def test_a_bad_range_is_refused_on_the_form(world, bells, login):
    client = login(world.admin)
    response = client.post(
        reverse("schedule:calendar_generate"), {"year": world.year.pk, "date_from": "2026-08-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date_from"]
    assert response.context["report"] is None


def test_the_day_lists_lessons_and_staff_without_the_right_see_no_buttons(world, bells, login):
    f.make_lesson(world.math_5a, d(9, 7), 2)
    f.make_lesson(world.russian_5a, d(9, 7), 1, status="cancelled", note="болезнь")
    page = login(world.teacher).get(day_url(world, d(9, 7)))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Математика" in text and "Русский язык" in text and "болезнь" in text
    assert [x.slot for x in page.context["lessons"]] == [1, 2]
    assert "/calendar/lessons/" not in text  # no cancel, move or restore buttons
    assert not page.context["may_manage"]


def test_the_day_page_queries_do_not_grow_with_lessons(world, bells, login):
    client = login(world.admin)
    f.make_lesson(world.math_5a, d(9, 7), 1)
    with CaptureQueriesContext(connection) as one:
        client.get(day_url(world, d(9, 7)))
    for slot in (2, 3, 4):
        f.make_lesson(world.math_5a, d(9, 7), slot)
    with CaptureQueriesContext(connection) as four:
        client.get(day_url(world, d(9, 7)))
    assert len(four) == len(one)


def test_cancel_restore_and_move_from_the_day(world, bells, login):
    lesson = f.make_lesson(world.math_5a, d(9, 7), 2)
    client = login(world.deputy)
    here = day_url(world, d(9, 7))
    response = client.post(
        reverse("schedule:lesson_cancel", args=[lesson.pk]), {"note": "экскурсия", "next": here}
    )
    assert response.status_code == 302 and response["Location"] == here
    lesson.refresh_from_db()
    assert (lesson.status, lesson.note) == ("cancelled", "экскурсия")
    # Cancelling twice: the refusal comes back as a message, nothing changes.
    response = client.post(reverse("schedule:lesson_cancel", args=[lesson.pk]), {"next": here}, follow=True)
    assert response.redirect_chain == [(here, 302)]
    assert "Урок уже отменён." in response.content.decode()  # the page speaks Russian
    lesson.refresh_from_db()
    assert (lesson.status, lesson.note) == ("cancelled", "экскурсия")
    client.post(reverse("schedule:lesson_restore", args=[lesson.pk]), {"next": here})
    lesson.refresh_from_db()
    assert lesson.status == "planned"
    assert client.get(reverse("schedule:lesson_move", args=[lesson.pk])).status_code == 200
    response = client.post(
        reverse("schedule:lesson_move", args=[lesson.pk]), {"date": "2026-09-09", "slot": "4"}
    )
    assert response.status_code == 302
    assert response["Location"] == day_url(world, d(9, 9))
    lesson.refresh_from_db()
    assert (lesson.date, lesson.slot, lesson.origin) == (d(9, 9), 4, "moved")
    assert lesson.starts == datetime.time(11, 35)


def test_a_refused_move_stays_on_the_form_with_the_clash(world, bells, login):
    lesson = f.make_lesson(world.math_5a, d(9, 7), 2)
    f.make_lesson(world.russian_5a, d(9, 7), 3)
    response = login(world.admin).post(
        reverse("schedule:lesson_move", args=[lesson.pk]), {"date": "2026-09-07", "slot": "3"}
    )
    assert response.status_code == 200
    assert "Русский язык" in str(response.context["form"].errors)


def test_an_extra_lesson_from_the_day(world, bells, login):
    client = login(world.admin)
    response = client.post(day_url(world, d(9, 8)), {"course": world.math_5a.pk, "slot": "5"})
    assert response.status_code == 302
    extra = Lesson.objects.get()
    assert (extra.date, extra.slot, extra.origin, extra.teacher) == (d(9, 8), 5, "extra", world.teacher)
    # A course of another class is not offered.
    response = client.post(day_url(world, d(9, 8)), {"course": world.math_6b.pk, "slot": "6"})
    assert response.status_code == 200 and response.context["form"].errors["course"]
