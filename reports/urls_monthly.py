"""The monthly activity reports (R-R-4; included into the "reports" namespace by reports/urls.py)."""

from django.urls import path

from . import monthly_views as views

urlpatterns = [
    path("activity/", views.index, name="monthly"),
    path("activity/<int:pk>/pdf/", views.download, {"kind": "pdf"}, name="monthly_pdf"),
    path("activity/<int:pk>/xlsx/", views.download, {"kind": "xlsx"}, name="monthly_xlsx"),
]
