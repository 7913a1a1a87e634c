"""URLs of the journal's marklog pages (included into the "journal" namespace by journal/urls.py)."""

from django.urls import path

from journal.marklog import views as marklog_views

urlpatterns = [
    path("log/", marklog_views.mark_log, name="marklog"),
    path("log/exports/", marklog_views.mark_log_exports, name="marklog_exports"),
    path("log/export/<int:pk>/", marklog_views.mark_log_export_file, name="marklog_export_file"),
]
