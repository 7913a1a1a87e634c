"""URLs of the journal's reconcile pages (included into the "journal" namespace by journal/urls.py)."""

from django.urls import path

from journal.reconcile import views as reconcile_views

urlpatterns = [
    path("class/<int:class_pk>/attendance/", reconcile_views.reconcile_week, name="reconcile"),
    path("class/<int:class_pk>/attendance/reason/", reconcile_views.set_reason, name="set_reason"),
]
