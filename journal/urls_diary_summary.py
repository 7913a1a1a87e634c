"""Diary URLs: the printable summary sheet of a student and of a class (included into the "diary" namespace)."""

from django.urls import path

from . import summary_views as views

urlpatterns = [
    path("<int:pk>/summary/", views.student_summary, name="summary"),
    path("<int:pk>/summary/pdf/", views.student_summary_pdf, name="summary_pdf"),
    path("class/<int:pk>/summary/", views.class_summary, name="class_summary"),
    path("class/<int:pk>/summary/pdf/", views.class_summary_pdf, name="class_summary_pdf"),
]
