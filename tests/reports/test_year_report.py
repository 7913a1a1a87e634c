"""The year's progress-and-quality report (seed 002 9.2; reports/period_reports.py, `year_finals_by_student`):
the year finals of every class counted by category, built by the beat the day after the year finals' deadline
(the last quarter ends 31.05.2027; finals due 7 days later, 07.06), once, caught up in the summer, rebuilt on
request, listed with the period reports, another school's answering 404; the catalogue runs it by hand."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from journal.finals.services import record_final
from journal.models import FinalMark
from journal.policy import journal_settings
from reports import period_reports
from reports.catalog import Params
from reports.models import PeriodReport
from reports.queries_leadership import finals_by_student, year_finals_by_student
from schedule.models import ReportingPeriod
from tests.journal import actor, at

pytestmark = pytest.mark.django_db

AFTER_Q4 = at(datetime.date(2027, 6, 1))


def quarter(world, number):
    return ReportingPeriod.objects.get(school=world.school, scheme__kind="quarters", number=number)


def year_final(world, course, person, value):
    record_final(
        actor=actor(world.admin),
        course=course,
        student=person.student,
        kind="year",
        raw=str(value),
        version=None,
        now=AFTER_Q4,
    )


@pytest.fixture
def year_finals(world):
    """5А: Ученикова «5» in math and «4» in Russian (good); 6Б: Другов «2» in math (failing)."""
    year_final(world, world.math_5a, world.student, 5)
    year_final(world, world.russian_5a, world.student, 4)
    year_final(world, world.math_6b, world.other_student, 2)
    return quarter(world, 4)


def test_the_year_reports_figures(world, year_finals):
    data = year_finals_by_student(
        Params(school=world.school, year=world.year, today=datetime.date(2027, 6, 8))
    )
    by_class, students = data.tables
    assert data.code == "year_finals_by_student" and data.params == [world.year.name]
    # Class, students, excellent, good, one «3», «3»s, failing, not assessed, progress, quality
    assert by_class.rows == [
        ["5А", 1, 0, 1, 0, 0, 0, 0, Decimal("100.0"), Decimal("100.0")],
        ["6Б", 1, 0, 0, 0, 0, 1, 0, Decimal("0.0"), Decimal("0.0")],
    ]
    assert by_class.totals[1:] == [2, 0, 1, 0, 0, 1, 0, Decimal("50.0"), Decimal("50.0")]
    assert [row[2:7] for row in students.rows] == [[1, 1, 0, 0, 0], [0, 0, 0, 1, 0]]
    # The period finals are another report: none entered, every student is missing them.
    period = finals_by_student(Params(school=world.school, year=world.year, period=year_finals))
    assert [row[6] for row in period.tables[1].rows] == [2, 1]


def test_a_missing_year_final_counts(world):
    year_final(world, world.math_5a, world.student, 5)
    data = year_finals_by_student(Params(school=world.school, year=world.year))
    assert [row[6] for row in data.tables[1].rows] == [1, 1]  # Russian in 5А, math in 6Б
    assert data.tables[0].totals[1:8] == [2, 0, 0, 0, 0, 0, 2]  # both not assessed


def test_due_the_day_after_the_year_finals_deadline(world, year_finals):
    assert period_reports.due_year(world.school, datetime.date(2027, 6, 7)) == (world.year, None)
    assert period_reports.due_year(world.school, datetime.date(2027, 6, 8)) == (world.year, year_finals)


def test_the_key_is_the_last_period_to_be_due(world):
    settings = journal_settings(world.school)
    periods = list(ReportingPeriod.objects.filter(scheme__year=world.year).select_related("scheme"))
    # Both schemes end on 31.05: the quarters, with more grades, key the year.
    assert period_reports.year_key(periods, settings) == quarter(world, 4)
    halves = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="halves", number=2)
    ReportingPeriod.objects.filter(pk=halves.pk).update(ends=datetime.date(2027, 6, 10))
    periods = list(ReportingPeriod.objects.filter(scheme__year=world.year).select_related("scheme"))
    assert period_reports.year_key(periods, settings) == halves


@pytest.mark.now("2027-06-08 00:30")
def test_the_job_builds_the_year_once(world, year_finals, clock):
    clock.move_to("2027-06-07 23:30")
    assert period_reports.build_due() == 3  # the first three quarters' reports, not the year's
    assert not PeriodReport.objects.filter(kind="year").exists()
    clock.move_to("2027-06-08 00:30")
    assert period_reports.build_due() == 2  # the last quarter's and the year's
    report = PeriodReport.objects.get(kind="year")
    assert report.period == year_finals and report.built_at is not None and report.built_by is None
    assert report.pdf.read(5) == b"%PDF-"
    assert report.summary == {"students": 2, "progress": "50.0", "quality": "50.0"}
    assert period_reports.build_due() == 0
    assert PeriodReport.objects.get(pk=report.pk).built_at == report.built_at


@pytest.mark.now("2027-08-20 10:00")
def test_a_summer_run_catches_it_up(world, year_finals):
    assert period_reports.build_due() == 5  # the four quarters and the year
    assert PeriodReport.objects.filter(kind="year", period=year_finals, built_at__isnull=False).count() == 1
    assert period_reports.build_due() == 0


@pytest.fixture
def built(world, year_finals, clock):
    clock.move_to("2027-06-08 00:30")
    period_reports.build_due()
    clock.move_to("2027-06-10 10:00")
    return PeriodReport.objects.get(school=world.school, kind="year")


def test_a_rebuild_takes_the_year_finals_changed_after(
    world, built, client, django_capture_on_commit_callbacks
):
    FinalMark.objects.filter(kind="year", student=world.other_student.student).update(value=5)
    client.force_login(world.deputy.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:period_report_rebuild", args=[built.pk]))
    assert response.status_code == 302
    # Asked, not built in the request: the page says so, the old files still there; a worker builds it.
    assert "строится заново" in client.get(reverse("reports:monthly")).content.decode()
    assert PeriodReport.objects.get(pk=built.pk).pdf.name == built.pdf.name
    with django_capture_on_commit_callbacks(execute=True):
        period_reports.build_due()  # the worker
    report = PeriodReport.objects.get(pk=built.pk)
    assert report.kind == "year" and report.summary["quality"] == "100.0"
    event = AuditEvent.objects.get(action="reports.period_report_rebuilt", object_id=str(built.pk))
    assert event.summary.startswith(world.year.name)


def test_the_list_and_the_downloads(world, built, client):
    client.force_login(world.director.user)
    page = client.get(reverse("reports:monthly")).content.decode()
    assert f"Учебный год, {world.year.name}" in page and 'data-kind="year"' in page and "50,0 %" in page
    pdf = client.get(reverse("reports:period_report_pdf", args=[built.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert pdf["Content-Disposition"].endswith('-year.pdf"')


def test_another_schools_year_report_answers_404(world, other_world, built, client):
    client.force_login(other_world.admin.user)
    for name in ("reports:period_report_pdf", "reports:period_report_xlsx"):
        assert client.get(reverse(name, args=[built.pk])).status_code == 404
    assert client.post(reverse("reports:period_report_rebuild", args=[built.pk])).status_code == 404
    assert f'data-period="{built.period_id}"' not in client.get(reverse("reports:monthly")).content.decode()


def test_the_catalogue_runs_it_by_hand(world, year_finals, client):
    client.force_login(world.deputy.user)
    page = client.get(reverse("reports:report", args=["year_finals_by_student"]))
    assert page.status_code == 200
    client.force_login(world.teacher.user)
    assert client.get(reverse("reports:report", args=["year_finals_by_student"])).status_code == 403
