"""Rows for parents' notification settings (accounts/rules.py may_set_notifications: only parents have any)."""

from tests.matrix import Row

ROWS = [
    Row("accounts:notifications", expect={"parent": 200, "operator": 302}),
    Row(
        "accounts:notifications",
        method="post",
        data=lambda w: {"marks": "daily", "attendance": "now", "remarks": "now", "weekly": "on"},
        expect={"parent": 302, "operator": 302},
        note="saved through notify.save_preferences; everyone else 403",
    ),
]
