"""Celery on the real Redis broker: a worker started by the test runs the housekeeping task."""

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from accounts.models import InviteCode, Role, hash_code, new_code
from accounts.tasks import purge_stale_invite_codes_task
from ejournal.celery import app
from tests import factories as f


@pytest.mark.django_db(transaction=True)
def test_purge_task_runs_on_a_real_worker_through_redis(fresh_broker):
    school = f.SchoolFactory()
    person = f.make_person(school, roles=[Role.PARENT], login=False)
    now = timezone.now()
    stale = InviteCode.objects.create(
        school=school,
        person=person,
        role=Role.PARENT,
        code_hash=hash_code(new_code()),
        expires_at=now - datetime.timedelta(days=120),
    )
    fresh = InviteCode.objects.create(
        school=school,
        person=person,
        role=Role.PARENT,
        code_hash=hash_code(new_code()),
        expires_at=now + datetime.timedelta(days=5),
    )
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        purge_stale_invite_codes_task.delay()
        deadline = time.monotonic() + 20
        while InviteCode.objects.filter(pk=stale.pk).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    assert not InviteCode.objects.filter(pk=stale.pk).exists()
    assert InviteCode.objects.filter(pk=fresh.pk).exists()
