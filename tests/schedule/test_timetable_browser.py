"""The class timetable grid in Chromium: the deputy adds a lesson in a cell (htmx) and sees a clash; desktop and phone."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from schedule import timetable
from schedule.models import GroupMembership, StudyGroup, TimetableEntry
from tests import factories as f
from tests.browser_fixtures import shot
from tests.conftest import build_world

from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def realistic_week(world):
    """5А: a full week with English in two subgroups, a group across classes and one clash an import left."""
    from accounts.actor import load_actor

    actor = load_actor(world.admin.user, world.school.pk)
    f.make_bells(world.school)
    rooms = {name: f.make_room(world.school, name) for name in ("101", "204", "205", "210", "Спортзал")}
    people = {}

    def teacher(last, first):
        if last not in people:
            people[last] = f.make_person(world.school, roles=[Role.TEACHER], last_name=last, first_name=first)
        return people[last]

    whole = f.whole_group(world.class_5a)
    pupil = f.make_person(world.school, roles=[Role.STUDENT], last_name="Петров", first_name="Пётр")
    f.enroll(pupil, world.class_5a)
    g1 = StudyGroup.objects.create(
        school=world.school,
        year=world.year,
        kind="subgroup",
        name="5А англ. 1",
        grade=5,
        school_class=world.class_5a,
    )
    g2 = StudyGroup.objects.create(
        school=world.school,
        year=world.year,
        kind="subgroup",
        name="5А англ. 2",
        grade=5,
        school_class=world.class_5a,
    )
    GroupMembership.objects.create(
        school=world.school, group=g1, student=world.student.student, starts=world.year.starts
    )
    GroupMembership.objects.create(
        school=world.school, group=g2, student=pupil.student, starts=world.year.starts
    )
    english = f.make_subject(world.school, "Английский язык", "Англ. яз.")
    eng1 = f.make_course(g1, english, teacher("Смирнова", "Ольга"))
    eng2 = f.make_course(g2, english, teacher("Кузнецова", "Мария"))
    courses = {
        "math": world.math_5a,
        "rus": world.russian_5a,
        "lit": f.make_course(
            whole, f.make_subject(world.school, "Литература", "Литер."), world.class_teacher
        ),
        "hist": f.make_course(
            whole, f.make_subject(world.school, "История", "Истор."), teacher("Волкова", "Анна")
        ),
        "bio": f.make_course(
            whole, f.make_subject(world.school, "Биология", "Биол."), teacher("Зайцев", "Олег")
        ),
        "pe": f.make_course(
            whole, f.make_subject(world.school, "Физическая культура", "Физ-ра"), teacher("Быстров", "Илья")
        ),
        "music": f.make_course(
            whole, f.make_subject(world.school, "Музыка", "Муз."), teacher("Нотова", "Елена")
        ),
    }
    for key, hours in {"math": 5, "rus": 5, "lit": 3, "hist": 2, "bio": 1, "pe": 2, "music": 1}.items():
        courses[key].hours_per_week = hours
        courses[key].save()
    for c in (eng1, eng2):
        c.hours_per_week = 3
        c.save()
    week = {
        1: ["rus", "math", "eng", "lit", "pe"],
        2: ["math", "rus", "hist", "eng", "music"],
        3: ["rus", "math", "lit", "bio"],
        4: ["math", "rus", "eng", "hist", "pe"],
        5: ["lit", "rus", "math"],
    }
    room_of = {
        "math": "204",
        "rus": "205",
        "lit": "205",
        "hist": "210",
        "bio": "101",
        "pe": "Спортзал",
        "music": "101",
    }
    for weekday, keys in week.items():
        for slot, key in enumerate(keys, start=1):
            if key == "eng":
                timetable.place_lesson(
                    actor=actor,
                    course=eng1,
                    weekday=weekday,
                    slot=slot,
                    room=rooms["101"],
                    starts=world.year.starts,
                )
                timetable.place_lesson(
                    actor=actor,
                    course=eng2,
                    weekday=weekday,
                    slot=slot,
                    room=rooms["210"],
                    starts=world.year.starts,
                )
            else:
                timetable.place_lesson(
                    actor=actor,
                    course=courses[key],
                    weekday=weekday,
                    slot=slot,
                    room=rooms[room_of[key]],
                    starts=world.year.starts,
                )
    timetable.place_lesson(
        actor=actor,
        course=courses["hist"],
        weekday=5,
        slot=4,
        room=rooms["210"],
        starts=datetime.date(2027, 1, 12),
    )
    # An import put a group across classes at the same time as 5А's Friday maths: one of its students is in 5А.
    cross = StudyGroup.objects.create(
        school=world.school, year=world.year, kind="cross_class", name="Робототехника 5", grade=5
    )
    GroupMembership.objects.create(
        school=world.school, group=cross, student=pupil.student, starts=world.year.starts
    )
    robots = f.make_course(
        cross, f.make_subject(world.school, "Робототехника", "Робот."), teacher("Кодов", "Артём")
    )
    TimetableEntry.objects.create(
        school=world.school,
        year=world.year,
        course=robots,
        group=cross,
        teacher=robots.teachers.get().teacher,
        room=rooms["101"],
        weekday=5,
        shift=1,
        slot=3,
        starts=world.year.starts,
    )
    return courses


def test_the_deputy_fills_a_cell_and_sees_the_clash_on_desktop(page):
    world = build_world()
    courses = realistic_week(world)
    sign_in(page, world.deputy.user)
    page.goto(f"{page.base_url}{reverse('schedule:timetable_class', args=[world.class_5a.pk])}")
    assert page.locator("#cell-5-3 .tt-clash").count() == 1
    shot(page, "timetable-class-desktop")
    page.click("#cell-3-5 .tt-add")
    page.wait_for_selector("#cell-3-5 select[name=course]")
    page.select_option("#cell-3-5 select[name=course]", str(courses["music"].pk))
    page.click("#cell-3-5 .tt-form button[type=submit]")
    page.wait_for_selector("#cell-3-5 .tt-entry")
    assert TimetableEntry.objects.filter(weekday=3, slot=5, course=courses["music"]).exists()
    # A clash is refused in the cell, with the message, without reloading the page.
    page.click("#cell-3-4 .tt-add")
    page.wait_for_selector("#cell-3-4 select[name=course]")
    page.select_option("#cell-3-4 select[name=course]", str(courses["pe"].pk))
    page.select_option("#cell-3-4 select[name=room]", label="101")
    page.click("#cell-3-4 .tt-form button[type=submit]")
    page.wait_for_selector("#cell-3-4 .error")
    assert "Биология" in page.inner_text("#cell-3-4 .error")
    shot(page, "timetable-class-desktop-refused")


def test_the_grid_on_a_phone(phone_page):
    page = phone_page
    world = build_world()
    realistic_week(world)
    sign_in(page, world.deputy.user)
    page.goto(f"{page.base_url}{reverse('schedule:timetable_class', args=[world.class_5a.pk])}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The phone opens on today's weekday (Moscow time); choose Monday so the test does not depend on the day.
    page.click("label[for=tt-day-1]")
    assert page.locator("#cell-1-1").is_visible() and not page.locator("#cell-5-3").is_visible()
    shot(page, "timetable-class-phone")
    page.click("label[for=tt-day-5]")  # Friday: the clash
    assert page.locator("#cell-5-3 .tt-clash").is_visible() and not page.locator("#cell-1-1").is_visible()
    shot(page, "timetable-class-phone-friday")
    page.goto(f"{page.base_url}{reverse('schedule:timetable_index')}")
    shot(page, "timetable-index-phone")


def test_the_deputy_writes_the_bells_on_a_phone(phone_page):
    page = phone_page
    world = build_world()
    sign_in(page, world.deputy.user)
    page.goto(f"{page.base_url}{reverse('schedule:bell_create')}")
    page.fill("input[name=name]", "Основное, 1 смена")
    for i, (starts, ends) in enumerate([("08:30", "09:15"), ("09:10", "09:55")]):
        page.fill(f"input[name=slots-{i}-number]", str(i + 1))
        page.fill(f"input[name=slots-{i}-starts]", starts)
        page.fill(f"input[name=slots-{i}-ends]", ends)
    page.click("form.card button[type=submit]")
    page.wait_for_selector("#slots_error")
    assert "09:10" in page.inner_text("#slots_error")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "bells-form-refused-phone")
    page.fill("input[name=slots-1-starts]", "09:25")
    page.fill("input[name=slots-1-ends]", "10:10")
    page.click("form.card button[type=submit]")
    page.wait_for_selector("text=09:25–10:10")
    shot(page, "bells-list-phone")
