"""The students with their families: parents, enrollments, English subgroups, arrivals, departures
and a transfer during the year."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from accounts.models import Parent, ParentLink, Person, Role, Student
from accounts.services.bulk import add_roles, link_parents
from schedule.models import (
    AcademicYear,
    Enrollment,
    GroupMembership,
    SchoolClass,
)
from schedule.services.bulk import add_group_members, enroll_students

from .calendar import Calendar, monday_on_or_after
from .context import NOTE, Ctx
from .courses import Courses
from .names import (
    BOYS,
    GIRLS,
    GRANDFATHERS,
    MEN,
    SURNAMES,
    WOMEN,
    People,
    female_surname,
    parent_email,
    patronymic,
    phone,
    random_date,
    surname_for,
)
from .structure import Structure


@dataclass
class Pupils:
    students: list[Student]
    parents: list[Parent]
    links: list[ParentLink]
    enrollments: list[Enrollment]
    memberships: list[GroupMembership]
    demo_student: Person | None  # None for the newcomers of a next year
    demo_parent: Person | None
    movements: list[str]  # human-readable notes of arrivals, departures, the transfer


ARRIVED_FROM = [
    "МБОУ «СОШ № 7», г. Кострома",
    "МАОУ «Гимназия № 2», г. Вологда",
    "ГБОУ Школа № 1357, г. Москва",
    "МБОУ «СОШ № 24», г. Иваново",
    "МОУ «Лицей № 1», г. Тверь",
    "МБОУ «СОШ № 5», г. Рыбинск",
]


LEFT_FOR = [
    "МОУ «СОШ № 43», г. Ярославль (переезд)",
    "ГБОУ «Лицей № 239», г. Санкт-Петербург",
    "МАОУ «СОШ № 12», г. Казань",
    "семейное обучение",
    "МБОУ «Гимназия № 3», г. Владимир",
]


def student_birth_range(grade: int, start_year: int) -> tuple[datetime.date, datetime.date]:
    """Born so as to be 6½–7½ on 1 September of the first grade."""
    return datetime.date(start_year - 6 - grade, 3, 1), datetime.date(start_year - 5 - grade, 2, 28)


def build_pupils(
    ctx: Ctx,
    calendar: Calendar,
    structure: Structure,
    courses: Courses,
    newcomers: list[SchoolClass] | None = None,
) -> Pupils:
    """Families (one or two parents, one or two children in different classes), enrollments, subgroups, movement.

    `newcomers`: fill only these classes (the next year's new first grades) with new families, from
    the year's first day, without the demo family and without movement."""
    school, size, year = ctx.school, ctx.size, calendar.year
    start_year = year.starts.year
    rng = ctx.rng("pupils" if newcomers is None else f"pupils:{start_year}")
    people = People(school, rng)
    classes = structure.classes if newcomers is None else newcomers
    seats = {
        c.id: rng.randint(*(size.senior_class_size if c.grade >= 10 else size.class_size)) for c in classes
    }
    names_in_class = defaultdict(set)
    # Each child: (person, class, starts, arrival note); each family: (parents [(person, relation)], children)
    families = []

    def child(family, father, c, gender=None):
        gender = gender or rng.choice("mf")
        for _attempt in range(20):
            first = rng.choice(BOYS if gender == "m" else GIRLS)
            last = surname_for(family, gender)
            if (last, first) not in names_in_class[c.id]:
                break
        names_in_class[c.id].add((last, first))
        born = random_date(rng, *student_birth_range(c.grade, start_year))
        if rng.random() < 0.03:  # started school a year later
            born -= datetime.timedelta(days=365)
        return people.add(last, first, patronymic(father, gender), born)

    def family(c, second=None, both=None, arrival=None):
        surname = rng.choice(SURNAMES)
        father = rng.choice(MEN)
        kids = [(child(surname, father, c), c)]
        seats[c.id] -= 1
        if second is not None:
            kids.append((child(surname, father, second), second))
            seats[second.id] -= 1
        oldest = min(k.birth_date.year for k, _c in kids)
        mother_born = oldest - rng.randint(22, 38)
        r = rng.random() if both is None else 0.0
        parents = []
        if r < 0.93:  # a mother, who now and then kept her own surname
            last = female_surname(surname if rng.random() < 0.9 else rng.choice(SURNAMES))
            m = people.add(
                last,
                rng.choice(WOMEN),
                patronymic(rng.choice(GRANDFATHERS), "f"),
                random_date(rng, datetime.date(mother_born, 1, 1), datetime.date(mother_born, 12, 31)),
                parent_email(rng, last),
                phone(rng),
            )
            parents.append((m, ParentLink.Relation.MOTHER))
        if r < 0.6 or r >= 0.93:  # a father: with the mother in most families, alone in a few
            fb = mother_born - rng.randint(-2, 6)
            f = people.add(
                surname,
                father,
                patronymic(rng.choice(GRANDFATHERS), "m"),
                random_date(rng, datetime.date(fb, 1, 1), datetime.date(fb, 12, 31)),
                parent_email(rng, surname),
                phone(rng),
            )
            parents.append((f, ParentLink.Relation.FATHER))
        families.append((parents, [(k, kc, arrival) for k, kc in kids]))
        return parents, kids

    # The demo family: mother and father, a child in 5А (the demo student) and a younger one in 2nd grade.
    demo_parent = demo_student = None
    demo_kids = []
    if newcomers is None:
        sibling_class = [c for c in classes if c.grade == 2][-1]
        demo_parents, demo_kids = family(courses.demo_class, sibling_class, both=True)
        demo_parent = demo_parents[0][0]
        demo_student = demo_kids[0][0]

    order = list(classes)
    rng.shuffle(order)
    for c in order:
        while seats[c.id] > 0:
            second = None
            if rng.random() < size.sibling_rate:
                others = [o for o in classes if o.grade != c.grade and seats[o.id] > 0]
                second = rng.choice(others) if others else None
            family(c, second)

    # Movement: a few arrive after 1 September.
    movements = []
    d = datetime.date
    arrival_days = [
        monday_on_or_after(x) for x in (d(start_year, 9, 21), d(start_year, 10, 12), d(start_year, 11, 9))
    ]
    for i in range(size.arrivals if newcomers is None else 0):
        c = rng.choice([x for x in classes if x.grade > 1])
        day = arrival_days[i % len(arrival_days)]
        _p, kids = family(c, arrival=(day, rng.choice(ARRIVED_FROM)))
        movements.append(f"{kids[0][0].full_name}: прибыл(а) в {c.name} с {day:%d.%m.%Y}")
    people.save()

    roles = add_roles(
        actor=ctx.actor,
        school=school,
        roles=[(k, Role.STUDENT, "") for _p, kids in families for k, _c, _a in kids]
        + [(p, Role.PARENT, "") for ps, _k in families for p, _r in ps],
        note=NOTE,
    )
    students, parents = roles.students, roles.parents
    student_of = {s.person_id: s for s in students}
    parent_of = {p.person_id: p for p in parents}
    links = link_parents(
        actor=ctx.actor,
        school=school,
        links=[
            ParentLink(parent=parent_of[p.id], student=student_of[k.id], relation=rel)
            for ps, kids in families
            for p, rel in ps
            for k, _c, _a in kids
        ],
        note=NOTE,
    )

    # Enrollments: (student, class, starts, ends, arrival note, departure note)
    stays = []
    for _ps, kids in families:
        for k, c, arrival in kids:
            starts, note = arrival or (year.starts, "")
            stays.append([student_of[k.id], c, starts, None, note, ""])

    untouchable = {k.id for k, _c in demo_kids}
    regular = [s for s in stays if s[2] == year.starts and s[0].person_id not in untouchable]
    leave_days = [d(start_year, 10, 24), d(start_year, 11, 13), d(start_year, 10, 9)]
    for i, stay in enumerate(rng.sample(regular, size.departures if newcomers is None else 0)):
        stay[3] = leave_days[i % len(leave_days)]
        stay[5] = rng.choice(LEFT_FOR)
        movements.append(f"{stay[0].person.full_name}: выбыл(а) из {stay[1].name} после {stay[3]:%d.%m.%Y}")
    # One transfer between two classes of a grade, from the second quarter.
    for grade in (6, 7, 5, 8, 9, 3, 4, 2, 10, 11) if newcomers is None else ():
        pair = [c for c in classes if c.grade == grade][:2]
        movers = [s for s in regular if s[1] is pair[0] and s[3] is None] if len(pair) == 2 else []
        if movers:
            stay = rng.choice(movers)
            moved_on = calendar.periods[1].starts  # first day of the 2nd quarter
            stay[3] = moved_on - datetime.timedelta(days=1)
            stay[5] = f"перевод в {pair[1].name}"
            stays.append([stay[0], pair[1], moved_on, None, f"перевод из {pair[0].name}", ""])
            movements.append(
                f"{stay[0].person.full_name}: переведён(а) из {pair[0].name} в {pair[1].name} "
                f"с {moved_on:%d.%m.%Y}"
            )
            break

    enrollments = enroll_students(
        actor=ctx.actor,
        year=year,
        stays=[
            Enrollment(student=s, school_class=c, starts=a, ends=b, arrival_note=an, departure_note=dn)
            for s, c, a, b, an, dn in stays
        ],
        note=NOTE,
    )

    memberships = split_subgroups(ctx, year, structure, enrollments)
    return Pupils(students, parents, links, enrollments, memberships, demo_student, demo_parent, movements)


def split_subgroups(
    ctx: Ctx, year: AcademicYear, structure: Structure, enrollments: list[Enrollment]
) -> list[GroupMembership]:
    """English subgroups: the class list split in two halves by name; late arrivals join the smaller half."""
    memberships = []
    by_class = defaultdict(list)
    for e in enrollments:
        by_class[e.school_class_id].append(e)
    for class_id, groups in structure.subgroups.items():
        if class_id not in by_class:
            continue
        stays_here = by_class[class_id]
        first = sorted(
            (e for e in stays_here if e.starts == year.starts),
            key=lambda e: (e.student.person.last_name, e.student.person.first_name),
        )
        half = (len(first) + 1) // 2
        sizes = [0, 0]
        for n, e in enumerate(first):
            k = 0 if n < half else 1
            sizes[k] += 1
            memberships.append(
                GroupMembership(student=e.student, group=groups[k], starts=e.starts, ends=e.ends)
            )
        for e in sorted(stays_here, key=lambda e: (e.starts, e.student.person.last_name)):
            if e.starts == year.starts:
                continue
            k = 0 if sizes[0] <= sizes[1] else 1
            sizes[k] += 1
            memberships.append(
                GroupMembership(student=e.student, group=groups[k], starts=e.starts, ends=e.ends)
            )
    return add_group_members(actor=ctx.actor, year=year, memberships=memberships, note=NOTE)
