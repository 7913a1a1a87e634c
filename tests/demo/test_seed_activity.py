"""The demo's portal use and its built reports (ejournal/demo/activity.py): teachers on most school days, most
families each month, and the monthly reports page is not empty."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import DailyActivity
from ejournal import demo
from reports.models import MonthlyReport, PeriodReport

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)  # October ended; the first quarter's finals were due on 31.10


@pytest.fixture
def tiny(db):
    return demo.build_demo(size="tiny", today=TODAY)


def test_who_came_in(tiny):
    rows = DailyActivity.objects.filter(school=tiny.school)
    assert rows.count() == tiny.activity.rows > 0
    assert not rows.filter(day__gte=TODAY).exists()
    october = rows.filter(day__month=10)
    parents = {p.person_id for p in tiny.pupils.parents}
    came = set(october.filter(person_id__in=parents).values_list("person_id", flat=True))
    assert 0.6 < len(came) / len(parents) <= 1
    teacher = tiny.staff.teachers[0]
    assert october.filter(person=teacher).count() >= 10


def test_the_reports_are_built_and_listed(tiny, client):
    monthly = MonthlyReport.objects.get(school=tiny.school)
    assert monthly.month == datetime.date(2026, 10, 1) and monthly.pdf.read(5) == b"%PDF-"
    assert not PeriodReport.objects.filter(school=tiny.school).exists()  # the beat's job builds it
    client.force_login(tiny.staff.director.user)
    page = client.get(reverse("reports:monthly")).content.decode()
    assert 'data-testid="monthly-empty"' not in page and "Октябрь 2026" in page
