"""The portal's own processes for fault tests: gunicorn and Celery workers started against the test database
and the tests' Redis database, plain HTTP to them, and the database's backends to kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings
from django.utils import timezone

from tests.faults.conftest import free_port

BIN = Path(sys.executable).parent
CSRF = "f" * 32  # any 32-character secret: the cookie and the header carry the same one


def database_url() -> str:
    """The test database (pytest-django's `test_…` name), as the child processes' DATABASE_URL."""
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a portal process: this test's database and Redis database, the test settings."""
    # Not under faketime (`make test-at`): its preloaded library breaks the pool's timed waits; gunicorn
    # takes the test's clock from tests/faults/clocked_wsgi.py instead.
    env = {
        **{k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")},
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
    }
    env.update(extra)
    env.pop("PYTEST_XDIST_WORKER", None)  # REDIS_URL already carries this worker's number
    return env


def killer() -> psycopg.Connection:
    """A connection of its own (autocommit) that sees and terminates the test database's backends."""
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db.get("PASSWORD") or None,
        dbname=db["NAME"], autocommit=True,
    )  # fmt: skip


def terminate_backends(
    conn: psycopg.Connection, *, keep: set[int] = frozenset(), waiting: bool = False
) -> int:
    """pg_terminate_backend every backend of the test database but `keep` and `conn`'s own (only those waiting
    for a lock with `waiting`); returns how many. The stand-in for a server restart: the shared PostgreSQL
    cannot be restarted, and its other databases belong to other people."""
    query = (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() AND NOT (pid = ANY(%s))"
    )
    if waiting:
        query += " AND wait_event_type = 'Lock'"
    return len(conn.execute(query, [list(keep)]).fetchall())


def wait_for_lock_waiters(conn: psycopg.Connection, count: int = 1, timeout: float = 10) -> None:
    """Until `count` backends of the test database wait for a lock (a request blocked where the test wants it)."""
    deadline = time.monotonic() + timeout
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    while conn.execute(query).fetchone()[0] < count:
        if time.monotonic() > deadline:
            raise TimeoutError("no request came to wait for the test's lock")
        time.sleep(0.02)


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


class Browser:
    """Plain HTTP with the session's cookie and a CSRF pair: no redirects followed, errors returned as answers."""

    def __init__(self, base: str, session_key: str | None = None):
        self.base = base
        self.cookie = f"csrftoken={CSRF}" + (
            f"; {settings.SESSION_COOKIE_NAME}={session_key}" if session_key else ""
        )

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(NoRedirect)

    def request(
        self, path: str, data: dict | None = None, *, script: bool = False, timeout: float = 30
    ) -> Answer:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Cookie": self.cookie, "X-CSRFToken": CSRF}
        if script:
            headers["X-Requested-With"] = "fetch"
        req = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())


def signed_in_session(client, user) -> str:
    """A session of `user` in the store the portal's processes read (the test database and Redis)."""
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class Gunicorn:
    """`gunicorn` serving `ejournal.wsgi` on a free port of 127.0.0.1, as production runs it, with this test's env
    and on the test's clock (`tests/faults/clocked_wsgi.py`)."""

    def __init__(self, *, workers: int = 1, threads: int = 1, **env: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [str(BIN / "gunicorn"), "tests.faults.clocked_wsgi", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(workers), "--threads", str(threads), "--no-control-socket",
                   "--timeout", "60", "--log-level", "warning"]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=child_env(EJOURNAL_TEST_NOW=timezone.now().isoformat(), **env),  # on the test's clock
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(self.base + "/static/css/portal.css", timeout=1).close()
                return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"gunicorn did not start: {self.errors()}") from None
                time.sleep(0.1)

    def errors(self) -> str:
        return self.process.stderr.read().decode(errors="replace") if self.process.poll() is not None else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class CeleryWorker:
    """`celery -A ejournal worker` (prefork, one child) in a process group of its own, so that `kill()` takes the
    worker and its child at once, as an out-of-memory kill or a lost machine would."""

    def __init__(self, name: str, **env: str):
        command = [str(BIN / "celery"), "-A", "ejournal", "worker", "--concurrency", "1", "--loglevel", "info",
                   "--without-gossip", "--without-mingle", "--hostname", f"{name}@%h"]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=child_env(**env), start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.log: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.wait_for("ready.", timeout=30)

    def _read(self) -> None:
        for line in self.process.stderr:
            self.log.append(line)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.log):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"worker: no {text!r} in its log:\n" + "".join(self.log[-40:]))
            time.sleep(0.05)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=10)
