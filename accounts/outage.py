"""A dependency that only speeds things up (Redis) may go away without taking the portal with it.

After a connection error the `Breaker` opens for a few seconds: callers skip the dependency and take their
fallback at once, instead of waiting out a connect timeout on every call. The first call after that tries
again. The log gets one warning per minute and breaker while it is down, and one when it answers again,
not one per request.
"""

from __future__ import annotations

import logging
import threading
from time import monotonic

WARN_EVERY_SECONDS = 60.0


class Breaker:
    def __init__(self, name: str, *, seconds: float, log: logging.Logger):
        self.name, self.seconds, self.log = name, seconds, log
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._warned_at: float | None = None
        self.down_since: float | None = None  # monotonic time of the first failure of the outage

    @property
    def is_open(self) -> bool:
        """True while the dependency is to be skipped (no round trip is tried)."""
        return self.down_since is not None and monotonic() < self._open_until

    def failed(self, exc: BaseException) -> None:
        now = monotonic()
        with self._lock:
            self._open_until = now + self.seconds
            if self.down_since is None:
                self.down_since = now
            warn = self._warned_at is None or now - self._warned_at >= WARN_EVERY_SECONDS
            if warn:
                self._warned_at = now
        if warn:
            self.log.warning(
                "%s unreachable (%s): falling back, tried again every %g s",
                self.name,
                type(exc).__name__,
                self.seconds,
            )

    def succeeded(self) -> None:
        if self.down_since is None:  # the usual case: no lock, nothing to do
            return
        with self._lock:
            if self.down_since is None:
                return
            seconds = monotonic() - self.down_since
            self.down_since, self._warned_at = None, None
        self.log.warning("%s answers again after %.0f s", self.name, seconds)
