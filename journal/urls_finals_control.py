"""URLs of the finals control page (R-F-4, R-F-5) and of the finals rules on the journal settings page
(R-F-2, R-F-4), included into the "journal" namespace by journal/urls.py."""

from django.urls import path

from . import finals_control_views, settings_views

urlpatterns = [
    path("finals/control/", finals_control_views.finals_control, name="finals_control"),
    path("finals/control/close/", finals_control_views.close_period, name="close_period"),
    path("finals/control/reopen/", finals_control_views.reopen_period, name="reopen_period"),
    path("settings/finals/", settings_views.set_finals_rules, name="settings_finals"),
]
