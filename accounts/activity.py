"""Who used the portal on which day (R-R-4, issue 16): one `DailyActivity` row per login per school per day.

- A sign-in writes its day at once (`note_sign_in`, from `accounts.sessions.on_logged_in`): one upsert, with
  the people the sign-in already loads to tell staff from families.
- Any other request compares the session's marker (`DAY`: the school and its date) with the school's date
  now, which costs no query (`note_request`, after the response, when `request.actor` is known). Only when
  they differ — the first request of a new day, or in another school — one upsert is made and the marker
  moves. Every other request of the day does nothing more.
- The write is an `INSERT … ON CONFLICT DO UPDATE` in its own savepoint: two sessions of one login on the same
  day end in one row. A failed write is logged and skipped, never a failed request; the marker moves anyway,
  so a broken table costs one try per session and day, not one per request.
- What a teacher did that day (marks, topics, homework) is not counted here: the journal's own rows say it
  (the mark log, the topics' and homework's `updated_by`/`updated_at`), and the report reads them.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from .actor import Actor, load_actor
from .selectors import local_today

log = logging.getLogger(__name__)

DAY = "_ej_day"  # "<school id>:<YYYY-MM-DD>": the day last recorded for this session

UPSERT = """
INSERT INTO accounts_dailyactivity (school_id, person_id, day, roles, first_at, last_at, sign_ins)
VALUES (%(school)s, %(person)s, %(day)s, %(roles)s::varchar(20)[], %(at)s, %(at)s, %(sign_ins)s)
ON CONFLICT (person_id, day) DO UPDATE SET
    roles = EXCLUDED.roles,
    last_at = GREATEST(accounts_dailyactivity.last_at, EXCLUDED.last_at),
    sign_ins = LEAST(accounts_dailyactivity.sign_ins + EXCLUDED.sign_ins, 32767)
"""


def marker(actor: Actor, now=None) -> str | None:
    """The session's marker for the actor's school and its date at `now`; None when nothing is counted (no
    school, or the district operator)."""
    if actor.school is None or actor.person is None:
        return None
    return f"{actor.school.pk}:{local_today(actor.school, now).isoformat()}"


def record(actor: Actor, *, sign_in: bool, now=None) -> bool:
    """Count the actor's day in their school (and a sign-in); False, logged, when the write failed."""
    now = now or timezone.now()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                UPSERT,
                {
                    "school": actor.school.pk,
                    "person": actor.person.pk,
                    "day": local_today(actor.school, now),
                    "roles": sorted(actor.roles),
                    "at": now,
                    "sign_ins": int(sign_in),
                },
            )
    except DatabaseError:
        log.warning("daily activity of person %s not recorded", actor.person.pk, exc_info=True)
        return False
    return True


def note_sign_in(request, user) -> None:
    """A sign-in counts its day (and itself) in the school the session opens in."""
    actor = load_actor(user, request.session.get("school_id"))
    mark = marker(actor)
    if mark is None:
        return
    record(actor, sign_in=True)
    request.session[DAY] = mark


def note_request(request) -> None:
    """After a signed-in request: count the day if this session has not yet counted it (no query otherwise)."""
    actor = getattr(request, "actor", None)
    if actor is None or not request.user.is_authenticated or actor.user is not request.user:
        return
    mark = marker(actor)
    if mark is None or request.session.get(DAY) == mark:
        return
    record(actor, sign_in=False)
    request.session[DAY] = mark
