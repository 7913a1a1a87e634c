"""Timetable weeks and substitutions (namespace "schedule"); included by schedule/urls.py."""

from django.urls import path

from .views import substitutions, weeks

urlpatterns = [
    path("weeks/mine/", weeks.week_mine, name="week_mine"),
    path("weeks/class/<int:pk>/", weeks.week_class, name="week_class"),
    path("weeks/class/<int:pk>/xlsx/", weeks.week_class_xlsx, name="week_class_xlsx"),
    path("weeks/teacher/<int:pk>/", weeks.week_teacher, name="week_teacher"),
    path("weeks/teacher/<int:pk>/xlsx/", weeks.week_teacher_xlsx, name="week_teacher_xlsx"),
    path("weeks/room/<int:pk>/", weeks.week_room, name="week_room"),
    path("weeks/room/<int:pk>/xlsx/", weeks.week_room_xlsx, name="week_room_xlsx"),
    path("weeks/student/<int:pk>/", weeks.week_student, name="week_student"),
    path("weeks/student/<int:pk>/xlsx/", weeks.week_student_xlsx, name="week_student_xlsx"),
    path("substitutions/", substitutions.substitution_day, name="substitution_day"),
    path("substitutions/lessons/<int:pk>/", substitutions.substitution_record, name="substitution_record"),
    path("substitutions/<int:pk>/cancel/", substitutions.substitution_cancel, name="substitution_cancel"),
]
