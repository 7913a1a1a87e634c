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
- The year's report (`PeriodReport.Kind.YEAR`, `queries_leadership.year_finals_by_student`): the year finals of
  every class, due once the year finals of every scheme with such a class are due (the day after the latest of
  their last periods' finals deadlines: the year finals are due with the last period's), one per school and
  year. It is keyed by that period, the last one to be due (`year_key`: the latest build day, then the latest
  last day, then the scheme with the most grades), so the row, its unique constraint and its lock are those of
  the period reports; caught up as they are (a summer run still finds it), rebuilt the same way.
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

from accounts import audit, jobs
from accounts.models import School
from accounts.selectors import local_today
from journal.finals.values import deadline
from journal.policy import journal_settings
from schedule.models import AcademicYear, ReportingPeriod, SchoolClass

from . import render
from .catalog import Params
from .models import PeriodReport
from .queries_leadership import finals_by_student, year_finals_by_student

log = logging.getLogger(__name__)
DAY = datetime.timedelta(days=1)
KIND = PeriodReport.Kind.FINALS
YEAR = PeriodReport.Kind.YEAR


def build_day(period, settings) -> datetime.date:
    """The first day `period`'s report is due: the day after its finals deadline, and after its last day."""
    due = deadline(period.ends, settings.finals_deadline, settings.finals_deadline_days)
    return max(due, period.ends) + DAY


def _year_of(school, today):
    return AcademicYear.objects.filter(school=school, starts__lte=today).order_by("-starts").first()


def _periods_with_finals(school, year) -> list[ReportingPeriod]:
    """The year's periods of the schemes whose grades have a class taking finals, by their last day."""
    grades = set(
        SchoolClass.objects.filter(school=school, year=year, grade__gt=1).values_list("grade", flat=True)
    )
    return [
        p
        for p in ReportingPeriod.objects.filter(school=school, scheme__year=year)
        .select_related("scheme")
        .order_by("ends", "scheme__kind")
        if grades.intersection(p.scheme.grades)
    ]


def year_key(periods: list[ReportingPeriod], settings) -> ReportingPeriod | None:
    """The period a year's report is keyed by and due after: of the last periods of the schemes (among
    `periods`), the last to be due, then the one ending last, then the scheme with the most grades."""
    last = {}
    for p in periods:
        if p.scheme_id not in last or p.ends > last[p.scheme_id].ends:
            last[p.scheme_id] = p
    return max(
        last.values(),
        key=lambda p: (build_day(p, settings), p.ends, len(p.scheme.grades), -p.scheme_id),
        default=None,
    )


def due_periods(school, today: datetime.date) -> tuple[AcademicYear | None, list[ReportingPeriod]]:
    """The academic year of `today` and its periods whose report is due and not built yet."""
    year = _year_of(school, today)
    if year is None:
        return None, []
    settings = journal_settings(school)
    periods = [p for p in _periods_with_finals(school, year) if build_day(p, settings) <= today]
    built = set(
        PeriodReport.objects.filter(period__in=periods, kind=KIND, built_at__isnull=False).values_list(
            "period_id", flat=True
        )
    )
    return year, [p for p in periods if p.pk not in built]


def due_year(school, today: datetime.date) -> tuple[AcademicYear | None, ReportingPeriod | None]:
    """The academic year of `today` and, when its year report is due and not built yet, its key period
    (`year_key`)."""
    year = _year_of(school, today)
    if year is None:
        return None, None
    settings = journal_settings(school)
    key = year_key(_periods_with_finals(school, year), settings)
    if key is None or build_day(key, settings) > today:
        return year, None
    if PeriodReport.objects.filter(period=key, kind=YEAR, built_at__isnull=False).exists():
        return year, None
    return year, key


def build_due(now: datetime.datetime | None = None) -> int:
    """Build every school's due period reports (the beat's job); returns how many this run built."""
    built = 0
    for school in School.objects.filter(is_active=True).order_by("pk"):
        today = local_today(school, now)
        year, periods = due_periods(school, today)
        for period in periods:
            if build_period(school, year, period, now=now) is not None:
                built += 1
        year, key = due_year(school, today)
        if key is not None and build_period(school, year, key, now=now, kind=YEAR) is not None:
            built += 1
    # Rebuilds asked from the page: built again here, by a worker, never in the web request.
    for report in PeriodReport.objects.filter(rebuild_asked_at__isnull=False).select_related(
        "school", "period__scheme__year", "built_by"
    ):
        period = report.period
        again = build_period(
            report.school,
            period.scheme.year,
            period,
            now=now,
            user=report.built_by,
            again=True,
            kind=report.kind,
        )
        if again is not None:
            built += 1
    return built


def file_stem(school, period, kind: str = KIND) -> str:
    if kind == YEAR:
        return f"progress-{school.slug}-{period.scheme.year.starts:%Y}-year"
    return f"progress-{school.slug}-{period.starts:%Y}-{period.scheme.kind}-{period.number}"


def title(report: PeriodReport) -> str:
    """The list's name of a report: «1 четверть, 2026/2027», «Год, 2026/2027»."""
    year = report.period.scheme.year.name
    return f"{_('Year') if report.kind == YEAR else report.period.name}, {year}"


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
    school,
    year,
    period,
    *,
    now: datetime.datetime | None = None,
    user=None,
    again: bool = False,
    kind: str = KIND,
) -> PeriodReport | None:
    """Build `period`'s report (or, `kind` YEAR, the year's report keyed by `period`) unless it is built (and
    not `again`) or being built by another worker (then None)."""
    now = now or timezone.now()
    rows = PeriodReport.objects.filter(period=period, kind=kind)
    if not rows.exists():  # an insert meeting a row another worker is updating would wait for its commit
        PeriodReport.objects.bulk_create(
            [PeriodReport(school=school, period=period, kind=kind)], ignore_conflicts=True
        )
    with transaction.atomic():
        locked = rows.select_for_update(skip_locked=True)
        report = (locked if again else locked.filter(built_at__isnull=True)).first()
        if report is None:
            return None
        old = [f.name for f in (report.pdf, report.xlsx) if f]
        today = local_today(school, now)
        if kind == YEAR:
            data = year_finals_by_student(Params(school=school, year=year, today=today))
        else:
            data = finals_by_student(Params(school=school, year=year, period=period, today=today))
        data.params.append(_("Built %(date)s") % {"date": today.strftime("%d.%m.%Y")})
        pdf = render.pdf_bytes(data, school)
        xlsx = render.xlsx_bytes(data, school.name)
        stored = []
        try:
            stem = file_stem(school, period, kind)
            report.pdf.save(stem + ".pdf", ContentFile(pdf), save=False)
            stored.append(report.pdf)
            report.xlsx.save(stem + ".xlsx", ContentFile(xlsx), save=False)
            stored.append(report.xlsx)
            report.summary = summary_of(data)
            report.built_at = now
            report.built_by = user
            report.rebuild_asked_at = None
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
    """Ask for `report` to be built again with today's finals (the admin's or the deputy's request): a worker
    builds it (`build_period_reports_task`, published after the commit; the hourly run picks it up if the
    queue was down), the previous files stay downloadable meanwhile. None while a worker is building it.
    One audit event."""
    from .tasks import build_period_reports_task

    now = now or timezone.now()
    with transaction.atomic():
        row = PeriodReport.objects.select_for_update(skip_locked=True).filter(pk=report.pk).first()
        if row is None:
            return None
        row.rebuild_asked_at = now
        row.built_by = getattr(actor, "user", None)
        row.save(update_fields=["rebuild_asked_at", "built_by"])
        period = ReportingPeriod.objects.select_related("scheme__year").get(pk=row.period_id)
        name = period.scheme.year.name if row.kind == YEAR else period.name
        audit.record(actor, "reports.period_report_rebuilt", row, summary=f"{name}: {row.get_kind_display()}")
        jobs.publish_after_commit(build_period_reports_task)
    return row
