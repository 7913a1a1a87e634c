"""A user of school B reaches nothing of school A (SPEC §1), and production settings are safe."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import Role
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
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        assert MARKER not in response.content.decode(), f"{url} shows a person of another school"


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
