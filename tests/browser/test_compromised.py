"""End to end in a real Chromium: a teacher's login saves false marks; the admin reports it compromised from
a moment before, sees the list and rolls everything back; the teacher's browser is signed out at its next
request and the grid holds the values from before.

Leaves screenshots of the compromised-login pages at a phone's 390 px and at 1280 px in test-artifacts/.
"""

import pytest
from django.urls import reverse

from journal.models import Cell
from tests.browser.test_journal import cell, classroom, wait_saved, world_with_past_days
from tests.browser.test_substitution import sign_in
from tests.browser_fixtures import browser_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def context_page(browser, clock, live_server, **options):
    context = browser_context(browser, clock, **options)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    return context, page


def marks(lessons) -> dict:
    return {(c.work_id, c.student_id): list(c.marks) for c in Cell.objects.filter(work__lesson__in=lessons)}


def row_texts(page, student) -> list[str]:
    """What a student's row of the grid shows, editable or read-only."""
    return page.locator(
        f'tr[data-student="{student.pk}"] td.jg-cell, tr[data-student="{student.pk}"] td.jg-ro'
    ).all_inner_texts()


def both_widths(page, name: str) -> None:
    """Screenshots at 1280 px and at a phone's 390 px, reloaded at each width (GET pages only)."""
    for label, size in (("1280", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        shot(page, f"{name}-{label}")
    page.set_viewport_size(DESKTOP)


def test_the_admin_rolls_back_a_compromised_teachers_marks(browser, live_server, clock):
    world, period, days = world_with_past_days(6)
    lessons, students = classroom(world, days)
    first, second = students[1], students[2]
    grid = f"{live_server.url}{reverse('journal:grid', args=[world.math_5a.pk, period.pk])}"
    kept = marks(lessons)
    teacher_context, teacher = context_page(browser, clock, live_server, viewport=DESKTOP)
    admin_context, admin = context_page(browser, clock, live_server, viewport=DESKTOP)
    try:
        clock.move_to("2026-12-09 10:05")
        sign_in(teacher, world.teacher.user)
        teacher.goto(grid)
        shown_before = [row_texts(teacher, s) for s in (first, second)]
        empty_col = int(teacher.locator("td.jg-cell").last.get_attribute("data-col"))
        cell(teacher, first, empty_col).click()
        teacher.keyboard.type("2")
        teacher.keyboard.press("Enter")
        teacher.keyboard.type("2/2")
        teacher.keyboard.press("Enter")
        wait_saved(teacher)
        teacher.locator(f'tr[data-student="{first.pk}"] td.jg-cell').first.click()  # an older lesson
        teacher.locator("td.jg-cell input").fill("2")  # a click opens the cell with what it holds
        teacher.keyboard.press("Enter")
        wait_saved(teacher)
        assert cell(teacher, first, empty_col).inner_text() == "2"
        assert len([k for k, v in marks(lessons).items() if kept.get(k, []) != v]) == 3

        clock.move_to("2026-12-09 10:20")
        sign_in(admin, world.admin.user)
        admin.goto(f"{live_server.url}{reverse('journal:compromised_report', args=[world.teacher.pk])}")
        both_widths(admin, "compromised-report")
        admin.fill("#id_since", "2026-12-09T10:00")
        admin.locator('[data-testid="compromised-form"] button[type=submit]').click()
        admin.wait_for_url("**/compromised/*/")
        rows = admin.locator('[data-testid="compromised-changes"] tbody tr[data-key]')
        # Three cells to roll back, and the column the typing added: marked once, it stays (listed with why).
        assert rows.count() == 4 and admin.locator('tr[data-key^="work:"] input').count() == 0
        assert admin.locator('[data-testid="compromised-changes"] input[name="change"]').count() == 3
        both_widths(admin, "compromised-changes")
        admin.locator('button[name="all"]').click()
        admin.wait_for_url("**/result/**")
        assert "3" in admin.locator('[data-testid="rollback-summary"]').inner_text()
        both_widths(admin, "compromised-result")

        teacher.reload()  # the teacher's login was signed out by the report
        assert "/accounts/login/" in teacher.url
        admin.goto(grid)
        assert [row_texts(admin, s) for s in (first, second)] == shown_before
        assert {k: v for k, v in marks(lessons).items() if v} == {k: v for k, v in kept.items() if v}
        shot(admin, "compromised-grid-after-rollback")
    finally:
        teacher_context.close()
        admin_context.close()
