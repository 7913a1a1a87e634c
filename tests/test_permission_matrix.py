"""Walks every URL of the project as every role (see tests/matrix/__init__.py)."""

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import AuditEvent
from tests import matrix
from tests.factories import verified_login
from tests.matrix import ROLES, Row

# URL names outside the matrix on purpose, with the reason.
EXEMPT = {
    "set_language": "Django's language switch: public by design, changes only the session language",
    "health": "load-balancer liveness probe: public by design, reveals nothing",
}
PROJECT_MODULES = ("accounts.", "schedule.", "journal.", "reports.", "archive.", "ejournal.")


def all_rows() -> list[Row]:
    rows = []
    for mod in pkgutil.iter_modules(matrix.__path__):
        if mod.name.startswith("rows_"):
            rows.extend(importlib.import_module(f"tests.matrix.{mod.name}").ROWS)
    return rows


def url_views(resolver=None, namespace="") -> dict[str, Callable]:
    """Every named URL of the project → its view."""
    views = {}
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            views |= url_views(p, ns)
        elif isinstance(p, URLPattern):
            assert p.name, f"URL pattern {p.pattern} has no name, so the matrix cannot cover it"
            views[namespace + p.name] = p.callback
    return views


def url_names() -> set[str]:
    return set(url_views())


def layers(view) -> Iterator[Callable]:
    """The view as routed, then each function its decorators wrap, down to the view's own function."""
    while view is not None:
        yield view
        inner = getattr(view, "__wrapped__", None)
        if inner is None:
            # A decorator written without functools.wraps keeps the view in its closure, under its name.
            for cell in getattr(view, "__closure__", None) or ():
                value = cell.cell_contents
                if inspect.isfunction(value) and value is not view and value.__name__ == view.__name__:
                    inner = value
        view = inner


def allowed_methods(view) -> set[str] | None:
    """The methods Django's require_http_methods (require_POST, require_GET…) lets through, None if unlimited."""
    for layer in layers(view):
        free = getattr(getattr(layer, "__code__", None), "co_freevars", ())
        if "request_method_list" in free:
            return set(layer.__closure__[free.index("request_method_list")].cell_contents)
    return None


def _reads_post(func, seen: set) -> bool:
    """The function, or a function of the project it calls by name, reads `request.POST` or asks for POST."""
    if not inspect.isfunction(func) or func in seen or not func.__module__.startswith(PROJECT_MODULES):
        return False
    seen.add(func)
    if "POST" in inspect.getsource(func):
        return True
    return any(_reads_post(func.__globals__.get(name), seen) for name in func.__code__.co_names)


def handles_post(view) -> bool:
    """Whether the view does something with a POST (rather than answering it 405)."""
    if hasattr(view, "view_class"):
        return "post" in view.view_class.http_method_names and hasattr(view.view_class, "post")
    methods = allowed_methods(view)
    if methods is not None:
        return "POST" in methods
    *_, own = layers(view)
    return _reads_post(own, set())


ROWS = all_rows()


def test_every_url_is_in_the_matrix():
    covered = {row.name for row in ROWS} | set(EXEMPT)
    missing = sorted(url_names() - covered)
    assert not missing, f"URLs without a row in tests/matrix/rows_*.py: {missing}"
    unknown = sorted({row.name for row in ROWS} - url_names())
    assert not unknown, f"matrix rows for URLs that do not exist: {unknown}"


def test_every_view_that_handles_post_has_a_post_row():
    posted = {row.name for row in ROWS if row.method == "post"}
    missing = sorted(
        name
        for name, view in url_views().items()
        if name not in EXEMPT and name not in posted and handles_post(view)
    )
    assert not missing, f"views that handle POST without a POST row in tests/matrix/rows_*.py: {missing}"


def test_the_post_finder_sees_each_way_a_view_takes_a_post():
    """The check above reads decorators and source: this keeps it honest when Django or a view changes."""
    views = url_views()
    assert allowed_methods(views["accounts:logout"]) == {"POST"}  # require_POST
    assert allowed_methods(views["journal:plans"]) == {"GET"} and not handles_post(views["journal:plans"])
    assert allowed_methods(views["reports:verify"]) == {"GET", "POST"}
    assert handles_post(views["accounts:login"])  # a class-based view with post()
    assert handles_post(views["accounts:otp_verify"])  # a decorator without functools.wraps
    assert handles_post(views["accounts:school_settings"])  # `request.POST or None` in the view
    assert handles_post(views["schedule:year_edit"])  # only through the shared form helpers
    assert not handles_post(views["home"]) and not handles_post(views["accounts:people"])


def client_for(role, world, other_world, client, operator):
    if role == "anonymous":
        return client
    if role == "outsider":
        client.force_login(other_world.admin.user)
    elif role == "operator":
        verified_login(client, operator)  # the operator must use two-factor (accounts/second_factor.py)
    else:
        client.force_login(getattr(world, role).user)
    return client


def refusals() -> list[tuple[int, int | None]]:
    return list(AuditEvent.objects.filter(action="permission_denied").values_list("pk", "actor"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_matrix(row, role, world, other_world, client, operator):
    c = client_for(role, world, other_world, client, operator)
    query = row.query.format(**row.extra["format_query"](world)) if "format_query" in row.extra else row.query
    url = reverse(row.name, kwargs=row.kwargs(world) if row.kwargs else None) + query
    data = row.data(world) if row.data else {}
    if row.session:
        session = c.session
        session.update(row.session(world))
        session.save()
    before = row.state(world) if row.state else None
    refused_before = refusals()
    if row.method == "post":
        response = c.post(url, data)
    else:
        response = c.get(url)
    expected = row.expected(role)
    assert response.status_code == expected, (
        f"{row.id} as {role}: expected {expected}, got {response.status_code}"
    )
    if role == "anonymous" and expected == 302:
        assert urlsplit(response["Location"]).path == reverse(row.anonymous_to), response["Location"]
    if row.state:
        after = row.state(world)
        if role in row.changed_by:
            assert after != before, f"{row.id} as {role}: the request changed nothing ({before!r})"
        else:
            assert after == before, f"{row.id} as {role} changed {before!r} → {after!r}"
    if expected == 403:
        user = c.session.get("_auth_user_id")
        logged = [None if actor is None else str(actor) for r, actor in refusals() if r not in refused_before]
        assert logged == [user], f"{row.id} as {role}: a 403 whose refusal is not in the audit trail"
