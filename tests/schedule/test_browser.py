"""End to end on a 360 px phone: the admin sets up a class, moves a student; every structure page fits the screen."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Role
from schedule.models import Enrollment
from tests import factories as f
from tests.browser_fixtures import shot
from tests.conftest import build_world
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, user):
    page.goto(f"{page.base_url}{reverse('accounts:login')}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_admin_creates_a_class_enrolls_and_transfers_on_a_phone(phone_page):
    page = phone_page
    world = build_world()
    pupil = f.make_person(world.school, roles=[Role.STUDENT], last_name="Новикова", first_name="Ольга")
    sign_in(page, world.admin.user)

    page.goto(f"{page.base_url}{reverse('schedule:setup')}")
    assert fits(page)
    shot(page, "schedule-setup-phone")

    page.goto(f"{page.base_url}{reverse('schedule:class_create')}")
    page.fill("input[name=grade]", "5")
    page.fill("input[name=letter]", "А")
    page.click("form.card button[type=submit]")
    expect(page.locator(".field.has-error .error")).to_have_count(
        1
    )  # 5А exists: the message sits by the letter
    assert fits(page)
    shot(page, "schedule-class-create-error-phone")
    page.fill("input[name=letter]", "Б")
    page.select_option("select[name=class_teacher]", str(world.teacher.pk))
    page.click("form.card button[type=submit]")
    page.wait_for_selector("h1:has-text('5Б')")

    page.click("a:has-text('Зачислить'), a:has-text('Enroll a student')")
    page.select_option("select[name=student]", str(pupil.student.pk))
    page.fill("input[name=starts]", "2026-09-01")
    page.click("form.card button[type=submit]")
    page.wait_for_selector(f"td:has-text('{pupil.full_name}')")

    enrollment = Enrollment.objects.get(student=pupil.student)
    page.goto(f"{page.base_url}{reverse('schedule:enrollment_transfer', args=[enrollment.pk])}")
    page.select_option("select[name=to_class]", str(world.class_5a.pk))
    page.fill("input[name=on_date]", "2027-01-12")
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    page.goto(f"{page.base_url}{reverse('schedule:class_detail', args=[world.class_5a.pk])}?on=2027-01-12")
    assert pupil.full_name in page.content()
    assert fits(page)
    shot(page, "schedule-class-detail-phone")

    for name in [
        "schedule:class_list",
        "schedule:year_list",
        "schedule:holiday_list",
        "schedule:room_list",
        "schedule:subject_list",
        "schedule:group_list",
        "schedule:course_list",
    ]:
        page.goto(f"{page.base_url}{reverse(name)}")
        assert fits(page), name
    page.goto(f"{page.base_url}{reverse('schedule:period_list', args=[world.year.pk])}")
    assert fits(page)
    shot(page, "schedule-periods-phone")
