"""URLs of the journal's marklog pages (included into the "journal" namespace by journal/urls.py)."""

from django.urls import path

from . import marklog_views

urlpatterns = [
    path("log/", marklog_views.mark_log, name="marklog"),
    path("log.xlsx", marklog_views.mark_log_xlsx, name="marklog_xlsx"),
]
