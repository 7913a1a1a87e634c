"""The diary (namespace "diary", under /diary/): the week, homework, marks, charts and the summary sheet."""

from django.urls import path

from journal.diary import marks_views, summary_views, views, week_views

app_name = "diary"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", week_views.week, name="week"),
    path("<int:pk>/homework/", week_views.homework, name="homework"),
    path("<int:pk>/marks/", marks_views.marks, name="marks"),
    path("<int:pk>/charts/", marks_views.charts, name="charts"),
    path("<int:pk>/summary/", summary_views.student_summary, name="summary"),
    path("<int:pk>/summary/pdf/", summary_views.student_summary_pdf, name="summary_pdf"),
    path("class/<int:pk>/summary/", summary_views.class_summary, name="class_summary"),
    path("class/<int:pk>/summary/pdf/", summary_views.class_summary_pdf, name="class_summary_pdf"),
]
