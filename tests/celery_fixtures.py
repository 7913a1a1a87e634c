"""The real Celery broker in tests: Redis, one database per xdist worker (ejournal/settings.py).

Tasks that tests publish with no worker running stay in the queue. A test that starts a worker, or reads
the queue, asks for `fresh_broker` so it neither runs nor counts what earlier tests of its process left.
"""

import pytest

from ejournal.celery import app


class Queue:
    """The app's task queue as the broker holds it."""

    def take(self) -> list[tuple[str, list]]:
        """Take every message off the queue: (task name, positional arguments) of each, oldest first."""
        taken = []
        with app.connection_for_read() as conn:
            channel = conn.default_channel
            while (message := channel.basic_get(app.conf.task_default_queue, no_ack=True)) is not None:
                args, _kwargs, _embed = message.decode()
                taken.append((message.headers["task"], list(args)))
        return taken


@pytest.fixture
def fresh_broker():
    """The app's queue emptied before the test (and after it, leaving nothing for the next one)."""
    app.control.purge()
    yield Queue()
    app.control.purge()
