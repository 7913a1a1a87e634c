"""End to end at a phone's width in a real Chromium (R-D-1, R-D-3, R-D-6): a parent with two children
opens today's diary from the home page, sees today's lesson with its mark and homework, switches child
in one tap, then opens the charts; no page scrolls sideways at 360 px.

Runs on the tests' school day (tests/clock.py), inside the world's second quarter. Leaves screenshots
in test-artifacts/.
"""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from journal.grid import services
from journal.records import services as records
from schedule import selectors
from schedule.models import ReportingPeriod
from tests import factories as f
from tests.browser.test_substitution import sign_in
from tests.browser_fixtures import shot
from tests.conftest import build_world
from tests.journal import actor, at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def world_of_today():
    """The world (2026/27) and today, a school day of its second quarter (tests/clock.py)."""
    world = build_world()
    today = selectors.local_today(world.school)
    assert (
        today.weekday() < 5
        and ReportingPeriod.objects.filter(
            scheme__year=world.year, scheme__kind="quarters", starts__lte=today, ends__gte=today
        ).exists()
    )
    return world, today


def mark(world, course, teacher, day, slot, student, raw):
    lesson = f.make_lesson(course, day, slot)
    work = services.add_work(actor=actor(teacher), lesson=lesson, now=at(day))
    services.record_cell(actor=actor(teacher), work=work, student=student, raw=raw, version=None, now=at(day))
    return lesson


def test_a_parent_opens_today_switches_child_and_views_the_chart(phone_page):
    page = phone_page
    world, today = world_of_today()
    zoya = world.student.student
    vera = f.make_person(world.school, roles=[Role.STUDENT], last_name="Ученикова", first_name="Вероника")
    f.enroll(vera, world.class_6b)
    f.link_parent(world.parent, vera, "mother")
    period = ReportingPeriod.objects.get(
        scheme__year=world.year, scheme__kind="quarters", starts__lte=today, ends__gte=today
    )
    earlier = max(period.starts, today - datetime.timedelta(days=14))
    first = mark(world, world.math_5a, world.teacher, earlier, 2, zoya, "3")
    maths = mark(world, world.math_5a, world.teacher, today, 1, zoya, "5")
    records.set_homework(
        actor=actor(world.teacher),
        lesson=first,
        text="Решить № 12, 14",
        pages="45",
        due_lesson=maths,
        now=at(earlier),
    )
    mark(world, world.math_6b, world.other_teacher, today, 2, vera.student, "4")

    sign_in(page, world.parent.user)
    # The home page shows the first child by name (Вероника); "Дневник" opens her week, today open.
    page.locator('[data-testid="diary-links"] a').first.click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("diary:week", args=[vera.student.pk]))
    today_block = page.locator(f'details[data-testid="day"][data-date="{today:%Y-%m-%d}"]')
    assert today_block.get_attribute("open") is not None  # today is open by default
    assert today_block.locator('[data-testid="mark"] .mark').all_inner_texts() == ["4"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "diary-parent-today-360")

    page.locator('[data-testid="child-switch"] a', has_text="Зоя").click()  # one tap
    page.wait_for_load_state()
    assert page.url.split("?")[0].endswith(reverse("diary:week", args=[zoya.pk]))
    assert "Зоя" in page.locator('[data-testid="diary-student"]').inner_text()
    today_block = page.locator(f'details[data-testid="day"][data-date="{today:%Y-%m-%d}"]')
    assert today_block.get_attribute("open") is not None
    lesson = today_block.locator(f'[data-lesson="{maths.pk}"]')
    assert lesson.locator('[data-testid="mark"] .mark').inner_text().strip() == "5"
    assert "№ 12, 14" in lesson.locator('[data-testid="homework"]').inner_text()  # due today
    assert "4" not in today_block.locator('[data-testid="mark"] .mark').all_inner_texts()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "diary-parent-switched-360")

    page.locator('.diary-tabs a[data-tab="charts"]').click()
    page.wait_for_load_state()
    chart = page.locator('svg[data-testid="average-chart"]')
    assert chart.count() == 1  # Зоя's one subject with marks: maths, 3 then 5
    assert chart.first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "diary-parent-charts-360")
