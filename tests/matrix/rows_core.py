"""Rows for the home page, sign-in, two-factor and the district operator's pages.

Sign-in, two-factor, password and school choice are about the signed-in login itself
(accounts/rules.py "own_security"): every login may post them, anonymous visitors are
sent to sign in. The operator's session has passed two-factor (they must use it); what a
session that has not passed it may open is tests/accounts/test_two_factor.py's. Creating a school is the district operator's alone (403 for everyone
else, logged).
"""

from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import School
from tests import factories as f
from tests.matrix import Row

User = get_user_model()
TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key, as the device stores it (hex)

EVERY_SIGNED_IN = {
    r: 200
    for r in ["admin", "director", "deputy", "teacher", "class_teacher", "student", "parent", "outsider"]
}

SIGNED_IN = frozenset({*EVERY_SIGNED_IN, "operator"})


def logins(fields):
    """`fields` of every login in the database (both schools' and the operator's), by login."""
    return sorted(User.objects.values_list("pk", *fields))


def student_login(w):
    return {"username": w.student.user.username, "password": f.PASSWORD}


def pending_authenticators(w):
    """Every login has an authenticator being set up with the same known key: one code suits them all."""
    for user in User.objects.all():
        TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False, key=TOTP_KEY)
    return {"token": f"{TOTP(bytes.fromhex(TOTP_KEY)).token():06d}"}


NEW_PASSWORD = "Novyi-parol-2027!"

ROWS = [
    Row("home", expect={**EVERY_SIGNED_IN, "operator": 302}),
    Row(
        "home",
        query="?child=999999",
        expect={**EVERY_SIGNED_IN, "parent": 404, "operator": 302},
        note="a parent typing an id that is not their child's gets 404",
    ),
    Row(
        "accounts:login",
        expect={**{r: 302 for r in EVERY_SIGNED_IN}, "operator": 302},
        anonymous=200,
        note="signed-in users are sent on to their home page",
    ),
    Row("accounts:logout", method="post", expect={**{r: 302 for r in EVERY_SIGNED_IN}, "operator": 302}),
    Row("accounts:logout", expect={**{r: 405 for r in EVERY_SIGNED_IN}, "operator": 405}, anonymous=405),
    Row(
        "accounts:login",
        method="post",
        data=student_login,
        expect={r: 302 for r in SIGNED_IN},
        anonymous=302,
        anonymous_to="home",
        state=lambda w: logins(["last_login", "failed_login_count"]),
        changed_by=frozenset({"anonymous"}),
        note="the student's login and password: a visitor is signed in; a signed-in user is sent home first",
    ),
    Row(
        "accounts:otp_verify",
        expect={**{r: 302 for r in EVERY_SIGNED_IN}, "operator": 302},
        note="without a device there is nothing to verify: back home",
    ),
    Row(
        "accounts:otp_verify",
        method="post",
        data=lambda w: {"token": "123456"},
        expect={r: 302 for r in SIGNED_IN},
        state=lambda w: logins(["failed_login_count", "locked_until"]),
        note="without a device a code is not even checked: back home, no failure counted",
    ),
    Row("accounts:otp_setup", expect={**EVERY_SIGNED_IN, "operator": 200}),
    Row(
        "accounts:otp_setup",
        method="post",
        data=pending_authenticators,
        expect={r: 200 for r in SIGNED_IN},
        state=lambda w: sorted(TOTPDevice.objects.filter(confirmed=True).values_list("user", "key")),
        changed_by=SIGNED_IN,
        note="the right code: the login's authenticator is confirmed, the backup codes are shown",
    ),
    Row(
        "accounts:otp_setup",
        method="post",
        data=lambda w: {"token": "000000"},
        expect={r: 200 for r in SIGNED_IN},
        state=lambda w: sorted(TOTPDevice.objects.filter(confirmed=True).values_list("user", flat=True)),
        note="a wrong code: the form says so, nothing is confirmed",
    ),
    Row(
        "accounts:backup_codes",
        expect={**{r: 302 for r in EVERY_SIGNED_IN}, "operator": 200},
        note="only after two-factor sign-in (the operator's, who must use it); otherwise back to the security page",
    ),
    Row(
        "accounts:backup_codes",
        method="post",
        expect={**{r: 302 for r in EVERY_SIGNED_IN}, "operator": 200},
        state=lambda w: StaticToken.objects.count(),
        changed_by=frozenset({"operator"}),
        note="new codes only after two-factor sign-in; otherwise back to the security page, none made",
    ),
    Row(
        "accounts:otp_disable",
        method="post",
        expect={**{r: 302 for r in EVERY_SIGNED_IN}, "operator": 302},
        state=lambda w: sorted(TOTPDevice.objects.filter(confirmed=True).values_list("user", flat=True)),
        note="the others have none to turn off; the operator must keep theirs (the message says so)",
    ),
    Row("accounts:security", expect={**EVERY_SIGNED_IN, "operator": 200}),
    Row("accounts:password_change", expect={**EVERY_SIGNED_IN, "operator": 200}),
    Row(
        "accounts:password_change",
        method="post",
        data=lambda w: {
            "old_password": f.PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        expect={r: 302 for r in SIGNED_IN},
        state=lambda w: logins(["password"]),
        changed_by=SIGNED_IN,
        note="every login changes its own password (and only its own: the state is every login's)",
    ),
    Row("accounts:choose_school", expect={**EVERY_SIGNED_IN, "operator": 403}),
    Row(
        "accounts:choose_school",
        method="post",
        data=lambda w: {"school": w.school.pk},
        expect={**{r: 302 for r in EVERY_SIGNED_IN}, "outsider": 200, "operator": 403},
        state=lambda w: logins(["last_school"]),
        changed_by=SIGNED_IN - {"outsider", "operator"},
        note="this school: its people switch to it; the outsider has no role here (the form refuses); "
        "the operator has no school to choose",
    ),
    Row("accounts:operator_schools", expect={"operator": 200}),
    Row("accounts:operator_school_create", expect={"operator": 200}),
    Row(
        "accounts:operator_school_create",
        method="post",
        data=lambda w: {
            "name": "Школа № 99",
            "short_name": "Школа № 99",
            "slug": "school-99",
            "timezone": "Europe/Moscow",
            "admin_last_name": "Новая",
            "admin_first_name": "Нина",
        },
        expect={"operator": 200},
        state=lambda w: sorted(School.objects.values_list("slug", flat=True)),
        changed_by=frozenset({"operator"}),
        note="the page with the first admin's invite code",
    ),
]
