"""The monthly activity reports (R-R-4) and the periods' progress reports (seed 002 9.2; included into the "reports" namespace by reports/urls.py)."""

from django.urls import path

from . import monthly_views as views

urlpatterns = [
    path("activity/", views.index, name="monthly"),
    path("activity/<int:pk>/pdf/", views.download, {"kind": "pdf"}, name="monthly_pdf"),
    path("activity/<int:pk>/xlsx/", views.download, {"kind": "xlsx"}, name="monthly_xlsx"),
    path("periods/<int:pk>/pdf/", views.period_download, {"kind": "pdf"}, name="period_report_pdf"),
    path("periods/<int:pk>/xlsx/", views.period_download, {"kind": "xlsx"}, name="period_report_xlsx"),
    path("periods/<int:pk>/rebuild/", views.period_rebuild, name="period_report_rebuild"),
]
