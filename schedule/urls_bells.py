"""Bells pages (namespace "schedule"); included by schedule/urls.py."""

urlpatterns = []
