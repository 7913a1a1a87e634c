"""The portal's WSGI application on the test's clock, for the gunicorn of the fault tests.

The tests own their clock (tests/clock.py): the session a test signs in was made at the test's moment, so
a gunicorn on the machine's clock would see it expired (or not yet begun) whenever the machine's date is far
from the test's — as under `make test-at`. Each gunicorn worker imports this module and travels, ticking, to
the moment the test handed over in EJOURNAL_TEST_NOW before it loads the portal.
"""

import os

import time_machine

_travel = time_machine.travel(os.environ["EJOURNAL_TEST_NOW"], tick=True)
_travel.start()

from ejournal.wsgi import application  # noqa: E402  (after the clock is set)

__all__ = ["application"]
