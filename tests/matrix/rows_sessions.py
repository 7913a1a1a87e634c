"""Rows for a login's own sessions (accounts/views/sessions.py): every login sees and ends only its own."""

from accounts.models import UserSession
from tests.matrix import Row

EVERYONE = {
    role: 200 for role in ("admin", "director", "deputy", "teacher", "class_teacher", "student", "parent")
} | {"outsider": 200, "operator": 200}


def teachers_session(world):
    return UserSession.objects.get_or_create(user=world.teacher.user, session_key="matrix-teachers-phone")[0]


ROWS = [
    Row("accounts:sessions", expect=EVERYONE),
    Row(
        "accounts:session_end",
        method="post",
        kwargs=lambda w: {"pk": teachers_session(w).pk},
        expect={"teacher": 302},
        default=404,
        state=lambda w: UserSession.objects.filter(session_key="matrix-teachers-phone").exists(),
        changed_by=frozenset({"teacher"}),
        note="the teacher's own session; another login's session id is 404",
    ),
    Row(
        "accounts:sessions_end_others",
        method="post",
        expect={role: 302 for role in EVERYONE},
        note="ends the requester's own other sessions only",
    ),
    Row(
        "accounts:session_sign_in",
        method="post",
        data=lambda w: {},
        expect={},
        default=400,
        anonymous=400,
        note="the sign-in dialog: an empty form is 400 for everyone",
    ),
    Row(
        "accounts:session_stay",
        method="post",
        expect={role: 200 for role in EVERYONE},
        note="'Stay signed in': touches the requester's own session only",
    ),
]
