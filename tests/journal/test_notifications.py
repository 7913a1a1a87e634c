"""Parents hear of marks, absences and remarks (R-D-4): the journal's events reach the outbox.

Marks and absences are read from the mark log by `journal.marklog.notifications.dispatch`
(no query on the save path); remarks are queued by the remark service itself.
"""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from accounts import notify
from accounts.models import DigestItem, OutboxMessage
from journal.grid.services import add_work, record_cell
from journal.marklog import notifications
from journal.models import Attendance, NotifyCursor
from journal.records.services import add_remark, remove_remark
from tests.celery_fixtures import broker_connection_attempts

from . import actor, at, d, lesson

pytestmark = pytest.mark.django_db

NOW = at(d(10, 12), 10)


def save(world, work, raw, version=None):
    return record_cell(
        actor=actor(world.teacher),
        work=work,
        student=world.student.student,
        raw=raw,
        version=version,
        now=NOW,
    )


def test_marks_and_absences_are_dispatched_once_with_the_last_value(world, family):
    work = add_work(actor=actor(world.teacher), lesson=lesson(world.math_5a, d(10, 12)), now=NOW)
    first = save(world, work, "5")
    save(world, work, "4", version=first.cell_version)  # corrected a minute later: one event, «4»
    other = add_work(actor=actor(world.teacher), lesson=lesson(world.math_5a, d(10, 12), 2), now=NOW)
    save(world, other, "Н")
    assert notifications.dispatch(world.school) == 2
    # The mother wants absences at once and marks daily (defaults); the father everything daily.
    immediate = OutboxMessage.objects.get()
    assert immediate.kind == "attendance" and immediate.address == "mama@example.ru"
    assert world.math_5a.subject.name in immediate.text  # the journal names the lesson's subject
    marks = DigestItem.objects.filter(kind="marks")
    assert sorted(i.summary for i in marks) == ["4", "4"]  # both parents, the corrected mark only
    assert {i.subject for i in DigestItem.objects.all()} == {world.math_5a.subject.name}
    assert DigestItem.objects.filter(kind="attendance").count() == 1  # the father's
    # Nothing twice; the cursor is at the head of the log.
    assert notifications.dispatch(world.school) == 0
    assert OutboxMessage.objects.count() == 1 and DigestItem.objects.count() == 3
    assert NotifyCursor.objects.get(school=world.school).seq == 3


def test_a_cleared_cell_or_owed_work_tells_nobody(world, family):
    work = add_work(actor=actor(world.teacher), lesson=lesson(world.math_5a, d(10, 12)), now=NOW)
    first = save(world, work, "5")
    save(world, work, "", version=first.cell_version)
    save(
        world, add_work(actor=actor(world.teacher), lesson=lesson(world.math_5a, d(10, 12), 2), now=NOW), "•"
    )
    assert notifications.dispatch(world.school) == 0
    assert not OutboxMessage.objects.exists() and not DigestItem.objects.exists()


def test_a_remark_is_queued_with_the_remark_and_withdrawn_with_it(world, family):
    held = lesson(world.math_5a, d(10, 12))
    remark = add_remark(
        actor=actor(world.teacher),
        lesson=held,
        student=world.student.student,
        kind="remark",
        text="Без формы",
        now=NOW,
    )
    message = OutboxMessage.objects.get(kind="remarks")
    assert "Без формы" in message.text and message.status == "pending"
    assert world.math_5a.subject.name in message.text
    remove_remark(actor=actor(world.teacher), remark=remark, now=NOW)
    assert not OutboxMessage.objects.filter(kind="remarks", status="pending").exists()


@pytest.mark.django_db(transaction=True)
def test_saving_a_cell_with_celery_broker_unreachable_succeeds_and_the_beat_catches_up(
    world, family, celery_broker_unreachable, client, monkeypatch, caplog
):
    from django.core.cache import cache

    from accounts.selectors import local_today

    cache.delete(f"journal:notify-nudge:{world.school.pk}")
    held = lesson(world.math_5a, local_today(world.school) - datetime.timedelta(days=1))
    work = add_work(actor=actor(world.teacher), lesson=held)
    client.force_login(world.teacher.user)
    attempts = broker_connection_attempts(monkeypatch)
    response = client.post(
        reverse("journal:save_cell"),
        {"lesson": held.pk, "work": work.pk, "student": world.student.student.pk, "value": "Н"},
    )
    assert response.status_code == 200
    assert Attendance.objects.get(lesson=held).status == "absent"  # the save committed
    assert cache.get(f"journal:notify-nudge:{world.school.pk}")  # the cache answered: the nudge was tried
    # Celery tried its broker once, logged the failure, and the request went on.
    assert len(attempts) == 1 and "broker (Redis) unreachable" in caplog.text
    assert not OutboxMessage.objects.exists()  # the nudge could not be sent: nothing lost, nothing yet
    with transaction.atomic():
        assert notifications.dispatch_all() == 1  # the minute's beat
    assert notify.flush_outbox() == 1 and len(mail.outbox) == 1
    assert notifications.dispatch_all() == 0 and notify.flush_outbox() == 0 and len(mail.outbox) == 1
