"""Fault injection with real processes: a `redis-server` of the test's own, stopped and started again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import pytest
import redis

from ejournal.celery import app

REDIS_SERVER = "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisProcess:
    """A throwaway Redis on 127.0.0.1: no snapshot, no append-only file, its files in a temporary folder."""

    def __init__(self, folder):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(port=self.port, db=db, socket_connect_timeout=0.5, socket_timeout=0.5)

    def start(self) -> None:
        """Start (again, on the same port) and wait until it answers PING."""
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", str(self.folder)]  # fmt: skip
        # Redis runs on the machine's real clock: under `make test-at` the suite runs inside faketime, whose
        # preloaded library Redis (jemalloc) cannot start with; Redis keeps no dates the tests read.
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        deadline = time.monotonic() + 5
        while True:
            try:
                if self.client().ping():
                    return
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop(signal.SIGKILL)  # never leave a half-started server behind
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.02)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server (SIGTERM: a clean shutdown, SIGKILL: a crash) and wait until the port is closed."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        self.process.wait(timeout=5)
        self.process = None

    def pause(self) -> None:
        """SIGSTOP: the server keeps its data and its port but answers nothing (a hung Redis)."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@pytest.fixture
def redis_process(tmp_path_factory):
    """A real redis-server on a free port, running; the test may `stop()` and `start()` it again."""
    server = RedisProcess(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop(signal.SIGKILL)


@pytest.fixture
def portal_on_redis(redis_process, settings):
    """The cache, the sessions, the sign-in throttle and Celery's broker all on `redis_process` (database 0,
    as in production, where they share REDIS_URL); the cache tries a lost Redis again after 0.2 s."""
    settings.REDIS_RETRY_SECONDS = 0.2
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis_process.url()}}
    settings.LOGIN_THROTTLE_REDIS_URL = redis_process.url()
    saved = app.conf.broker_url
    use_broker(redis_process.url())
    yield redis_process
    use_broker(saved)


def use_broker(url: str) -> None:
    """Point Celery at another broker: its connection and producer pools are dropped so the change applies."""
    app.conf.broker_url = url
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
