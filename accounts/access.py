"""How views ask the rules: one decorator and one loader for every page of every app.

- `school_view(rule)`: sign-in required, a current school required, then the
  rule (a function `rule(actor) -> bool`) must allow; otherwise 403, logged.
- `deployment_view(rule)`: sign-in required, then the rule, for the pages of the
  whole deployment that the operator and a school's people share (the jobs page).
- `refused(actor, reason)`: the one writer of the `permission_denied` event, for
  refusals a view decides itself: a hidden object (`hidden=True`, 404) or a
  refusal the write policy raised (`refused(actor, "journal.policy", exc)`).
- `get_in_school(actor, queryset, **lookup)`: an object of another school, or
  one the user may not even know about, answers 404 — never 403. When the
  object exists in another school, the 404 is a probe and leaves a
  `PROBE_OTHER_SCHOOL` audit event (R-ACC-9): the login, the URL, the model and
  the id typed, never anything of the other school. An id that exists nowhere
  is a plain 404 without an event (stale links and typos are not refusals).
  Only the failure path asks the extra query.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect

from . import audit, rules


def refused(actor, reason: str, cause: Exception | None = None, *, hidden: bool = False) -> Exception:
    """Log a refusal (R-ACC-9) and return the exception that answers it: a 403 naming `reason` (the rule,
    or the policy with the `cause` it raised), or with `hidden` a 404 for an object the actor may not even
    know about (R-ACC-4). Every `permission_denied` event is written here, in this one shape. A view that
    answers a caught refusal itself (JSON, a message) ignores the returned exception."""
    summary = f"{reason}: {cause}" if cause is not None else reason
    audit.record(actor, "permission_denied", summary=summary[:500])
    return Http404() if hidden else PermissionDenied(summary)


def deny(actor, reason: str):
    """Log a permission refusal (R-ACC-9) and answer 403."""
    raise refused(actor, reason)


def require(actor, rule, *objs):
    """Answer 403 (logged) unless `rule(actor, *objs)` allows."""
    if not rule(actor, *objs):
        deny(actor, f"{rule.__module__}.{rule.__name__}")


def school_view(rule=None, *, in_school=True):
    """Decorate a view that works inside the current school (`in_school=False`: see `deployment_view`)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            actor = request.actor
            if not actor.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if in_school and actor.school is None:
                if actor.is_operator:
                    return redirect("accounts:operator_schools")
                deny(actor, "no school")
            if rule is not None:
                require(actor, rule)
            actor.url = request.get_full_path()  # named by a probe's audit event (get_in_school)
            return view(request, *args, **kwargs)

        wrapped.rule = rule
        return wrapped

    return decorator


def deployment_view(rule):
    """Decorate a view of the whole deployment rather than one school (the periodic jobs): sign-in required,
    then the rule, asked of the operator (who has no school) and of a school's people alike; else 403, logged."""
    return school_view(rule, in_school=False)


operator_view = deployment_view(rules.is_operator)  # the district operator's own pages


PROBE_OTHER_SCHOOL = "probe_other_school"


def get_in_school(actor, queryset, **lookup):
    """The object of the current school matching `lookup`, or 404 (logged when it is another school's)."""
    try:
        return queryset.get(school=actor.school, **lookup)
    except (ValueError, TypeError) as exc:
        raise Http404 from exc
    except queryset.model.DoesNotExist as exc:
        raise not_in_school(actor, queryset.model, **lookup) from exc


def not_in_school(actor, model, **lookup) -> Http404:
    """The 404 for an object `model(**lookup)` that a loader did not find in the actor's school; when it
    exists in another school, the probe is logged first (R-ACC-9). For loaders of their own, on their
    failure path: `raise not_in_school(actor, Course, pk=pk) from exc`."""
    if _in_another_school(actor, model, lookup):
        label = model._meta.label_lower
        url = getattr(actor, "url", "")
        audit.record(
            actor,
            PROBE_OTHER_SCHOOL,
            summary=f"{url} → {label}"[:500],
            data={"url": url[:1000], "model": label, "lookup": {k: str(v)[:64] for k, v in lookup.items()}},
        )
    return Http404()


def _in_another_school(actor, model, lookup) -> bool:
    """Whether an object matching `lookup` exists outside the actor's school (whatever the view's filters)."""
    try:
        return model._base_manager.filter(**lookup).exclude(school=actor.school).exists()
    except (ValueError, TypeError):
        return False
