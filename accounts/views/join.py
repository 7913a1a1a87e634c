"""Joining with an invite code (R-ACC-1): a public page, then a login of one's own.

Step one checks the typed code (POSTed, or filled from the QR link's fragment
by static JS) and keeps its hash in the session, so the code never travels in
a URL the server sees. Step two creates the login (or,
for someone already signed in, links the person to their current login).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ..forms_people import JoinCodeForm, SignupForm, apply_errors
from ..services.invites import invite_by_hash, link_invite, redeem_invite

SESSION_KEY = "join_code_hash"
BACKEND = "accounts.auth.LockoutModelBackend"


def _no_referrer(response):
    # Old slips' QR codes carried ?code=…: keep it out of Referer headers sent to other sites.
    # Not "no-referrer": browsers then send `Origin: null` with the form, and the CSRF check refuses it.
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
def start(request):
    if request.method == "POST":
        form = JoinCodeForm(request.POST)
        if form.is_valid():
            request.session[SESSION_KEY] = form.cleaned_data["invite"].code_hash
            return redirect("join:account")
    else:
        # A code never comes from the query string (it would be in every access log): the slip's QR link
        # carries it in the fragment, which static/js/join.js copies into the field; without JavaScript
        # it is typed.
        form = JoinCodeForm()
    return _no_referrer(render(request, "accounts/join/start.html", {"form": form}))


def _finish(request, person):
    request.session.pop(SESSION_KEY, None)
    request.session["school_id"] = person.school_id
    return redirect("home")


@never_cache
def account(request):
    actor = request.actor
    code_hash = request.session.get(SESSION_KEY)
    invite, problem = None, None
    if code_hash:
        try:
            invite = invite_by_hash(code_hash)
        except ValidationError as exc:
            problem = exc.message_dict["code"][0]
            request.session.pop(SESSION_KEY, None)
    if invite is None:
        return render(request, "accounts/join/account.html", {"invite": None, "problem": problem})

    if actor.is_authenticated:
        form = forms.Form(request.POST if request.method == "POST" else None)  # one button, no fields
        if request.method == "POST" and form.is_valid():
            try:
                person = link_invite(actor=actor, code_hash=code_hash)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, _("%(name)s is now linked to your login.") % {"name": person.full_name}
                )
                return _finish(request, person)
        return render(request, "accounts/join/account.html", {"invite": invite, "form": form, "link": True})

    form = SignupForm(request.POST or None, person=invite.person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, person = redeem_invite(
                actor=actor, code_hash=code_hash, username=data["username"], password=data["password"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome! Your login %(login)s is ready.") % {"login": user.username})
            return _finish(request, person)
    return render(request, "accounts/join/account.html", {"invite": invite, "form": form, "link": False})
