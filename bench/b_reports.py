"""Benchmarks of the report pages (reports/views.py) on the large demo school: `report_<code>` for every
report of the catalogue (reports.catalog.reports(): the class teacher's, the subject teacher's and the
administration's), opened by the demo deputy (target < 300 ms median each, a fixed number of queries).

Parameters: the largest class of the current year; the reporting period of its grade that contains
today (the preliminary reports) or the last one ended, else the current one (the rest: their finals are
in); the current month; the year so far for date ranges; the teacher with the most courses and their
first course. The setup opens each report also for the smallest class (and the teacher with the fewest
courses) and fails unless both take the same number of queries: a report's queries must not grow with
the data.
"""


def _choices(b):
    """What the benchmarks choose from: the year's classes by size, teachers by their number of courses
    (within some grades), the period of a class, the month and the year so far."""
    from django.db.models import Count, Q

    from schedule import selectors as ss
    from schedule.models import Course, ReportingPeriod, SchoolClass

    year = ss.current_year(b.school)
    day = min(max(ss.local_today(b.school), year.starts), year.ends)
    on = Q(enrollments__starts__lte=day) & (Q(enrollments__ends__isnull=True) | Q(enrollments__ends__gte=day))
    classes = list(
        SchoolClass.objects.filter(year=year, grade__gt=1)
        .annotate(n=Count("enrollments", filter=on))
        .order_by("n", "pk")
    )
    periods = list(
        ReportingPeriod.objects.filter(scheme__year=year).select_related("scheme").order_by("starts")
    )

    def teachers(grades=None):
        """Teacher ids by their number of courses (within `grades`), fewest first."""
        courses = Course.objects.filter(year=year, teachers__teacher__isnull=False)
        if grades is not None:
            courses = courses.filter(group__grade__in=grades)
        rows = (
            courses.values("teachers__teacher")
            .annotate(n=Count("pk", distinct=True))
            .order_by("n", "teachers__teacher")
        )
        return [r["teachers__teacher"] for r in rows]

    def period_for(grade: int, current: bool):
        mine = [p for p in periods if grade in p.scheme.grades]
        now = next((p for p in mine if p.starts <= day <= p.ends), None)
        ended = [p for p in mine if p.ends < day]
        if current:
            return now or (ended[-1] if ended else mine[0])
        return ended[-1] if ended else (now or mine[0])

    def teacher_course(teacher_id, grades=None):
        courses = Course.objects.filter(year=year, teachers__teacher_id=teacher_id).select_related("group")
        if grades is not None:
            courses = courses.filter(group__grade__in=grades)
        return courses.order_by("pk").first()

    return {
        "classes": classes,
        "teachers": teachers,
        "period_for": period_for,
        "teacher_course": teacher_course,
        "month": day.strftime("%Y-%m"),
        "dates": (year.starts.isoformat(), day.isoformat()),
    }


def _queries(spec, c) -> tuple[str, str]:
    """The query strings of a small and a large run of the same report: the smallest and the largest
    class, the teachers with the fewest and the most courses, within the grades of one period."""
    from django.utils.http import urlencode

    big_class = c["classes"][-1]
    many = c["teachers"]()[-1]
    grade = big_class.grade
    if "class" not in spec.params and "teacher" in spec.params:
        grade = c["teacher_course"](many).group.grade
    period = c["period_for"](grade, "preliminary" in spec.code)
    grades = period.scheme.grades
    small_class = next(k for k in c["classes"] if k.grade in grades)
    few = c["teachers"](grades)[0]
    out = []
    for school_class, teacher in ((small_class, few), (big_class, many)):
        values = {}
        if "class" in spec.params:
            values["class"] = school_class.pk
        if "teacher" in spec.params:
            values["teacher"] = teacher
        if "course" in spec.params:
            course = c["teacher_course"](teacher, grades)
            if course is not None:
                values["course"] = course.pk
        if "period" in spec.params:
            values["period"] = period.pk
        if "month" in spec.params:
            values["month"] = c["month"]
        if "dates" in spec.params:
            values["from"], values["to"] = c["dates"]
        out.append("?" + urlencode(values))
    return out[0], out[1]


def catalogue_codes() -> list[str]:
    """The codes of every `ReportSpec(code=...)` in reports/catalog_*.py, read with `ast`: benchmarks are
    registered before Django is set up, so the catalogue itself cannot be imported yet."""
    import ast
    from pathlib import Path

    codes = []
    for path in sorted((Path(__file__).resolve().parent.parent / "reports").glob("catalog_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ReportSpec":
                codes += [
                    k.value.value
                    for k in node.keywords
                    if k.arg == "code" and isinstance(k.value, ast.Constant)
                ]
    return codes


def register_benchmarks(register, url, check, failure):
    def factory(code):
        def make(b):
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            from reports.catalog import reports

            spec = reports()[code]
            small, big = (url("reports:report", code) + q for q in _queries(spec, _choices(b)))
            counts = {}
            for label, target in (("small", small), ("large", big)):
                run = b.get_as("deputy", target)
                run()  # warm: settings rows created on first use
                with CaptureQueriesContext(connection) as captured:
                    response = run()
                if b'data-testid="rp-table"' not in response.content:
                    raise failure(f"{code}: no report table at {target}")
                counts[label] = len(captured.captured_queries)
            if counts["small"] != counts["large"]:
                raise failure(f"{code}: the queries grow with the data: {counts} ({small} vs {big})")
            print(f"  {code}: {big} — {counts['large']} queries")
            return b.get_as("deputy", big)

        return make

    for code in catalogue_codes():
        register(f"report_{code}", factory(code))
