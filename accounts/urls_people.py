"""People, consent, invite codes and school settings; included by accounts/urls.py (namespace "accounts")."""

from django.urls import path

from .views import invites, people, resets, settings

urlpatterns = [
    path("people/", people.people_list, name="people"),
    path("people/new/", people.person_create, name="person_create"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/links/", people.person_link, name="person_link"),
    path("people/<int:pk>/links/<int:link_pk>/delete/", people.person_unlink, name="person_unlink"),
    path("people/<int:pk>/consent/", people.consent_record, name="consent_record"),
    path("consent/<int:pk>/withdraw/", people.consent_withdraw, name="consent_withdraw"),
    path("consent/missing/", people.consent_missing, name="consent_missing"),
    path("invites/", invites.invite_index, name="invites"),
    path("invites/class/<int:pk>/", invites.invite_class, name="invite_class"),
    path("invites/class/<int:pk>/slips/", invites.invite_class_slips, name="invite_class_slips"),
    path("invites/person/<int:pk>/", invites.invite_issue, name="invite_issue"),
    path("resets/person/<int:pk>/", resets.reset_person, name="reset_person"),
    path("resets/class/<int:pk>/", resets.reset_class, name="reset_class"),
    path("people/<int:pk>/2fa-reset/", resets.reset_second_factor, name="reset_second_factor"),
    path("settings/", settings.school_settings, name="school_settings"),
]
