"""Celery tasks of the deadlines (names "journal.tasks.<name>", registered through journal/tasks.py).

All three run hourly and decide per school by the school's own clock, so a school in another zone is
served at its hour, and a run missed while the worker or the broker was down is made up at the next
hour: the nightly measurement from 01:00 once a school day (`DeadlineSettings.measured_on`), the teachers'
letters from the school's hour once a day each, the deputies' summary from Monday 07:00 once a week each
(the outbox's dedupe keys).
"""

from celery import shared_task


@shared_task(name="journal.tasks.measure_deadlines_task", ignore_result=True)
def measure_deadlines_task() -> int:
    """Hourly: each active school not yet measured today (after 01:00 its time); returns how many were."""
    from accounts.models import School
    from journal.deadlines.services import measure_if_due

    return sum(measure_if_due(school) for school in School.objects.filter(is_active=True).order_by("pk"))


@shared_task(name="journal.tasks.remind_teachers_task", ignore_result=True)
def remind_teachers_task() -> int:
    """Hourly: the teachers' daily letters of what is due and late, finals included (from the school's hour)."""
    from accounts.models import School
    from journal.deadlines.reminders import remind

    return sum(remind(school) for school in School.objects.filter(is_active=True).order_by("pk"))


@shared_task(name="journal.tasks.weekly_control_task", ignore_result=True)
def weekly_control_task() -> int:
    """Hourly: the deputies' weekly summary of the deadlines (from Monday 07:00 school time, once a week)."""
    from accounts.models import School
    from journal.deadlines.reminders import weekly_summary

    return sum(weekly_summary(school) for school in School.objects.filter(is_active=True).order_by("pk"))
