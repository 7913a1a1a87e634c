"""The diary (namespace "diary", under /diary/): the week, homework, marks, charts and the summary sheet
(each area's URLs in its own module)."""

from django.urls import path

from . import diary_views, urls_diary_marks, urls_diary_summary, urls_diary_week

app_name = "diary"

urlpatterns = [
    path("", diary_views.index, name="index"),
    *urls_diary_week.urlpatterns,
    *urls_diary_marks.urlpatterns,
    *urls_diary_summary.urlpatterns,
]
