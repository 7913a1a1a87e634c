"""What /health/ reports: each dependency on its own, and whether this web process can serve at all.

The database is the one dependency the web cannot do without: when it is gone the answer is 503, so a load
balancer takes the process out. Redis (cache, sessions' copies, sign-in counters), the broker and the beat
only speed things up or run later: while one of them is down the answer is 200, "degraded". Nothing of
the answer names a host or carries an exception's text.
"""

from __future__ import annotations

import redis
from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.utils import timezone

from accounts.jobruns import BEAT_KEY, beat_age, beat_state


@shared_task(ignore_result=True)
def beat_heartbeat_task() -> None:
    """Every minute from the beat: the moment it last ran, for /health/."""
    cache.set(BEAT_KEY, timezone.now().timestamp(), timeout=None)


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def _redis_answers(url: str) -> bool:
    timeout = settings.REDIS_TIMEOUT_SECONDS
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout, retry=None)
    try:
        return bool(client.ping())
    except (redis.ConnectionError, redis.TimeoutError):
        return False
    finally:
        client.close()


def report() -> tuple[dict, int]:
    """The JSON body and the HTTP status of /health/."""
    from ejournal.celery import app

    database = _database()
    cache_up = _redis_answers(settings.CACHES["default"]["LOCATION"])
    broker_up = _redis_answers(app.conf.broker_url)
    age = beat_age() if cache_up else None
    checks = {
        "database": "ok" if database else "down",
        "cache": "ok" if cache_up else "down",
        "broker": "ok" if broker_up else "down",
        "beat": beat_state(age),
    }
    status = "down" if not database else "ok" if set(checks.values()) == {"ok"} else "degraded"
    return {"status": status, "checks": checks, "beat_age_seconds": age}, 200 if database else 503
