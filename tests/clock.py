"""The tests' clock: every test runs at a moment it chooses, never at the machine's date (issue 13).

An autouse fixture moves Python's clock (``time.time``, ``datetime.now``, ``date.today``,
``timezone.now`` …) to ``DEFAULT_NOW`` with time-machine for the whole test: the test itself, the
factories, the live server's thread and an in-process Celery worker all see that moment. A test about
a particular moment says so::

    @pytest.mark.now("2026-12-13 10:00")      # a Sunday, 10:00 school time
    def test_sunday(...): ...

or moves the clock mid-test with ``clock.move_to("2026-12-29 08:00")``. Strings and naive datetimes are
read in the school's time zone (Europe/Moscow), dates at 10:00 of that day.

The clock ticks from the chosen moment (so timestamps written one after another still differ).
PostgreSQL's and Redis's own clocks are not moved: application code never compares them with Python's
(``timezone.now()`` or ``accounts.selectors.local_today`` are the only readers of the time).
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

import pytest
import time_machine
from django.utils import timezone

SCHOOL_ZONE = zoneinfo.ZoneInfo("Europe/Moscow")

# Wednesday in the middle of the test world's second quarter (2026/27: 5 November – 28 December),
# during the third lesson.
DEFAULT_NOW = datetime.datetime(2026, 12, 9, 10, 0, tzinfo=SCHOOL_ZONE)
TODAY = DEFAULT_NOW.date()


def moment(when: str | datetime.date | datetime.datetime) -> datetime.datetime:
    """An aware datetime: strings as ISO ("2026-12-13", "2026-12-13 08:30"), naive values in school time."""
    if isinstance(when, str):
        when = datetime.datetime.fromisoformat(when) if len(when) > 10 else datetime.date.fromisoformat(when)
    if not isinstance(when, datetime.datetime):
        when = datetime.datetime.combine(when, datetime.time(10, 0))
    return when if when.tzinfo else when.replace(tzinfo=SCHOOL_ZONE)


@dataclass
class Clock:
    """The running test's clock."""

    traveller: time_machine.Coordinates

    def move_to(self, when) -> datetime.datetime:
        target = moment(when)
        self.traveller.move_to(target)
        return target

    @property
    def now(self) -> datetime.datetime:
        return timezone.now().astimezone(SCHOOL_ZONE)

    @property
    def today(self) -> datetime.date:
        return self.now.date()


@pytest.fixture(autouse=True)
def _travel(request) -> Clock:
    """Every test at DEFAULT_NOW, or at the moment of its ``@pytest.mark.now(...)``.

    Autouse under a private name, so that a module's own fixture called ``clock`` cannot switch it off."""
    marker = request.node.get_closest_marker("now")
    when = moment(marker.args[0]) if marker else DEFAULT_NOW
    with time_machine.travel(when, tick=True) as traveller:
        yield Clock(traveller)


@pytest.fixture
def clock(_travel) -> Clock:
    """The running test's clock: ``clock.today``, ``clock.now``, ``clock.move_to(...)``."""
    return _travel
