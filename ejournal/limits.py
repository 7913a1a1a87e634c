"""Request-size caps in Django itself, behind those of the reverse proxy (deploy/Caddyfile).

Django caps the form fields of a request (DATA_UPLOAD_MAX_MEMORY_SIZE) but not the files of a
multipart body: without a cap, a public page that takes a file (the printout verification) would
stream gigabytes to a temporary file before any form saw them. The declared length is compared
before anything reads the body: the URL's own limit (settings.REQUEST_BODY_LIMITS, by URL name) or
settings.REQUEST_BODY_MAX. A body without a length is not read at all by Django's WSGI handler.
"""

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _


class RequestBodyLimitMiddleware:
    """Answers 413 to a body longer than its URL allows; must come before anything reads request.POST."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse(
                _("The request's length is not a number."), status=400, content_type="text/plain"
            )
        limit = settings.REQUEST_BODY_LIMITS.get(request.resolver_match.view_name, settings.REQUEST_BODY_MAX)
        if length > limit:
            return HttpResponse(
                _("The request is too large (at most %(size)d MB here).") % {"size": limit // 2**20},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return None
