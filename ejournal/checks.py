"""Refuse to serve with the built-in development key."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_secret_key() -> None:
    if settings.SECRET_KEY_MISSING and not settings.DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see README, Configuration).")
