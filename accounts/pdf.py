"""PDF rendering with WeasyPrint: a template in, bytes out.

The URL fetcher serves only the project's own static files and `data:` URIs,
so text typed by users (names, homework) can never make the renderer fetch a
remote or local file.
"""

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header


def _base_url() -> str:
    return settings.SITE_URL.rstrip("/") + "/"


def static_only_fetcher():
    """A WeasyPrint URL fetcher that serves `<SITE_URL>/static/…` and `data:` URIs and refuses everything else.

    WeasyPrint is imported here, not at module level: it takes half a second and logs as it loads.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            return _fetch_static(url, headers, super().fetch, URLFetcherResponse)

    return StaticOnlyFetcher()


def _fetch_static(url, headers, fetch_data, response_class):
    if url.startswith("data:"):
        return fetch_data(url, headers)
    parts = urlsplit(url)
    base = urlsplit(_base_url())
    static_prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(static_prefix):
        raise ValueError(f"refused to fetch {url!r}: only local static files are served")
    relative = unquote(parts.path[len(static_prefix) :])
    path = finders.find(relative) if ".." not in relative.split("/") else None
    if path is None and settings.STATIC_ROOT:  # collected files only (production without app finders)
        root = Path(settings.STATIC_ROOT).resolve()
        candidate = (root / relative).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            path = candidate
    if path is None:
        raise ValueError(f"no static file {relative!r}")
    with open(path, "rb") as handle:
        body = handle.read()
    content_type = mimetypes.guess_type(str(path))[0] or "application/octet-stream"
    return response_class(url, body, {"Content-Type": content_type})


def render_pdf(template_name: str, context: dict, request=None) -> bytes:
    """Render a template (normally extending print_base.html) to PDF bytes."""
    from weasyprint import HTML

    html = render_to_string(template_name, context, request=request)
    return HTML(string=html, base_url=_base_url(), url_fetcher=static_only_fetcher()).write_pdf()


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF download; never cached, since printouts may carry codes or personal data."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


def qr_data_uri(text: str, size_hint: int = 4) -> str:
    """A QR code as an SVG `data:` URI, for <img> on screen and in WeasyPrint alike."""
    import segno

    return segno.make(text, error="m", micro=False).svg_data_uri(scale=size_hint, border=0)
