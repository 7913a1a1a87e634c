"""Sign-in throttling (R-ACC-9, issue 14): slow down whoever guesses, without letting them lock anyone out.

Three counters, so that failures typed at one address cost little to a login used from another:

- per typed login and address, in Redis: the first LOGIN_PAIR_FREE_FAILURES failures are free, then the
  pair waits LOGIN_PAIR_DELAY_SECONDS after each failure, doubling up to LOGIN_PAIR_DELAY_MAX_SECONDS.
  A successful sign-in forgets the pair; a day without failures too.
- per address over all logins, in Redis: at most LOGIN_ADDRESS_LIMIT failures in a window of
  LOGIN_ADDRESS_WINDOW_MINUTES (password spraying).
- per login over all addresses, in PostgreSQL (`User.failed_login_count`, accounts.auth): LOGIN_FAILURE_LIMIT
  failures in a row lock it for LOGIN_LOCK_MINUTES. A typed login that does not exist gets the same count
  and lock in Redis, so no answer tells whether a login exists.

Refusals come before the password is checked and say only "try again in N seconds". Times are the
application's clock (`timezone.now()`), stored in the values; Redis's expiry only tidies up. When Redis
cannot be reached, only the login's count in PostgreSQL applies: nobody is locked out by the outage and
nobody gets more than LOGIN_FAILURE_LIMIT tries in a row.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass

import redis
from django.conf import settings
from django.utils import timezone

log = logging.getLogger(__name__)

PREFIX = "login-throttle:"
FORGET_SECONDS = 24 * 3600  # a pair with no failure for a day starts again from zero
_clients: dict[str, redis.Redis] = {}


@dataclass(frozen=True)
class Refusal:
    seconds: int
    reason: str  # "pair", "address" or "login"


def normalise(login: str) -> str:
    return (login or "").strip().lower()


def login_digest(login: str) -> str:
    """A keyed hash of a typed login: the same text gives the same digest, the text itself is not kept."""
    from django.utils.crypto import salted_hmac

    return salted_hmac("accounts.throttle.login", normalise(login), algorithm="sha256").hexdigest()[:20]


def _client() -> redis.Redis:
    url = settings.LOGIN_THROTTLE_REDIS_URL
    if url not in _clients:
        # Short timeouts: a Redis that hangs must not hold a sign-in longer than a slow password hash.
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    return _clients[url]


def _key(kind: str, *parts: str) -> str:
    return PREFIX + kind + ":" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _window(now: float) -> tuple[int, float]:
    """The current per-address window: its number and the moment it ends."""
    length = settings.LOGIN_ADDRESS_WINDOW_MINUTES * 60
    number = int(now // length)
    return number, (number + 1) * length


def pair_delay(failures: int) -> int:
    """Seconds a (login, address) pair waits after its `failures`-th failure."""
    extra = failures - settings.LOGIN_PAIR_FREE_FAILURES
    if extra <= 0:
        return 0
    return min(
        settings.LOGIN_PAIR_DELAY_SECONDS * 2 ** min(extra - 1, 20), settings.LOGIN_PAIR_DELAY_MAX_SECONDS
    )


def _keys(login: str, ip: str | None, now: float) -> tuple[str, str, str]:
    login, ip = normalise(login), ip or "-"
    return _key("pair", login, ip), _key("address", ip, str(_window(now)[0])), _key("login", login)


def check(login: str, ip: str | None, user) -> Refusal | None:
    """The longest wait that applies to this sign-in attempt, or None when it may be checked now.

    `user` is the login's User, or None when no such login exists: the same Redis reads happen either
    way, only the source of the login's own lock differs.
    """
    now = timezone.now().timestamp()
    waits = []
    if user is not None and user.is_locked():
        waits.append(Refusal(math.ceil(user.locked_until.timestamp() - now), "login"))
    pair, address, unknown = _keys(login, ip, now)
    try:
        pipe = _client().pipeline(transaction=False)
        pipe.hmget(pair, "count", "last")
        pipe.get(address)
        pipe.hget(unknown, "until")
        (count, last), in_window, until = pipe.execute()
    except redis.RedisError as exc:
        log.warning("sign-in throttle: Redis unreachable, the login's own count applies (%s)", exc)
        return max(waits, key=lambda w: w.seconds, default=None)
    if count and last and now - float(last) < FORGET_SECONDS:
        wait = float(last) + pair_delay(int(count)) - now
        if wait > 0:
            waits.append(Refusal(math.ceil(wait), "pair"))
    if in_window and int(in_window) >= settings.LOGIN_ADDRESS_LIMIT:
        waits.append(Refusal(math.ceil(_window(now)[1] - now), "address"))
    if user is None and until and float(until) > now:
        waits.append(Refusal(math.ceil(float(until) - now), "login"))
    return max(waits, key=lambda w: w.seconds, default=None)


def record_failure(login: str, ip: str | None, user) -> None:
    """Count a failed attempt for the pair, the address, and (for a login that does not exist) the login."""
    now = timezone.now().timestamp()
    pair, address, unknown = _keys(login, ip, now)
    try:
        client = _client()
        last = client.hget(pair, "last")
        pipe = client.pipeline()
        if last and now - float(last) >= FORGET_SECONDS:
            pipe.delete(pair)
        pipe.hincrby(pair, "count", 1)
        pipe.hset(pair, "last", now)
        pipe.expire(pair, FORGET_SECONDS)
        pipe.incr(address)
        pipe.expire(address, 2 * settings.LOGIN_ADDRESS_WINDOW_MINUTES * 60)
        if user is None:
            pipe.hincrby(unknown, "count", 1)
            pipe.expire(unknown, FORGET_SECONDS)
        results = pipe.execute()
        if user is None and results[-2] >= settings.LOGIN_FAILURE_LIMIT:
            # The same lock a real login gets in PostgreSQL (accounts.auth.register_failure).
            client.hset(unknown, mapping={"count": 0, "until": now + settings.LOGIN_LOCK_MINUTES * 60})
    except redis.RedisError as exc:
        log.warning("sign-in throttle: failure not counted in Redis (%s)", exc)


def record_success(login: str, ip: str | None) -> None:
    """A successful sign-in forgets its pair's failures (the address's window stays)."""
    try:
        _client().delete(_keys(login, ip, timezone.now().timestamp())[0])
    except redis.RedisError as exc:
        log.warning("sign-in throttle: pair not reset in Redis (%s)", exc)


def forget_all() -> None:
    """Drop every counter (tests; an operator after a false alarm)."""
    client = _client()
    for key in client.scan_iter(match=PREFIX + "*", count=500):
        client.delete(key)
