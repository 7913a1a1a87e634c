"""Report URLs (included into the "reports" namespace by reports/urls.py).

`<report:code>` matches only codes of the catalogue, so paths of the printouts
(reports/urls_printouts.py) under the same /reports/ prefix are never taken for
a report whatever the order of the two lists.
"""

from django.urls import path, register_converter

from . import views
from .catalog import reports


class ReportCodeConverter:
    regex = "[a-z0-9_]+"

    def to_python(self, value: str) -> str:
        if value not in reports():
            raise ValueError(value)  # no match: the resolver tries the next pattern
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReportCodeConverter, "report")

urlpatterns = [
    path("", views.index, name="index"),
    path("<report:code>/", views.report, name="report"),
    path("<report:code>/xlsx/", views.report_xlsx, name="report_xlsx"),
    path("<report:code>/pdf/", views.report_pdf, name="report_pdf"),
]
