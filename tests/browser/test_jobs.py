"""The jobs page in a real Chromium at a phone's and a desktop's width (issue 16, R-CTL-6): every job readable,
a failed and a late job marked with a badge, no serious accessibility violation."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import JobRun
from tests.browser.axe import assert_accessible
from tests.browser_fixtures import shot, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def runs(now):
    """A morning's runs: most jobs fine, the sessions' purge failed, the reminders late, the nightly purge never."""
    minute = now - datetime.timedelta(seconds=20)
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        if name in ("purge-notification-outbox", "purge-job-runs"):
            continue
        started = now - datetime.timedelta(hours=5) if name == "remind-teachers" else minute
        JobRun.objects.create(
            task=entry["task"],
            started_at=started,
            finished_at=started + datetime.timedelta(seconds=1.4),
            outcome=JobRun.Outcome.FAILED if name == "purge-expired-sessions" else JobRun.Outcome.OK,
            text='OperationalError: could not obtain lock on relation "accounts_usersession"'
            if name == "purge-expired-sessions"
            else "3",
        )


def open_as(browser, live_server, clock, user, width):
    return signed_in(browser, live_server, clock, user, width, reverse("accounts:jobs"))


@pytest.mark.parametrize("width", [390, 1280])
def test_the_jobs_page_reads_at_both_widths(browser, live_server, clock, world, operator, width):
    runs(clock.now)
    for who, user in (("operator", operator), ("admin", world.admin.user)):
        context, page = open_as(browser, live_server, clock, user, width)
        rows = page.locator("[data-job]")
        assert rows.count() == len(settings.CELERY_BEAT_SCHEDULE)
        failed = page.locator("[data-job=purge-expired-sessions]")
        assert "ошибка" in failed.inner_text()
        assert ("could not obtain lock" in failed.inner_text()) == (who == "operator")
        assert "опаздывает" in page.locator("[data-job=remind-teachers]").inner_text()
        assert "не запускалась" in page.locator("[data-job=purge-notification-outbox]").inner_text()
        if width < 500:  # one card per job: nothing wider than the screen
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"jobs-{who}-{width}")
        assert_accessible(page, where=f"jobs page, {who}, {width} px")
        context.close()
