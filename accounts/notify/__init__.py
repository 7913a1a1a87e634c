"""Parents' notifications (R-D-4): preferences, a transactional outbox, daily summaries, a weekly digest.

How a message travels:

1. A journal service calls `journal_event(...)` (events.py) inside its own transaction. For each
   parent of the student who wants that kind "immediately" it writes an `OutboxMessage` row; for
   "daily" a `DigestItem`. Both commit or roll back with the change itself, so a rolled-back mark
   never notifies and a committed one is never lost.
2. After the commit the web publishes `deliver_notification_task` through accounts/jobs.py: one
   quick try, skipped altogether while the broker's breaker is open (one warning a minute in the
   log during an outage, not one per write); a row the broker never got simply stays pending.
3. `flush_outbox` (outbox.py; beat, every minute) sends every due pending row, so whatever was
   queued while the broker was down goes out once it is back.
4. Sending claims the row first with one conditional UPDATE (pending and due → sending, with a
   fresh claim token). PostgreSQL re-checks the WHERE clause after a concurrent UPDATE commits,
   so of two workers (or a task and the flush) exactly one wins; the loser sends nothing.
   Failures back off exponentially and end as failed after MAX_ATTEMPTS.

The honest at-least-once window: if a worker dies after the mail server accepted a letter but
before the row is marked sent, the claim expires after LEASE and the letter is sent again. No
outbox can close that window without the mail server's help; it is minutes wide and needs a crash
at exactly that moment.

The modules: preferences.py (what a parent wants), render.py (the letters' words and templates),
events.py (news of one change, withdrawn or corrected), outbox.py (queue, claim, deliver, flush,
purge), digests.py (daily summaries and the weekly digest). The weekly digest is handed the week's
journal news by its caller (journal/diary/digest.py reads the journal's tables): accounts is the bottom
floor and reads no other app's models. Callers use the names below: `from accounts import notify`.
"""

from .digests import (
    DAILY,
    WEEKLY,
    build_daily_summaries,
    build_weekly_digests,
    daily_cutoff,
    digest_week,
    weekly_for_school,
)
from .events import CORRECTION, correct_events, journal_event, withdraw_event, withdraw_events
from .outbox import KEEP_SENT, LEASE, MAX_ATTEMPTS, claim, deliver, flush_outbox, purge_sent, queue
from .preferences import PreferencesPage, preferences_of, preferences_page, save_preferences
from .render import (
    ATTENDANCE,
    EVENT_KINDS,
    MARKS,
    REMARKS,
    Child,
    Line,
    compose,
    describe,
    in_site_language,
    render_email,
)

__all__ = [
    "ATTENDANCE",
    "CORRECTION",
    "DAILY",
    "EVENT_KINDS",
    "KEEP_SENT",
    "LEASE",
    "MARKS",
    "MAX_ATTEMPTS",
    "REMARKS",
    "WEEKLY",
    "Child",
    "Line",
    "PreferencesPage",
    "build_daily_summaries",
    "build_weekly_digests",
    "claim",
    "compose",
    "correct_events",
    "daily_cutoff",
    "deliver",
    "describe",
    "digest_week",
    "flush_outbox",
    "in_site_language",
    "journal_event",
    "preferences_of",
    "preferences_page",
    "purge_sent",
    "queue",
    "render_email",
    "save_preferences",
    "weekly_for_school",
    "withdraw_event",
    "withdraw_events",
]
