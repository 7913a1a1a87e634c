"""URLs of the journal's marklog pages (included into the "journal" namespace by journal/urls.py)."""

urlpatterns = []
