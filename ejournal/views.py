"""Project-level pages: the role-dispatching home page, health check and error pages."""

from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache

from accounts.access import school_view

from . import home as home_pages
from .health import report as health_report


@never_cache
def home(request):
    actor = request.actor
    if not actor.is_authenticated:
        return redirect("accounts:login")
    if actor.school is None and actor.is_operator:
        return redirect("accounts:operator_schools")
    return _school_home(request)


@school_view()
def _school_home(request):
    actor = request.actor
    role = actor.primary_role
    context = home_pages.context_for(actor, role, child_id=request.GET.get("child"))
    return render(request, f"home/{role or 'none'}.html", context)


@never_cache
def health(request):
    """For the load balancer: 503 when the database is gone, 200 ("ok" or "degraded") otherwise."""
    body, status = health_report()
    return JsonResponse(body, status=status)


def forbidden(request, exception=None):
    return render(request, "errors/403.html", status=403)


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No context processors that could fail again: plain render with a minimal context.
    return HttpResponseServerError(loader.get_template("errors/500.html").render({}))
