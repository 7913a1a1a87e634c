"""Diary URLs: marks by subject with the forecast, and the charts (included into the "diary" namespace)."""

from django.urls import path

from . import diary_marks_views as views

urlpatterns = [
    path("<int:pk>/marks/", views.marks, name="marks"),
    path("<int:pk>/charts/", views.charts, name="charts"),
]
