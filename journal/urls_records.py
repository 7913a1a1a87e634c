"""URLs of the journal's records pages (included into the "journal" namespace by journal/urls.py)."""

urlpatterns = []
