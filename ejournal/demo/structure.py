"""The school and its structure: the school row, the building, rooms with their subjects, subjects,
classes, whole-class groups and English subgroups."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from accounts.models import School
from schedule.models import Building, Room, SchoolClass, StudyGroup, Subject
from schedule.services import bulk
from schedule.services.structure import save_building

from .calendar import Calendar
from .context import NOTE, Ctx
from .curriculum import (
    ENGLISH,
    ENGLISH_SPLIT_FROM_GRADE,
    PE,
    PRIMARY,
    PRIMARY_CORE,
    PROFILE_OF_SUBJECT,
    SPORTS_ROOMS,
    SUBJECTS,
    TALKS,
    hours,
)
from .sizes import LETTERS, Size


@dataclass
class Structure:
    building: Building
    rooms: list[Room]
    subjects: dict[str, Subject]
    classes: list[SchoolClass]
    whole_groups: dict[int, StudyGroup]  # class id → its whole-class group
    subgroups: dict[int, list[StudyGroup]]  # class id → English subgroups 1 and 2
    room_subjects: list[tuple[str, ...]] = field(default_factory=list)  # each room's subjects, as `rooms`


def build_school(size: Size, slug: str) -> School:
    return School.objects.create(
        name=size.school_name,
        short_name=size.school_short,
        slug=slug,
        address=size.address,
        require_staff_2fa=False,
    )


def build_structure(
    ctx: Ctx,
    calendar: Calendar,
    grades: list[tuple[int, str]] | None = None,
    premises: Structure | None = None,
) -> Structure:
    """Building, rooms (with their subjects), subjects, classes, whole-class groups, English subgroups.

    `grades`: the (grade, letter) of each class, by default the size's; `premises`: the structure of an
    earlier year whose building, rooms and subjects the classes of `calendar`'s year keep."""
    school, size, year = ctx.school, ctx.size, calendar.year
    if premises is None:
        subjects = bulk.create_subjects(
            actor=ctx.actor,
            school=school,
            subjects=[
                Subject(name=name, short_name=short, no_final_assessment=nfa, position=(i + 1) * 10)
                for i, (name, short, _h, nfa) in enumerate(SUBJECTS)
            ],
            note=NOTE,
        )
        subjects = {s.name: s for s in subjects}
    else:
        subjects = premises.subjects
    if grades is None:
        grades = [
            (grade, LETTERS[i])
            for grade, count in enumerate(size.classes_per_grade, start=1)
            for i in range(count)
        ]
    classes, whole = bulk.create_classes(actor=ctx.actor, year=year, classes=grades, note=NOTE)
    split = bulk.create_subgroups(
        actor=ctx.actor,
        year=year,
        groups=[
            (c, f"{c.name} англ. яз., {n} гр.")
            for c in classes
            if c.grade >= ENGLISH_SPLIT_FROM_GRADE
            for n in (1, 2)
        ],
        note=NOTE,
    )
    subgroups = defaultdict(list)
    for g in split:
        subgroups[g.school_class_id].append(g)
    whole_groups = {g.school_class_id: g for g in whole}
    if premises is not None:
        return Structure(
            premises.building,
            premises.rooms,
            subjects,
            classes,
            whole_groups,
            dict(subgroups),
            premises.room_subjects,
        )

    building = save_building(actor=ctx.actor, name="Главный корпус", address=size.address)
    rooms, room_subjects = plan_rooms(
        size, sum(1 for c in classes if c.grade <= 4), sports_rooms_needed(classes)
    )
    rooms = bulk.create_rooms(
        actor=ctx.actor,
        building=building,
        rooms=[
            (Room(name=name, capacity=cap), [subjects[s] for s in names])
            for (name, cap, _s), names in zip(rooms, room_subjects, strict=True)
        ],
        note=NOTE,
    )
    return Structure(building, rooms, subjects, classes, whole_groups, dict(subgroups), room_subjects)


def sports_rooms_needed(classes) -> int:
    """Halls for PE: one per 25 weekly PE lessons (a hall holds one class at a time), at least two."""
    lessons = sum(hours(PE, c.grade) for c in classes)
    return min(len(SPORTS_ROOMS), max(2, math.ceil(lessons / 25)))


def plan_rooms(
    size: Size, primary_classes: int, sports_rooms: int = 2
) -> tuple[list[tuple[str, int, tuple]], list[tuple]]:
    """Room names, seats and subjects: primary homerooms on floor 1, subject rooms and labs above."""
    floors = defaultdict(int)

    def number(floor):
        floors[floor] += 1
        return f"{floor}{floors[floor]:02d}"

    rooms = [(name, 60 if i == 0 else 30, (PE,)) for i, name in enumerate(SPORTS_ROOMS[:sports_rooms])]
    rooms += [("Мастерская", 16, ("Труд (технология)",))]
    rooms += [(number(1), 28, ()) for _ in range(primary_classes)]
    rooms += [
        (number(1), 30, ("Музыка",)),
        (number(1), 26, ("Изобразительное искусство",)),
        (number(1), 16, ("Труд (технология)",)),
        (number(1), 30, ("Основы безопасности и защиты Родины",)),
        (number(3), 28, ("Физика",)),
        (number(3), 28, ("Химия",)),
        (number(3), 28, ("Биология",)),
        (number(3), 15, ("Информатика",)),
        (number(3), 15, ("Информатика",)),
    ]
    rooms += [(number(3), 15, (ENGLISH,)) for _ in range(size.english_rooms)]
    cycle = [
        ("Русский язык", "Литература"),
        ("Алгебра", "Геометрия", "Математика"),
        ("История", "Обществознание"),
        ("Русский язык", "Литература"),
        ("Алгебра", "Геометрия", "Математика"),
        ("География",),
        (),
    ]
    i = 0
    while len(rooms) < size.rooms:
        rooms.append((number(2 if floors[2] < 25 else 4), 30, cycle[i % len(cycle)]))
        i += 1
    return rooms, [r[2] for r in rooms]


def class_bundles(structure: Structure) -> list[tuple[SchoolClass, StudyGroup, str, list[str]]]:
    """What one teacher takes in one class: (class, group, specialism, subjects).

    Grades 1–4: the class's primary teacher takes the core subjects; English,
    music and PE go to specialists. «Разговоры о важном» is left for the class
    teacher and is not in any bundle.
    """
    bundles = []
    for c in structure.classes:
        by_profile = defaultdict(list)
        for name, _short, h, _n in SUBJECTS:
            if not h[c.grade - 1] or name == TALKS:
                continue
            profile = PRIMARY if c.grade <= 4 and name in PRIMARY_CORE else PROFILE_OF_SUBJECT[name]
            by_profile[profile].append(name)
        for profile, names in by_profile.items():
            if profile == "english" and c.id in structure.subgroups:
                bundles += [(c, g, profile, names) for g in structure.subgroups[c.id]]
            else:
                bundles.append((c, structure.whole_groups[c.id], profile, names))
    return bundles


def bundle_hours(bundle) -> int:
    c, _g, _p, names = bundle
    return sum(hours(n, c.grade) for n in names)
