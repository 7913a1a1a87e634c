"""The timetable pages: the class grid (with and without htmx), its fixed query count, the overview, entry changes."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEvent, Role
from schedule import timetable
from schedule.models import GroupMembership, StudyGroup, TimetableEntry
from tests import factories as f

from .conftest import d

pytestmark = pytest.mark.django_db

MON, TUE, SAT = 1, 2, 6


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def tt(world, admin_actor):
    f.make_bells(world.school, shift=1)
    world.room_204 = f.make_room(world.school, "204")
    world.actor = admin_actor
    return world


@pytest.fixture
def deputy_client(client, world):
    client.force_login(world.deputy.user)
    return client


def grid_url(w, **query):
    url = reverse("schedule:timetable_class", args=[w.class_5a.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def cell_url(w, weekday=MON, slot=1):
    return reverse("schedule:timetable_cell", args=[w.class_5a.pk, weekday, slot])


def place(w, course, weekday=MON, slot=1, **kw):
    kw.setdefault("starts", w.year.starts)
    return timetable.place_lesson(actor=w.actor, course=course, weekday=weekday, slot=slot, **kw)


def test_the_grid_shows_entries_with_teacher_and_room(tt, deputy_client):
    place(tt, tt.math_5a, room=tt.room_204)
    page = deputy_client.get(grid_url(tt))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Матем." in html and tt.teacher.short_name in html and "room 204" in html
    assert '<th scope="col" class="d6">Saturday</th>' not in html  # hidden while empty
    assert (
        '<th scope="col" class="d6">Saturday</th>' in deputy_client.get(grid_url(tt, sat=1)).content.decode()
    )


def test_a_teacher_reads_the_grid_without_edit_controls(tt, client):
    place(tt, tt.math_5a)
    client.force_login(tt.teacher.user)
    html = client.get(grid_url(tt)).content.decode()
    assert "Матем." in html and "+ lesson" not in html and "Remove" not in html


def test_adding_a_lesson_without_javascript_redirects_to_the_cell(tt, deputy_client):
    response = deputy_client.post(cell_url(tt, TUE, 2), {"course": tt.math_5a.pk, "room": tt.room_204.pk})
    assert response.status_code == 302 and response["Location"].endswith("#cell-2-2")
    entry = TimetableEntry.objects.get()
    assert (entry.weekday, entry.slot, entry.room, entry.course) == (TUE, 2, tt.room_204, tt.math_5a)


def test_adding_a_lesson_with_htmx_answers_with_the_cell_and_the_hours(tt, deputy_client):
    response = deputy_client.post(
        cell_url(tt, TUE, 2) + f"?on={d(1, 12).isoformat()}",
        {"course": tt.math_5a.pk, "on": d(1, 12).isoformat()},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<td id="cell-2-2"') and "Матем." in html
    assert 'id="tt-hours"' in html and 'hx-swap-oob="outerHTML"' in html
    assert TimetableEntry.objects.get().starts == d(1, 12)


def test_a_clash_rerenders_the_cell_form_with_the_message_and_saves_nothing(tt, deputy_client):
    place(tt, tt.russian_5a)
    before = AuditEvent.objects.count()
    response = deputy_client.post(cell_url(tt), {"course": tt.math_5a.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["course"] == ["Class 5А already has Русский язык at this time."]
    html = response.content.decode()
    assert "Class 5А already has Русский язык at this time." in html and 'id="cell-1-1"' in html
    assert TimetableEntry.objects.count() == 1 and AuditEvent.objects.count() == before


def test_a_clash_with_htmx_answers_with_the_open_cell(tt, deputy_client):
    place(tt, tt.russian_5a)
    response = deputy_client.post(cell_url(tt), {"course": tt.math_5a.pk}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Class 5А already has Русский язык at this time." in html and 'name="course"' in html


def test_a_course_of_another_class_is_not_a_choice(tt, deputy_client):
    response = deputy_client.post(cell_url(tt), {"course": tt.math_6b.pk})
    assert response.status_code == 200 and "course" in response.context["form"].errors
    assert not TimetableEntry.objects.exists()


def test_the_cell_form_opens_in_place_or_on_the_whole_page(tt, deputy_client):
    html = deputy_client.get(cell_url(tt, TUE, 3), HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<td id="cell-2-3"') and 'name="course"' in html and "Математика" in html
    page = deputy_client.get(cell_url(tt, TUE, 3))
    assert page.status_code == 200 and b"<html" in page.content and b'name="course"' in page.content
    closed = deputy_client.get(cell_url(tt, TUE, 3) + "?close=1", HTTP_HX_REQUEST="true").content.decode()
    assert 'name="course"' not in closed and "+ lesson" in closed


def test_remove_ends_the_entry_from_the_date_shown(tt, deputy_client):
    entry = place(tt, tt.math_5a)
    url = reverse("schedule:timetable_entry_remove", args=[entry.pk])
    response = deputy_client.post(url, {"cls": tt.class_5a.pk, "on": d(12, 1).isoformat()})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.ends == d(11, 30)


def test_remove_with_htmx_answers_with_the_emptied_cell(tt, deputy_client):
    entry = place(tt, tt.math_5a, starts=d(12, 1))
    url = reverse("schedule:timetable_entry_remove", args=[entry.pk])
    response = deputy_client.post(
        url, {"cls": tt.class_5a.pk, "on": d(12, 1).isoformat()}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<td id="cell-1-1"') and "Матем." not in html
    assert not TimetableEntry.objects.exists()


def test_changing_an_entry_from_a_date(tt, deputy_client):
    entry = place(tt, tt.math_5a)
    url = reverse("schedule:timetable_entry", args=[entry.pk]) + f"?cls={tt.class_5a.pk}"
    assert deputy_client.get(url).status_code == 200
    response = deputy_client.post(
        url,
        {
            "weekday": TUE,
            "slot": 3,
            "room": tt.room_204.pk,
            "teacher": tt.teacher.pk,
            "on_date": d(1, 12).isoformat(),
        },
    )
    assert response.status_code == 302
    new = TimetableEntry.objects.get(starts=d(1, 12))
    assert (new.weekday, new.slot, new.room) == (TUE, 3, tt.room_204)


def test_a_refused_change_shows_the_message_next_to_the_field(tt, deputy_client):
    entry = place(tt, tt.math_5a)
    place(tt, tt.russian_5a, slot=3)
    url = reverse("schedule:timetable_entry", args=[entry.pk])
    response = deputy_client.post(
        url, {"weekday": MON, "slot": 3, "teacher": tt.teacher.pk, "on_date": d(1, 12).isoformat()}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Class 5А already has Русский язык at this time."]
    assert TimetableEntry.objects.count() == 2
    response = deputy_client.post(
        url, {"weekday": MON, "slot": 2, "teacher": tt.teacher.pk, "on_date": "2027-07-01"}
    )
    assert response.status_code == 200 and response.context["form"].errors["on_date"]


def test_the_grid_shows_a_clash_the_database_cannot_see(tt, deputy_client):
    """A student in a group across classes whose lesson meets while her class has one (entered by an import)."""
    group = StudyGroup.objects.create(
        school=tt.school, year=tt.year, kind="cross_class", name="Информатика 5", grade=5
    )
    GroupMembership.objects.create(
        school=tt.school, group=group, student=tt.student.student, starts=tt.year.starts
    )
    informatics = f.make_course(group, f.make_subject(tt.school, "Информатика", "Инф."), tt.substitute)
    place(tt, tt.math_5a)
    TimetableEntry.objects.create(
        school=tt.school,
        year=tt.year,
        course=informatics,
        group=group,
        teacher=tt.substitute,
        weekday=MON,
        shift=1,
        slot=1,
        starts=tt.year.starts,
    )
    page = deputy_client.get(grid_url(tt))
    html = page.content.decode()
    message = f"Student {tt.student.short_name} is in 5А and in Информатика 5, which meet at the same time."
    assert message in html
    assert page.context["grid"].clash_count == 1
    assert page.context["grid"].cell(MON, 1).clashes


def make_busy_timetable(w, n_extra_classes):
    """Entries in 5А on every weekday and slot, subgroups and a cross-class group; more classes elsewhere."""
    sub1 = StudyGroup.objects.create(
        school=w.school, year=w.year, kind="subgroup", name="5А-1", grade=5, school_class=w.class_5a
    )
    sub2 = StudyGroup.objects.create(
        school=w.school, year=w.year, kind="subgroup", name="5А-2", grade=5, school_class=w.class_5a
    )
    cross = StudyGroup.objects.create(school=w.school, year=w.year, kind="cross_class", name="Хор 5", grade=5)
    GroupMembership.objects.create(
        school=w.school, group=sub1, student=w.student.student, starts=w.year.starts
    )
    GroupMembership.objects.create(
        school=w.school, group=cross, student=w.student.student, starts=w.year.starts
    )
    english = f.make_subject(w.school, f"Английский {n_extra_classes}", "Англ.")
    t1 = f.make_person(w.school, roles=[Role.TEACHER], last_name=f"Англова{n_extra_classes}")
    t2 = f.make_person(w.school, roles=[Role.TEACHER], last_name=f"Инглишева{n_extra_classes}")
    e1, e2 = f.make_course(sub1, english, t1), f.make_course(sub2, english, t2)
    choir = f.make_course(cross, f.make_subject(w.school, f"Хор {n_extra_classes}", "Хор"), w.substitute)
    place(w, e1, weekday=TUE, slot=1)
    place(w, e2, weekday=TUE, slot=1)
    place(w, choir, weekday=TUE, slot=8)
    for weekday in range(1, 6):
        for slot in range(1, 4):
            place(w, w.math_5a if slot % 2 else w.russian_5a, weekday=weekday, slot=slot + 3)
    for i in range(n_extra_classes):
        other = f.make_class(w.year, 7, f"К{i}")
        person = f.make_person(w.school, roles=[Role.TEACHER], last_name=f"Учитель{i}")
        course = f.make_course(f.whole_group(other), w.math_5a.subject, person)
        for weekday in range(1, 6):
            place(w, course, weekday=weekday, slot=1)


@pytest.mark.parametrize("n", [0, 4])
def test_the_grid_needs_a_fixed_number_of_queries(tt, deputy_client, django_assert_num_queries, n):
    make_busy_timetable(tt, n)
    url = grid_url(tt)
    deputy_client.get(url)  # warm the session
    with django_assert_num_queries(GRID_QUERIES, info="the class grid"):
        response = deputy_client.get(url)
    assert response.status_code == 200


# Session, user, actor and two second-factor device lookups (middleware); then the class, its
# groups, their courses with hours placed, the entries, the bells, the students' enrollments and
# memberships, and the other entries that meet at those times.
GRID_QUERIES = 9


def test_the_overview_counts_placed_lessons_against_the_hours(tt, deputy_client):
    tt.math_5a.hours_per_week = 2
    tt.math_5a.save()
    place(tt, tt.math_5a)
    page = deputy_client.get(reverse("schedule:timetable_index"))
    assert page.status_code == 200
    row = next(r for r in page.context["overview"].classes if r.school_class == tt.class_5a)
    assert (row.placed, row.planned) == (1, 3)
    assert [h.course for h in row.missing] == [tt.math_5a, tt.russian_5a]
    assert "Матем. 1/2" in page.content.decode()
