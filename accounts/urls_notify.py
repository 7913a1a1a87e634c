"""Parents' notification settings; included by accounts/urls.py (namespace "accounts")."""

from django.urls import path

from . import notify_views

urlpatterns = [
    path("notifications/", notify_views.notifications, name="notifications"),
]
