"""Celery tasks of the printouts: thin wrappers that take ids and call `reports.signoff`."""

from celery import shared_task

from . import signoff


@shared_task
def render_printout_task(printout_id: int) -> str:
    """Render a printout's draft, or its final once the director has signed; a frozen one is left alone."""
    printout = signoff.render(printout_id)
    if printout is None:
        return "missing"
    return "frozen" if printout.is_frozen else printout.render_status


@shared_task
def resend_printouts_task() -> int:
    """Every 15 minutes: send again the renders the broker never got."""
    return signoff.retry_unsent()


@shared_task
def build_monthly_reports_task() -> int:
    """Hourly: build each school's monthly activity report once its month has ended (reports/monthly.py)."""
    from . import monthly

    return monthly.build_due()


@shared_task
def build_period_reports_task() -> int:
    """Hourly: build each school's progress report of a period after its finals deadline (reports/period_reports.py)."""
    from . import period_reports

    return period_reports.build_due()
