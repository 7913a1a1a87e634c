"""Django's Redis cache, for data that Redis only speeds up: a lost Redis reads as a miss, not an error.

Every operation that meets a connection error or a timeout answers as an empty cache would (a miss, a
write that did not happen) and opens the breaker (accounts/outage.py), so for REDIS_RETRY_SECONDS nothing
waits on Redis at all. Sessions (`cached_db`) then come from PostgreSQL, where they are always written.

Writes missed while Redis was unreachable would leave stale copies in it if it comes back with its data
(a network cut, a restart with an append-only file): a session ended meanwhile would still sign its
browser in. So the first operation after an outage first drops the cached sessions; they are read again
from the database.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as SESSION_PREFIX
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from accounts.outage import Breaker

log = logging.getLogger(__name__)

UNREACHABLE = (redis.ConnectionError, redis.TimeoutError)
_breakers: dict[str, Breaker] = {}  # per process and server, shared by the threads' cache objects


def _key_not_found(key, delta):
    raise ValueError(f"Key '{key}' not found.")


# What each operation of the client answers when Redis cannot be reached: what an empty cache answers.
MISSES = {
    "add": lambda key, value, timeout: False,
    "get": lambda key, default: default,
    "set": lambda key, value, timeout: None,
    "touch": lambda key, timeout: False,
    "delete": lambda key: False,
    "get_many": lambda keys: {},
    "has_key": lambda key: False,
    "incr": _key_not_found,
    "set_many": lambda data, timeout: None,
    "delete_many": lambda keys: None,
    "clear": lambda: False,
}


class ResilientRedisCacheClient(RedisCacheClient):
    @property
    def breaker(self) -> Breaker:
        server = self._servers[0]
        if server not in _breakers:
            _breakers[server] = Breaker("cache (Redis)", seconds=settings.REDIS_RETRY_SECONDS, log=log)
        return _breakers[server]

    def forget_sessions(self) -> int:
        """Drop every cached session (after an outage); returns how many."""
        client = self.get_client(write=True)
        keys = list(client.scan_iter(match=f"*{SESSION_PREFIX}*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
        return len(keys)


def _guarded(name, miss):
    operation = getattr(RedisCacheClient, name)

    def guarded(self, *args):
        breaker = self.breaker
        if breaker.is_open:
            return miss(*args)
        try:
            if breaker.down_since is not None:
                self.forget_sessions()
            result = operation(self, *args)
        except UNREACHABLE as exc:
            breaker.failed(exc)
            return miss(*args)
        breaker.succeeded()
        return result

    guarded.__name__ = name
    return guarded


for _name, _miss in MISSES.items():
    setattr(ResilientRedisCacheClient, _name, _guarded(_name, _miss))


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient
