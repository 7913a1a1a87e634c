"""Rows for the periods' progress reports (reports/monthly_views.py; reports/rules.py `view_monthly_reports` to
download, `rebuild_period_reports` to rebuild): the admin, the director and the deputy download; the admin and
the deputy ask for a rebuild (302 back to the list; a worker builds it); teachers and families 403; another school's admin 404 for this
school's report; the operator, who has no school, the schools list (302)."""

from django.core.files.base import ContentFile
from django.utils import timezone

from reports.models import PeriodReport
from schedule.models import ReportingPeriod
from tests.matrix import STAFF_READ, Row


def built_report(world) -> PeriodReport:
    """A built report of the world's first quarter (small stand-in files)."""
    period = ReportingPeriod.objects.get(school=world.school, scheme__kind="quarters", number=1)
    report, created = PeriodReport.objects.get_or_create(school=world.school, period=period)
    if created:
        report.pdf.save("r.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
        report.xlsx.save("r.xlsx", ContentFile(b"PK\x03\x04"), save=False)
        report.built_at = timezone.now()
        report.save()
    return report


def pk(world):
    return {"pk": built_report(world).pk}


def state(world):
    """A rebuild is asked (a worker builds it): the row's request moment."""
    return PeriodReport.objects.filter(school=world.school).values_list("rebuild_asked_at", flat=True).first()


FOREIGN = {"outsider": 404, "operator": 302}

ROWS = [
    Row("reports:period_report_pdf", kwargs=pk, expect={**STAFF_READ, **FOREIGN}),
    Row("reports:period_report_xlsx", kwargs=pk, expect={**STAFF_READ, **FOREIGN}),
    Row(
        "reports:period_report_rebuild",
        method="post",
        kwargs=pk,
        expect={"admin": 302, "deputy": 302, **FOREIGN},
        state=state,
        changed_by=frozenset({"admin", "deputy"}),
    ),
]
