"""End to end in Chromium: the class teacher opens the reports, runs the attendance by month of their
class, changes the period with the form, and on a 360 px phone the page never scrolls sideways (the wide
table scrolls inside its frame). Leaves screenshots in test-artifacts/ (reports_*.png)."""

import pytest
from django.urls import reverse

from tests.browser.test_substitution import sign_in
from tests.browser_fixtures import shot
from tests.reports import class_fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_class_teacher_runs_a_report_on_desktop_and_phone(page, phone_page, world):
    cw = class_fixture.build(world)
    sign_in(page, world.class_teacher.user)
    page.goto(page.base_url + reverse("reports:index"))
    assert page.locator('[data-testid="rp-group-class_teacher"] li').count() == 7
    shot(page, "reports_index_1280")
    page.click('[data-report="class_attendance"] a')
    page.select_option("select[name=period]", str(cw.q1.pk))
    page.click('form[data-testid="rp-form"] button[type=submit]')
    page.wait_for_load_state()
    total = page.locator('[data-testid="rp-total"] td')
    assert total.nth(total.count() - 5).inner_text() == "6"  # the quarter's missed lessons of the class
    assert page.locator('[data-testid="rp-xlsx"]').get_attribute("href").endswith(f"period={cw.q1.pk}") or (
        f"period={cw.q1.pk}" in page.locator('[data-testid="rp-xlsx"]').get_attribute("href")
    )
    shot(page, "reports_class_attendance_1280")
    page.goto(page.base_url + reverse("reports:report", args=["class_final"]) + f"?period={cw.q1.pk}")
    shot(page, "reports_class_final_1280")

    sign_in(phone_page, world.class_teacher.user)
    for code in ("class_attendance", "class_final", "class_preliminary"):
        phone_page.goto(phone_page.base_url + reverse("reports:report", args=[code]) + f"?period={cw.q1.pk}")
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360, code
        shot(phone_page, f"reports_{code}_360")
    wrap = phone_page.locator(".rp-wrap").last
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")  # the wide table scrolls in its frame
