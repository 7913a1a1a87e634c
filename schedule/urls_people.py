"""The people and invite pages that show classes, mounted at /accounts/ in the "accounts" namespace beside
accounts/urls_people.py (ejournal/urls.py joins them): their paths and names are older than the move."""

from django.urls import path

from .views import invites, people

urlpatterns = [
    path("people/", people.people_list, name="people"),
    path("people/new/", people.person_create, name="person_create"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/links/", people.person_link, name="person_link"),
    path("consent/missing/", people.consent_missing, name="consent_missing"),
    path("invites/", invites.invite_index, name="invites"),
    path("invites/class/<int:pk>/", invites.invite_class, name="invite_class"),
    path("invites/class/<int:pk>/slips/", invites.invite_class_slips, name="invite_class_slips"),
    path("resets/class/<int:pk>/", invites.reset_class, name="reset_class"),
]
