"""URLs of a compromised login's pages (included into the "journal" namespace by journal/urls.py)."""

from django.urls import path

from journal.rollback import views as rollback_views

urlpatterns = [
    path("compromised/person/<int:pk>/", rollback_views.report_person, name="compromised_report"),
    path("compromised/<int:pk>/", rollback_views.changes, name="compromised_changes"),
    path("compromised/<int:pk>/result/<int:result_pk>/", rollback_views.result, name="compromised_result"),
]
