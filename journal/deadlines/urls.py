"""Deadlines' URLs (included into the "journal" namespace by journal/urls.py): the control page with its
list, workbook and letters, and the settings."""

from django.urls import path

from journal.deadlines import views

urlpatterns = [
    path("deadlines/", views.control_page, name="deadline_control"),
    path("deadlines/details/", views.control_details, name="deadline_details"),
    path("deadlines/xlsx/", views.control_xlsx, name="deadline_xlsx"),
    path("deadlines/send/", views.send_to_teachers, name="deadline_send"),
    path("deadlines/settings/", views.settings_page, name="deadline_settings"),
    path("deadlines/settings/save/", views.save_settings, name="deadline_settings_save"),
    path("deadlines/settings/type/<int:pk>/", views.set_type_deadline, name="deadline_type"),
]
