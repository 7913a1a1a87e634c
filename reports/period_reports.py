"""The progress-and-quality reports of the reporting periods (seed 002 9.2): which periods are due, building each
exactly once, and rebuilding one on request.

- Which report: «Final data per student» (`reports.queries_leadership.finals_by_student`) for the whole school —
  the deputy's end-of-period report of the catalogue: each class's students by category (excellent, good, one
  «3», failing, missing finals) with its progress and quality, the school's totals, and every student's finals
  by mark. The year ends with the last period of each scheme, whose report is built the same way.
- Due: for every active school, each reporting period of every scheme of its academic year (the latest year
  begun by today, in the school's time zone) whose grades have a class taking finals (grade 2 and up), from the
  day after the period's finals deadline (`journal.finals.values.deadline` with the school's rule; never before
  the day after the period's last day), with no built report. Finals are entered until the deadline, so the
  report is built once they are all due; a period missed (the worker was down) is built by the next run, as long
  as it belongs to that year; the summer after a year's end still finds its last periods.
- Built once: a `PeriodReport` row per period and kind (a unique constraint), inserted unbuilt when missing
  (`ON CONFLICT DO NOTHING`) and locked with `SELECT … FOR UPDATE SKIP LOCKED` in the transaction that builds the
  files and marks it built. A second worker skips the locked row; a later run finds it built; a failed build
  rolls back and leaves it for the next run.
- Rebuilt on request (`rebuild`): the admin or the deputy, when finals changed after the build; one audit
  event. The old files are deleted once the new ones are committed.
"""

from __future__ import annotations

import datetime
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import School
from accounts.selectors import local_today
from journal.finals.values import deadline
from journal.policy import journal_settings
from schedule.models import AcademicYear, ReportingPeriod, SchoolClass

from . import render
from .catalog import Params
from .models import PeriodReport
from .queries_leadership import finals_by_student

log = logging.getLogger(__name__)
DAY = datetime.timedelta(days=1)
KIND = PeriodReport.Kind.FINALS


def build_day(period, settings) -> datetime.date:
    """The first day `period`'s report is due: the day after its finals deadline, and after its last day."""
    due = deadline(period.ends, settings.finals_deadline, settings.finals_deadline_days)
    return max(due, period.ends) + DAY


def due_periods(school, today: datetime.date) -> tuple[AcademicYear | None, list[ReportingPeriod]]:
    """The academic year of `today` and its periods whose report is due and not built yet."""
    year = AcademicYear.objects.filter(school=school, starts__lte=today).order_by("-starts").first()
    if year is None:
        return None, []
    settings = journal_settings(school)
    grades = set(
        SchoolClass.objects.filter(school=school, year=year, grade__gt=1).values_list("grade", flat=True)
    )
    periods = [
        p
        for p in ReportingPeriod.objects.filter(school=school, scheme__year=year)
        .select_related("scheme")
        .order_by("ends", "scheme__kind")
        if grades.intersection(p.scheme.grades) and build_day(p, settings) <= today
    ]
    built = set(
        PeriodReport.objects.filter(period__in=periods, kind=KIND, built_at__isnull=False).values_list(
            "period_id", flat=True
        )
    )
    return year, [p for p in periods if p.pk not in built]


def build_due(now: datetime.datetime | None = None) -> int:
    """Build every school's due period reports (the beat's job); returns how many this run built."""
    built = 0
    for school in School.objects.filter(is_active=True).order_by("pk"):
        year, periods = due_periods(school, local_today(school, now))
        for period in periods:
            if build_period(school, year, period, now=now) is not None:
                built += 1
    return built


def file_stem(school, period) -> str:
    return f"progress-{school.slug}-{period.starts:%Y}-{period.scheme.kind}-{period.number}"


def summary_of(data) -> dict:
    """The school's figures of the report for the list page: students, progress %, quality %."""
    by_class = data.tables[0]
    line = by_class.totals or (by_class.rows[0] if by_class.rows else None)
    if line is None:
        return {"students": 0, "progress": None, "quality": None}
    return {
        "students": line[1],
        "progress": None if line[-2] is None else str(line[-2]),
        "quality": None if line[-1] is None else str(line[-1]),
    }


def build_period(
    school, year, period, *, now: datetime.datetime | None = None, user=None, again: bool = False
) -> PeriodReport | None:
    """Build `period`'s report unless it is built (and not `again`) or being built by another worker (then None)."""
    now = now or timezone.now()
    rows = PeriodReport.objects.filter(period=period, kind=KIND)
    if not rows.exists():  # an insert meeting a row another worker is updating would wait for its commit
        PeriodReport.objects.bulk_create(
            [PeriodReport(school=school, period=period, kind=KIND)], ignore_conflicts=True
        )
    with transaction.atomic():
        locked = rows.select_for_update(skip_locked=True)
        report = (locked if again else locked.filter(built_at__isnull=True)).first()
        if report is None:
            return None
        old = [f.name for f in (report.pdf, report.xlsx) if f]
        today = local_today(school, now)
        data = finals_by_student(Params(school=school, year=year, period=period, today=today))
        data.params.append(_("Built %(date)s") % {"date": today.strftime("%d.%m.%Y")})
        pdf = render.pdf_bytes(data, school)
        xlsx = render.xlsx_bytes(data, school.name)
        stored = []
        try:
            stem = file_stem(school, period)
            report.pdf.save(stem + ".pdf", ContentFile(pdf), save=False)
            stored.append(report.pdf)
            report.xlsx.save(stem + ".xlsx", ContentFile(xlsx), save=False)
            stored.append(report.xlsx)
            report.summary = summary_of(data)
            report.built_at = now
            report.built_by = user
            report.save()
        except BaseException:
            for field in stored:  # the row keeps its old files (or stays unbuilt)
                field.storage.delete(field.name)
            raise
        storage = report.pdf.storage
        transaction.on_commit(lambda: [storage.delete(name) for name in old])
    log.info("period report %s built", report)
    return report


def rebuild(actor, report: PeriodReport, *, now: datetime.datetime | None = None) -> PeriodReport | None:
    """Build `report` again with today's finals (the admin's or the deputy's request); None while a worker is
    building it. One audit event."""
    period = ReportingPeriod.objects.select_related("scheme__year").get(pk=report.period_id)
    with transaction.atomic():
        built = build_period(
            actor.school, period.scheme.year, period, now=now, user=getattr(actor, "user", None), again=True
        )
        if built is not None:
            audit.record(
                actor,
                "reports.period_report_rebuilt",
                built,
                summary=f"{period.name}: {built.get_kind_display()}",
            )
    return built
