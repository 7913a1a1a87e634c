"""A parent resets their own password by e-mail (R-ACC-2): Django's password-reset views, limited to
family logins (accounts.password_reset) and rate limited; the answer never tells whether the address
is known, and the request takes the same path for a known and an unknown one (the worker sends)."""

from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy

from .. import audit
from ..actor import Actor
from ..password_reset import allowed, may_reset_by_mail, request_reset
from ..services import resets


class FamilyPasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/recovery/request.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        actor = Actor(user=None, ip=self.request.actor.ip)
        if allowed(email, actor.ip):
            request_reset(email=email, ip=actor.ip)
        else:
            audit.record(actor, "password_reset_throttled", summary="password reset by e-mail")
        return HttpResponseRedirect(self.get_success_url())  # the same page either way


class FamilyPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/recovery/confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # A login that became staff after the mail was sent no longer resets by e-mail.
        return user if user is not None and may_reset_by_mail(user) else None

    def form_valid(self, form):
        resets.finish_reset_by_mail(actor=Actor(user=None, ip=self.request.actor.ip), form=form)
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


password_reset = FamilyPasswordResetView.as_view()
password_reset_confirm = FamilyPasswordResetConfirmView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/recovery/done.html")
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/recovery/complete.html"
)
