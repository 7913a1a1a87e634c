"""The monthly activity reports' page in a real Chromium at a phone's and a desktop's width (issue 16, R-R-4):
every month readable with its figures and both downloads, nothing wider than a phone's screen, no serious
accessibility violation."""

import datetime

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from reports.models import MonthlyReport
from tests.browser.axe import assert_accessible
from tests.browser_fixtures import browser_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def reports(world, clock):
    """September to November, as the job leaves them (small stand-in files)."""
    for month, figures in (
        (9, {"school_days": 22, "teachers": "92.3", "students": "61.0", "parents": "48.5"}),
        (10, {"school_days": 17, "teachers": "95.0", "students": "66.7", "parents": "52.1"}),
        (11, {"school_days": 18, "teachers": None, "students": "0.0", "parents": "100.0"}),
    ):
        report = MonthlyReport(school=world.school, month=datetime.date(2026, month, 1), summary=figures)
        report.pdf.save("r.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
        report.xlsx.save("r.xlsx", ContentFile(b"PK\x03\x04"), save=False)
        report.built_at = clock.now
        report.save()
    # The first quarter's progress report (seed 002 9.2), as the job leaves it, and the deputy asked it again.
    from reports.models import PeriodReport
    from schedule.models import ReportingPeriod

    q1 = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=1)
    report = PeriodReport(
        school=world.school, period=q1, summary={"students": 2, "progress": "50.0", "quality": "50.0"}
    )
    report.pdf.save("p.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    report.xlsx.save("p.xlsx", ContentFile(b"PK\x03\x04"), save=False)
    report.built_at = clock.now
    report.save()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_monthly_reports_page_reads_at_both_widths(browser, live_server, clock, world, width):
    reports(world, clock)
    client = Client()
    client.force_login(world.director.user)
    context = browser_context(browser, clock, viewport={"width": width, "height": 900}, is_mobile=width < 500)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )  # fmt: skip
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('reports:index')}")
    page.get_by_test_id("monthly-link").click()
    rows = page.locator("[data-month]")
    assert rows.count() == 3
    assert rows.first.get_attribute("data-month") == "2026-11"  # newest first
    october = page.locator("[data-month='2026-10']")
    assert "66,7 %" in october.inner_text() and "52,1 %" in october.inner_text()
    assert october.get_by_test_id("pdf").is_visible() and october.get_by_test_id("xlsx").is_visible()
    assert page.get_by_test_id("rebuild").count() == 0  # the director reads, the admin and deputy rebuild
    assert "1 четверть" in page.locator("main").inner_text()
    if width < 500:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"monthly-{width}")
    assert_accessible(page, where=f"monthly reports page, {width} px")
    context.close()
