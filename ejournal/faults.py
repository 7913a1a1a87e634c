"""A database that does not answer is a 503 "try again", never a 500 page or a stack trace (issue 20).

A connection killed (pg_terminate_backend, the server restarting) or a pool that stays empty for
DB_POOL_TIMEOUT seconds costs the request in flight a 503 with Retry-After: a page for people, JSON for
scripts (the grid shows it in the cell and sends the value again). Nothing half-written remains, because
every write is one transaction and dies with its connection. The next request gets a sound connection
without restarting anything (settings.DATABASES: the pool checks each connection it hands out, persistent
connections are health-checked).

An error raised in a view reaches `process_exception`. One raised in a middleware (a request's first query
is often the session's or the actor's) has been turned into a 500 by Django before this outermost middleware
sees the response; the got_request_exception signal marks such a request and the 500 is replaced here.
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

from accounts.sessions import wants_json

log = logging.getLogger(__name__)

RETRY_AFTER = 5  # seconds: a killed connection is replaced at once, a restarting server takes a few seconds
DATABASE_ERRORS = (OperationalError, InterfaceError)
_LOST = "_database_lost"


def unavailable(request) -> HttpResponse:
    """The 503 of a request whose database did not answer: JSON for scripts, the "try again" page otherwise."""
    if wants_json(request):
        message = _("The database did not answer, nothing was saved. Try again in a few seconds.")
        response = JsonResponse({"ok": False, "retry": True, "error": message}, status=503)
    else:
        page = loader.get_template("errors/503.html").render({"retry_after": RETRY_AFTER})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def _log(request, exc) -> None:
    log.warning(
        "database unavailable during %s %s: %s: %s", request.method, request.path, type(exc).__name__, exc
    )


@receiver(got_request_exception)
def _mark_database_lost(sender, request=None, **kwargs):
    exc = sys.exc_info()[1]
    if request is not None and isinstance(exc, DATABASE_ERRORS):
        setattr(request, _LOST, exc)


class DatabaseUnavailableMiddleware:
    """The first middleware: turns a lost database anywhere in the request into `unavailable`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        exc = getattr(request, _LOST, None)
        if exc is not None and response.status_code == 500:
            _log(request, exc)
            return unavailable(request)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            _log(request, exception)
            return unavailable(request)
        return None
