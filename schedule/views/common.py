"""What every school-structure view shares: the year being looked at, the date, running a service."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.access import get_in_school, require

from .. import rules, selectors
from ..forms import add_service_errors
from ..models import AcademicYear


def year_from_request(request) -> AcademicYear | None:
    """The year named by `?year=` (404 if not of this school), else the school's current year."""
    actor = request.actor
    if request.GET.get("year"):
        return get_in_school(actor, AcademicYear.objects, pk=request.GET["year"])
    return selectors.current_year(actor.school)


def date_from_request(request, name: str = "on") -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None


def url_with(name: str, *, year=None, **kwargs) -> str:
    """`reverse(name)` plus `?year=` when a year is given."""
    url = reverse(name, kwargs=kwargs or None)
    if year is None:
        return url
    query = QueryDict(mutable=True)
    query["year"] = year.pk
    return f"{url}?{query.urlencode()}"


def may(request, rule, obj=None) -> bool:
    return rule(request.actor) if obj is None else rule(request.actor, obj)


def require_for_post(request, rule):
    """List pages show their create form to those who may write; a POST needs the write rule."""
    if request.method == "POST":
        require(request.actor, rule)


def submit(form, service, data=None, **kwargs):
    """Call `service` with the form's cleaned data (or `data`); on refusal put the messages on the form.

    Returns what the service returns, or None when it refused.
    """
    try:
        return service(**kwargs, **(form.cleaned_data if data is None else data))
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


def form_page(request, form, *, service, done, to, title, back, page_year=None, **service_kwargs):
    """The edit-page pattern: a valid POST runs `service` (with the actor); success → message and `to`.

    Otherwise (GET, invalid form, refusal) the form page renders with the errors next to the fields.
    """
    if posted(request, form) and submit(form, service, actor=request.actor, **service_kwargs):
        messages.success(request, done)
        return redirect(to)
    return render(
        request, "schedule/form_page.html", {"title": title, "form": form, "year": page_year, "back": back}
    )


def posted(request, form) -> bool:
    return request.method == "POST" and form.is_valid()


def bound(request):
    return request.POST if request.method == "POST" else None


__all__ = [
    "bound",
    "date_from_request",
    "form_page",
    "may",
    "posted",
    "require_for_post",
    "rules",
    "submit",
    "url_with",
    "year_from_request",
]
