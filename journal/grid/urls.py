"""The mark grid's URLs: the list of courses, a course's grid for a period and its two endpoints (included
into the "journal" namespace by journal/urls.py)."""

from django.urls import path

from journal.grid import views

urlpatterns = [
    path("", views.index, name="index"),
    path("course/<int:course_pk>/period/<int:period_pk>/", views.grid_page, name="grid"),
    path("cell/", views.save_cell, name="save_cell"),
    path("work/", views.add_work, name="add_work"),
]
