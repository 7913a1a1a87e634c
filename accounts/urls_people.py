urlpatterns = []  # people, invite codes, consent, school settings (accounts/views/people.py …)
