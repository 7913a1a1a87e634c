"""Helpers shared by the journal tests: actors, lessons on given dates, moments in Moscow time."""

import datetime
import zoneinfo

from accounts.actor import load_actor
from tests import factories as f

MSK = zoneinfo.ZoneInfo("Europe/Moscow")


def d(month: int, day: int) -> datetime.date:
    """A date of the world's 2026/2027 year (September–December 2026, January–August 2027)."""
    return datetime.date(2026 if month >= 8 else 2027, month, day)


def at(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    """A moment of `day` in the school's (Moscow) time zone."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=MSK)


def actor(person):
    return load_actor(person.user, person.school_id)


def lesson(course, day: datetime.date, slot: int = 1, **kw):
    return f.make_lesson(course, day, slot, **kw)
