"""The journal (namespace "journal"): the mark grid and its endpoints, lesson records, plans,
attendance reconciliation, the mark log and the journal settings (each area's URLs in its own module)."""

from django.urls import path

from . import (
    urls_finals,
    urls_finals_control,
    urls_marklog,
    urls_plans,
    urls_reconcile,
    urls_records,
    urls_rollback,
    urls_settings,
    views,
)

app_name = "journal"

urlpatterns = [
    path("", views.index, name="index"),
    path("course/<int:course_pk>/period/<int:period_pk>/", views.grid_page, name="grid"),
    path("cell/", views.save_cell, name="save_cell"),
    path("work/", views.add_work, name="add_work"),
    *urls_records.urlpatterns,
    *urls_plans.urlpatterns,
    *urls_reconcile.urlpatterns,
    *urls_marklog.urlpatterns,
    *urls_settings.urlpatterns,
    *urls_finals.urlpatterns,
    *urls_finals_control.urlpatterns,
    *urls_rollback.urlpatterns,
]
