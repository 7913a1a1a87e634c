from django.urls import path

from .urls_notify import urlpatterns as notify_urlpatterns
from .urls_people import urlpatterns as people_urlpatterns
from .urls_sessions import urlpatterns as sessions_urlpatterns
from .views import auth, compromise, jobs, operator, recovery

app_name = "accounts"

urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("2fa/verify/", auth.otp_verify, name="otp_verify"),
    path("2fa/setup/", auth.otp_setup, name="otp_setup"),
    path("2fa/backup-codes/", auth.backup_codes, name="backup_codes"),
    path("2fa/disable/", auth.otp_disable, name="otp_disable"),
    path("security/", auth.security, name="security"),
    path("password/", auth.password_change, name="password_change"),
    path("password/reset/", recovery.password_reset, name="password_reset"),
    path("password/reset/sent/", recovery.password_reset_done, name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", recovery.password_reset_confirm, name="password_reset_confirm"),
    path("password/reset/done/", recovery.password_reset_complete, name="password_reset_complete"),
    path("school/", auth.choose_school, name="choose_school"),
    path("operator/schools/", operator.school_list, name="operator_schools"),
    path("operator/schools/new/", operator.school_create, name="operator_school_create"),
    path(
        "operator/schools/<int:pk>/compromised/", compromise.operator_compromised, name="operator_compromised"
    ),
    path("jobs/", jobs.jobs, name="jobs"),
    *people_urlpatterns,
    *notify_urlpatterns,
    *sessions_urlpatterns,
]
