"""How views ask the rules: one decorator and one loader for every page of every app.

- `school_view(rule)`: sign-in required, a current school required, then the
  rule (a function `rule(actor) -> bool`) must allow; otherwise 403, logged.
- `get_in_school(actor, queryset, **lookup)`: an object of another school, or
  one the user may not even know about, answers 404 — never 403.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect

from . import audit


def deny(actor, reason: str):
    """Log a permission refusal (R-ACC-9) and answer 403."""
    audit.record(actor, "permission_denied", summary=reason[:500])
    raise PermissionDenied(reason)


def require(actor, rule, *objs):
    """Answer 403 (logged) unless `rule(actor, *objs)` allows."""
    if not rule(actor, *objs):
        deny(actor, f"{rule.__module__}.{rule.__name__}")


def school_view(rule=None):
    """Decorate a view that works inside the current school."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            actor = request.actor
            if not actor.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if actor.school is None:
                if actor.is_operator:
                    return redirect("accounts:operator_schools")
                deny(actor, "no school")
            if rule is not None:
                require(actor, rule)
            return view(request, *args, **kwargs)

        wrapped.rule = rule
        return wrapped

    return decorator


def operator_view(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        actor = request.actor
        if not actor.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not actor.is_operator:
            deny(actor, "operator only")
        return view(request, *args, **kwargs)

    return wrapped


def get_in_school(actor, queryset, **lookup):
    """The object of the current school matching `lookup`, or 404."""
    try:
        return queryset.get(school=actor.school, **lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
