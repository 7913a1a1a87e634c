"""Reports (namespace "reports", under /reports/): the report pages with their XLSX and PDF
(reports/urls_reports.py), period printouts with their sign-off and the public verification
page of a paper copy (reports/urls_printouts.py), the monthly activity reports (reports/urls_monthly.py)."""

from . import urls_monthly, urls_printouts, urls_reports

app_name = "reports"

urlpatterns = [*urls_reports.urlpatterns, *urls_printouts.urlpatterns, *urls_monthly.urlpatterns]
