"""Joining with an invite code: public pages mounted at /join/ (namespace "join")."""

from django.urls import path

from .views import join

app_name = "join"

urlpatterns = [
    path("", join.start, name="start"),
    path("account/", join.account, name="account"),
]
