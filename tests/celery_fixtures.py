"""The real Celery broker in tests: Redis, one database per xdist worker (ejournal/settings.py).

Tasks that tests publish with no worker running stay in the queue. A test that starts a worker or reads
the queue asks for `fresh_broker`, so it neither runs nor counts what earlier tests of its process left; so
does a test that leaves tasks there, to take them away afterwards.
"""

import pytest

from ejournal.celery import app


class Queue:
    """The app's task queue as the broker holds it."""

    def count(self) -> int:
        """How many messages wait in the queue (left there)."""
        with app.connection_for_read() as conn:
            return conn.default_channel.queue_declare(app.conf.task_default_queue).message_count

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


def broker_connection_attempts(monkeypatch) -> list:
    """A list that gets an entry each time Celery tries to connect to its broker (the cache's Redis is not
    counted): a publish that gives up at once when the broker is unreachable tries once, not in a loop."""
    from kombu import Connection

    attempts, real = [], Connection._establish_connection

    def establish(self):
        attempts.append(self.as_uri())
        return real(self)

    monkeypatch.setattr(Connection, "_establish_connection", establish)
    return attempts
