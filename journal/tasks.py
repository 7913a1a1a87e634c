"""The journal's Celery tasks, for Celery's autodiscovery (it reads an app's tasks.py).

Each task lives in its part (journal/<part>/tasks.py) under its stable name "journal.tasks.<name>":
the beat schedule (ejournal/settings.py) and messages already queued name them so.
"""

from journal.deadlines.tasks import measure_deadlines_task, remind_teachers_task, weekly_control_task
from journal.diary.tasks import weekly_digest_task
from journal.marklog.tasks import (
    build_marklog_export_task,
    dispatch_notifications_task,
    tidy_marklog_exports_task,
)

__all__ = [
    "build_marklog_export_task",
    "dispatch_notifications_task",
    "measure_deadlines_task",
    "remind_teachers_task",
    "tidy_marklog_exports_task",
    "weekly_control_task",
    "weekly_digest_task",
]
