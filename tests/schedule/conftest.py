"""Helpers for the school-structure tests: actors by persona, counting rows."""

import datetime

import pytest

from accounts.actor import load_actor
from accounts.models import AuditEvent


def d(month: int, day: int) -> datetime.date:
    """A date of the world's 2026/2027 year (September–December 2026, January–August 2027)."""
    return datetime.date(2026 if month >= 8 else 2027, month, day)


@pytest.fixture
def actor_of():
    def make(person):
        return load_actor(person.user, person.school_id)

    return make


@pytest.fixture
def admin_actor(world, actor_of):
    return actor_of(world.admin)


@pytest.fixture
def audit_actions():
    """`audit_actions()` lists the audit actions written so far, oldest first."""

    def actions():
        return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))

    return actions
