"""End to end in a real Chromium: a teacher enters the first quarter's final marks with the keyboard and
one click, the period locks, and the parent sees the child's final mark at home.

Leaves screenshots of the finals view at 1280 px and at a phone's 390 px in test-artifacts/.
"""

import pytest
from django.urls import reverse

from accounts.models import Role
from journal.grid import services
from journal.models import CourseLock, FinalMark
from schedule import selectors
from schedule.models import Lesson, ReportingPeriod
from tests import factories as f
from tests.browser.test_substitution import sign_in
from tests.browser_fixtures import shot
from tests.conftest import build_world
from tests.journal import actor, at, d

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def give(world, day, student, raw):
    teacher = actor(world.teacher)
    held = Lesson.objects.filter(course=world.math_5a, date=day).first() or f.make_lesson(
        world.math_5a, day, 1
    )
    work = services.add_work(actor=teacher, lesson=held, now=at(day))
    services.record_cell(actor=teacher, work=work, student=student, raw=raw, version=None, now=at(day))


def q_input(page, student, period):
    return page.locator(f'tr[data-student="{student.pk}"] td[data-key="period-{period.pk}"] input.fm-input')


def q_value(page, student, period):
    return page.locator(f'tr[data-student="{student.pk}"] td[data-key="period-{period.pk}"] .fm-value')


def wait_saved(page):
    page.wait_for_function("() => !document.querySelector('td.is-saving')")


def test_the_teacher_enters_finals_with_the_keyboard_and_the_parent_sees_them(page):
    world = build_world(start_year=2026)
    q1 = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=1)
    # The world's year is 2026/2027: its first quarter ended on 24.10.2026, before any run of this test.
    assert selectors.local_today(world.school) > q1.ends
    child = world.student.student  # Ученикова: 5 → proposal 5, accepted with the button
    others = []
    for last, first in [("Борисов", "Андрей"), ("Васильева", "Ольга")]:
        person = f.make_person(world.school, roles=[Role.STUDENT], last_name=last, first_name=first)
        f.enroll(person, world.class_5a)
        others.append(person.student)
    boris, olga = others
    give(world, d(10, 5), child, "5")
    give(world, d(10, 5), boris, "4")  # proposal 4, overridden with 5
    give(world, d(10, 5), olga, "3")
    give(world, d(10, 6), olga, "4")  # 3.5 → proposal 3, taken with "+"

    sign_in(page, world.teacher.user)
    url = f"{page.base_url}{reverse('journal:finals', args=[world.math_5a.pk])}"
    page.goto(url)
    assert "3.50 → 3" in page.locator(f'tr[data-student="{olga.pk}"]').inner_text()
    q_input(page, boris, q1).click()
    page.keyboard.type("5")
    page.keyboard.press("Enter")  # saved; down to Васильева in the same column
    page.keyboard.press("+")  # her proposal, saved when the cell is left
    wait_saved(page)
    assert q_input(page, olga, q1).input_value() == "3"
    assert "is-error" not in (q_input(page, boris, q1).locator("xpath=..").get_attribute("class") or "")
    assert not CourseLock.objects.exists()
    shot(page, "finals-after-typing")

    page.locator(
        f'[data-testid="accept-period-{q1.pk}"]'
    ).click()  # Ученикова's proposal: the period is complete
    page.wait_for_load_state()
    page.reload()
    assert page.locator(f'[data-testid="state-period-{q1.pk}"] [data-testid="locked"]').count() == 1
    assert q_input(page, child, q1).count() == 0  # read-only now
    assert q_value(page, child, q1).inner_text() == "5"
    assert q_value(page, boris, q1).inner_text() == "5"
    assert q_value(page, olga, q1).inner_text() == "3"
    dot = page.locator(f'tr[data-student="{boris.pk}"] td[data-key="period-{q1.pk}"] .fm-dot')
    assert dot.get_attribute("title").endswith("4")  # "proposed 4"
    assert page.locator('[data-testid="lock-events"]').count() == 1
    assert dict(FinalMark.objects.values_list("student", "value")) == {child.pk: 5, boris.pk: 5, olga.pk: 3}
    assert CourseLock.objects.get(period=q1).locked
    shot(page, "finals-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    shot(page, "finals-390")

    # The parent sees the child's first-quarter final mark at home (R-F-6).
    page.context.clear_cookies()
    sign_in(page, world.parent.user)
    final = page.locator(f'.final-mark[data-kind="period-{q1.pk}"]')
    assert final.count() >= 1
    assert final.first.inner_text().strip() == "5"
    shot(page, "home-parent-finals-390")
