"""End to end in a real Chromium: a teacher types marks and attendance into the grid with the keyboard, reloads, sees them.

Leaves screenshots of the grid at 1280 px and at a tablet's 820 px in test-artifacts/.
"""

import datetime
import random

import pytest
from django.urls import reverse

from accounts.models import Role, Student
from journal.grid import services
from journal.grid.selectors import period_of_grade
from journal.models import Attendance, Cell, EditWindow, JournalSettings, Work
from schedule import selectors
from schedule.models import ReportingPeriod
from tests import factories as f
from tests.browser.test_substitution import sign_in
from tests.browser_fixtures import browser_context, shot
from tests.conftest import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = [
    ("Авдеев", "Артём"), ("Белова", "Мария"), ("Васильев", "Кирилл"), ("Григорьева", "Анна"),
    ("Дмитриев", "Егор"), ("Ефимова", "Полина"), ("Жуков", "Тимофей"), ("Зайцева", "Ксения"),
    ("Ильин", "Матвей"), ("Козлова", "Дарья"), ("Лебедев", "Никита"), ("Морозова", "Алиса"),
    ("Николаев", "Иван"), ("Орлова", "Софья"), ("Павлов", "Максим"), ("Романова", "Вера"),
    ("Соколов", "Лев"), ("Тихонова", "Ева"), ("Фёдоров", "Марк"), ("Шубина", "Виктория"),
]  # fmt: skip


def past_school_days(world, n: int) -> tuple[ReportingPeriod, list[datetime.date]]:
    """Up to `n` weekdays before today inside one reporting period of grade 5 (the latest that has begun)."""
    today = selectors.local_today(world.school)
    periods = ReportingPeriod.objects.filter(
        scheme__year=world.year, scheme__grades__contains=[5], starts__lt=today
    ).order_by("-starts")
    for period in periods:
        days, day = [], min(today - datetime.timedelta(days=1), period.ends)
        while day >= period.starts and len(days) < n:
            if day.weekday() < 5:
                days.append(day)
            day -= datetime.timedelta(days=1)
        if len(days) >= 4:
            return period, sorted(days)
    return None, []


def world_with_past_days(n: int):
    """The world (2026/27) and up to `n` school days of its second quarter before today (tests/clock.py)."""
    world = build_world()
    period, days = past_school_days(world, n)
    assert len(days) == n, "the tests' clock should stand well inside a quarter"
    return world, period, days


def classroom(world, days):
    """A 5А of 21 students with a few weeks of marks: what a teacher sees on a usual day."""
    JournalSettings.objects.create(school=world.school, edit_window=EditWindow.NEVER_LOCKED)
    types = {t.code: t for t in services.ensure_default_work_types(world.school)}
    students = [world.student.student]
    for last, first in NAMES:
        person = f.make_person(world.school, roles=[Role.STUDENT], last_name=last, first_name=first)
        f.enroll(person, world.class_5a)
        students.append(person.student)
    rng = random.Random(4)
    lessons = [f.make_lesson(world.math_5a, day, 2) for day in days]
    # The last three lessons stay empty for the test to type into.
    for i, lesson in enumerate(lessons[:-3]):
        codes = ["У", "КР"] if i == 3 else ["У"]
        for n, code in enumerate(codes, start=1):
            work = Work.objects.create(school=world.school, lesson=lesson, work_type=types[code], position=n)
            for s in students[1:]:
                if rng.random() < (0.9 if code == "КР" else 0.3):
                    marks = [rng.choice([3, 4, 4, 5, 5])] + ([5] if rng.random() < 0.1 else [])
                    Cell.objects.create(school=world.school, work=work, student=s, marks=marks)
        for s in rng.sample(students[1:], 2):
            Attendance.objects.create(school=world.school, lesson=lesson, student=s, status="absent")
    return lessons, students


def cell(page, student, col):
    return page.locator(f'tr[data-student="{student.pk}"] td[data-col="{col}"]')


def wait_saved(page):
    page.wait_for_function("() => !document.querySelector('td.is-saving')")


def test_teacher_types_marks_and_attendance_and_sees_them_after_reload(page):
    world, period, days = world_with_past_days(10)
    lessons, _ = classroom(world, days)
    rows = list(
        world.class_5a.enrollments.order_by("student__person__last_name").values_list("student", flat=True)
    )
    first, second, third = (Student(pk=pk) for pk in rows[:3])

    sign_in(page, world.teacher.user)
    url = f"{page.base_url}{reverse('journal:grid', args=[world.math_5a.pk, period.pk])}"
    page.goto(url)
    empty_col = int(page.locator("td.jg-cell").last.get_attribute("data-col")) - 2  # third-to-last lesson

    cell(page, first, empty_col).click()
    page.keyboard.type("5")
    page.keyboard.press("Enter")  # saved, down to the second student
    page.keyboard.type("4/3")
    page.keyboard.press("Tab")  # saved, right to the next lesson
    # Playwright types Cyrillic as text input, not as a key: open the cell with Enter first, as on a tablet.
    page.keyboard.press("Enter")
    page.keyboard.type("Н")
    page.keyboard.press("Enter")  # saved, down to the third student
    page.keyboard.type("6")
    page.keyboard.press("Tab")
    wait_saved(page)
    bad = cell(page, third, empty_col + 1)
    assert "is-error" in bad.get_attribute("class")
    assert "2, 3, 4, 5" in page.inner_text(".jg-status")
    assert bad.inner_text() == ""
    shot(page, "journal-grid-after-typing")

    page.reload()
    assert cell(page, first, empty_col).inner_text() == "5"
    assert cell(page, second, empty_col).inner_text() == "4/3"
    assert cell(page, second, empty_col + 1).inner_text() == "Н"
    assert cell(page, third, empty_col + 1).inner_text() == ""
    assert page.locator(f'td[data-avg="{first.pk}"]').inner_text() != ""
    assert Attendance.objects.filter(lesson=lessons[-2], student_id=second.pk, status="absent").exists()
    shot(page, "journal-grid-1280")
    page.set_viewport_size({"width": 820, "height": 1180})
    page.reload()
    shot(page, "journal-grid-820")

    # The parent's child: a retake replaces a 2 (R-J-14), then the parent sees it at home.
    child = world.student.student
    cell(page, child, empty_col).click()
    page.keyboard.type("(2)/5")
    page.keyboard.press("Enter")
    wait_saved(page)
    assert cell(page, child, empty_col).inner_text() == "(2)/5"
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, world.parent.user)
    marks = page.locator('[data-testid="child-subjects"]').inner_text()
    shot(page, "home-parent-marks-390")
    # The home page shows the period under way: the typed lesson is in it.
    assert period_of_grade(world.year, 5, selectors.local_today(world.school)) == period
    assert "(2)/5" in marks and "5,00" in marks
    assert "(2)/5" in page.locator('[data-testid="latest-marks"]').inner_text()


def test_on_a_tablet_a_tap_opens_the_cell_and_leaving_it_saves(browser, live_server, clock):
    world, period, days = world_with_past_days(6)
    lessons, students = classroom(world, days)
    context = browser_context(browser, clock, viewport={"width": 820, "height": 1180}, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    try:
        sign_in(page, world.teacher.user)
        page.goto(f"{page.base_url}{reverse('journal:grid', args=[world.math_5a.pk, period.pk])}")
        last = page.locator("td.jg-cell").last.get_attribute("data-col")
        target = cell(page, world.student.student, last)
        target.tap()
        page.wait_for_selector("td.jg-cell input")
        page.keyboard.type("4")
        page.locator("h1").tap()  # leaving the cell saves it
        wait_saved(page)
        assert target.inner_text() == "4"
        shot(page, "journal-grid-tablet-after-tap")
        assert Cell.objects.get(work__lesson=lessons[-1], student=world.student.student).marks == [4]
    finally:
        context.close()
