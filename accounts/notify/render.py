"""The words of the letters: one event as a parent reads it, the titles, and the e-mail templates."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .. import channels
from ..models import OutboxMessage

MARKS, ATTENDANCE, REMARKS = "marks", "attendance", "remarks"
EVENT_KINDS = (MARKS, ATTENDANCE, REMARKS)


@dataclass
class Line:
    on: datetime.date
    subject: str
    text: str


@dataclass
class Child:
    name: str
    lines: list[Line] = field(default_factory=list)
    marks: list[tuple[str, str]] = field(default_factory=list)  # weekly: (subject, "5 4 (2)")
    absences: int = 0
    lateness: int = 0


def in_site_language(func):
    """Letters are written in the site's language (Russian), whoever's request caused them."""

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return func(*args, **kwargs)

    return wrapped


def person_name(person) -> str:
    return f"{person.last_name} {person.first_name}".strip()


def _greeting_name(person) -> str:
    return " ".join(p for p in (person.first_name, person.patronymic) if p) or person.full_name


def describe(kind: str, variant: str, summary: str) -> str:
    """One event as a parent reads it, e.g. «отметки: 5, 4» or «пропуск урока»."""
    if kind == MARKS:
        return _("marks: %(marks)s") % {"marks": summary}
    if kind == ATTENDANCE:
        return _("late for the lesson") if variant == "late" else _("absent from the lesson")
    if variant == "praise":
        return _("praise: %(text)s") % {"text": summary}
    return _("remark: %(text)s") % {"text": summary}


def title(kind: str, variant: str, student: str) -> str:
    if kind == MARKS:
        return _("New marks: %(student)s") % {"student": student}
    if kind == ATTENDANCE:
        if variant == "late":
            return _("Lateness: %(student)s") % {"student": student}
        return _("Absence: %(student)s") % {"student": student}
    if variant == "praise":
        return _("Praise: %(student)s") % {"student": student}
    return _("Remark: %(student)s") % {"student": student}


def _links() -> dict[str, str]:
    return {
        "portal_url": settings.SITE_URL + reverse("home"),
        "settings_url": settings.SITE_URL + reverse("accounts:notifications"),
    }


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    """templates/email/<name>_subject.txt, _body.txt and _body.html, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {**_links(), **context}
        subject = " ".join(render_to_string(f"email/{name}_subject.txt", context).split())
        text = render_to_string(f"email/{name}_body.txt", context).strip() + "\n"
        html = render_to_string(f"email/{name}_body.html", context)
    return subject[:300], text, html


def compose(*, school, person, address: str, kind: str, key: str, name: str, context: dict) -> OutboxMessage:
    """An unsaved e-mail to `person` from the template `name`; `key` is its dedupe key (outbox.queue saves it)."""
    subject, text, html = render_email(
        name, {"school": school, "recipient": _greeting_name(person), **context}
    )
    return OutboxMessage(
        school=school,
        recipient=person,
        channel=channels.EMAIL,
        address=address,
        kind=kind,
        subject=subject,
        text=text,
        html=html,
        dedupe_key=key[:200],
    )
