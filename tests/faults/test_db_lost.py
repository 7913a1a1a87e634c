"""A database connection lost (issue 20): killed for real with pg_terminate_backend from a second connection.

The shared PostgreSQL cannot be restarted, so "the server restarted" is stood in for by terminating every
backend of the test database at once, which is what a restart does to the portal's connections. The pool's
tests run gunicorn as production does (the psycopg pool on, one worker, two threads); the save's test runs
on the live server, whose clock is the test's (the lesson's edit rules read it).
"""

import contextlib
import threading
import time

import pytest
from django.db import connection
from django.urls import reverse

from journal.marklog.services import GENESIS, verify
from journal.models import Cell, MarkLogEntry, MarkLogHead
from tests.browser.test_substitution import sign_in
from tests.faults.processes import (
    Browser,
    Gunicorn,
    killer,
    signed_in_session,
    terminate_backends,
    wait_for_lock_waiters,
)
from tests.journal.test_grid_save import setup  # noqa: F401  (a lesson on 7 September with a mark column)

pytestmark = pytest.mark.django_db(transaction=True)

POOL_TIMEOUT = 1.0
# DEBUG off as in production (plain HTTP to 127.0.0.1 is not redirected to HTTPS here).
PRODUCTION = {"DEBUG": "0", "SECURE_SSL_REDIRECT": "0"}


@pytest.fixture
def portal(transactional_db):
    """gunicorn with a pool of one connection, which it waits POOL_TIMEOUT seconds for; DEBUG off."""
    server = Gunicorn(
        threads=2, DB_POOL="1", DB_POOL_MAX="1", DB_POOL_TIMEOUT=str(POOL_TIMEOUT), **PRODUCTION
    )
    yield server
    server.stop()


@pytest.fixture
def db_killer():
    conn = killer()
    yield conn
    conn.close()


@pytest.fixture
def parent(portal, world, client):
    """The world's parent signed in at the portal, its home page seen once (the pool is warm)."""
    browser = Browser(portal.base, signed_in_session(client, world.parent.user))
    assert browser.request("/").status == 200
    return browser


def own_backend() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@contextlib.contextmanager
def lock_held(lock_sql: str, params=()):
    """A lock a second connection takes with `lock_sql`, released on leaving."""
    locker = killer()
    locker.execute("BEGIN")
    locker.execute(lock_sql, params)
    try:
        yield
    finally:
        locker.execute("ROLLBACK")
        locker.close()


@contextlib.contextmanager
def held_in_flight(db_killer, call, lock_sql: str, params=()):
    """`call` runs in a thread and waits, in the database, for a lock a second connection holds (`lock_held`);
    yields the list its answer goes to, and releases the lock on leaving."""
    answers = []
    thread = threading.Thread(target=lambda: answers.append(call()), daemon=True)
    with lock_held(lock_sql, params):
        thread.start()
        wait_for_lock_waiters(db_killer)
        yield answers
    thread.join(10)


# Every signed-in request reads the login's row first.
USERS_LOCKED = "LOCK TABLE accounts_user IN ACCESS EXCLUSIVE MODE"


def assert_try_again_page(answer):
    assert answer.status == 503, answer.body[:500]
    assert answer.headers["Retry-After"].isdigit()
    page = answer.body.decode()
    assert "503" in page and "Traceback" not in page and "OperationalError" not in page
    assert "Попробуйте снова" in page or "Try again" in page


def test_connections_killed_between_requests_and_a_restart_cost_nothing(parent, db_killer):
    # Every backend of the portal's database is terminated, as a server restart would (the test's own stays).
    assert terminate_backends(db_killer, keep={own_backend()}) >= 1
    assert parent.request("/").status == 200  # the pool checks what it hands out: no error at all
    assert terminate_backends(db_killer, keep={own_backend()}) >= 1
    assert [parent.request("/").status for _ in range(3)] == [200, 200, 200]


def test_the_request_in_flight_gets_a_try_again_page_and_the_next_one_succeeds(parent, db_killer):
    with held_in_flight(db_killer, lambda: parent.request("/"), USERS_LOCKED) as answers:
        assert terminate_backends(db_killer, waiting=True) == 1
    assert_try_again_page(answers[0])
    assert parent.request("/").status == 200  # same gunicorn, same worker


def test_an_exhausted_pool_answers_503_quickly(parent, db_killer):
    # The first request takes the pool's only connection and waits on the lock with it.
    with held_in_flight(db_killer, lambda: parent.request("/"), USERS_LOCKED) as first:
        started = time.monotonic()
        second = parent.request("/")
        waited = time.monotonic() - started
    assert_try_again_page(second)
    assert POOL_TIMEOUT <= waited < POOL_TIMEOUT + 2  # the pool's timeout, not gunicorn's 60 s
    assert [answer.status for answer in first] == [200]
    assert parent.request("/").status == 200


def test_a_save_killed_in_flight_leaves_nothing_half_written(live_server, world, client, setup, db_killer):  # noqa: F811
    lesson, work = setup
    student = world.student.student
    teacher = Browser(live_server.url, signed_in_session(client, world.teacher.user))
    data = {"lesson": lesson.pk, "work": work.pk, "student": student.pk, "value": "5", "version": ""}
    # The save writes the cell, then waits for the school's mark-log head, which a second connection holds.
    MarkLogHead.objects.create(school=world.school, seq=0, hash=GENESIS)
    head_locked = "SELECT 1 FROM journal_markloghead WHERE school_id = %s FOR UPDATE"
    save = lambda: teacher.request("/journal/cell/", data, script=True)  # noqa: E731
    with held_in_flight(db_killer, save, head_locked, [world.school.pk]) as answers:
        assert terminate_backends(db_killer, waiting=True) == 1
    answer = answers[0]
    assert answer.status == 503 and answer.headers["Retry-After"].isdigit()
    body = answer.json()
    assert body["ok"] is False and body["retry"] is True and body["error"]
    # Neither the cell nor its log entry: the transaction died with the connection.
    assert not Cell.objects.filter(work=work, student=student).exists()
    assert not MarkLogEntry.objects.filter(lesson=lesson, student=student).exists()
    # The grid sends the value again: it is saved, once, with its entry, and the chain verifies.
    again = teacher.request("/journal/cell/", data, script=True)
    assert again.status == 200 and again.json()["display"] == "5"
    assert Cell.objects.get(work=work, student=student).marks == [5]
    assert MarkLogEntry.objects.filter(lesson=lesson, student=student).count() == 1
    assert verify(world.school)[0]


@pytest.mark.browser
def test_the_grid_says_not_saved_in_the_cell_and_sends_it_again(page, world, setup, db_killer):  # noqa: F811
    lesson, work = setup
    student = world.student.student
    sign_in(page, world.teacher.user)
    page.goto(f"{page.base_url}{reverse('journal:grid', args=[world.math_5a.pk, lesson.period_id])}")
    cell = page.locator(f'td.jg-cell[data-lesson="{lesson.pk}"][data-student="{student.pk}"]')
    MarkLogHead.objects.create(school=world.school, seq=0, hash=GENESIS)
    head_locked = "SELECT 1 FROM journal_markloghead WHERE school_id = %s FOR UPDATE"

    with lock_held(head_locked, [world.school.pk]):
        cell.click()
        page.keyboard.press("5")
        page.keyboard.press("Enter")  # the cell is left: saved now, and the save waits for the lock
        wait_for_lock_waiters(db_killer)
        assert terminate_backends(db_killer, waiting=True) == 1
        # The typed value stays, marked as not saved, with the server's "try again" as its message.
        page.wait_for_selector(f'td.jg-cell.is-error[data-student="{student.pk}"][data-unsaved="1"]')
    assert cell.inner_text() == "5"
    assert "nothing was saved" in cell.get_attribute("title") or "ничего не сохранено" in cell.get_attribute(
        "title"
    )
    assert not Cell.objects.filter(work=work, student=student).exists()
    # Left again, the cell sends the value once more; now it is saved, with its log entry.
    cell.click()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'td.jg-cell.is-saved[data-student="{student.pk}"]')
    assert Cell.objects.get(work=work, student=student).marks == [5]
    assert MarkLogEntry.objects.filter(lesson=lesson, student=student).count() == 1
