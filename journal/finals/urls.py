"""Final marks' URLs (included into the "journal" namespace by journal/urls.py): the finals view of a course
and its endpoints, and the finals control page (R-F-4, R-F-5)."""

from django.urls import path

from journal.finals import control_views, views

urlpatterns = [
    path("course/<int:course_pk>/finals/", views.finals_page, name="finals"),
    path("finals/save/", views.save_final, name="save_final"),
    path("finals/accept/", views.accept_finals, name="accept_finals"),
    path("finals/lock/", views.lock_finals, name="lock_finals"),
    path("finals/reopen/", views.reopen_finals, name="reopen_finals"),
    path("finals/control/", control_views.finals_control, name="finals_control"),
    path("finals/control/close/", control_views.close_period, name="close_period"),
    path("finals/control/reopen/", control_views.reopen_period, name="reopen_period"),
]
