"""End to end in a real Chromium: the deputy records a substitution; the substitute then sees the lesson, marked.

Also leaves screenshots of the class week and the substitution page at 360 and
1280 px and a print preview (PDF) of the class week in test-artifacts/.
"""

import datetime
import re

import pytest
from django.urls import reverse

from accounts.models import Role
from schedule import selectors
from schedule.models import ReportingPeriod, StudyGroup, Substitution
from tests import factories as f
from tests.browser_fixtures import ARTIFACTS, browser_context, shot
from tests.conftest import build_world
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, user):
    page.goto(f"{page.base_url}{reverse('accounts:login')}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")  # the header's first submit button is "sign out"
    page.wait_for_load_state()


def next_school_day(world) -> datetime.date:
    """The first weekday after today inside a quarter of the world's year: the lesson is still ahead."""
    day = selectors.local_today(world.school) + datetime.timedelta(days=1)
    while day <= world.year.ends:
        in_period = ReportingPeriod.objects.filter(
            scheme__year=world.year, scheme__grades__contains=[5], starts__lte=day, ends__gte=day
        ).exists()
        if day.weekday() < 5 and in_period:
            return day
        day += datetime.timedelta(days=1)
    raise AssertionError("the world's year has no school day ahead of the test's clock")


def fill_the_week(world, day):
    """A believable week for 5А around `day`, so the screenshots show a real timetable."""
    school = world.school
    english_teacher = f.make_person(
        school, roles=[Role.TEACHER], last_name="Английская", first_name="Ольга", patronymic="Ивановна"
    )
    pe_teacher = f.make_person(school, roles=[Role.TEACHER], last_name="Спортов", first_name="Максим")
    rooms = {name: f.make_room(school, name) for name in ["101", "102", "204", "Спортзал", "305"]}
    whole = f.whole_group(world.class_5a)
    g1, g2 = (
        StudyGroup.objects.create(
            school=school,
            year=world.year,
            kind="subgroup",
            name=f"5А англ. {n}",
            grade=5,
            school_class=world.class_5a,
        )
        for n in (1, 2)
    )
    subject = {
        name: f.make_subject(school, name, short)
        for name, short in [
            ("Литература", "Лит."),
            ("История", "Ист."),
            ("Английский язык", "Англ."),
            ("Физическая культура", "Физ-ра"),
            ("Биология", "Биол."),
        ]
    }
    courses = {
        "math": (world.math_5a, rooms["101"]),
        "rus": (world.russian_5a, rooms["102"]),
        "lit": (f.make_course(whole, subject["Литература"], world.class_teacher), rooms["102"]),
        "hist": (f.make_course(whole, subject["История"], world.other_teacher), rooms["204"]),
        "bio": (f.make_course(whole, subject["Биология"], world.other_teacher), rooms["305"]),
        "pe": (f.make_course(whole, subject["Физическая культура"], pe_teacher), rooms["Спортзал"]),
    }
    eng = [
        (f.make_course(g1, subject["Английский язык"], english_teacher), rooms["204"]),
        (f.make_course(g2, subject["Английский язык"], world.substitute), rooms["305"]),
    ]
    plan = [
        ["math", "rus", "eng", "lit", "pe"],
        ["rus", "math", "math", "hist", "eng"],
        ["lit", "math", "bio", "rus", "pe"],
        ["math", "eng", "rus", "hist", "lit"],
        ["bio", "rus", "math", "eng"],
    ]
    plan[day.weekday()][2] = "math"  # the lesson that gets a substitute: maths in slot 3 of `day`
    monday = day - datetime.timedelta(days=day.weekday())
    lessons = {}
    for weekday, names in enumerate(plan):
        date = monday + datetime.timedelta(days=weekday)
        if not ReportingPeriod.objects.filter(
            scheme__year=world.year, scheme__grades__contains=[5], starts__lte=date, ends__gte=date
        ).exists():
            continue
        for slot, name in enumerate(names, start=1):
            if name == "eng":
                for course, room in eng:
                    f.make_lesson(course, date, slot, room=room)
                continue
            course, room = courses[name]
            lessons[(date, slot)] = f.make_lesson(course, date, slot, room=room)
    return lessons[(day, 3)]


def test_deputy_records_a_substitution_and_the_substitute_sees_it(browser, live_server, clock):
    world = build_world()
    day = next_school_day(world)
    lesson = fill_the_week(world, day)
    assert lesson.teacher == world.teacher
    context = browser_context(browser, clock, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url

    # The deputy picks the day, the absent teacher, and a free teacher for the lesson.
    sign_in(page, world.deputy.user)
    page.goto(f"{page.base_url}{reverse('schedule:substitution_day')}?date={day.isoformat()}")
    page.click(f"a[href$='teacher={world.teacher.pk}']")
    page.wait_for_selector("[data-testid=absent-lessons]")
    select = f"#sub-{lesson.pk}"
    offered = page.eval_on_selector_all(f"{select} option", "options => options.map(o => o.value)")
    assert str(world.substitute.pk) in offered
    assert str(world.teacher.pk) not in offered  # the absent teacher
    page.select_option(select, str(world.substitute.pk))
    page.fill(f"#reason-{lesson.pk}", "болезнь")
    page.press(f"#reason-{lesson.pk}", "Enter")
    page.wait_for_selector(".messages .msg-success")
    sub = Substitution.objects.get(lesson=lesson)
    assert sub.substitute == world.substitute and not sub.late
    shot(page, "substitution-day-1280")
    page.set_viewport_size({"width": 360, "height": 740})
    shot(page, "substitution-day-360")

    # The class week shows the substitute, marked; at both widths, and as a print preview.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(
        f"{page.base_url}{reverse('schedule:week_class', args=[world.class_5a.pk])}?date={day.isoformat()}"
    )
    cell = page.locator(f".wk-grid [data-lesson='{lesson.pk}']")
    assert "is-sub" in cell.get_attribute("class")
    assert world.substitute.short_name in cell.inner_text()
    shot(page, "week-class-1280")
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator(f".wk-days [data-lesson='{lesson.pk}']").is_visible()
    shot(page, "week-class-360")
    page.emulate_media(media="print")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(
        path=str(ARTIFACTS / "week-class-print.pdf"), prefer_css_page_size=True, print_background=True
    )
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # the whole week on one page
    width, height = map(float, re.search(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf).groups())
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    page.emulate_media(media="screen")
    context.clear_cookies()

    # The substitute signs in, opens their week from the home page and finds the lesson, marked.
    sign_in(page, world.substitute.user)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_selector("[data-testid=today-lessons]")
    # Today (Wednesday) the substitute has no lesson: the home page names the next school day, the lesson's,
    # and "My week" opens the week of that day.
    assert selectors.local_today(world.school) < day
    page.click(f"a[href^='{reverse('schedule:week_teacher', args=[world.substitute.pk])}']")
    mine = page.locator(f".wk-grid [data-lesson='{lesson.pk}']")
    assert "is-sub" in mine.get_attribute("class")
    assert mine.locator(".badge.warn").is_visible()
    assert world.teacher.short_name in mine.inner_text()  # "instead of" the absent teacher
    shot(page, "week-substitute-1280")
    context.close()
