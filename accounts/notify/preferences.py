"""What each parent wants to hear, and how (immediately, daily, off; the weekly digest or not)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit, channels
from ..models import Delivery, NotificationPreference, ParentLink
from .render import ATTENDANCE, MARKS, REMARKS


def preferences_of(parent) -> NotificationPreference:
    """The parent's settings, or the defaults (unsaved) when they never chose."""
    pref = NotificationPreference.objects.filter(parent=parent).first()
    return pref or NotificationPreference(school_id=parent.school_id, parent=parent)


@transaction.atomic
def save_preferences(
    *, actor, parent, marks: str, attendance: str, remarks: str, weekly: bool
) -> NotificationPreference:
    """Store what the parent wants; audited. Raises ValidationError naming the bad field."""
    values = {MARKS: marks, ATTENDANCE: attendance, REMARKS: remarks}
    errors = {
        name: _("Choose one of the options.")
        for name, value in values.items()
        if value not in Delivery.values
    }
    if errors:
        raise ValidationError(errors)
    pref, _created = NotificationPreference.objects.update_or_create(
        parent=parent,
        defaults={
            **values,
            "weekly": bool(weekly),
            "school_id": parent.school_id,
            "updated_at": timezone.now(),
        },
    )
    audit.record(
        actor,
        "accounts.notifications_changed",
        pref,
        school=parent.school,
        data={**values, "weekly": bool(weekly)},
    )
    return pref


@dataclass
class PreferencesPage:
    preference: NotificationPreference
    email: str
    children: list[str]


def preferences_page(actor) -> PreferencesPage:
    """What the settings page shows: the settings, where letters go, whose news they carry (2 queries)."""
    parent = actor.parent
    links = ParentLink.objects.filter(parent=parent).select_related("student__person")
    return PreferencesPage(
        preference=preferences_of(parent),
        email=channels.get(channels.EMAIL).address_of(actor.person),
        children=sorted(link.student.person.full_name for link in links),
    )
