"""People, consent, invite codes and school settings; included by accounts/urls.py (namespace "accounts").

The pages that show classes (the people list, a person's page, a new person, linking, the consent list,
the invite-codes page and a class's codes, slips and resets) are schedule/urls_people.py, joined into the
same namespace by ejournal/urls.py.
"""

from django.urls import path

from .views import invites, people, resets, settings

urlpatterns = [
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/links/<int:link_pk>/delete/", people.person_unlink, name="person_unlink"),
    path("people/<int:pk>/consent/", people.consent_record, name="consent_record"),
    path("consent/<int:pk>/withdraw/", people.consent_withdraw, name="consent_withdraw"),
    path("invites/person/<int:pk>/", invites.invite_issue, name="invite_issue"),
    path("resets/person/<int:pk>/", resets.reset_person, name="reset_person"),
    path("people/<int:pk>/2fa-reset/", resets.reset_second_factor, name="reset_second_factor"),
    path("settings/", settings.school_settings, name="school_settings"),
]
