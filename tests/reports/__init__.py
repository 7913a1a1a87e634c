"""Helpers shared by the reports' tests: a report page's URL, and a PDF's text read back."""

import subprocess

from django.urls import reverse
from django.utils.http import urlencode


def url(code, kind="report", **query):
    """`reports:<kind>` of report `code` with `query` as GET parameters."""
    return reverse(f"reports:{kind}", args=[code]) + ("?" + urlencode(query) if query else "")


def pdf_text(content: bytes) -> str:
    """The text of a PDF as poppler's pdftotext reads it (layout kept)."""
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
