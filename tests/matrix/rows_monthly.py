"""Rows for the monthly activity reports (reports/monthly_views.py; reports/rules.py `view_monthly_reports`):
the admin, the director and the deputy read them; teachers and families 403; another school's admin gets
their own school's list (200) and 404 for this school's report; the operator, who has no school, the
schools list (302)."""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from reports.models import MonthlyReport
from tests.matrix import STAFF_READ, Row


def built_report(world) -> MonthlyReport:
    """A built report of the world's school for November 2026 (small stand-in files)."""
    report, created = MonthlyReport.objects.get_or_create(
        school=world.school, month=datetime.date(2026, 11, 1)
    )
    if created:
        report.pdf.save("r.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
        report.xlsx.save("r.xlsx", ContentFile(b"PK\x03\x04"), save=False)
        report.built_at = timezone.now()
        report.save()
    return report


def pk(world):
    return {"pk": built_report(world).pk}


ROWS = [
    Row("reports:monthly", expect={**STAFF_READ, "outsider": 200, "operator": 302}),
    Row("reports:monthly_pdf", kwargs=pk, expect={**STAFF_READ, "outsider": 404, "operator": 302}),
    Row("reports:monthly_xlsx", kwargs=pk, expect={**STAFF_READ, "outsider": 404, "operator": 302}),
]
