"""URLs of the journal's reconcile pages (included into the "journal" namespace by journal/urls.py)."""

urlpatterns = []
