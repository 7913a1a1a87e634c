"""Benchmarks of the period printouts (R-R-5) on the large demo school.

- `printout_class_pdf`: what the worker does for the largest class in the last ended period: the
  snapshot (`reports.printouts.snapshot`) and the PDF (title, a page or more per course, attendance),
  as one function call; nothing is written.
- `printout_class_xlsx`: the XLSX download of that printout as the deputy (the snapshot stored in a
  transaction rolled back at the end).
- `printouts_list`: the deputy's list of the period's classes with their printouts.
"""

from __future__ import annotations


def _setup(b):
    from django.db.models import Count, Q

    from schedule import selectors
    from schedule.models import ReportingPeriod, SchoolClass

    year = selectors.current_year(b.school)
    today = selectors.local_today(b.school)
    periods = ReportingPeriod.objects.filter(scheme__year=year).select_related("scheme")
    period = periods.filter(ends__lt=today).order_by("-ends").first() or periods.order_by("starts").first()
    on = period.ends
    staying = Q(enrollments__starts__lte=on) & (
        Q(enrollments__ends__isnull=True) | Q(enrollments__ends__gte=on)
    )
    # The largest class, and of those the one with the most courses (subgroups count: each has its pages).
    school_class = (
        SchoolClass.objects.filter(year=year, grade__in=[g for g in period.scheme.grades if g > 1])
        .select_related("school", "year", "class_teacher")
        .annotate(
            n=Count("enrollments", filter=staying, distinct=True),
            courses=Count("groups__courses", distinct=True),
        )
        .order_by("-n", "-courses", "pk")
        .first()
    )
    return school_class, period


def register_benchmarks(register, url, check, failure):
    def class_pdf(b):
        from reports import printout_pdf, printouts
        from reports.models import Printout
        from reports.signoff import _sign_parts

        school_class, period = _setup(b)
        state = {}

        def run():
            data = printouts.snapshot(school_class, period)
            parts = _sign_parts(data)
            printout = Printout(
                school=b.school, school_class=school_class, period=period, data=data, courses=parts["courses"]
            )
            content, pages = printout_pdf.render(printout, [], final=False)
            state.update(pages=pages, courses=len(data["courses"]), size=len(content))
            return content

        run()
        print(
            f"  {school_class.name}, {period.name}: {state['courses']} courses, {state['pages']} pages, "
            f"{state['size'] // 1024} KiB"
        )
        return run

    def class_xlsx(b):
        from reports import printouts
        from reports.models import Printout
        from reports.signoff import _sign_parts

        school_class, period = _setup(b)
        rollback = b.open_transaction()
        try:
            data = printouts.snapshot(school_class, period)
            parts = _sign_parts(data)
            printout = Printout.objects.create(
                school=b.school,
                year=school_class.year,
                school_class=school_class,
                period=period,
                data=data,
                courses=parts["courses"],
                teacher_ids=parts["teacher_ids"],
                class_teacher_id=parts["class_teacher_id"],
                render_status="done",
            )
            run = b.get_as("deputy", url("reports:printout_xlsx", pk=printout.pk))
        except BaseException:
            rollback()
            raise
        run.after = rollback
        return run

    def listing(b):
        _school_class, period = _setup(b)
        return b.get_as("deputy", url("reports:printouts") + f"?period={period.pk}")

    register("printout_class_pdf", class_pdf, runs=5, warmup=1)
    register("printout_class_xlsx", class_xlsx)
    register("printouts_list", listing)
