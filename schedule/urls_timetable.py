"""Timetable pages (namespace "schedule"); included by schedule/urls.py."""

from django.urls import path

from .views import timetable_edit

urlpatterns = [
    path("timetable/", timetable_edit.timetable_index, name="timetable_index"),
    path("timetable/classes/<int:pk>/", timetable_edit.timetable_class, name="timetable_class"),
    path(
        "timetable/classes/<int:pk>/cells/<int:weekday>/<int:slot>/",
        timetable_edit.timetable_cell,
        name="timetable_cell",
    ),
    path("timetable/entries/<int:pk>/", timetable_edit.timetable_entry, name="timetable_entry"),
    path(
        "timetable/entries/<int:pk>/remove/",
        timetable_edit.timetable_entry_remove,
        name="timetable_entry_remove",
    ),
]
