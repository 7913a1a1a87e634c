"""Printout URLs (included into the "reports" namespace by reports/urls.py)."""

urlpatterns = []
