"""`build_demo`: the steps in order, in one transaction."""

from __future__ import annotations

import datetime
import logging
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts.models import School
from schedule.selectors import local_today

from .activity import Activity, build_activity
from .calendar import Calendar, build_calendar, in_summer
from .context import Ctx
from .courses import Courses, build_courses
from .deadlines import measure_deadlines
from .journal import Journal, build_journal
from .logins import DemoLogin, build_logins
from .pupils import Pupils, build_pupils
from .sizes import DEFAULT_SEED, DemoError, Size, get_size
from .staff import Staff, build_staff
from .structure import Structure, build_school, build_structure
from .summer import NextYear, YearEnd, build_next_year, build_year_end, end_stays
from .tables import count_rows
from .timetable import Timetable, build_bells, build_lessons, build_timetable


@dataclass
class DemoSchool:
    school: School
    size: Size
    calendar: Calendar
    structure: Structure
    staff: Staff
    courses: Courses
    pupils: Pupils
    logins: list[DemoLogin]
    timetable: Timetable | None = None
    journal: Journal | None = None
    activity: Activity | None = None  # who came in, and the reports the beat built from it
    counts: dict[str, int] = field(default_factory=dict)
    year_end: YearEnd | None = None  # in the summer: the printouts signed, the year closed
    next_year: NextYear | None = None  # in the summer: the next year prepared


def build_demo(
    *,
    size: str | Size = "default",
    slug: str | None = None,
    seed: int = DEFAULT_SEED,
    today: datetime.date | None = None,
    login_prefix: str | None = None,
) -> DemoSchool:
    """Build the demo school `slug` (by default the size's) in one transaction."""
    size = get_size(size)
    explicit_today = today
    today = today or timezone.localdate()
    slug = slug or size.slug
    prefix = size.login_prefix if login_prefix is None else login_prefix
    if School.objects.filter(slug=slug).exists():
        raise DemoError(f"school {slug!r} already exists")
    renders = ExitStack()  # left after the commit, whose callbacks it serves
    with renders, transaction.atomic():
        school = build_school(size, slug)
        ctx = Ctx(school, size, seed, today, prefix)
        # The journal is filled up to yesterday: of `today` if given, else of the school's time zone.
        ctx.journal_today = explicit_today or local_today(school)
        calendar = build_calendar(ctx)
        structure = build_structure(ctx, calendar)
        staff = build_staff(ctx, structure)
        courses = build_courses(ctx, calendar, structure, staff)
        pupils = build_pupils(ctx, calendar, structure, courses)
        logins = build_logins(ctx, staff, courses, pupils)
        bells = build_bells(ctx, calendar)
        timetable = build_timetable(ctx, calendar, structure, courses, bells)
        timetable.lessons = build_lessons(ctx, calendar)
        journal = build_journal(ctx, calendar, structure, courses, pupils)
        measure_deadlines(ctx, calendar)
        demo = DemoSchool(
            school, size, calendar, structure, staff, courses, pupils, logins, timetable, journal
        )
        demo.activity = build_activity(ctx, calendar, staff, pupils)
        if in_summer(ctx.journal_today, calendar.year):
            end_stays(ctx, calendar, pupils, structure, timetable)
            renders.enter_context(renders_in_process())
            demo.year_end = build_year_end(ctx, demo)
            demo.next_year = build_next_year(ctx, demo)
            moved = demo.next_year.courses.demo_class.name
            for login in logins:
                if login.role in ("class_teacher", "student"):
                    login.note += f", с 1 сентября {moved}"
        demo.counts = count_rows(school)
    return demo


@contextmanager
def renders_in_process():
    """Printout renders that the sign-off services enqueue after the commit run in this process, not on
    the broker: the builder has rendered the printouts already, so these find them frozen and return
    (quietly: Celery's line per task run would fill the command's output)."""
    from reports.tasks import render_printout_task

    conf = render_printout_task.app.conf
    trace = logging.getLogger("celery.app.trace")
    saved = conf.task_always_eager, trace.level
    conf.task_always_eager = True
    trace.setLevel(logging.WARNING)
    try:
        yield
    finally:
        conf.task_always_eager = saved[0]
        trace.setLevel(saved[1])
