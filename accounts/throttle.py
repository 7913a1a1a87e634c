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
application's clock (`timezone.now()`), stored in the values; Redis's expiry only tidies up.

The check and the count are one step (a Lua script, atomic in Redis): an attempt that may go on is
counted as a failure before its password is checked, and a successful sign-in takes its count back
(`record_success`). So sign-ins sent in parallel cannot each pass the check before any is counted.

When Redis cannot be reached (issue 20), the pair and address rules are read from the failed sign-ins
that the audit trail holds for the last hour (PostgreSQL), and a login that does not exist is locked after
LOGIN_FAILURE_LIMIT failures in that hour: a guesser gets no more tries than with Redis, nobody waits on the
outage. Unlike in Redis, that check is not one step with the count: parallel attempts of one pair may pass
it together. After a connection error Redis is not tried for REDIS_RETRY_SECONDS (accounts/outage.py).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import math
from dataclasses import dataclass

import redis
from django.conf import settings
from django.utils import timezone

from .outage import Breaker

log = logging.getLogger(__name__)

PREFIX = "login-throttle:"
FORGET_SECONDS = 24 * 3600  # a pair with no failure for a day starts again from zero
UNREACHABLE = (redis.ConnectionError, redis.TimeoutError)
_clients: dict[str, redis.Redis] = {}
_breakers: dict[str, Breaker] = {}


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
        _clients[url] = redis.Redis.from_url(
            url,
            socket_connect_timeout=settings.REDIS_TIMEOUT_SECONDS,
            socket_timeout=settings.REDIS_TIMEOUT_SECONDS,
        )
    return _clients[url]


def _breaker() -> Breaker:
    url = settings.LOGIN_THROTTLE_REDIS_URL
    if url not in _breakers:
        _breakers[url] = Breaker("sign-in throttle (Redis)", seconds=settings.REDIS_RETRY_SECONDS, log=log)
    return _breakers[url]


def _key(kind: str, *parts: str) -> str:
    return PREFIX + kind + ":" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _window_length() -> int:
    return settings.LOGIN_ADDRESS_WINDOW_MINUTES * 60


def _window(now: float) -> tuple[int, float]:
    """The current per-address window: its number and the moment it ends."""
    length = _window_length()
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


# KEYS: pair, address, unknown login. ARGV: now, is the login unknown (0/1), then the limits (see check()).
# Answers {wait, reason}: a wait of 0 means the attempt goes on, already counted as a failure.
RESERVE = """
local now, unknown = tonumber(ARGV[1]), ARGV[2] == '1'
local free, delay, delay_max, forget = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local address_limit, window_end, address_ttl = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local failure_limit, lock = tonumber(ARGV[10]), tonumber(ARGV[11])
local wait, reason = 0, ''
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
if now - last >= forget then count = 0 end
if count > free then
  local w = last + math.min(delay * 2 ^ math.min(count - free - 1, 20), delay_max) - now
  if w > wait then wait, reason = w, 'pair' end
end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= address_limit and window_end - now > wait then
  wait, reason = window_end - now, 'address'
end
if unknown then
  local locked = tonumber(redis.call('HGET', KEYS[3], 'until') or '0')
  if locked - now > wait then wait, reason = locked - now, 'login' end
end
if wait > 0 then return {tostring(wait), reason} end
redis.call('HSET', KEYS[1], 'count', count + 1, 'last', ARGV[1])
redis.call('EXPIRE', KEYS[1], forget)
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], address_ttl)
if unknown then
  if redis.call('HINCRBY', KEYS[3], 'count', 1) >= failure_limit then
    redis.call('HSET', KEYS[3], 'count', 0, 'until', tostring(now + lock))
  end
  redis.call('EXPIRE', KEYS[3], forget)
end
return {'0', ''}
"""
# KEYS: pair, address. A success forgets the pair and takes back the address's count of this attempt.
REFUND = """
redis.call('DEL', KEYS[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
"""
FALLBACK_HOURS = 1  # how far back the audit trail is read while Redis is down


def check(login: str, ip: str | None, user) -> Refusal | None:
    """The longest wait that applies to this sign-in attempt, or None when it may be checked now.

    An attempt that may go on is counted as a failure at once; `record_success` takes it back. `user` is
    the login's User, or None when no such login exists: the same counting happens either way, only the
    source of the login's own lock differs.
    """
    now = timezone.now().timestamp()
    if user is not None and user.is_locked():  # no password is checked, so nothing is counted
        return Refusal(math.ceil(user.locked_until.timestamp() - now), "login")
    return _reserve(login, ip, user, now)


def _reserve(login: str, ip: str | None, user, now: float) -> Refusal | None:
    breaker = _breaker()
    if not breaker.is_open:
        window_end = _window(now)[1]
        try:
            wait, reason = _client().eval(
                RESERVE,
                3,
                *_keys(login, ip, now),
                now,
                int(user is None),
                settings.LOGIN_PAIR_FREE_FAILURES,
                settings.LOGIN_PAIR_DELAY_SECONDS,
                settings.LOGIN_PAIR_DELAY_MAX_SECONDS,
                FORGET_SECONDS,
                settings.LOGIN_ADDRESS_LIMIT,
                window_end,
                2 * settings.LOGIN_ADDRESS_WINDOW_MINUTES * 60,
                settings.LOGIN_FAILURE_LIMIT,
                settings.LOGIN_LOCK_MINUTES * 60,
            )
        except UNREACHABLE as exc:
            breaker.failed(exc)
        else:
            breaker.succeeded()
            return Refusal(math.ceil(float(wait)), reason.decode()) if float(wait) > 0 else None
    return _from_audit_trail(login, ip, user, now)


def _from_audit_trail(login: str, ip: str | None, user, now: float) -> Refusal | None:
    """The same rules, read from the failed sign-ins of the last hour in the audit trail (Redis is down)."""
    from django.db.models import Count, Max, Q

    from .models import AuditEvent

    moment = timezone.now()
    since = moment - datetime.timedelta(hours=FALLBACK_HOURS)
    at_ip = Q(ip=ip) if ip else Q(ip__isnull=True)
    if user is not None:
        mine = Q(object_type=user._meta.label_lower, object_id=str(user.pk))
        # A successful sign-in from the address forgets the pair, as in Redis.
        signed_in = AuditEvent.objects.filter(at_ip, action="login", actor=user, at__gte=since).aggregate(
            last=Max("at")
        )["last"]
        since = max(since, signed_in or since)
    else:
        mine = Q(data__login=login_digest(login))
    window_start = datetime.datetime.fromtimestamp(_window(now)[0] * _window_length(), tz=datetime.UTC)
    failed = AuditEvent.objects.filter(at_ip | mine, action="login_failed", at__gte=since).aggregate(
        pair=Count("pk", filter=at_ip & mine),
        pair_last=Max("at", filter=at_ip & mine),
        address=Count("pk", filter=at_ip & Q(at__gte=window_start)),
        login=Count("pk", filter=mine),
        login_last=Max("at", filter=mine),
    )
    waits = []
    if failed["pair"]:
        wait = failed["pair_last"].timestamp() + pair_delay(failed["pair"]) - now
        waits.append(Refusal(math.ceil(wait), "pair"))
    if failed["address"] >= settings.LOGIN_ADDRESS_LIMIT:
        waits.append(Refusal(math.ceil(_window(now)[1] - now), "address"))
    if user is None and failed["login"] >= settings.LOGIN_FAILURE_LIMIT:
        wait = failed["login_last"].timestamp() + settings.LOGIN_LOCK_MINUTES * 60 - now
        waits.append(Refusal(math.ceil(wait), "login"))
    return max((w for w in waits if w.seconds > 0), key=lambda w: w.seconds, default=None)


def record_success(login: str, ip: str | None) -> None:
    """A successful sign-in forgets its pair's failures and takes back its own count in the address's window."""
    breaker = _breaker()
    if breaker.is_open:
        return
    pair, address, _unknown = _keys(login, ip, timezone.now().timestamp())
    try:
        _client().eval(REFUND, 2, pair, address)
    except UNREACHABLE as exc:
        breaker.failed(exc)
    else:
        breaker.succeeded()


def forget_all() -> None:
    """Drop every counter (tests; an operator after a false alarm)."""
    client = _client()
    for key in client.scan_iter(match=PREFIX + "*", count=500):
        client.delete(key)
