"""Diary URLs: the week and the homework list (included into the "diary" namespace by journal/urls_diary.py)."""

from django.urls import path

from . import diary_week_views as views

urlpatterns = [
    path("<int:pk>/", views.week, name="week"),
    path("<int:pk>/homework/", views.homework, name="homework"),
]
