"""The periods' progress-and-quality reports (seed 002 9.2; reports/period_reports.py): built the day after the
period's finals deadline in the school's time, once whoever runs the job and however often, a missed period
caught up, two workers at once, the rebuild (audited, admin and deputy only), the list and the downloads."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from journal.models import FinalMark
from journal.policy import journal_settings
from reports import period_reports
from reports.models import PeriodReport
from schedule.models import ReportingPeriod
from tests.db_locks import InTransaction, finish

pytestmark = pytest.mark.django_db


def quarter(world, number):
    return ReportingPeriod.objects.get(school=world.school, scheme__kind="quarters", number=number)


def final(world, course, person, period, value):
    FinalMark.objects.create(
        school=world.school, course=course, student=person.student, kind="period", period=period, value=value
    )


@pytest.fixture
def finals(world):
    """The first quarter's finals (ends 24.10.2026; due 7 days later, 31.10): «5» for everyone."""
    q1 = quarter(world, 1)
    final(world, world.math_5a, world.student, q1, 5)
    final(world, world.russian_5a, world.student, q1, 5)
    final(world, world.math_6b, world.other_student, q1, 5)
    return q1


def test_due_the_day_after_the_finals_deadline(world, finals):
    assert period_reports.due_periods(world.school, datetime.date(2026, 10, 31))[1] == []
    year, due = period_reports.due_periods(world.school, datetime.date(2026, 11, 1))
    assert year == world.year and due == [finals]  # half-years: no class of grades 10–11, nothing due


def test_the_schools_finals_rule_moves_the_day(world, finals):
    settings = journal_settings(world.school)
    settings.finals_deadline, settings.finals_deadline_days = "after", 10
    settings.save()
    assert period_reports.due_periods(world.school, datetime.date(2026, 11, 3))[1] == []
    assert period_reports.due_periods(world.school, datetime.date(2026, 11, 4))[1] == [finals]
    settings.finals_deadline, settings.finals_deadline_days = "before", 3  # never before the period ends
    settings.save()
    assert period_reports.due_periods(world.school, datetime.date(2026, 10, 24))[1] == []
    assert period_reports.due_periods(world.school, datetime.date(2026, 10, 25))[1] == [finals]


@pytest.mark.now("2026-11-01 00:30")
def test_the_job_builds_each_period_once(world, finals):
    assert period_reports.build_due() == 1
    report = PeriodReport.objects.get(school=world.school)
    assert report.period == finals and report.built_at is not None and report.built_by is None
    assert report.pdf.read(5) == b"%PDF-"
    book = openpyxl.load_workbook(io.BytesIO(report.xlsx.read()))
    assert book.sheetnames[0] == "По классам"
    assert report.summary["quality"] == "100.0"
    assert period_reports.build_due() == 0
    again = PeriodReport.objects.get(pk=report.pk)
    assert (again.built_at, again.pdf.name, again.xlsx.name) == (
        report.built_at,
        report.pdf.name,
        report.xlsx.name,
    )


@pytest.mark.now("2026-10-31 22:30")  # Moscow; 05:30 on 1 November in Vladivostok
def test_the_day_is_the_schools_own(world, finals):
    assert period_reports.build_due() == 0
    world.school.timezone = "Asia/Vladivostok"
    world.school.save()
    assert period_reports.build_due() == 1


@pytest.mark.now("2026-11-01 00:30")
def test_missed_periods_are_caught_up(world, finals, clock):
    assert period_reports.build_due() == 1
    clock.move_to("2027-04-10 09:00")  # the worker was down in January and March
    assert period_reports.build_due() == 2  # the second and third quarters
    numbers = sorted(PeriodReport.objects.values_list("period__number", flat=True))
    assert numbers == [1, 2, 3]
    clock.move_to("2027-07-01 09:00")  # the summer: the year's last quarter and the year's report
    assert period_reports.build_due() == 2


@pytest.mark.now("2026-11-01 00:30")
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_build_once(world, finals, clock):
    clock.move_to("2026-11-01 00:30")
    PeriodReport.objects.create(school=world.school, period=finals)

    def build():
        return period_reports.build_period(world.school, world.year, finals)

    first = InTransaction(build, hold=True)
    first.start()
    try:
        assert first.holding.wait(60) and first.error is None, first.error
        second = InTransaction(build)
        second.start()
        finish(second)  # it does not wait: it skips the locked period
        assert second.error is None and second.result is None
    finally:
        first.release.set()
        finish(first)
    assert first.error is None and first.result is not None
    assert PeriodReport.objects.filter(period=finals, built_at__isnull=False).count() == 1
    assert period_reports.build_period(world.school, world.year, finals) is None


@pytest.fixture
def built(world, finals, clock):
    clock.move_to("2026-11-01 00:30")
    period_reports.build_due()
    clock.move_to("2026-11-03 10:00")
    return PeriodReport.objects.get(period=finals)


@pytest.mark.parametrize("role", ["deputy", "admin"])
def test_a_rebuild_takes_the_finals_changed_after(
    world, built, client, role, django_capture_on_commit_callbacks
):
    FinalMark.objects.filter(period=built.period).update(value=3)
    client.force_login(getattr(world, role).user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:period_report_rebuild", args=[built.pk]))
    assert response.status_code == 302
    # Asked, not built in the request: the page says so, the old files still there; a worker builds it.
    assert "строится заново" in client.get(reverse("reports:monthly")).content.decode()
    assert PeriodReport.objects.get(pk=built.pk).pdf.name == built.pdf.name
    with django_capture_on_commit_callbacks(execute=True):
        period_reports.build_due()  # the worker
    report = PeriodReport.objects.get(pk=built.pk)
    assert report.summary["quality"] == "0.0" and report.built_by == getattr(world, role).user
    assert report.pdf.name != built.pdf.name
    assert not report.pdf.storage.exists(built.pdf.name)  # the old files are gone
    assert (
        AuditEvent.objects.filter(action="reports.period_report_rebuilt", object_id=str(built.pk)).count()
        == 1
    )
    page = client.get(reverse("reports:monthly")).content.decode()
    assert "перестроен по запросу" in page


def test_the_director_and_teachers_may_not_rebuild(world, built, client):
    for person in (world.director, world.teacher):
        client.force_login(person.user)
        assert client.post(reverse("reports:period_report_rebuild", args=[built.pk])).status_code == 403
    assert PeriodReport.objects.get(pk=built.pk).built_at == built.built_at
    client.force_login(world.director.user)
    assert 'data-testid="rebuild"' not in client.get(reverse("reports:monthly")).content.decode()


def test_the_list_and_the_downloads(world, built, client):
    client.force_login(world.director.user)
    page = client.get(reverse("reports:monthly")).content.decode()
    assert "1 четверть, 2026/2027" in page and "100,0 %" in page
    pdf = client.get(reverse("reports:period_report_pdf", args=[built.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert pdf["Content-Disposition"].startswith('attachment; filename="progress-')
    xlsx = client.get(reverse("reports:period_report_xlsx", args=[built.pk]))
    assert xlsx.status_code == 200 and xlsx["Cache-Control"] == "no-store"


def test_another_schools_report_answers_404(world, other_world, built, client):
    client.force_login(other_world.admin.user)
    for name in ("reports:period_report_pdf", "reports:period_report_xlsx"):
        assert client.get(reverse(name, args=[built.pk])).status_code == 404
    assert client.post(reverse("reports:period_report_rebuild", args=[built.pk])).status_code == 404
    assert f'data-period="{built.period_id}"' not in client.get(reverse("reports:monthly")).content.decode()
