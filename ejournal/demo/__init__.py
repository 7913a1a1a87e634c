"""A deterministic demo school: people, calendar, timetable and a journal of a realistic Russian school.

`build_demo()` (build.py) runs the steps in one transaction; each step is a module and returns what
the later ones need:

    structure.build_school → calendar.build_calendar → structure.build_structure → staff.build_staff
    → courses.build_courses → pupils.build_pupils → logins.build_logins → timetable.build_bells
    → timetable.build_timetable → timetable.build_lessons
    → journal.build_journal (marks, attendance, topics, homework, remarks, plans; the ended periods'
      finals with finals.build_finals; the mark log through journal.marklog.services)
    → deadlines.measure_deadlines (the year so far, as the nightly job would have)

On a summer day (1 June – 31 August) the year built is the one just ended: its journal is full, every
period's finals and the year finals are in, and then (summer.py)

    end_stays → build_year_end (printouts signed and frozen, the year closed)
    → build_next_year (build_calendar, build_structure, build_courses, build_pupils, build_timetable,
      build_lessons again, for the next year: classes moved up, new first grades)

Every step draws from its own `random.Random` seeded with `"<seed>:<size>:<step>"` (context.Ctx), so
adding a step (or changing one) never reshuffles the names of the others. The steps write through the
owning app's services or their bulk counterparts (`schedule.services.years`, `schedule.services.bulk`,
`schedule.bells`, `schedule.timetable.place_lessons`, `accounts.services.bulk`, `journal.plans.bulk`,
`journal.records.bulk`, `journal.finals.bulk`, `journal.grid.bulk`), which check each batch as the single-row services
check a row and write one audit event per batch ("seed_demo: демонстрационная школа", no actor).
Only the school row, the people and their logins are written directly (`docs/decisions.md` says why);
the one password hash is computed once and shared by every demo login.

`purge.purge_school()` deletes one school's rows for `seed_demo --reset`; `tables` holds the planner
statistics and the row counts of the command's summary. This package sits above the apps (it writes
every app's tables) and nothing in the apps imports it.
"""

from .build import DemoSchool, build_demo
from .curriculum import ENGLISH, PE, PRIMARY_CORE, PRIMARY_POSITION
from .journal import build_journal
from .logins import DEMO_PASSWORD, LOGIN_ROLES, USERNAMES, demo_logins
from .names import BOYS, GIRLS
from .purge import purge_school
from .sizes import DEFAULT_SEED, SIZES, DemoError, Size, get_size
from .summer import SIGNED_CLASSES
from .tables import analyze_tables, count_rows
from .timetable import weekly_lessons

__all__ = [
    "BOYS",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "ENGLISH",
    "GIRLS",
    "LOGIN_ROLES",
    "PE",
    "PRIMARY_CORE",
    "PRIMARY_POSITION",
    "SIGNED_CLASSES",
    "SIZES",
    "USERNAMES",
    "DemoError",
    "DemoSchool",
    "Size",
    "analyze_tables",
    "build_demo",
    "build_journal",
    "count_rows",
    "demo_logins",
    "get_size",
    "purge_school",
    "weekly_lessons",
]
