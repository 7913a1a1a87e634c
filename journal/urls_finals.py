"""Final marks' URLs (filled in by the finals work)."""

urlpatterns = []
