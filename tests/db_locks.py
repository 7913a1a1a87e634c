"""Two transactions where the second provably waits on the first's lock (the concurrency tests).

A test that holds transaction A open and then starts B shows the lock-wait path only if B reaches the
lock while A still holds it: a B that arrives after A's commit gets the same answer another way. So
`second_waits_on_first` lets A commit only once PostgreSQL reports B's backend waiting on a lock held
by A's backend, and fails the test if that never happens.
"""

import threading
import time

import pytest
from django.db import connection, transaction

WAIT = 15  # seconds a thread may take before the test gives up on it
POLLS, POLL_INTERVAL = 300, 0.05  # how often pg_stat_activity is asked, at most (15 s in all)


class InTransaction(threading.Thread):
    """Runs `work()` in one transaction on its own thread and database connection; keeps its result or error.

    `before()` runs first, outside the transaction (a barrier, say). With `hold`, the transaction and the
    locks it took stay open after `work()` until `release` is set.
    """

    def __init__(self, work, *, before=None, hold=False):
        super().__init__(daemon=True)
        self.work, self.before, self.hold = work, before, hold
        self.connected, self.holding, self.release = threading.Event(), threading.Event(), threading.Event()
        self.pid = self.result = self.error = None

    def run(self):
        try:
            self.pid = backend_pid()
            self.connected.set()
            if self.before:
                self.before()
            with transaction.atomic():
                self.result = self.work()
                if self.hold:
                    self.holding.set()
                    assert self.release.wait(WAIT), "never released"
        except Exception as exc:  # noqa: BLE001 - kept for the test to inspect
            self.error = exc
        finally:
            self.connected.set()
            self.holding.set()  # an early end wakes the waiting test too; it then finds `error` set
            connection.close()


def finish(*threads: threading.Thread) -> None:
    for t in threads:
        t.join(WAIT)
        assert not t.is_alive(), f"{t.name} hung"


def second_waits_on_first(first: InTransaction, second: InTransaction) -> None:
    """Run `first` and hold its transaction; start `second`; once it waits on `first`'s lock, let `first`
    commit; return when both have ended."""
    first.hold = True
    first.start()
    try:
        assert first.holding.wait(WAIT) and first.error is None, (
            f"the first transaction failed: {first.error!r}"
        )
        second.start()
        assert second.connected.wait(WAIT) and second.pid, f"the second never connected: {second.error!r}"
        wait_until_blocked(second.pid, by=first.pid)
    finally:
        first.release.set()
        finish(*(t for t in (first, second) if t.ident is not None))


def backend_pid() -> int:
    """The PostgreSQL backend of this thread's connection (opened if need be)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def wait_until_blocked(pid: int, *, by: int) -> None:
    """Return once backend `pid` waits on a lock that backend `by` holds; fail the test if it never does."""
    seen = None
    for _poll in range(POLLS):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh figures even inside a transaction
            cursor.execute(
                "SELECT wait_event_type, wait_event, pg_blocking_pids(pid), state, query "
                "FROM pg_stat_activity WHERE pid = %s AND datname = current_database()",
                [pid],
            )
            seen = cursor.fetchone()
        if seen is None:
            pytest.fail(f"backend {pid} ended without waiting on a lock of backend {by}")
        if seen[0] == "Lock" and by in seen[2]:
            return
        time.sleep(POLL_INTERVAL)
    wait_type, wait_event, blockers, state, query = seen
    pytest.fail(
        f"backend {pid} never waited on a lock of backend {by}: it is {state!r}, "
        f"waiting on {wait_type}/{wait_event} of {blockers}, in {query!r}"
    )
