"""School structure pages, mounted at /school/ (namespace "schedule")."""

from django.urls import path

from .urls_bells import urlpatterns as bell_urlpatterns
from .urls_calendar import urlpatterns as calendar_urlpatterns
from .urls_timetable import urlpatterns as timetable_urlpatterns
from .urls_weeks import urlpatterns as week_urlpatterns
from .views import classes, courses, places, years

app_name = "schedule"

urlpatterns = [
    path("", years.setup, name="setup"),
    path("years/", years.year_list, name="year_list"),
    path("years/<int:pk>/", years.year_edit, name="year_edit"),
    path("years/<int:pk>/periods/", years.period_list, name="period_list"),
    path("years/<int:pk>/schemes/new/", years.scheme_create, name="scheme_create"),
    path("schemes/<int:pk>/periods/new/", years.period_create, name="period_create"),
    path("periods/<int:pk>/", years.period_edit, name="period_edit"),
    path("periods/<int:pk>/delete/", years.period_delete, name="period_delete"),
    path("holidays/", years.holiday_list, name="holiday_list"),
    path("holidays/<int:pk>/", years.holiday_edit, name="holiday_edit"),
    path("holidays/<int:pk>/delete/", years.holiday_delete, name="holiday_delete"),
    path("buildings/", places.building_list, name="building_list"),
    path("buildings/<int:pk>/", places.building_edit, name="building_edit"),
    path("rooms/", places.room_list, name="room_list"),
    path("rooms/<int:pk>/", places.room_edit, name="room_edit"),
    path("subjects/", places.subject_list, name="subject_list"),
    path("subjects/<int:pk>/", places.subject_edit, name="subject_edit"),
    path("classes/", classes.class_list, name="class_list"),
    path("classes/new/", classes.class_create, name="class_create"),
    path("classes/<int:pk>/", classes.class_detail, name="class_detail"),
    path("classes/<int:pk>/edit/", classes.class_edit, name="class_edit"),
    path("classes/<int:pk>/access/", classes.class_access_grant, name="class_access_grant"),
    path(
        "classes/<int:pk>/access/<int:person_pk>/revoke/",
        classes.class_access_revoke,
        name="class_access_revoke",
    ),
    path("classes/<int:pk>/enroll/", classes.class_enroll, name="class_enroll"),
    path("enrollments/<int:pk>/end/", classes.enrollment_end, name="enrollment_end"),
    path("enrollments/<int:pk>/transfer/", classes.enrollment_transfer, name="enrollment_transfer"),
    path("groups/", classes.group_list, name="group_list"),
    path("groups/<int:pk>/", classes.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", classes.group_edit, name="group_edit"),
    path("groups/<int:pk>/members/new/", classes.group_member_add, name="group_member_add"),
    path("memberships/<int:pk>/end/", classes.membership_end, name="membership_end"),
    path("courses/", courses.course_list, name="course_list"),
    path("courses/<int:pk>/", courses.course_edit, name="course_edit"),
    *bell_urlpatterns,
    *timetable_urlpatterns,
    *calendar_urlpatterns,
    *week_urlpatterns,
]
