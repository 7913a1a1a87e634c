"""A user of school B reaches nothing of school A (SPEC §1), and production settings are safe."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.access import PROBE_OTHER_SCHOOL
from accounts.models import AuditEvent, Role
from tests import factories as f
from tests.test_permission_matrix import ROWS, allowed_methods, url_views

MARKER = "Уникальнова"


@pytest.fixture
def marked_world(world):
    pupil = f.make_person(world.school, roles=[Role.STUDENT], last_name=MARKER, first_name="Ульяна")
    f.enroll(pupil, world.class_5a)
    mum = f.make_person(world.school, roles=[Role.PARENT], last_name=MARKER, first_name="Ольга")
    f.link_parent(mum, pupil)
    return world


GET_ROWS = [r for r in ROWS if r.method == "get"]


def assert_one_probe_logged(url, prober, world):
    """A 404 for another school's object is a probe in the audit trail (R-ACC-9): one event naming the
    login, the URL and the object's model, filed under the prober's school and showing nothing of the other."""
    events = list(AuditEvent.objects.filter(action=PROBE_OTHER_SCHOOL))
    assert len(events) == 1, f"{url}: {len(events)} probe events instead of one"
    event = events[0]
    assert event.actor_id == prober.user_id and event.school_id == prober.school_id
    assert event.data["url"] == url and event.summary.startswith(url)
    app, _, model = event.data["model"].partition(".")
    assert app in {"accounts", "schedule", "journal", "reports", "archive"} and model, event.data
    shown = f"{event.summary} {event.data}"
    assert MARKER not in shown and world.school.name not in shown, shown


def test_an_id_that_exists_nowhere_is_a_plain_404_without_a_probe_event(world, client):
    client.force_login(world.admin.user)
    url = reverse("schedule:class_detail", kwargs={"pk": 999_999_999})
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action=PROBE_OTHER_SCHOOL).exists()


def test_a_probe_is_one_query_more_only_when_it_fails(world, other_world, client):
    """The object of the user's own school costs no extra query (the check runs on the 404 path only)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.admin.user)
    own = reverse("schedule:class_detail", kwargs={"pk": world.class_5a.pk})
    assert client.get(own).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(own).status_code == 200
    probe_check = 'NOT ("schedule_schoolclass"."school_id"'  # the query of accounts.access._in_another_school
    assert not any(probe_check in q["sql"] for q in ctx.captured_queries)
    probe = reverse("schedule:class_detail", kwargs={"pk": other_world.class_5a.pk})
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(probe).status_code == 404
    assert sum(probe_check in q["sql"] for q in ctx.captured_queries) == 1
    assert AuditEvent.objects.filter(action=PROBE_OTHER_SCHOOL, actor=world.admin.user).count() == 1


VIEWS = url_views()


@pytest.mark.parametrize("row", GET_ROWS, ids=lambda r: r.id)
def test_other_schools_admin_sees_nothing_of_this_school(row, marked_world, other_world, client):
    client.force_login(other_world.admin.user)
    url = reverse(row.name, kwargs=row.kwargs(marked_world) if row.kwargs else None) + row.query
    response = client.get(url)
    # Public pages (the verification of a paper copy) answer anyone; report pages name a report, not an object.
    if row.kwargs and not row.extra.get("no_object") and row.anonymous != 200:
        # School B's admin passes every role check (they are an admin), so what stops them is the lookup
        # of the object in their own school (accounts.access.get_in_school): 404, as for an id that does
        # not exist. Only a view limited to POST answers a GET 405 before it looks anything up.
        methods = allowed_methods(VIEWS[row.name])
        expected = 405 if methods is not None and "GET" not in methods else 404
        assert response.status_code == expected, f"{url} answered {response.status_code}"
        # A 404 the anonymous visitor gets as well (an unknown verification code) is not about this school.
        if expected == 404 and row.anonymous != 404:
            assert_one_probe_logged(url, other_world.admin, marked_world)
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        assert MARKER not in response.content.decode(), f"{url} shows a person of another school"


def test_a_teachers_save_into_another_schools_column_is_a_probe(world, other_world, client):
    from journal.models import Work, WorkType
    from tests.factories import make_lesson

    oral = WorkType.objects.create(school=world.school, code="У", name="Устный ответ", weight=1)
    lesson = make_lesson(world.math_5a, world.year.starts.replace(day=7), 1)
    work = Work.objects.create(school=world.school, lesson=lesson, work_type=oral)
    client.force_login(other_world.teacher.user)
    url = reverse("journal:save_cell")
    data = {"lesson": lesson.pk, "work": work.pk, "student": world.student.student.pk, "value": "2"}
    assert client.post(url, data).status_code == 404
    event = AuditEvent.objects.get(action=PROBE_OTHER_SCHOOL)
    assert event.actor_id == other_world.teacher.user_id and event.data["model"] == "journal.work"
    assert event.data["url"] == url


def test_check_deploy_is_silent_with_debug_off():
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        DEBUG="0",
        SECRET_KEY="x" * 20 + "-production-like-secret-key-with-entropy-8f3a9c1d",
        ALLOWED_HOSTS="journal.example.ru",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_web_refuses_to_start_without_a_secret_key_when_debug_is_off():
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION", "SECRET_KEY", "DEBUG")}
    root = Path(__file__).resolve().parents[1]
    served = subprocess.run(
        [sys.executable, "-c", "import ejournal.wsgi"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert served.returncode != 0 and "SECRET_KEY must be set" in served.stderr
    # Management commands still work in a checkout without a key (makemigrations, check…).
    checked = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=root, env=env, capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr
