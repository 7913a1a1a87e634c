"""Bells, the weekly timetable (a clash-free plan of every class's lessons in its rooms) and the
year's lesson calendar."""

from __future__ import annotations

import datetime
import math
import random
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from schedule import calendar as lesson_calendar
from schedule.bells import save_bell_day, save_bell_schedule
from schedule.models import (
    BellDay,
    BellSchedule,
    Course,
    Room,
    SchoolClass,
    StudyGroup,
    TimetableEntry,
)
from schedule.timetable import place_lessons

from .calendar import Calendar
from .context import NOTE, Ctx
from .courses import Courses
from .curriculum import PE, PRIMARY_CORE, TALKS
from .structure import Structure

# Shift 1: 45-minute lessons from 08:30; breaks after each lesson (minutes).
LESSON_MINUTES = 45


BREAKS = (10, 20, 20, 10, 10, 10, 10)


# The shortened day: 30-minute lessons with 10-minute breaks.
SHORT_MINUTES = 30


# Subjects of ordinary classrooms: a room upstairs with only these (or none) is a secondary class's home
# room and a room any lesson but PE may fall back to when its subject rooms are taken.
GENERAL_SUBJECTS = {
    "Русский язык",
    "Литература",
    "Алгебра",
    "Геометрия",
    "Математика",
    "История",
    "Обществознание",
    "География",
}


WEEKDAYS = (1, 2, 3, 4, 5)


# Which days get the extra lesson when a week does not divide evenly (Tuesday and Wednesday first).
LONG_DAYS = (2, 3, 1, 4, 5)


RESTARTS = 6


def day_caps(grade: int) -> dict[int, int]:
    """Lessons a day at most: first grade 4 (5 on one day), grades 2–4 five, grades 5–11 seven."""
    if grade == 1:
        return {day: 5 if day == LONG_DAYS[0] else 4 for day in WEEKDAYS}
    return dict.fromkeys(WEEKDAYS, 5 if grade <= 4 else 7)


def day_lengths(total: int, grade: int) -> dict[int, int]:
    """The week of a class divided evenly over the days, the longer days first, never above the caps."""
    caps = day_caps(grade)
    lengths = dict.fromkeys(WEEKDAYS, 0)
    for _n in range(total):
        open_days = [d for d in LONG_DAYS if lengths[d] < caps[d]]
        if not open_days:
            break
        day = min(open_days, key=lambda d: (lengths[d], LONG_DAYS.index(d)))
        lengths[day] += 1
    return lengths


def weekly_lessons(hours_per_week: Decimal) -> int:
    """Weekly timetable lines of a course: halves round up (1.5 h → 2), at least one."""
    return max(1, int((Decimal(hours_per_week) + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR)))


def bell_times(first: str, minutes: int, breaks) -> list[tuple[datetime.time, datetime.time]]:
    start = datetime.datetime.combine(datetime.date(2000, 1, 1), datetime.time.fromisoformat(first))
    slots = []
    for pause in breaks:
        end = start + datetime.timedelta(minutes=minutes)
        slots.append((start.time(), end.time()))
        start = end + datetime.timedelta(minutes=pause)
    return slots


@dataclass
class Bells:
    default: BellSchedule
    short: BellSchedule
    days: list[BellDay]


@dataclass
class Timetable:
    bells: Bells
    entries: list[TimetableEntry]
    home_rooms: dict[int, Room]  # class id → its home room
    shortfall: dict[str, int]  # class name → weekly lessons that found no place
    lessons: lesson_calendar.Report | None = None  # what generating the year's lessons did


def build_bells(ctx: Ctx, calendar: Calendar) -> Bells:
    """Shift 1: eight 45-minute lessons from 08:30; a shortened day (30 minutes) on the last day before winter."""
    default = save_bell_schedule(
        actor=ctx.actor,
        name="Основное расписание звонков",
        shift=1,
        is_default=True,
        slots=numbered(bell_times("08:30", LESSON_MINUTES, BREAKS + (0,))),
    )
    short = save_bell_schedule(
        actor=ctx.actor,
        name="Сокращённый день",
        shift=1,
        is_default=False,
        slots=numbered(bell_times("08:30", SHORT_MINUTES, (10,) * 8)),
    )
    return Bells(default, short, [short_day(ctx, calendar, short)])


def numbered(times) -> list[tuple[int, datetime.time, datetime.time]]:
    return [(n, a, b) for n, (a, b) in enumerate(times, start=1)]


def short_day(ctx: Ctx, calendar: Calendar, short: BellSchedule) -> BellDay:
    """The year's last school day before the winter holidays runs on the shortened bells."""
    winter = min(
        (h for h in calendar.holidays if not h.grades and h.starts.month == 12), key=lambda h: h.starts
    )
    last_day = winter.starts - datetime.timedelta(days=1)
    while last_day.isoweekday() > 5:
        last_day -= datetime.timedelta(days=1)
    return save_bell_day(actor=ctx.actor, date=last_day, shift=1, schedule=short)


@dataclass
class Item:
    """One weekly lesson of a class: one course, or the parallel subgroup courses of a subject."""

    class_id: int
    grade: int
    subject: str
    courses: list[tuple[int, int, list[int]]]  # (course id, teacher id, rooms by preference)
    per_day: int  # at most this many of the subject a day
    weight: int = 0  # how hard it is to place (bigger first)
    cell: tuple[int, int] | None = None
    rooms: list[int] = field(default_factory=list)


class Planner:
    """A greedy timetable with one-swap repair: every weekly lesson of every class into a clash-free cell.

    Cells of a class are fixed first (its week divided evenly, lessons from the first slot
    on, no gaps); then items are placed hardest first, each where its teachers and rooms
    are free and its subject is not yet on that day; an item with no such cell swaps
    with a placed item of its class.
    """

    def __init__(self, classes, items: list[Item], rng: random.Random):
        self.rng = rng
        self.items = items
        self.cells: dict[int, list[tuple[int, int]]] = {}
        for c in classes:
            lengths = day_lengths(sum(1 for i in items if i.class_id == c.id), c.grade)
            self.cells[c.id] = [(day, slot) for day in WEEKDAYS for slot in range(1, lengths[day] + 1)]
        self.at: dict[tuple[int, tuple], Item] = {}  # (class id, cell) → item
        self.teacher: dict[tuple[int, tuple], Item] = {}
        self.room: dict[tuple[int, tuple], Item] = {}
        self.per_day: dict[tuple[int, str, int], int] = defaultdict(int)

    def rooms_for(self, item: Item, cell, ignore: Item | None = None) -> list[int] | None:
        """Rooms for each course of the item at `cell` (or None when a teacher, a room or the day is full)."""
        if (
            self.per_day[item.class_id, item.subject, cell[0]]
            - (
                1
                if ignore is not None and ignore.subject == item.subject and ignore.cell[0] == cell[0]
                else 0
            )
            >= item.per_day
        ):
            return None
        chosen = []
        for _course, teacher, prefs in item.courses:
            if self.teacher.get((teacher, cell)) not in (None, ignore):
                return None
            room = next(
                (r for r in prefs if r not in chosen and self.room.get((r, cell)) in (None, ignore)), None
            )
            if room is None:
                return None
            chosen.append(room)
        return chosen

    def place(self, item: Item, cell, rooms):
        item.cell, item.rooms = cell, rooms
        self.at[item.class_id, cell] = item
        for (_c, teacher, _p), room in zip(item.courses, rooms, strict=True):
            self.teacher[teacher, cell] = item
            self.room[room, cell] = item
        self.per_day[item.class_id, item.subject, cell[0]] += 1

    def remove(self, item: Item):
        cell = item.cell
        del self.at[item.class_id, cell]
        for (_c, teacher, _p), room in zip(item.courses, item.rooms, strict=True):
            del self.teacher[teacher, cell]
            del self.room[room, cell]
        self.per_day[item.class_id, item.subject, cell[0]] -= 1
        item.cell, item.rooms = None, []

    def free_cells(self, class_id):
        return [cell for cell in self.cells[class_id] if (class_id, cell) not in self.at]

    def cost(self, item: Item, cell) -> tuple:
        """A subject not yet on that day first; otherwise any cell (the cells of a class are all filled)."""
        return (self.per_day[item.class_id, item.subject, cell[0]], self.rng.random())

    def place_item(self, item: Item) -> bool:
        options = []
        for cell in self.free_cells(item.class_id):
            rooms = self.rooms_for(item, cell)
            if rooms is not None:
                options.append((self.cost(item, cell), cell, rooms))
        if options:
            _cost, cell, rooms = min(options)
            self.place(item, cell, rooms)
            return True
        return self.swap_in(item)

    def swap_in(self, item: Item) -> bool:
        """Put `item` where a placed item of its class is, and that one into a free cell."""
        free = self.free_cells(item.class_id)
        for cell in self.cells[item.class_id]:
            other = self.at.get((item.class_id, cell))
            if other is None:
                continue
            rooms = self.rooms_for(item, cell, ignore=other)
            if rooms is None:
                continue
            self.remove(other)
            self.place(item, cell, rooms)
            for target in free:
                moved = self.rooms_for(other, target)
                if moved is not None:
                    self.place(other, target, moved)
                    return True
            self.remove(item)
            self.place(other, cell, self.rooms_for(other, cell))
        return False

    def run(self) -> list[Item]:
        """Place every item; returns those that found no place."""
        order = sorted(self.items, key=lambda i: (-i.weight, self.rng.random()))
        return [item for item in order if not self.place_item(item)]


def _room_preferences(
    structure: Structure,
) -> tuple[dict[int, Room], dict[str, list[int]], list[int]]:
    """Home rooms of the classes, subject → its rooms, and the general rooms any lesson may fall back to."""
    rooms, subjects_of = structure.rooms, structure.room_subjects
    by_subject: dict[str, list[int]] = defaultdict(list)
    general, primary_homes = [], []
    for room, names in zip(rooms, subjects_of, strict=True):
        for name in names:
            by_subject[name].append(room.id)
        if not names and room.name.startswith("1"):
            primary_homes.append(room)
        elif set(names) <= GENERAL_SUBJECTS and room.name[0] in "24":
            general.append(room)
    home: dict[int, Room] = {}
    primary_classes = [c for c in structure.classes if c.grade <= 4]
    secondary = [c for c in structure.classes if c.grade > 4]
    for c, room in zip(primary_classes, primary_homes, strict=False):
        home[c.id] = room
    for c, room in zip(secondary, general, strict=False):
        home[c.id] = room
    return home, by_subject, [r.id for r in general]


def build_timetable(
    ctx: Ctx, calendar: Calendar, structure: Structure, courses: Courses, bells: Bells
) -> Timetable:
    """A clash-free weekly timetable for every class from the courses' weekly hours, valid all year.

    Teachers and rooms are never double-booked; subject rooms are used where
    `Room.subjects` says so, else the class's home room (primary core subjects
    always there); the English subgroups of a class meet in the same slot, in two
    rooms, with two teachers.
    """
    rng = ctx.rng("timetable")
    year = calendar.year
    home, by_subject, general = _room_preferences(structure)
    load: dict[int, int] = defaultdict(int)
    for course in courses.courses:
        load[courses.teacher[course.id].id] += weekly_lessons(course.hours_per_week)

    def prefs(subject: str, c: SchoolClass) -> list[int]:
        own = [home[c.id].id] if c.id in home else []
        if c.grade <= 4 and (subject in PRIMARY_CORE or subject == TALKS):
            return own or general
        if subject == PE:
            return by_subject[PE]
        special = [r for r in by_subject.get(subject, []) if r not in own]
        if own and own[0] in by_subject.get(subject, []):
            special = own + special
        rest = [r for r in general if r not in special and r not in own]
        return list(dict.fromkeys(special + own + rest))

    items: list[Item] = []
    classes = {c.id: c for c in structure.classes}
    group_of = {course.id: course.group_id for course in courses.courses}
    parallel: dict[tuple[int, int], list[Course]] = defaultdict(
        list
    )  # (class id, subject id) → subgroup courses
    for course in courses.courses:
        group = course.group
        c = classes[group.school_class_id]
        if group.kind == StudyGroup.Kind.SUBGROUP:
            parallel[c.id, course.subject_id].append(course)
            continue
        items += _items(c, [course], courses, load, prefs)
    for (class_id, _subject), split in parallel.items():
        items += _items(classes[class_id], split, courses, load, prefs)

    best = None
    for attempt in range(RESTARTS):
        for item in items:
            item.cell, item.rooms = None, []
        planner = Planner(structure.classes, items, random.Random(f"{rng.random()}:{attempt}"))
        failed = planner.run()
        placed = [(i, i.cell, list(i.rooms)) for i in items if i.cell is not None]
        if best is None or len(failed) < len(best[1]):
            best = (placed, failed)
        if not failed:
            break
    placed, failed = best

    # Placed in the last week of August, before the deadline of the first period (journal/deadlines).
    placed_at = datetime.datetime.combine(
        year.starts - datetime.timedelta(days=8),
        datetime.time(12),
        tzinfo=zoneinfo.ZoneInfo(ctx.school.timezone),
    )
    entries = []
    for item, (weekday, slot), rooms in placed:
        for (course_id, teacher_id, _p), room_id in zip(item.courses, rooms, strict=True):
            entries.append(
                TimetableEntry(
                    course_id=course_id,
                    group_id=group_of[course_id],
                    teacher_id=teacher_id,
                    room_id=room_id,
                    weekday=weekday,
                    slot=slot,
                    starts=year.starts,
                    created_at=placed_at,
                )
            )
    entries.sort(key=lambda e: (e.group_id, e.weekday, e.slot, e.course_id))
    entries = place_lessons(actor=ctx.actor, year=year, entries=entries, note=NOTE)
    shortfall: dict[str, int] = defaultdict(int)
    for item in failed:
        shortfall[classes[item.class_id].name] += 1
    return Timetable(bells, entries, home, dict(shortfall))


def _items(c: SchoolClass, split: list[Course], courses: Courses, load, prefs) -> list[Item]:
    subject = split[0].subject.name
    n = max(weekly_lessons(course.hours_per_week) for course in split)
    teachers = [courses.teacher[course.id].id for course in split]
    weight = max(load[t] for t in teachers) + (20 if subject == PE else 0) + 10 * (len(split) - 1)
    return [
        Item(
            class_id=c.id,
            grade=c.grade,
            subject=subject,
            courses=[(course.id, t, prefs(subject, c)) for course, t in zip(split, teachers, strict=True)],
            per_day=math.ceil(n / len(WEEKDAYS)),
            weight=weight,
        )
        for _ in range(n)
    ]


def build_lessons(ctx: Ctx, calendar: Calendar):
    """The lesson calendar of the whole year, generated from the timetable (schedule.calendar)."""
    return lesson_calendar.generate_lessons(actor=None, year=calendar.year)
