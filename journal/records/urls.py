"""URLs of the journal's records pages (included into the "journal" namespace by journal/urls.py)."""

from django.urls import path

from journal.records import views

urlpatterns = [
    path("lesson/<int:pk>/", views.lesson_page, name="lesson"),
    path("lesson/<int:pk>/topic/", views.save_topic, name="save_topic"),
    path("lesson/<int:pk>/homework/", views.save_homework, name="save_homework"),
    path("lesson/<int:pk>/attachment/", views.add_attachment, name="add_attachment"),
    path("attachment/<int:pk>/", views.download_attachment, name="attachment"),
    path("attachment/<int:pk>/delete/", views.delete_attachment, name="delete_attachment"),
    path("lesson/<int:pk>/remark/", views.add_remark, name="add_remark"),
    path("remark/<int:pk>/delete/", views.delete_remark, name="delete_remark"),
    path("course/<int:course_pk>/period/<int:period_pk>/lessons/", views.lessons_page, name="lessons"),
    path(
        "course/<int:course_pk>/period/<int:period_pk>/lessons/fill-topics/",
        views.fill_topics,
        name="fill_topics",
    ),
]
