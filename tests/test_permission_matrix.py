"""Walks every URL of the project as every role (see tests/matrix/__init__.py)."""

import importlib
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import matrix
from tests.matrix import ROLES, Row

# URL names outside the matrix on purpose, with the reason.
EXEMPT = {
    "set_language": "Django's language switch: public by design, changes only the session language",
    "health": "load-balancer liveness probe: public by design, reveals nothing",
}


def all_rows() -> list[Row]:
    rows = []
    for mod in pkgutil.iter_modules(matrix.__path__):
        if mod.name.startswith("rows_"):
            rows.extend(importlib.import_module(f"tests.matrix.{mod.name}").ROWS)
    return rows


def url_names(resolver=None, namespace="") -> set[str]:
    names = set()
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            names |= url_names(p, ns)
        elif isinstance(p, URLPattern):
            assert p.name, f"URL pattern {p.pattern} has no name, so the matrix cannot cover it"
            names.add(namespace + p.name)
    return names


ROWS = all_rows()


def test_every_url_is_in_the_matrix():
    covered = {row.name for row in ROWS} | set(EXEMPT)
    missing = sorted(url_names() - covered)
    assert not missing, f"URLs without a row in tests/matrix/rows_*.py: {missing}"
    unknown = sorted({row.name for row in ROWS} - url_names())
    assert not unknown, f"matrix rows for URLs that do not exist: {unknown}"


def client_for(role, world, other_world, client, operator):
    if role == "anonymous":
        return client
    if role == "outsider":
        client.force_login(other_world.admin.user)
    elif role == "operator":
        client.force_login(operator)
    else:
        client.force_login(getattr(world, role).user)
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_matrix(row, role, world, other_world, client, operator):
    c = client_for(role, world, other_world, client, operator)
    url = reverse(row.name, kwargs=row.kwargs(world) if row.kwargs else None) + row.query
    if row.method == "post":
        response = c.post(url, row.data(world) if row.data else {})
    else:
        response = c.get(url)
    expected = row.expected(role)
    assert response.status_code == expected, (
        f"{row.id} as {role}: expected {expected}, got {response.status_code}"
    )
    if role == "anonymous" and expected == 302:
        assert reverse("accounts:login") in response["Location"]
