"""A parent resets their own password by e-mail (R-ACC-2): Django's password-reset views, limited to
family logins (accounts.password_reset) and rate limited; the answer never tells whether the address
is known."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy

from .. import audit
from ..actor import Actor
from ..password_reset import FamilyPasswordResetForm, allowed, family_logins, may_reset_by_mail
from ..services import resets


class FamilyPasswordResetView(auth_views.PasswordResetView):
    form_class = FamilyPasswordResetForm
    template_name = "accounts/recovery/request.html"
    subject_template_name = "emails/password_reset_subject.txt"
    email_template_name = "emails/password_reset_body.txt"
    html_email_template_name = "emails/password_reset_body.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def get_extra_email_context(self):
        return {"site_url": settings.SITE_URL.rstrip("/")}

    def form_valid(self, form):
        self.extra_email_context = self.get_extra_email_context()
        email = form.cleaned_data["email"]
        actor = Actor(user=None, ip=self.request.actor.ip)
        if not allowed(email, actor.ip):
            audit.record(actor, "password_reset_throttled", summary="password reset by e-mail")
            return super(auth_views.PasswordResetView, self).form_valid(form)  # the same page, no mail
        for user in family_logins(email):
            audit.record(actor, "password_reset_mailed", user, school=user.last_school)
        return super().form_valid(form)


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
