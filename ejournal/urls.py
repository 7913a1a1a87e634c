from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("join/", include("accounts.urls_join")),
    path("school/", include("schedule.urls")),
    path("journal/", include("journal.urls")),
    path("diary/", include("journal.diary.urls")),
    path("reports/", include("reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", views.health, name="health"),
]

handler403 = "ejournal.views.forbidden"
handler404 = "ejournal.views.not_found"
handler500 = "ejournal.views.server_error"
