"""R-D-4: parents' notifications — preferences, the outbox (exactly once, broker outages), summaries, the digest.

Real PostgreSQL, Redis and Celery worker; only mail delivery is faked (Django's locmem mailer, `mail.outbox`).
"""

import datetime
import re
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from accounts import channels, notify
from accounts.models import AuditEvent, DigestItem, NotificationPreference, OutboxMessage
from ejournal.celery import app
from journal.diary.digest import week_news
from journal.models import Attendance, Cell, Remark, Work, WorkType
from tests import factories as f
from tests.celery_fixtures import broker_connection_attempts
from tests.db_locks import InTransaction, second_waits_on_first
from tests.journal import MSK, at, d, lesson

URL = reverse("accounts:notifications")
WAIT = 15
Status = OutboxMessage.Status


def event(world, kind="attendance", **kw):
    values = {"school": world.school, "when": d(10, 12), "subject": "Математика", "variant": "absent", **kw}
    return notify.journal_event(kind, world.student.student, **values)


# Preferences


def test_defaults_absences_and_remarks_at_once_marks_daily_weekly_on(world):
    pref = notify.preferences_of(world.parent.parent)
    assert pref.pk is None
    assert (pref.marks, pref.attendance, pref.remarks, pref.weekly) == ("daily", "now", "now", True)


def test_the_parent_saves_settings_and_it_is_audited(world, login):
    client = login(world.parent)
    response = client.post(URL, {"marks": "now", "attendance": "daily", "remarks": "off"})
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(parent=world.parent.parent)
    assert (pref.marks, pref.attendance, pref.remarks, pref.weekly) == ("now", "daily", "off", False)
    event = AuditEvent.objects.get(action="accounts.notifications_changed")
    assert event.actor == world.parent.user and event.data["remarks"] == "off"
    page = client.get(URL).content.decode()
    assert re.search(r'name="marks" value="now"[^>]*checked', page)
    assert re.search(r'name="remarks" value="off"[^>]*checked', page)


def test_a_bad_value_is_shown_next_to_its_field_and_nothing_is_saved(world, login):
    response = login(world.parent).post(URL, {"marks": "hourly", "attendance": "now", "remarks": "now"})
    assert response.status_code == 200
    assert 'id="id_marks_error"' in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_the_service_refuses_bad_values_whoever_calls(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        notify.save_preferences(
            actor=None, parent=world.parent.parent, marks="x", attendance="now", remarks="now", weekly=True
        )
    assert "marks" in exc.value.message_dict


def test_the_page_says_when_there_is_no_e_mail_and_its_queries_are_fixed(
    world, login, django_assert_num_queries
):
    client = login(world.parent)
    client.get(URL)  # warm the session
    with django_assert_num_queries(3):
        page = client.get(URL).content.decode()
    assert '<p class="errors" role="alert">' in page
    assert world.student.full_name in page
    world.parent.email = "mama@example.ru"
    world.parent.save()
    for n in range(3):  # more children: the same number of queries
        child = f.make_person(world.school, roles=["student"], last_name=f"Дети{n}")
        f.link_parent(world.parent, child, "mother")
    with django_assert_num_queries(3):
        page = client.get(URL).content.decode()
    assert "mama@example.ru" in page and '<p class="errors" role="alert">' not in page


def test_parents_see_the_menu_entry_others_do_not(world, login):
    assert URL in login(world.parent).get(reverse("home")).content.decode()
    assert URL not in login(world.teacher).get(reverse("home")).content.decode()


# Queuing


def test_an_event_goes_to_the_outbox_for_immediate_parents_and_to_the_summary_for_daily_ones(
    world, family, django_assert_max_num_queries
):
    mother, father = family
    with django_assert_max_num_queries(4):
        assert event(world, key="att:1:1") == 2
    message = OutboxMessage.objects.get()
    assert (message.recipient, message.address, message.kind, message.status) == (
        mother,
        "mama@example.ru",
        "attendance",
        "pending",
    )
    assert world.school.short_name in message.subject and "Ученикова Зоя" in message.subject
    assert "Математика" in message.text and world.school.name in message.text
    assert reverse("accounts:notifications") in message.text and "<html" in message.html
    item = DigestItem.objects.get()
    assert item.parent == father.parent and item.message is None and item.variant == "absent"


def test_marks_are_daily_by_default_off_means_nothing_and_a_repeated_key_is_ignored(world, family):
    mother, father = family
    event(world, "marks", summary="5, 4", key="cell:1:1")
    event(world, "marks", summary="5, 4", key="cell:1:1")  # the same change reported twice
    assert not OutboxMessage.objects.exists()
    assert DigestItem.objects.filter(kind="marks").count() == 2  # one per parent, once
    NotificationPreference.objects.filter(parent=father.parent).update(remarks="off")
    event(world, "remarks", variant="praise", summary="Отличный ответ", key="remark:9")
    assert OutboxMessage.objects.get().recipient == mother
    assert not DigestItem.objects.filter(kind="remarks").exists()


def test_no_e_mail_means_nothing_is_queued_and_other_families_hear_nothing(world):
    assert event(world) == 0  # the world's parent has no e-mail
    world.other_parent.email = "other@example.ru"
    world.other_parent.save()
    world.parent.email = "mama@example.ru"
    world.parent.save()
    event(world)
    assert list(OutboxMessage.objects.values_list("address", flat=True)) == ["mama@example.ru"]


def test_a_rolled_back_change_notifies_nobody(world, family):
    with pytest.raises(RuntimeError), transaction.atomic():
        event(world)
        raise RuntimeError("the mark did not save")
    assert not OutboxMessage.objects.exists() and not DigestItem.objects.exists()


def test_the_letter_has_plain_text_and_html_parts(world, family):
    event(world, "remarks", variant="remark", summary="Без сменной обуви")
    notify.flush_outbox()
    (letter,) = mail.outbox
    assert letter.to == ["mama@example.ru"] and "Без сменной обуви" in letter.body
    html, mimetype = letter.alternatives[0]
    assert mimetype == "text/html" and "Без сменной обуви" in html and world.school.name in html


# Broker outages and exactly-once sending (committed transactions, several connections)


@pytest.mark.django_db(transaction=True)
def test_with_celery_broker_unreachable_the_change_commits_and_the_flush_sends_once_later(
    world, family, celery_broker_unreachable, monkeypatch, caplog
):
    attempts = broker_connection_attempts(monkeypatch)
    with transaction.atomic():
        event(world, key="att:7:1")  # the publish after commit fails: caught and logged
    assert len(attempts) == 1  # one try and on: no retry loop holds the request up
    assert "broker (Redis) unreachable" in caplog.text  # the breaker's one line (accounts/jobs.py)
    message = OutboxMessage.objects.get()
    assert message.status == "pending" and mail.outbox == []
    assert notify.flush_outbox() == 1  # the broker is back: the minute's flush runs
    assert notify.flush_outbox() == 0
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1 and message.sent_at


@pytest.mark.django_db(transaction=True)
def test_the_web_request_succeeds_with_celery_broker_unreachable(
    world, family, celery_broker_unreachable, login
):
    """A page that writes (the settings page) after a journal_event whose publish failed."""
    client = login(world.parent)
    with transaction.atomic():
        event(world)
    assert client.post(URL, {"marks": "now", "attendance": "now", "remarks": "now"}).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_published_after_commit_a_worker_sends_it_once_even_when_the_flush_runs_too(
    world, family, fresh_broker
):
    with transaction.atomic():
        event(world, key="att:8:1")
        assert fresh_broker.count() == 0  # nothing is published before the commit
    assert fresh_broker.count() == 1 and mail.outbox == []
    message = OutboxMessage.objects.get()
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        for _poll in range(WAIT * 10):
            message.refresh_from_db()
            if message.status not in (Status.PENDING, Status.SENDING):
                break
            time.sleep(0.1)
    assert message.status == Status.SENT and len(mail.outbox) == 1
    assert notify.flush_outbox() == 0 and notify.deliver(message.pk) == "skipped"
    assert len(mail.outbox) == 1


def _pending(world, family, key="att:race"):
    """A committed pending message; its task waits in the queue (`fresh_broker`), as no worker runs here."""
    with transaction.atomic():
        notify.journal_event(
            "attendance", world.student.student, school=world.school, when=d(10, 12), variant="late", key=key
        )
    return OutboxMessage.objects.get(dedupe_key__startswith=f"attendance:{key}").pk


@pytest.mark.django_db(transaction=True)
def test_a_claim_waiting_on_anothers_lock_loses_once_the_winner_commits(world, family, fresh_broker):
    pk = _pending(world, family)
    a = InTransaction(lambda: notify.claim(pk))
    b = InTransaction(lambda: notify.claim(pk))
    second_waits_on_first(a, b)  # B's conditional UPDATE waits on A's row lock, then A commits
    assert a.error is None and a.result is not None
    # PostgreSQL re-checks B's condition on the row A committed ("sending" now): B takes nothing.
    assert b.error is None and b.result is None
    assert OutboxMessage.objects.get().claim_token == a.result.claim_token


@pytest.mark.django_db(transaction=True)
def test_racing_deliveries_of_one_message_send_it_once(world, family, fresh_broker):
    pk = _pending(world, family)
    barrier, results = threading.Barrier(4), []

    def run():
        try:
            barrier.wait(WAIT)
            results.append(notify.deliver(pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
        assert not t.is_alive()
    assert sorted(results) == ["sent", "skipped", "skipped", "skipped"]
    assert len(mail.outbox) == 1


def test_a_dead_workers_claim_is_retried_after_the_lease_a_live_one_is_not(world, family):
    event(world)
    message = OutboxMessage.objects.get()
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status="sending", claimed_at=now - datetime.timedelta(minutes=1)
    )
    assert notify.flush_outbox(now=now) == 0
    assert notify.flush_outbox(now=now + notify.LEASE) == 1
    assert len(mail.outbox) == 1


class Broken:
    def address_of(self, person):
        return person.email

    def send(self, message):
        raise ConnectionRefusedError("SMTP is down")


def test_failures_back_off_and_end_as_failed(world, family):
    channels.register("broken", Broken())
    event(world)
    OutboxMessage.objects.update(channel="broken")
    message = OutboxMessage.objects.get()
    now = timezone.now()
    assert notify.deliver(message.pk, now=now) == "pending"
    message.refresh_from_db()
    assert message.attempts == 1 and message.next_attempt_at > now and "SMTP is down" in message.last_error
    assert notify.flush_outbox(now=now) == 0  # not due yet: nothing tried
    assert OutboxMessage.objects.get().attempts == 1
    for _n in range(notify.MAX_ATTEMPTS - 1):
        later = timezone.now() + datetime.timedelta(days=1)
        notify.flush_outbox(now=later)
    message.refresh_from_db()
    assert message.status == "failed" and message.attempts == notify.MAX_ATTEMPTS
    assert mail.outbox == []


# Daily summaries


def test_the_daily_summary_is_one_letter_per_parent_with_the_days_events(world, family):
    mother, father = family
    morning = at(d(10, 12), 9)
    with _now(morning):
        event(world, "marks", summary="5, 4", key="c1")
        event(world, "attendance", variant="late", subject="Русский язык", key="a1")
        event(world, "remarks", variant="praise", summary="Отличный ответ", key="r1")
    assert notify.build_daily_summaries(now=at(d(10, 12), 17)) == 0  # before 18:00: not yet
    evening = at(d(10, 12), 18, 2)
    assert notify.build_daily_summaries(now=evening) == 2  # the mother's marks, and the father's all three
    assert notify.build_daily_summaries(now=evening) == 0
    father_letter = OutboxMessage.objects.get(recipient=father, kind="daily")
    for text in ("5, 4", "Русский язык", "Отличный ответ", "Ученикова Зоя"):
        assert text in father_letter.text and text in father_letter.html
    mother_letter = OutboxMessage.objects.get(recipient=mother, kind="daily")
    assert "5, 4" in mother_letter.text and "Отличный ответ" not in mother_letter.text
    assert not DigestItem.objects.filter(message__isnull=True).exists()
    notify.flush_outbox()  # the mother's lateness and praise went at once; then one summary each
    assert sorted(m.to[0] for m in mail.outbox) == ["mama@example.ru"] * 3 + ["papa@example.ru"]


def test_events_after_the_cutoff_wait_for_the_next_day(world, family):
    with _now(at(d(10, 12), 19)):
        event(world, "marks", summary="3", key="late-evening")
    assert notify.build_daily_summaries(now=at(d(10, 12), 19, 30)) == 0
    assert notify.build_daily_summaries(now=at(d(10, 13), 18, 1)) == 2


class _now:
    """Items are stamped with timezone.now(); tests move them to a chosen moment afterwards."""

    def __init__(self, moment):
        self.moment = moment

    def __enter__(self):
        self.before = set(DigestItem.objects.values_list("pk", flat=True))

    def __exit__(self, *exc):
        DigestItem.objects.exclude(pk__in=self.before).update(created_at=self.moment)


# The weekly digest


@pytest.fixture
def week(world, family):
    """Marks, an absence, a lateness and a remark of the student in the week 12–18 October 2026."""
    student = world.student.student
    work_type = WorkType.objects.create(school=world.school, code="О", name="Ответ")
    for day, course, marks in [
        (d(10, 12), world.math_5a, [5]),
        (d(10, 14), world.math_5a, [4, 2]),
        (d(10, 13), world.russian_5a, [3]),
        (d(10, 5), world.math_5a, [2]),  # the week before: not in the digest
    ]:
        work = Work.objects.create(school=world.school, lesson=lesson(course, day), work_type=work_type)
        Cell.objects.create(
            school=world.school,
            work=work,
            student=student,
            marks=marks,
            excluded=[1] if marks == [4, 2] else [],
        )
    Attendance.objects.create(
        school=world.school, lesson=lesson(world.math_5a, d(10, 15)), student=student, status="absent"
    )
    Attendance.objects.create(
        school=world.school, lesson=lesson(world.russian_5a, d(10, 16)), student=student, status="late"
    )
    Remark.objects.create(
        school=world.school,
        lesson=lesson(world.russian_5a, d(10, 16), 2),
        student=student,
        kind="praise",
        text="Молодец",
    )
    return family


SUNDAY_EVENING = datetime.datetime(2026, 10, 18, 18, 7, tzinfo=MSK)


def test_the_week_is_the_last_one_whose_sunday_evening_has_passed(world):
    assert notify.digest_week(SUNDAY_EVENING, world.school) == (d(10, 12), d(10, 18))
    assert notify.digest_week(SUNDAY_EVENING - datetime.timedelta(hours=1), world.school) == (
        d(10, 5),
        d(10, 11),
    )
    assert notify.digest_week(SUNDAY_EVENING + datetime.timedelta(days=2), world.school) == (
        d(10, 12),
        d(10, 18),
    )


def test_the_weekly_digest_has_each_childs_marks_absences_and_remarks_once(world, week):
    mother, father = week  # the father turned the digest off
    assert notify.build_weekly_digests(read_week=week_news, now=SUNDAY_EVENING) == 1
    assert (
        notify.build_weekly_digests(read_week=week_news, now=SUNDAY_EVENING + datetime.timedelta(hours=1))
        == 0
    )
    letter = OutboxMessage.objects.get(kind="weekly")
    assert letter.recipient == mother
    assert "Математика: 5 4 (2)" in letter.text and "Русский язык: 3" in letter.text
    assert ": 1, " in letter.text and "Молодец" in letter.text  # one absence, one lateness
    assert "Молодец" in letter.html and "4 (2)" in letter.html
    notify.flush_outbox()
    assert [m.to for m in mail.outbox] == [["mama@example.ru"]]


def test_the_weekly_digest_costs_the_same_queries_whatever_the_school_size(
    world, week, django_assert_num_queries
):
    with django_assert_num_queries(9):
        notify.weekly_for_school(world.school, d(10, 12), d(10, 18), read_week=week_news)
    OutboxMessage.objects.all().delete()
    for n in range(4):
        parent = f.make_person(world.school, roles=["parent"], last_name=f"Родителева{n}")
        parent.email = f"p{n}@example.ru"
        parent.save()
        f.link_parent(parent, world.student, "guardian")
        f.link_parent(parent, world.other_student, "guardian")
    with django_assert_num_queries(9):
        assert notify.weekly_for_school(world.school, d(10, 12), d(10, 18), read_week=week_news) == 5


# Registration


def test_the_tasks_are_registered_and_the_beat_names_them():
    from django.conf import settings

    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    ours = {n for n in names if n.startswith("accounts.notify_tasks.")} | {"journal.tasks.weekly_digest_task"}
    assert len(ours) == 4 and ours <= names and ours <= set(app.tasks)
    assert "accounts.notify_tasks.deliver_notification_task" in app.tasks


def test_markup_in_a_remark_is_escaped_in_html_and_kept_in_plain_text(world, family):
    event(world, "remarks", variant="remark", summary='<b>"Шумел"</b> & бегал')
    message = OutboxMessage.objects.get()
    assert '<b>"Шумел"</b> & бегал' in message.text
    assert "&lt;b&gt;" in message.html and "<b>" not in message.html
    assert "&" not in message.subject.replace(world.school.short_name, "")


def test_old_sent_messages_are_purged_pending_ones_kept(world, family):
    event(world, key="old")
    event(world, key="new")
    notify.flush_outbox()
    event(world, key="waiting")
    OutboxMessage.objects.update(created_at=timezone.now() - notify.KEEP_SENT - datetime.timedelta(days=1))
    assert notify.purge_sent() == 2
    assert list(OutboxMessage.objects.values_list("status", flat=True)) == ["pending"]


def test_letters_are_written_in_the_sites_language_whatever_the_writers(world, family, english, monkeypatch):
    seen = []
    real = notify.describe
    monkeypatch.setattr(
        notify.events, "describe", lambda *a: seen.append(translation.get_language()) or real(*a)
    )
    event(world)
    assert seen == ["ru"] and translation.get_language() == "en"


def test_given_the_lesson_the_school_and_date_come_from_it(world, family, django_assert_max_num_queries):
    NotificationPreference.objects.create(school=world.school, parent=world.parent.parent, marks="now")
    held = lesson(world.russian_5a, d(10, 14))
    held = type(held).objects.select_related("school").get(pk=held.pk)
    with django_assert_max_num_queries(4):
        notify.journal_event(
            "marks",
            world.student.student,
            lesson=held,
            subject="Русский язык",
            summary="5, 4",
            key="cell:5:1",
        )
    message = OutboxMessage.objects.get()
    assert "Русский язык" in message.text and "5, 4" in message.text and message.school == world.school
    assert DigestItem.objects.get().subject == "Русский язык"  # the father's, for his daily summary


def test_a_withdrawn_event_takes_back_what_has_not_gone_out(world, family):
    event(world, "remarks", variant="remark", summary="Опоздал", key="remark:1")
    event(world, "remarks", variant="remark", summary="Шумел", key="remark:2")
    notify.flush_outbox()  # remark 1 and 2 went to the mother at once
    event(world, "remarks", variant="remark", summary="Ошибся", key="remark:3")
    assert notify.withdraw_event("remarks", "remark:3") == 2  # the mother's letter, the father's item
    assert notify.withdraw_event("remarks", "remark:1") == 1  # the father's item only: her letter went
    assert not OutboxMessage.objects.filter(status="pending").exists()
    assert list(DigestItem.objects.values_list("summary", flat=True)) == ["Шумел"]
