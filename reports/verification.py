"""The public verification of a paper copy (R-R-5): what a printout's code stands for, and whether a file or a
SHA-256 matches the stored signed copy.

Public on purpose (no sign-in): the page shows the document's school, class, period,
kind, version, signing date, number of pages and SHA-256, never a student's name or
a mark. A code is 10 characters of an alphabet without look-alikes, so guessing one
is hopeless; typing it in any case, with dashes or spaces, works.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import CODE_ALPHABET, CODE_LENGTH, Printout

MAX_UPLOAD = 30 * 2**20


def normalise_code(raw: str) -> str:
    """«k7qh-3mzp xa» → «K7QH3MZPXA»; an impossible code becomes ''."""
    code = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return ""
    return code


def find(raw_code: str) -> Printout | None:
    """The printout with this code (any school: the code is the key), its school, class and period loaded."""
    code = normalise_code(raw_code)
    if not code:
        return None
    return (
        Printout.objects.defer("data")
        .select_related("school", "school_class", "period", "year")
        .filter(code=code)
        .first()
    )


def newer_version_exists(printout: Printout) -> bool:
    return Printout.objects.filter(
        school_class_id=printout.school_class_id,
        period_id=printout.period_id,
        kind=printout.kind,
        version__gt=printout.version,
        frozen_at__isnull=False,
    ).exists()


class LookupForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=40)

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not code:
            raise ValidationError(_("A code has 10 letters and digits, as printed at the foot of each page."))
        return code


class CompareForm(forms.Form):
    """A PDF file, or a SHA-256 typed in (64 hexadecimal characters): one of the two."""

    file = forms.FileField(label=_("The PDF file of the copy"), required=False)
    sha256 = forms.CharField(label=_("or its SHA-256"), max_length=100, required=False)

    def clean_sha256(self):
        digest = "".join(self.cleaned_data["sha256"].split()).lower()
        if digest and (len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest)):
            raise ValidationError(_("A SHA-256 is 64 characters 0–9 and a–f."))
        return digest

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > MAX_UPLOAD:
            raise ValidationError(_("The file is larger than 30 MB: it cannot be a copy of this printout."))
        return upload

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("sha256") and not self.errors:
            raise ValidationError(_("Choose the PDF file or enter its SHA-256."))
        return data

    def digest(self) -> str:
        upload = self.cleaned_data.get("file")
        if upload is None:
            return self.cleaned_data["sha256"]
        sha = hashlib.sha256()
        for chunk in upload.chunks():
            sha.update(chunk)
        return sha.hexdigest()


@dataclass
class Outcome:
    matches: bool
    digest: str
    by_file: bool


def compare(printout: Printout, form: CompareForm) -> Outcome:
    """Whether the copy in a valid `form` is the stored signed copy of `printout`."""
    digest = form.digest()
    return Outcome(
        printout.is_frozen and digest == printout.sha256, digest, form.cleaned_data.get("file") is not None
    )
