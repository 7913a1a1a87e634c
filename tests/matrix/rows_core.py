"""Rows for the home page, sign-in, two-factor and the district operator's pages."""

from tests.matrix import Row

EVERY_SIGNED_IN = {
    r: 200
    for r in ["admin", "director", "deputy", "teacher", "class_teacher", "student", "parent", "outsider"]
}

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
        "accounts:otp_verify",
        expect={**{r: 302 for r in EVERY_SIGNED_IN}, "operator": 302},
        note="without a device there is nothing to verify: back home",
    ),
    Row("accounts:otp_setup", expect={**EVERY_SIGNED_IN, "operator": 200}),
    Row(
        "accounts:backup_codes",
        expect={**{r: 302 for r in EVERY_SIGNED_IN}, "operator": 302},
        note="only after two-factor sign-in; otherwise back to the security page",
    ),
    Row("accounts:otp_disable", method="post", expect={**{r: 302 for r in EVERY_SIGNED_IN}, "operator": 302}),
    Row("accounts:security", expect={**EVERY_SIGNED_IN, "operator": 200}),
    Row("accounts:password_change", expect={**EVERY_SIGNED_IN, "operator": 200}),
    Row("accounts:choose_school", expect={**EVERY_SIGNED_IN, "operator": 403}),
    Row("accounts:operator_schools", expect={"operator": 200}),
    Row("accounts:operator_school_create", expect={"operator": 200}),
]
