"""Final marks' URLs: the finals view of a course and its endpoints (included into the "journal"
namespace by journal/urls.py)."""

from django.urls import path

from . import finals_views as views

urlpatterns = [
    path("course/<int:course_pk>/finals/", views.finals_page, name="finals"),
    path("finals/save/", views.save_final, name="save_final"),
    path("finals/accept/", views.accept_finals, name="accept_finals"),
    path("finals/lock/", views.lock_finals, name="lock_finals"),
    path("finals/reopen/", views.reopen_finals, name="reopen_finals"),
]
