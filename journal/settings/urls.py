"""URLs of the journal settings page (included into the "journal" namespace by journal/urls.py): the edit
window, the work types and the rules of final marks."""

from django.urls import path

from journal.settings import views

urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
    path("settings/window/", views.set_window, name="settings_window"),
    path("settings/types/add/", views.add_type, name="work_type_add"),
    path("settings/types/<int:pk>/", views.edit_type, name="work_type_edit"),
    path("settings/types/<int:pk>/delete/", views.delete_type, name="work_type_delete"),
    path("settings/types/<int:pk>/default/", views.make_default, name="work_type_default"),
    path("settings/types/<int:pk>/move/", views.move_type, name="work_type_move"),
    path("settings/finals/", views.set_finals_rules, name="settings_finals"),
]
