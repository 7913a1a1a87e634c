"""Celery task of the finals: the teachers' reminders (name "journal.tasks.remind_finals_task", registered
through journal/tasks.py)."""

from celery import shared_task


@shared_task(name="journal.tasks.remind_finals_task")
def remind_finals_task() -> int:
    """Teachers' reminders of the finals they owe (journal.finals.reminders), each active school."""
    from accounts.models import School
    from journal.finals.reminders import remind

    return sum(remind(school) for school in School.objects.filter(is_active=True).order_by("pk"))
