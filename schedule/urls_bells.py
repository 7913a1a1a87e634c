"""Bells pages (namespace "schedule"); included by schedule/urls.py."""

from django.urls import path

from .views import bells

urlpatterns = [
    path("bells/", bells.bell_list, name="bell_list"),
    path("bells/new/", bells.bell_create, name="bell_create"),
    path("bells/<int:pk>/", bells.bell_edit, name="bell_edit"),
    path("bells/<int:pk>/delete/", bells.bell_delete, name="bell_delete"),
    path("bells/days/", bells.bellday_list, name="bellday_list"),
    path("bells/days/<int:pk>/delete/", bells.bellday_delete, name="bellday_delete"),
]
