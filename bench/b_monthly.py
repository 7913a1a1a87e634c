"""Benchmark of the monthly activity report (R-R-4) on the large demo school.

- `activity_report_month`: what the beat's worker does for one school and month (reports/monthly.py): the
  report's data (`queries_monthly.monthly_activity`) and its PDF, as one function call; nothing is stored.
  Target: under 10 s. The month is the last one ended before the demo's today. The demo records no
  activity, so the setup writes a plausible year of it (in a transaction rolled back at the end): teachers
  on most school days, three students in four and two parents in three on some days of each month.
"""

from __future__ import annotations

ACTIVITY_SQL = """
INSERT INTO accounts_dailyactivity (school_id, person_id, day, roles, first_at, last_at, sign_ins)
SELECT p.school_id, p.id, d.day, '{}', d.day + time '16:00', d.day + time '16:00', 1
FROM accounts_person p
JOIN LATERAL (
    SELECT CASE WHEN EXISTS (SELECT 1 FROM accounts_staffrole r WHERE r.person_id = p.id) THEN 0.8
                WHEN EXISTS (SELECT 1 FROM accounts_student s WHERE s.person_id = p.id) THEN 0.3
                ELSE 0.15 END AS chance,
           abs(hashtext(p.id::text)) %% 4 AS kind
) w ON true
CROSS JOIN LATERAL (
    SELECT g::date AS day FROM generate_series(%(since)s::date, %(until)s::date, interval '1 day') g
) d
WHERE p.school_id = %(school)s AND w.kind <> 0
  AND abs(hashtext(p.id::text || d.day::text)) %% 1000 < w.chance * 1000
"""


def register_benchmarks(register, url, check, failure):
    def month_pdf(b):
        from django.db import connection

        from reports import render
        from reports.queries_monthly import month_of, monthly_activity
        from schedule import selectors

        today = selectors.local_today(b.school)
        year = selectors.current_year(b.school)
        if year is None or month_of(today).previous.first < year.starts.replace(day=1):
            raise failure("the demo's today has no ended month in its academic year")
        month = month_of(today).previous
        rollback = b.open_transaction()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    ACTIVITY_SQL, {"school": b.school.pk, "since": year.starts, "until": month.last}
                )
                rows = cursor.rowcount
                cursor.execute("ANALYZE accounts_dailyactivity")
        except BaseException:
            rollback()
            raise
        state = {}

        def run():
            data, summary = monthly_activity(b.school, year, month)
            content = render.pdf_bytes(data, b.school)
            state.update(size=len(content), summary=summary, rows=sum(len(t.rows) for t in data.tables))
            return content

        run()
        print(
            f"  {month.title()}: {rows} activity rows written for the year, {state['rows']} table rows, "
            f"{state['size'] // 1024} KiB, {state['summary']}"
        )
        run.after = rollback
        return run

    register("activity_report_month", month_pdf, runs=5, warmup=1)
