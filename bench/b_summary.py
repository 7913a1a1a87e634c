"""Benchmarks of the summary sheets (R-D-5): the class page and the whole class's PDF, one school week.

The largest class of the demo school with marks (grades 2–11, about 30 students), the past school week with lessons, as the
deputy (who reads every class). Read-only: nothing is written to the bench database.
"""

import datetime


def _largest_class_week(b):
    from django.db.models import Count, Q

    from journal.diary.summary import default_range
    from schedule import selectors
    from schedule.models import Lesson, SchoolClass

    year = selectors.current_year(b.school)
    today = selectors.local_today(b.school)
    monday, sunday = default_range(today)
    day = selectors.day_in_year(year, sunday)
    school_class = (
        SchoolClass.objects.filter(year=year, grade__gte=2)  # first grade has no marks: not the worst case
        .annotate(n=Count("enrollments", filter=selectors.covering(day, "enrollments__")))
        .order_by("-n", "grade", "letter")
        .first()
    )
    # The week of the class's last planned lesson up to that Sunday (the default week, unless a holiday).
    last = (
        Lesson.objects.filter(
            Q(group__school_class=school_class), status="planned", date__lte=min(sunday, today)
        )
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    if last is not None and last < monday:
        monday = last - datetime.timedelta(days=last.weekday())
        sunday = monday + datetime.timedelta(days=6)
    return school_class, f"?from={monday.isoformat()}&to={sunday.isoformat()}"


def register_benchmarks(register, url, check, failure):
    def class_page(b):
        school_class, query = _largest_class_week(b)
        return b.get_as("deputy", url("diary:class_summary", school_class.pk) + query)

    def class_pdf(b):
        school_class, query = _largest_class_week(b)
        run = b.get_as("deputy", url("diary:class_summary_pdf", school_class.pk) + query)

        def checked():
            response = run()
            if not response.content.startswith(b"%PDF"):
                raise failure("the class summary PDF is not a PDF")
            return response

        return checked

    register("summary_sheet_class", class_page)
    register("summary_sheet_class_pdf", class_pdf, runs=10, warmup=1)
