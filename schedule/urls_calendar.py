"""Calendar pages (namespace "schedule"); included by schedule/urls.py."""

from django.urls import path

from .views import calendar

urlpatterns = [
    path("calendar/generate/", calendar.generate, name="calendar_generate"),
    path("calendar/classes/<int:pk>/", calendar.day, name="calendar_day"),
    path("calendar/lessons/<int:pk>/cancel/", calendar.lesson_cancel, name="lesson_cancel"),
    path("calendar/lessons/<int:pk>/restore/", calendar.lesson_restore, name="lesson_restore"),
    path("calendar/lessons/<int:pk>/move/", calendar.lesson_move, name="lesson_move"),
]
