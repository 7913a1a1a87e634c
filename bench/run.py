"""Server-side timings of the portal's pages on the large demo school.

    .venv/bin/python bench/run.py [--runs 30] [--only NAME ...]      (or `make bench`)

Uses its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/ejournal_bench): creates it if missing,
migrates it, seeds `seed_demo --size large` once, then times each registered
benchmark in-process with django.test.Client (server time only, no network):
a few warm-up runs, then N timed runs. Reports median and p95 in ms, SQL
queries of one request and the peak Python memory of one request (tracemalloc),
prints a table and writes bench/results.json (sorted by name; with --only the
other entries of an existing file are kept).

Adding a benchmark is one line at the bottom of the registry:

    register("grid_5a_math", lambda b: b.get_as("teacher", reverse("journal:grid", args=[...])))

A benchmark is a factory that receives the `Bench` context (demo logins,
school) and returns a callable doing one request; setup in the factory is
not timed. `b.get_as(role, url)` and `b.post(url, data)` check the status.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ejournal_bench"
WARMUP = 3


def ensure_database(url: str) -> None:
    """CREATE DATABASE if it is missing (psycopg, autocommit, through the `postgres` database)."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    params = {
        "host": cfg.get("HOST") or "127.0.0.1",
        "port": cfg.get("PORT") or 5432,
        "user": cfg.get("USER") or "postgres",
        "password": cfg.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **params) as conn:
        name = cfg["NAME"]
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}.")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    # Production settings (DEBUG off: no per-query debug wrapper, no template debug data), served over
    # plain HTTP by the in-process client, with a throwaway key.
    os.environ["DEBUG"] = "0"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    # django.test.Client sends Host: testserver.
    hosts = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1")
    os.environ["ALLOWED_HOSTS"] = f"{hosts},testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ejournal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    # Static URLs without a collectstatic manifest (the pages are rendered, not served).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


class BenchFailure(Exception):
    pass


class Bench:
    """What benchmarks need: the demo school, its demo logins, clients signed in as them."""

    def __init__(self, school, users: dict):
        self.school = school
        self.users = users  # role → User
        self.passwords = {}

    def client_as(self, role: str):
        from django.test import Client

        client = Client()
        client.force_login(self.users[role])
        session = client.session
        session["school_id"] = self.school.id
        session.save()
        return client

    def open_transaction(self) -> Callable[[], None]:
        """Open a transaction for a benchmark's setup; the callable returned rolls it back (`run.after`)."""
        from django.db import transaction

        atomic = transaction.atomic()
        atomic.__enter__()

        def rollback():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)

        return rollback

    def first_child(self):
        """The demo parent's first child (by name), as the parent's home page and diary choose it."""
        from accounts.models import Person
        from schedule.selectors import children_of_parent

        parent = Person.objects.get(user=self.users["parent"], school=self.school)
        children = children_of_parent(parent)
        if not children:
            raise BenchFailure("the demo parent has no children linked")
        return children[0]

    def get_as(self, role: str, url: str, status: int = 200) -> Callable:
        """One GET of `url` by the demo login of `role` (signed in once, outside the timing)."""
        client = self.client_as(role)

        def run():
            return check(client.get(url), status, f"GET {url} as {role}")

        return run

    def post(self, url: str, data: dict, status: int = 302, new_client: bool = True) -> Callable:
        """One POST of `data` to `url`, from a fresh anonymous client each time by default."""
        from django.test import Client

        shared = Client()

        def run():
            client = Client() if new_client else shared
            return check(client.post(url, data), status, f"POST {url}")

        return run


def check(response, status: int, what: str):
    if response.status_code != status:
        raise BenchFailure(f"{what}: expected {status}, got {response.status_code}")
    return response


@dataclass
class Benchmark:
    name: str
    factory: Callable[[Bench], Callable]
    memory: bool = True
    runs: int | None = None  # timed runs (default: --runs), fewer for slow jobs
    warmup: int = WARMUP


BENCHMARKS: dict[str, Benchmark] = {}


def register(
    name: str,
    factory: Callable[[Bench], Callable],
    *,
    memory: bool = True,
    runs: int | None = None,
    warmup: int = WARMUP,
) -> None:
    """Add a benchmark. If the callable has a `before` attribute, it runs untimed before every run;
    an `after` attribute runs once when the benchmark ends, even when it fails."""
    BENCHMARKS[name] = Benchmark(name, factory, memory, runs, warmup)


def _url(name: str, *args, **kwargs) -> str:
    from django.urls import reverse

    return reverse(name, args=args or None, kwargs=kwargs or None)


# ---------------------------------------------------------------------------
# The registry: one line per benchmark.
# ---------------------------------------------------------------------------

register(
    "login",
    lambda b: b.post(
        _url("accounts:login"), {"username": b.users["teacher"].username, "password": b.passwords["teacher"]}
    ),
)
for _role in ("admin", "director", "deputy", "class_teacher", "teacher", "student", "parent"):
    register(f"home_{_role}", lambda b, role=_role: b.get_as(role, _url("home")))


def week_view(b: Bench, kind: str) -> Callable:
    """The week of 5А (as the deputy) or of the demo teacher (as that teacher): the next week with lessons."""
    from accounts.models import Person
    from schedule import selectors
    from schedule.models import Lesson, SchoolClass

    year = selectors.current_year(b.school)
    today = selectors.local_today(b.school)
    lessons = Lesson.objects.filter(year=year)
    lesson = lessons.filter(date__gte=today).order_by("date").first() or lessons.order_by("-date").first()
    day = lesson.date if lesson else today
    if kind == "class":
        pk = SchoolClass.objects.get(year=year, grade=5, letter="А").pk
        return b.get_as("deputy", f"{_url('schedule:week_class', pk)}?date={day}")
    person = Person.objects.get(user=b.users["teacher"], school=b.school)
    return b.get_as("teacher", f"{_url('schedule:week_teacher', person.pk)}?date={day}")


register("week_view_class", lambda b: week_view(b, "class"))
register("week_view_teacher", lambda b: week_view(b, "teacher"))


def calendar_generation(b: Bench, size: str) -> Callable:
    """A fresh generation of a whole year's lessons (schedule.calendar.generate_lessons), committed.

    Before each run (untimed) the year's lessons without data are deleted and the
    table vacuumed, as a school that generates its calendar for the first time; the
    run leaves the calendar complete again, so the week views measure a full year.
    """
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import School
    from ejournal import demo
    from schedule import calendar, selectors
    from schedule.models import Lesson

    slug = demo.get_size(size).slug
    if not School.objects.filter(slug=slug).exists():
        print(f"Seeding the {size} demo school (once per bench database)…")
        call_command("seed_demo", size=size, if_empty=True)
    year = selectors.current_year(School.objects.get(slug=slug))

    def before():
        lessons = Lesson.objects.filter(year=year)
        keep = calendar.lessons_with_data(lessons.values_list("pk", flat=True))
        doomed = lessons.exclude(pk__in=list(keep))
        doomed._raw_delete(doomed.db)
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(Lesson._meta.db_table)}")

    def run():
        return calendar.generate_lessons(actor=None, year=year)

    run.before = before
    return run


register("calendar_generate_year", lambda b: calendar_generation(b, "default"), runs=3, warmup=1)
register("calendar_generate_year_large", lambda b: calendar_generation(b, "large"), runs=3, warmup=1)


def journal_course(b: Bench, lessons: int, students: int = 30):
    """A dedicated 5th-grade class of `students` with a maths course of `lessons` marked lessons in one period.

    Created inside a transaction that the benchmark's `after` rolls back, so the
    bench database keeps no trace. Returns (course, period, lesson list, student list, teacher person,
    the rollback callable).
    """
    import datetime
    import random

    from django.db import connection

    from accounts.models import Person, Student
    from journal.grid import services as js
    from journal.models import Attendance, Cell, EditWindow, JournalSettings, Work
    from schedule import selectors
    from schedule.models import (
        Course,
        CourseTeacher,
        Enrollment,
        Lesson,
        ReportingPeriod,
        SchoolClass,
        StudyGroup,
        Subject,
    )

    rollback = b.open_transaction()
    try:
        school = b.school
        year = selectors.current_year(school)
        today = selectors.local_today(school)
        period = (
            ReportingPeriod.objects.filter(scheme__year=year, scheme__grades__contains=[5], starts__lt=today)
            .order_by("starts")
            .first()
        )
        JournalSettings.objects.update_or_create(
            school=school, defaults={"edit_window": EditWindow.NEVER_LOCKED}
        )
        types = js.ensure_default_work_types(school)
        teacher = Person.objects.get(user=b.users["teacher"], school=school)
        stand_in = Person.objects.create(school=school, last_name="Бенчев", first_name="Борис")
        school_class = SchoolClass.objects.create(school=school, year=year, grade=5, letter=f"Б{lessons}")
        group = StudyGroup.objects.create(
            school=school,
            year=year,
            kind="whole_class",
            name=school_class.name,
            grade=5,
            school_class=school_class,
        )
        subject = Subject.objects.create(school=school, name=f"Бенч {lessons}", short_name="Бенч")
        course = Course.objects.create(school=school, year=year, subject=subject, group=group)
        CourseTeacher.objects.create(school=school, course=course, teacher=teacher, starts=year.starts)
        people = Person.objects.bulk_create(
            [Person(school=school, last_name=f"Ученик{n:02d}", first_name="Иван") for n in range(students)]
        )
        pupils = Student.objects.bulk_create([Student(school=school, person=p) for p in people])
        Enrollment.objects.bulk_create(
            [
                Enrollment(school=school, student=s, school_class=school_class, starts=year.starts)
                for s in pupils
            ]
        )
        days, day = [], period.starts
        while day <= min(period.ends, today - datetime.timedelta(days=1)):
            if day.weekday() < 5:
                days.append(day)
            day += datetime.timedelta(days=1)
        per_day = -(-lessons // len(days))
        rows = []
        for i in range(lessons):
            slot = 1 + i % per_day
            starts = datetime.time(8 + slot, 0)
            rows.append(
                Lesson(
                    school=school, year=year, period=period, course=course, group=group, teacher=stand_in,
                    date=days[i // per_day], slot=slot, starts=starts, ends=datetime.time(8 + slot, 45),
                )
            )  # fmt: skip
        made = Lesson.objects.bulk_create(rows)
        default = next(t for t in types if t.is_default)
        test = next((t for t in types if t.code == "КР"), default)
        works = Work.objects.bulk_create(
            [
                Work(school=school, lesson=lesson, work_type=test if i % 7 == 6 else default, position=1)
                for i, lesson in enumerate(made)
            ]
        )
        rng = random.Random(lessons)
        Cell.objects.bulk_create(
            [
                Cell(school=school, work=w, student=s, marks=[rng.choice([3, 4, 4, 5, 5])])
                for w in works
                for s in pupils
                if rng.random() < 0.6
            ]
        )
        Attendance.objects.bulk_create(
            [
                Attendance(school=school, lesson=lesson, student=s, status="absent")
                for lesson in made
                for s in rng.sample(pupils, 2)
            ]
        )
        # A live database has planner statistics for these tables; ANALYZE is transactional, so it goes too.
        with connection.cursor() as cursor:
            for table in (
                "journal_cell",
                "journal_work",
                "journal_attendance",
                "schedule_lesson",
                "schedule_enrollment",
            ):
                cursor.execute(f"ANALYZE {table}")
    except BaseException:
        rollback()
        raise
    return course, period, made, pupils, rollback


def journal_grid(b: Bench, lessons: int) -> Callable:
    """The grid of a 30-student course with `lessons` marked lessons in one period, as its teacher."""
    course, period, _, _, rollback = journal_course(b, lessons)
    run = b.get_as("teacher", _url("journal:grid", course.pk, period.pk))
    run.after = rollback
    return run


def save_mark(b: Bench) -> Callable:
    """One cell typed in the grid (journal:save_cell), alternating 5 and 4: lock check, CAS write, log entry."""
    course, period, lessons, pupils, rollback = journal_course(b, 50)
    lesson = lessons[-1]
    work = lesson.works.get()
    student = pupils[0]
    client = b.client_as("teacher")
    url = _url("journal:save_cell")
    state = {"value": "5", "version": ""}
    cell = work.cells.filter(student=student).first()
    if cell:
        state["version"] = cell.version

    def run():
        data = {"lesson": lesson.pk, "work": work.pk, "student": student.pk, "value": state["value"]}
        data["version"] = state["version"]
        response = check(client.post(url, data), 200, "POST save_cell")
        state["version"] = response.json()["version"]
        state["value"] = "4" if state["value"] == "5" else "5"
        return response

    run.after = rollback
    return run


# Four past academic years of the whole school, copied from this year's seeded journal with INSERT … SELECT.
HISTORY_YEARS = 4
HISTORY_SHIFT_DAYS = 364  # whole weeks: a copied lesson keeps its weekday, so no teacher or room clashes


def _clone(
    cursor, table: str, where: str, params: list, *, fields: dict, maps: dict, into: str | None = None
):
    """INSERT INTO `table` SELECT its rows `s` matching `where` with some columns replaced; returns the row count.

    `fields`: column → SQL expression over `s` (a new date, NULL…); `maps`: FK column → the temp
    table mapping old to new ids of what it points at; `into`: a temp table (old, new) to create with
    the new ids of the copied rows (drawn from the table's sequence), for the tables that point here.
    """
    from django.db import connection

    columns = [
        c.name
        for c in connection.introspection.get_table_description(cursor, table)
        if c.name != "id" or into
    ]
    joins = "".join(f" LEFT JOIN {m} AS m_{c} ON m_{c}.old = s.{c}" for c, m in maps.items())
    if into:
        cursor.execute(
            f"CREATE TEMP TABLE {into} ON COMMIT DROP AS SELECT s.id AS old, "
            f"nextval(pg_get_serial_sequence('{table}', 'id')) AS new FROM {table} s {joins} WHERE {where}",
            params,
        )
        cursor.execute(f"ALTER TABLE {into} ADD PRIMARY KEY (old)")
        cursor.execute(f"ANALYZE {into}")
        joins = f" JOIN {into} AS m_id ON m_id.old = s.id" + joins
        fields = {**fields, "id": "m_id.new"}
    select = ", ".join(fields[c] if c in fields else f"m_{c}.new" if c in maps else f"s.{c}" for c in columns)
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {table} s {joins} WHERE {where}",
        params,
    )
    return cursor.rowcount


def add_history(school, *, skip_course=None, years: int = HISTORY_YEARS) -> dict[str, int]:
    """`years` past academic years of the school: classes, groups, courses, enrollments, the lessons
    held so far this year with their mark columns, marks, attendance, topics and homework, copied
    `HISTORY_SHIFT_DAYS` × k days back (k = 1…years). Call inside a transaction that is rolled back."""
    from django.db import connection

    from schedule import selectors

    year = selectors.current_year(school)
    today = selectors.local_today(school)
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for k in range(1, years + 1):
            shift = f"INTERVAL '{HISTORY_SHIFT_DAYS * k} days'"

            def back(column, shift=shift):
                return f"(s.{column} - {shift})::date"

            ends = back("ends")
            p = str(k)

            def clone(table, where, params, fields=None, maps=None, into=None, p=p):
                n = _clone(
                    cursor,
                    table,
                    where,
                    params,
                    fields=fields or {},
                    maps=maps or {},
                    into=into and f"{into}_{p}",
                )
                counts[table] = counts.get(table, 0) + n

            first = year.starts.year - k
            clone(
                "schedule_academicyear",
                "s.id = %s",
                [year.pk],
                {
                    "name": f"'{first}/{first + 1}'",
                    "starts": back("starts"),
                    "ends": ends,
                    "status": "'archived'",
                },
                into="h_year",
            )
            clone(
                "schedule_periodscheme",
                "s.year_id = %s",
                [year.pk],
                maps={"year_id": f"h_year_{p}"},
                into="h_scheme",
            )
            clone(
                "schedule_reportingperiod",
                f"s.scheme_id IN (SELECT old FROM h_scheme_{p})",
                [],
                {"starts": back("starts"), "ends": ends},
                {"scheme_id": f"h_scheme_{p}"},
                into="h_period",
            )
            clone(
                "schedule_schoolclass",
                "s.year_id = %s",
                [year.pk],
                maps={"year_id": f"h_year_{p}"},
                into="h_class",
            )
            clone(
                "schedule_studygroup",
                "s.year_id = %s",
                [year.pk],
                maps={"year_id": f"h_year_{p}", "school_class_id": f"h_class_{p}"},
                into="h_group",
            )
            clone(
                "schedule_course",
                "s.year_id = %s AND s.id <> %s",
                [year.pk, getattr(skip_course, "pk", 0)],
                maps={"year_id": f"h_year_{p}", "group_id": f"h_group_{p}"},
                into="h_course",
            )
            year_end = f"('{year.ends}'::date - {shift})::date"
            clone(
                "schedule_courseteacher",
                f"s.course_id IN (SELECT old FROM h_course_{p})",
                [],
                {"starts": back("starts"), "ends": f"COALESCE({ends}, {year_end})"},
                {"course_id": f"h_course_{p}"},
            )
            clone(
                "schedule_enrollment",
                f"s.school_class_id IN (SELECT old FROM h_class_{p})",
                [],
                {"starts": back("starts"), "ends": f"COALESCE({ends}, {year_end})"},
                {"school_class_id": f"h_class_{p}"},
            )
            clone(
                "schedule_groupmembership",
                f"s.group_id IN (SELECT old FROM h_group_{p})",
                [],
                {"starts": back("starts"), "ends": f"COALESCE({ends}, {year_end})"},
                {"group_id": f"h_group_{p}"},
            )
            clone(
                "schedule_lesson",
                f"s.course_id IN (SELECT old FROM h_course_{p}) AND s.date < %s",
                [today],
                {"date": back("date"), "entry_id": "NULL"},
                {
                    "year_id": f"h_year_{p}",
                    "period_id": f"h_period_{p}",
                    "course_id": f"h_course_{p}",
                    "group_id": f"h_group_{p}",
                },
                into="h_lesson",
            )
            in_lessons = f"s.lesson_id IN (SELECT old FROM h_lesson_{p})"
            lesson = {"lesson_id": f"h_lesson_{p}"}
            clone("journal_work", in_lessons, [], maps=lesson, into="h_work")
            clone(
                "journal_cell",
                f"s.work_id IN (SELECT old FROM h_work_{p})",
                [],
                maps={"work_id": f"h_work_{p}"},
            )
            clone("journal_attendance", in_lessons, [], maps=lesson)
            clone("journal_lessontopic", in_lessons, [], {"plan_topic_id": "NULL"}, lesson)
            clone("journal_homework", in_lessons, [], {"due_lesson_id": "NULL"}, lesson)
        cursor.execute(
            "ANALYZE "
            + ", ".join(sorted({*counts, "journal_worktype", "schedule_subject", "accounts_student"}))
        )
    return counts


def plan_cost(run: Callable) -> dict:
    """What one request's SELECTs cost the database, independent of machine load: the shared buffers
    they touch (EXPLAIN ANALYZE BUFFERS) and their execution time as the server measures it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    buffers, ms, queries, each = 0, 0.0, len(captured.captured_queries), []
    with connection.cursor() as cursor:
        for q in captured.captured_queries:
            if not q["sql"].lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + q["sql"])
            (plan,) = cursor.fetchone()[0]
            n = plan["Plan"].get("Shared Hit Blocks", 0) + plan["Plan"].get("Shared Read Blocks", 0)
            buffers += n
            ms += plan["Execution Time"]
            each.append((n, round(plan["Execution Time"], 2), q["sql"][:90]))
    return {"queries": queries, "buffers": buffers, "db_ms": round(ms, 2), "each": each}


def journal_grid_with_history(b: Bench, lessons: int) -> Callable:
    """The grid of `journal_grid` once the school holds four more academic years of journal history.

    Prints the grid's database cost (queries, shared buffers, server-side execution time) before and
    after the history is added: unlike wall time on a busy machine, these show whether it grows.
    """
    course, period, _, _, rollback = journal_course(b, lessons)
    try:
        run = b.get_as("teacher", _url("journal:grid", course.pk, period.pk))
        for _ in range(WARMUP):
            run()
        before = plan_cost(run)
        started = time.perf_counter()
        counts = add_history(b.school, skip_course=course)
        took = time.perf_counter() - started
        print(
            f"  history: {HISTORY_YEARS} past years in {took:.1f} s — "
            + ", ".join(f"{t.split('_', 1)[1]} {n}" for t, n in counts.items() if n)
        )
        for _ in range(WARMUP):
            run()
        after = plan_cost(run)
        for label, cost in (("without history", before), (f"with {HISTORY_YEARS} past years", after)):
            print(
                f"  grid {label}: {cost['queries']} queries, {cost['buffers']} buffers, {cost['db_ms']} ms in the DB"
            )
        for (n0, ms0, sql), (n1, ms1, _sql) in zip(before["each"], after["each"], strict=False):
            if n1 != n0:
                print(f"    {n0} → {n1} buffers, {ms0} → {ms1} ms: {sql}")
    except BaseException:
        rollback()
        raise
    run.after = rollback
    return run


register("grid_30x10", lambda b: journal_grid(b, 10))
register("grid_30x50", lambda b: journal_grid(b, 50))
register("grid_30x80", lambda b: journal_grid(b, 80))
register("grid_30x50_5y", lambda b: journal_grid_with_history(b, 50))
register("save_mark", save_mark)


def finals_period(b: Bench):
    """The reporting period the finals benchmarks propose: the last one that has ended (the first
    quarter in the autumn), else the one under way; the scheme with more grades on a tie."""
    from django.db.models import Func

    from schedule import selectors
    from schedule.models import ReportingPeriod

    year = selectors.current_year(b.school)
    today = selectors.local_today(b.school)
    periods = ReportingPeriod.objects.filter(scheme__year=year).select_related("scheme")
    periods = periods.annotate(n=Func("scheme__grades", function="cardinality"))
    return (
        periods.filter(ends__lt=today).order_by("-ends", "-n").first()
        or periods.filter(starts__lte=today).order_by("-starts", "-n").first()
    )


def finals_classes(period):
    """The classes of the period's grades that get finals (not the first grade, R-SET-5), by the
    number of students on the period's last day: (class, students), fewest first."""
    from django.db.models import Count, Q

    from schedule.models import SchoolClass

    on = period.ends
    staying = Q(enrollments__starts__lte=on) & (
        Q(enrollments__ends__isnull=True) | Q(enrollments__ends__gte=on)
    )
    return [
        (c, c.n)
        for c in SchoolClass.objects.filter(
            year_id=period.scheme.year_id, grade__in=[g for g in period.scheme.grades if g > 1]
        )
        .annotate(n=Count("enrollments", filter=staying))
        .order_by("n", "pk")
    ]


def finals_propose(b: Bench, school_wide: bool) -> Callable:
    """R-F-2 proposals for the period's finals as one function call (no HTTP): of the largest class
    (`finals_selectors.propose_period` over `courses_of_period(period, school_class=…)`) or of every
    course of the period in the whole school (`school_wide=True`).

    The setup runs the class proposal for the smallest and the largest class and the school's, and
    fails unless all three take the same number of queries: it must not grow with the students.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from journal.finals import selectors as fs

    period = finals_period(b)
    classes = finals_classes(period)
    (small, n_small), (big, n_big) = classes[0], classes[-1]

    def for_class(school_class):
        def run():
            return fs.propose_period(period, fs.courses_of_period(period, school_class=school_class))

        return run

    def for_school():
        return fs.propose_period(period, fs.courses_of_period(period), school_wide=True)

    fs.journal_settings(b.school)  # created with the defaults on first use: not part of the timing
    counts = {}
    for label, run in (
        (f"class {small} ({n_small} students)", for_class(small)),
        (f"class {big} ({n_big} students)", for_class(big)),
        ("the whole school", for_school),
    ):
        with CaptureQueriesContext(connection) as captured:
            proposed = run()
        counts[label] = len(captured.captured_queries)
        courses = len({p.course_id for p in proposed})
        print(
            f"  {period.name}, {label}: {len(proposed)} finals in {courses} courses, {counts[label]} queries"
        )
    if len(set(counts.values())) != 1:
        raise BenchFailure(f"the queries grow with the students: {counts}")
    return for_school if school_wide else for_class(big)


register("finals_propose_class", lambda b: finals_propose(b, school_wide=False))
register("finals_propose_school", lambda b: finals_propose(b, school_wide=True), runs=5, warmup=1)


def finals_page(b: Bench) -> Callable:
    """The finals view of a 30-student course with 50 marked lessons in its first period, as its teacher."""
    course, _period, _, _, rollback = journal_course(b, 50)
    try:
        run = b.get_as("teacher", _url("journal:finals", course.pk))
    except BaseException:
        rollback()
        raise
    run.after = rollback
    return run


register("finals_page", finals_page)
register("finals_control", lambda b: b.get_as("deputy", _url("journal:finals_control")))


def load_area_benchmarks() -> None:
    """Benchmarks of an area live in `bench/b_<area>.py`, each defining
    `register_benchmarks(register, url, check, failure)` (the same `register` as above)."""
    import importlib.util

    for path in sorted(Path(__file__).resolve().parent.glob("b_*.py")):
        spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.register_benchmarks(register, _url, check, BenchFailure)


load_area_benchmarks()


# ---------------------------------------------------------------------------
# The runner
# ---------------------------------------------------------------------------


def measure(bench: Benchmark, ctx: Bench, runs: int) -> dict:
    """Times one benchmark; `run.after`, if set, runs once at the end (a rollback of its setup, say)."""
    run = bench.factory(ctx)
    try:
        return _measure(bench, run, runs)
    finally:
        after = getattr(run, "after", None)
        if after is not None:
            after()
            # The rolled-back setup leaves dead rows (half a million for the history bench) that would slow
            # the planner for the benchmarks after it; a live database's autovacuum clears them.
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")


def _measure(bench: Benchmark, run: Callable, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    before = getattr(run, "before", lambda: None)
    runs = bench.runs or runs
    for _ in range(bench.warmup):
        before()
        run()
    before()
    with CaptureQueriesContext(connection) as captured:
        run()
    queries = len(captured.captured_queries)
    peak_mb = None
    if bench.memory:
        before()
        tracemalloc.start()
        try:
            run()
            peak_mb = round(tracemalloc.get_traced_memory()[1] / 2**20, 2)
        finally:
            tracemalloc.stop()
    times = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "name": bench.name,
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[math.ceil(0.95 * len(times)) - 1], 2),
        "queries": queries,
        "peak_mb": peak_mb,
    }


def prepare() -> Bench:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import School
    from ejournal import demo

    call_command("migrate", interactive=False, verbosity=0)
    size = demo.get_size("large")
    if not School.objects.filter(slug=size.slug).exists():
        print("Seeding the large demo school (once per bench database)…")
        call_command("seed_demo", size="large", if_empty=True)
    school = School.objects.get(slug=size.slug)
    from journal.models import Cell

    if not Cell.objects.filter(school=school).exists():
        raise SystemExit(
            "The large demo school has no journal (seeded before the journal was): rebuild it with\n"
            f"  DATABASE_URL={os.environ['DATABASE_URL']} .venv/bin/python manage.py seed_demo --size large --reset"
        )
    # Freshly seeded tables have no planner statistics yet, and the rolled-back rows of earlier bench runs
    # leave dead tuples that slow the planner down; a live database has autovacuum for both.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    logins = demo.demo_logins(size)
    User = get_user_model()
    users = {x["role"]: User.objects.get(username=x["username"]) for x in logins}
    ctx = Bench(school, users)
    ctx.passwords = {x["role"]: x["password"] for x in logins}
    return ctx


def print_table(results: list[dict], failures: dict[str, str]) -> None:
    def fmt(v):
        return "—" if v is None else f"{v}"

    header = ("benchmark", "median ms", "p95 ms", "queries", "peak MiB")
    rows = [
        (r["name"], fmt(r["median_ms"]), fmt(r["p95_ms"]), fmt(r["queries"]), fmt(r["peak_mb"]))
        for r in results
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    line = "  ".join(f"{{:<{widths[0]}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    print(line.format(*header))
    print(line.format(*("-" * w for w in widths)))
    for row in rows:
        print(line.format(*row))
    for name, error in failures.items():
        print(f"FAILED {name}: {error}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per benchmark (default 30)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks")
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help="results file (default bench/results.json)"
    )
    args = parser.parse_args(argv)

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    setup_django(url)
    ctx = prepare()

    selected = [BENCHMARKS[n] for n in args.only] if args.only else list(BENCHMARKS.values())
    results, failures = [], {}
    for bench in selected:
        try:
            results.append(measure(bench, ctx, args.runs))
        except Exception as exc:  # one broken page must not hide the others' figures
            failures[bench.name] = f"{type(exc).__name__}: {exc}"
    results.sort(key=lambda r: r["name"])
    print_table(results, failures)

    if args.only and args.output.exists():
        fresh = {r["name"] for r in results} | set(failures)
        kept = [r for r in json.loads(args.output.read_text()) if r["name"] not in fresh]
        results = sorted(kept + results, key=lambda r: r["name"])
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"Wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
