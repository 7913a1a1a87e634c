"""URLs of the journal settings page (included into the "journal" namespace by journal/urls.py)."""

from django.urls import path

from . import settings_views

urlpatterns = [
    path("settings/", settings_views.settings_page, name="settings"),
    path("settings/window/", settings_views.set_window, name="settings_window"),
    path("settings/types/add/", settings_views.add_type, name="work_type_add"),
    path("settings/types/<int:pk>/", settings_views.edit_type, name="work_type_edit"),
    path("settings/types/<int:pk>/delete/", settings_views.delete_type, name="work_type_delete"),
    path("settings/types/<int:pk>/default/", settings_views.make_default, name="work_type_default"),
    path("settings/types/<int:pk>/move/", settings_views.move_type, name="work_type_move"),
]
