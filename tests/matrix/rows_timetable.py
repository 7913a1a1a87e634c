"""Rows for the bell-schedule and timetable-editing pages (schedule/rules.py, "Timetable").

Reading bells and the weekly timetable: every staff member (`view_timetables`). Editing them:
the admin and the deputy (`manage_timetable`). Objects of this school answer 404 to the admin
of another school ("outsider"); school-wide lists show the outsider their own school's. The
district operator, who has no school, is sent to the schools list (302).
"""

from schedule.models import BellDay, TimetableEntry
from tests import factories as f
from tests.matrix import Row

OPERATOR = {"operator": 302}
STAFF = {"admin": 200, "director": 200, "deputy": 200, "teacher": 200, "class_teacher": 200}
READ = {**STAFF, **OPERATOR}
MANAGE_PAGE = {"admin": 200, "deputy": 200, **OPERATOR}
MANAGE_POST = {"admin": 302, "deputy": 302, **OPERATOR}
OWN_LIST = {"outsider": 200}
FOREIGN = {"outsider": 404}


def schedule(w):
    return {"pk": f.make_bells(w.school).pk}


def bell_day(w):
    special = f.make_bells(w.school, name="Сокращённый", is_default=False)
    day = BellDay.objects.create(school=w.school, date=w.year.starts, shift=1, schedule=special)
    return {"pk": day.pk}


def class_5a(w):
    return {"pk": w.class_5a.pk}


def cell(w):
    f.make_bells(w.school)
    return {"pk": w.class_5a.pk, "weekday": 2, "slot": 3}


def entry(w):
    f.make_bells(w.school)
    e = TimetableEntry.objects.create(
        school=w.school,
        year=w.year,
        course=w.math_5a,
        group=w.math_5a.group,
        teacher=w.teacher,
        weekday=1,
        shift=1,
        slot=1,
        starts=w.year.starts,
    )
    return {"pk": e.pk}


def slots(rows):
    data = {"slots-TOTAL_FORMS": str(len(rows)), "slots-INITIAL_FORMS": "0"}
    for i, (number, starts, ends) in enumerate(rows):
        data |= {f"slots-{i}-number": number, f"slots-{i}-starts": starts, f"slots-{i}-ends": ends}
    return data


NEW_SCHEDULE = {"name": "Основное", "shift": "1", "is_default": "on"} | slots([("1", "08:30", "09:15")])


ROWS = [
    # bell schedules
    Row("schedule:bell_list", expect={**READ, **OWN_LIST}),
    Row("schedule:bell_create", expect={**MANAGE_PAGE, **OWN_LIST}),
    Row(
        "schedule:bell_create",
        method="post",
        expect={**MANAGE_POST, "outsider": 302},
        data=lambda w: NEW_SCHEDULE,
        note="the outsider creates a schedule in their own school",
    ),
    Row("schedule:bell_edit", kwargs=schedule, expect={**MANAGE_PAGE, **FOREIGN}),
    Row(
        "schedule:bell_edit",
        kwargs=schedule,
        method="post",
        expect={**MANAGE_POST, **FOREIGN},
        data=lambda w: (
            {"name": "Основное", "shift": "1", "is_default": "on"}
            | slots([(str(n), a, b) for n, (a, b) in enumerate(f.BELLS, start=1)])
        ),
    ),
    Row("schedule:bell_delete", kwargs=schedule, method="post", expect={**MANAGE_POST, **FOREIGN}),
    # special bell days
    Row("schedule:bellday_list", expect={**READ, **OWN_LIST}),
    Row(
        "schedule:bellday_list",
        method="post",
        expect={**MANAGE_POST, "outsider": 200},
        data=lambda w: {"date": "2026-12-30", "shift": "1", "schedule": schedule(w)["pk"]},
        note="the outsider's form refuses a schedule of this school: re-rendered, nothing saved",
    ),
    Row("schedule:bellday_delete", kwargs=bell_day, method="post", expect={**MANAGE_POST, **FOREIGN}),
    # the weekly timetable
    Row("schedule:timetable_index", expect={**READ, **OWN_LIST}),
    Row("schedule:timetable_class", kwargs=class_5a, expect={**READ, **FOREIGN}),
    Row(
        "schedule:timetable_class",
        kwargs=class_5a,
        method="post",
        data=lambda w: {"course": w.math_5a.pk},
        expect={**READ, **FOREIGN},
        state=lambda w: TimetableEntry.objects.filter(school=w.school).count(),
        note="the grid shares its page with the cell's form, but places nothing: a POST reads like a GET",
    ),
    Row("schedule:timetable_cell", kwargs=cell, expect={**MANAGE_PAGE, **FOREIGN}),
    Row(
        "schedule:timetable_cell",
        kwargs=cell,
        method="post",
        expect={**MANAGE_POST, **FOREIGN},
        data=lambda w: {"course": w.math_5a.pk},
    ),
    Row("schedule:timetable_entry", kwargs=entry, expect={**MANAGE_PAGE, **FOREIGN}),
    Row(
        "schedule:timetable_entry",
        kwargs=entry,
        method="post",
        expect={**MANAGE_POST, **FOREIGN},
        data=lambda w: {"weekday": "2", "slot": "2", "teacher": w.teacher.pk, "on_date": "2027-01-12"},
    ),
    Row("schedule:timetable_entry_remove", kwargs=entry, method="post", expect={**MANAGE_POST, **FOREIGN}),
]
