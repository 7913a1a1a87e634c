from django.urls import include, path

import accounts.urls
import schedule.urls_people

from . import views

# The people and invite pages that show classes live in schedule, a floor above accounts, under their
# old paths and names: one "accounts" namespace of both apps' patterns.
accounts_urls = (accounts.urls.urlpatterns + schedule.urls_people.urlpatterns, accounts.urls.app_name)

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include(accounts_urls)),
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
