"""Benchmarks of the journal's deadlines (issue 16): the nightly measurement of one school day, and the
deputy's control page for the current period.

`deadlines_measure_day`: `journal.deadlines.services.measure` of the large school's last school day before
today (every lesson's record, homework and mark columns with their first entries, judged and stored),
inside a transaction rolled back at the end; each run measures the day again (the second and later runs
find the rows stored and compare them, as a nightly re-measurement does). Target: under 2 s, fixed queries.
`control_page`: the deputy's page for the current period up to yesterday, after the period so far was
measured once (untimed, rolled back at the end). Target: under 300 ms, fixed queries.
"""

import datetime


def _last_school_day(b):
    from accounts.selectors import local_today
    from schedule.models import Lesson

    today = local_today(b.school)
    return (
        Lesson.objects.filter(school=b.school, status="planned", date__lt=today)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )


def register_benchmarks(register, url, check, failure):
    def measure_day(b):
        from django.utils import timezone

        from journal.deadlines import services

        day = _last_school_day(b)
        if day is None:
            raise failure("the demo school has no lessons before today")
        rollback = b.open_transaction()
        now = timezone.now()

        def run():
            result = services.measure(b.school, day, day, now=now)
            if not result.measured:
                raise failure("nothing was measured")
            return result

        run.after = rollback
        return run

    def control_page(b):
        from django.utils import timezone

        from accounts.selectors import local_today
        from journal.deadlines import services
        from schedule.models import ReportingPeriod

        today = local_today(b.school)
        period = (
            ReportingPeriod.objects.filter(scheme__year__school=b.school, starts__lte=today)
            .order_by("-starts", "ends")
            .first()
        )
        last = today - datetime.timedelta(days=1)
        rollback = b.open_transaction()
        services.measure(b.school, period.starts, last, now=timezone.now())
        query = f"?date_from={period.starts.isoformat()}&date_to={last.isoformat()}"
        run = b.get_as("deputy", url("journal:deadline_control") + query)
        run.after = rollback
        return run

    register("deadlines_measure_day", measure_day, runs=10, warmup=1)
    register("control_page", control_page)
