"""The monthly activity reports (R-R-4): which months are due, and building each exactly once.

- Due: for every active school, each month of its academic year — the latest year begun by the end of last
  month, in the school's time zone — from the year's first month to last month, with no built report. So on
  the 1st the past month is due, and a month missed (the worker was down on the 1st, or for weeks) is built
  by the next run, as long as it belongs to that year. The summer after a year's end still finds that
  year's last months. Months before the school's first counted day (`DailyActivity`: before the counting
  was deployed) are not due: their report would say nobody came in.
- Built once: a `MonthlyReport` row per school and month (a unique constraint). The job inserts the row
  unbuilt when it is missing (`ON CONFLICT DO NOTHING`), then locks it with `SELECT … FOR UPDATE SKIP LOCKED` in a transaction
  that builds the PDF and the XLSX and marks it built. A second worker at the same moment finds it locked and
  skips it; a run after the commit finds it built. A worker that dies mid-build rolls back and leaves the row
  unbuilt for the next run. Nothing is sent: the report waits on its page.
- The job runs hourly (`CELERY_BEAT_SCHEDULE`): most runs find nothing due (two small queries per school);
  the first run after midnight of the 1st in a school's own time zone builds its report.
"""

from __future__ import annotations

import datetime
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import DailyActivity, School
from accounts.selectors import local_today
from schedule.models import AcademicYear

from . import render
from .models import MonthlyReport
from .queries_monthly import Month, month_of, monthly_activity

log = logging.getLogger(__name__)


def due_months(school, today: datetime.date) -> tuple[AcademicYear | None, list[Month]]:
    """The academic year whose months are due on `today`, and its months up to last month still unbuilt."""
    previous = month_of(today).previous
    year = AcademicYear.objects.filter(school=school, starts__lte=previous.last).order_by("-starts").first()
    counted_since = (
        DailyActivity.objects.filter(school=school).order_by("day").values_list("day", flat=True).first()
    )
    if year is None or counted_since is None:
        return year, []
    months, month = [], max(month_of(year.starts), month_of(counted_since), key=lambda m: m.first)
    last = min(previous, month_of(year.ends), key=lambda m: m.first)
    while month.first <= last.first:
        months.append(month)
        month = month.next
    built = set(
        MonthlyReport.objects.filter(
            school=school, month__in=[m.first for m in months], built_at__isnull=False
        ).values_list("month", flat=True)
    )
    return year, [m for m in months if m.first not in built]


def build_due(now: datetime.datetime | None = None) -> int:
    """Build every school's due months (the beat's job); returns how many reports this run built."""
    built = 0
    for school in School.objects.filter(is_active=True).order_by("pk"):
        year, months = due_months(school, local_today(school, now))
        for month in months:
            if build_month(school, year, month, now=now) is not None:
                built += 1
    return built


def file_stem(school, month: Month) -> str:
    return f"activity-{school.slug}-{month.first:%Y-%m}"


def build_month(school, year, month: Month, *, now: datetime.datetime | None = None) -> MonthlyReport | None:
    """Build `month`'s report of `school` unless it is built or being built by another worker (then None)."""
    now = now or timezone.now()
    rows = MonthlyReport.objects.filter(school=school, month=month.first)
    if not rows.exists():  # an insert meeting a row another worker is updating would wait for its commit
        MonthlyReport.objects.bulk_create(
            [MonthlyReport(school=school, month=month.first)], ignore_conflicts=True
        )
    with transaction.atomic():
        report = rows.select_for_update(skip_locked=True).filter(built_at__isnull=True).first()
        if report is None:
            return None
        data, summary = monthly_activity(school, year, month, built=local_today(school, now))
        pdf = render.pdf_bytes(data, school)
        xlsx = render.xlsx_bytes(data, school.name)
        stored = []
        try:
            report.pdf.save(file_stem(school, month) + ".pdf", ContentFile(pdf), save=False)
            stored.append(report.pdf)
            report.xlsx.save(file_stem(school, month) + ".xlsx", ContentFile(xlsx), save=False)
            stored.append(report.xlsx)
            report.summary = summary
            report.built_at = now
            report.save()
        except BaseException:
            for field in stored:  # the row stays unbuilt: its next build writes new files
                field.storage.delete(field.name)
            raise
    log.info("monthly activity report %s built", report)
    return report
