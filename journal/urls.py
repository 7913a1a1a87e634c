"""The journal (namespace "journal"): the mark grid and its endpoints."""

from django.urls import path

from . import views

app_name = "journal"

urlpatterns = [
    path("", views.index, name="index"),
    path("course/<int:course_pk>/period/<int:period_pk>/", views.grid_page, name="grid"),
    path("cell/", views.save_cell, name="save_cell"),
    path("work/", views.add_work, name="add_work"),
]
