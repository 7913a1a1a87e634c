"""The deadlines' pages in a real Chromium at a phone's and a desktop's width (issue 16, R-CTL-4): the
deputy's control page opens the list behind a figure, the admin's settings page shows each deadline with
its clause and refuses a wrong hour next to the field, the teacher's home lists what is late; no serious
accessibility violation on any of them."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from journal.deadlines import services
from journal.grid.services import add_work, ensure_default_work_types
from journal.models import EditWindow, JournalSettings, WorkType
from journal.records.services import set_topic
from tests import factories as f
from tests.browser.axe import assert_accessible
from tests.browser_fixtures import shot, signed_in
from tests.journal import MSK, actor, d

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MON = d(12, 7)


@pytest.fixture
def measured(world, clock):
    clock.move_to("2026-12-07 09:00")
    JournalSettings.objects.create(school=world.school, edit_window=EditWindow.NEVER_LOCKED)
    ensure_default_work_types(world.school)
    math = f.make_lesson(world.math_5a, MON, 2)
    russian = f.make_lesson(world.russian_5a, MON, 6)
    add_work(
        actor=actor(world.teacher), lesson=math, work_type=WorkType.objects.get(school=world.school, code="У")
    )
    clock.move_to("2026-12-07 20:30")
    set_topic(actor=actor(world.class_teacher), lesson=russian, text="Причастие")
    clock.move_to("2026-12-09 10:00")
    services.measure(world.school, MON, MON, now=datetime.datetime(2026, 12, 9, 2, tzinfo=MSK))
    return world, math


def open_as(browser, live_server, clock, user, width, url):
    return signed_in(browser, live_server, clock, user, width, url)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_deputy_reads_the_control_page_and_opens_the_missing(
    browser, live_server, clock, measured, width
):
    world, math = measured
    url = reverse("journal:deadline_control") + "?date_from=2026-12-07&date_to=2026-12-07"
    context, page = open_as(browser, live_server, clock, world.deputy.user, width, url)
    table = page.get_by_test_id("dl-table")
    expect(table).to_contain_text("Математикова")
    expect(page.get_by_test_id("dl-totals")).to_contain_text("0%")
    shot(page, f"deadlines-control-{width}")
    assert_accessible(page, where=f"deadlines control, {width} px")
    with page.expect_navigation():
        page.locator(f"tr[data-teacher='{world.teacher.pk}'] a.bad").last.click()
    rows = page.get_by_test_id("dl-details").locator("tbody tr")
    expect(rows).to_have_count(2)  # no topic, no oral marks
    expect(page.locator(f"tr[data-key='lesson:{math.pk}']")).to_contain_text("не заполнено")
    shot(page, f"deadlines-details-{width}")
    assert_accessible(page, where=f"deadlines list, {width} px")
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_admin_sets_the_deadlines_and_a_wrong_hour_is_refused(browser, live_server, clock, world, width):
    context, page = open_as(
        browser, live_server, clock, world.admin.user, width, reverse("journal:deadline_settings")
    )
    expect(page.locator("form.dl-form")).to_contain_text("6.4.1")
    shot(page, f"deadlines-settings-{width}")
    assert_accessible(page, where=f"deadline settings, {width} px")
    page.fill("#id_record_by", "25:00")
    with page.expect_navigation():
        page.click("form.dl-form button[type=submit]")
    expect(page.locator("#id_record_by_error")).to_have_count(1)
    page.fill("#id_record_by", "19:30")
    with page.expect_navigation():
        page.click("form.dl-form button[type=submit]")
    expect(page.locator("#id_record_by")).to_have_value("19:30")
    if width < 500:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_teacher_s_home_lists_what_is_late(browser, live_server, clock, measured, width):
    world, math = measured
    context, page = open_as(browser, live_server, clock, world.teacher.user, width, reverse("home"))
    late = page.get_by_test_id("deadlines-late")
    expect(late).to_contain_text("нет темы")
    expect(late).to_contain_text("нет отметок в колонке У")
    if width < 500:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"deadlines-home-teacher-{width}")
    assert_accessible(page, where=f"teacher's home with deadlines, {width} px")
    context.close()
