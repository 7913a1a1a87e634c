"""/health/ (issue 20): each dependency on its own; 503 only when the database is gone, so a load balancer
takes out a web process that cannot serve but keeps one whose Redis, broker or beat is down.

Redis is a real redis-server of the test's own (conftest.py), really stopped; the database is
really unreachable (the connection's port closed), not mocked.
"""

import datetime

import pytest
from django.db import connection

from ejournal.health import beat_heartbeat_task

from .conftest import free_port

pytestmark = pytest.mark.django_db

ALL_OK = {"database": "ok", "cache": "ok", "broker": "ok", "beat": "ok"}


def health(client):
    response = client.get("/health/")
    return response.status_code, response.json()


def test_everything_up(client, portal_on_redis):
    beat_heartbeat_task()  # as the beat runs it every minute
    status, body = health(client)
    assert (status, body["status"], body["checks"]) == (200, "ok", ALL_OK)
    assert 0 <= body["beat_age_seconds"] <= 10  # the tests' clock ticks, slowly on a loaded machine


def test_redis_down_is_degraded_not_down(client, portal_on_redis):
    beat_heartbeat_task()
    portal_on_redis.stop()
    status, body = health(client)
    assert status == 200
    assert body == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "down", "broker": "down", "beat": "unknown"},
        "beat_age_seconds": None,
    }
    text = client.get("/health/").content.decode()
    assert "127.0.0.1" not in text and str(portal_on_redis.port) not in text and "Error" not in text

    portal_on_redis.start()
    assert health(client)[1]["checks"]["cache"] == "ok"


def test_a_beat_that_stopped_running_is_late(client, portal_on_redis, clock):
    beat_heartbeat_task()
    clock.move_to(clock.now + datetime.timedelta(minutes=2))
    status, body = health(client)
    assert (status, body["status"], body["checks"]) == (200, "ok", ALL_OK)
    assert 120 <= body["beat_age_seconds"] <= 130  # the clock ticks on from the move
    clock.move_to(clock.now + datetime.timedelta(minutes=2))
    status, body = health(client)
    assert status == 200 and body["status"] == "degraded" and body["checks"]["beat"] == "late"
    assert body["beat_age_seconds"] == 240


@pytest.mark.django_db(transaction=True)
def test_database_gone_is_503(client, portal_on_redis):
    beat_heartbeat_task()
    saved = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port()  # nothing listens there
    try:
        status, body = health(client)
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved
    assert (status, body["status"], body["checks"]) == (503, "down", {**ALL_OK, "database": "down"})
