"""Teachers are reminded of the finals they owe before the deadline (R-F-4), once a day, in the daily letter
of the journal's deadlines (journal/deadlines/reminders.py)."""

import pytest
from django.core import mail

from accounts import notify
from accounts.models import OutboxMessage
from journal.deadlines.reminders import remind
from journal.finals.services import record_final
from journal.grid.services import add_work, record_cell
from schedule.models import ReportingPeriod

from . import actor, at, d, lesson

pytestmark = pytest.mark.django_db

# Q1 ends 24.10; finals are due 7 days later, 31.10 (the default rule).


def q1(world):
    return ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=1)


@pytest.fixture
def owed(world):
    world.teacher.email = "math@example.ru"
    world.teacher.save()
    work = add_work(actor=actor(world.teacher), lesson=lesson(world.math_5a, d(10, 5)), now=at(d(10, 5)))
    record_cell(
        actor=actor(world.teacher),
        work=work,
        student=world.student.student,
        raw="5",
        version=None,
        now=at(d(10, 5)),
    )
    return work


def test_the_teacher_gets_one_letter_on_the_reminder_days(world, owed):
    assert remind(world.school, now=at(d(10, 28), 9)) == 1  # 3 days left
    message = OutboxMessage.objects.get(kind="teacher_day")
    assert message.address == "math@example.ru" and message.recipient == world.teacher
    assert "5А · Математика" in message.text and "1 четверть" in message.text and "31.10" in message.text
    assert (
        "notification" not in message.html and "/accounts/notifications/" not in message.text
    )  # parents' page
    # Once a day: the hourly task again the same day queues nothing more.
    assert remind(world.school, now=at(d(10, 28), 15)) == 0
    # Not before 08:00, not on the days between.
    assert remind(world.school, now=at(d(10, 30), 7)) == 0
    assert remind(world.school, now=at(d(10, 29), 9)) == 0
    assert remind(world.school, now=at(d(10, 30), 9)) == 1  # 1 day left
    assert notify.flush_outbox() == 2 and len(mail.outbox) == 2


def test_no_letter_once_the_finals_are_in_or_without_an_e_mail(world, owed):
    record_final(
        actor=actor(world.teacher),
        course=world.math_5a,
        student=world.student.student,
        kind="period",
        period=q1(world),
        raw="5",
        version=None,
        now=at(d(10, 26)),
    )
    assert remind(world.school, now=at(d(10, 28), 9)) == 0  # complete (and locked)
    # The class teacher owes Russian (no marks, but the final is still missing) and has no e-mail.
    assert not OutboxMessage.objects.filter(kind="teacher_day").exists()
    world.class_teacher.email = "rus@example.ru"
    world.class_teacher.save()
    assert remind(world.school, now=at(d(10, 31), 9)) == 1  # due today
    assert OutboxMessage.objects.get(kind="teacher_day").address == "rus@example.ru"
