"""The courses of every class and subgroup with their teachers, the class teachers, and what a class
of the next year keeps of its predecessor."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from accounts.models import Person
from schedule.models import Course, SchoolClass
from schedule.services import bulk

from .calendar import Calendar
from .context import NOTE, Ctx
from .curriculum import PRIMARY, TALKS, hours
from .sizes import LETTERS, DemoError
from .staff import Staff
from .structure import Structure, bundle_hours, class_bundles


@dataclass
class Courses:
    courses: list[Course]
    teacher: dict[int, Person]  # course id → its teacher
    class_teacher: dict[int, Person]  # class id → class teacher
    demo_class: SchoolClass
    demo_class_teacher: Person
    demo_teacher: Person


@dataclass
class Continuity:
    """What a class of the next year keeps of its predecessor (`build_courses`)."""

    teacher: dict[tuple[int, str, int], int]  # (class id, specialism, n-th bundle of it) → teacher id
    class_teacher: dict[int, int]  # class id → the predecessor's class teacher id
    demo_class: SchoolClass
    demo_class_teacher: Person


def build_courses(
    ctx: Ctx, calendar: Calendar, structure: Structure, staff: Staff, keep: Continuity | None = None
) -> Courses:
    """Courses of every class and subgroup with one teacher each; class teachers; Subject.teachers.

    Teachers of a specialism share its classes by load. Each secondary class
    gets as class teacher one of the teachers who teach it (at most one class
    each); the class teacher also leads «Разговоры о важном» in the class. The
    demo class is 5А: its Russian teacher leads it, its maths teacher leads no
    class (the `teacher` demo login).

    `keep` (the next year): each class keeps the teachers its predecessor had for the same
    specialism and its class teacher when they still teach it; the teachers of the primary classes
    that left for the fifth grade take the new first grades; the demo class is the old one's
    successor, led by the same class teacher.
    """
    rng = ctx.rng("courses" if keep is None else "courses:next")
    year = calendar.year
    bundles = class_bundles(structure)
    by_profile = defaultdict(list)
    for t in staff.teachers:
        by_profile[staff.profile[t.id]].append(t)
    for group in by_profile.values():
        rng.shuffle(group)
    teachers_by_id = {t.id: t for t in staff.teachers}
    kept = keep.teacher if keep is not None else {}

    # Who takes each bundle: the teacher kept from last year, else the least-loaded teacher of the
    # specialism, in class order.
    load = defaultdict(int)
    taker: dict[int, Person] = {}  # bundle index → teacher
    staying = {t for (_c, p, _n), t in kept.items() if p == PRIMARY}
    primary_teachers = iter([t for t in by_profile[PRIMARY] if t.id not in staying])
    in_class = defaultdict(dict)  # class id → teacher id → hours
    here = defaultdict(set)  # (class id, specialism) → teachers already there (the other English subgroup)
    seen = defaultdict(int)  # (class id, specialism) → its bundles so far (English subgroups 1 and 2)
    for i, b in enumerate(bundles):
        c, g, p, _names = b
        t = teachers_by_id.get(kept.get((c.id, p, seen[c.id, p])))
        seen[c.id, p] += 1
        if t is None or t.id in here[c.id, p]:
            if p == PRIMARY:
                t = next(primary_teachers, None)
                if t is None:
                    raise DemoError("more primary classes than primary teachers")
            else:
                t = min(by_profile[p], key=lambda t: (t.id in here[c.id, p], load[t.id]))
        here[c.id, p].add(t.id)
        taker[i] = t
        load[t.id] += bundle_hours(b)
        in_class[c.id][t.id] = in_class[c.id].get(t.id, 0) + bundle_hours(b)

    if keep is not None:
        demo_class = keep.demo_class
    else:
        demo_class = next(c for c in structure.classes if c.grade == 5 and c.letter == LETTERS[0])
    demo_bundles = [(bundles[i][2], taker[i]) for i in taker if bundles[i][0] is demo_class]
    russian = next((t for p, t in demo_bundles if p == "russian"), None)
    maths = next((t for p, t in demo_bundles if p == "math"), None)

    # Class teachers: primary classes keep their primary teacher; secondary ones by matching.
    class_teacher: dict[int, Person] = {}
    for i, b in enumerate(bundles):
        if b[2] == PRIMARY:
            class_teacher[b[0].id] = taker[i]
    leads: dict[int, int] = {t.id: c for c, t in class_teacher.items()}  # teacher id → class id
    lead = keep.demo_class_teacher if keep is not None else russian
    if lead is not None:
        class_teacher[demo_class.id] = lead
        leads[lead.id] = demo_class.id
    reserved = {maths.id} if maths is not None else set()
    fixed = {demo_class.id}  # classes whose class teacher the matching below must not take away
    for c in structure.classes if keep is not None else ():
        t = keep.class_teacher.get(c.id)
        if c.grade > 4 and c.id not in class_teacher and t in in_class[c.id] and t not in leads:
            class_teacher[c.id] = teachers_by_id[t]
            leads[t] = c.id
            fixed.add(c.id)

    def candidates(c):
        ids = [t for t in in_class[c.id] if t not in reserved and staff.profile[t] != PRIMARY]
        rng.shuffle(ids)
        return sorted(ids, key=lambda t: -in_class[c.id][t])

    def augment(c, seen) -> bool:
        for t in candidates(c):
            if t in seen:
                continue
            seen.add(t)
            other = leads.get(t)
            if other is None or (other not in fixed and augment(by_class_id[other], seen)):
                leads[t] = c.id
                return True
        return False

    by_class_id = {c.id: c for c in structure.classes}
    for c in structure.classes:
        if c.id not in class_teacher and c.grade > 4 and c.id not in leads.values():
            augment(c, set())
    for t, c in leads.items():
        class_teacher[c] = teachers_by_id[t]
    for c in structure.classes:
        if c.id not in class_teacher:  # no free teacher of the class: the one with most hours there
            class_teacher[c.id] = teachers_by_id[max(in_class[c.id], key=in_class[c.id].get)]
    bulk.set_class_teachers(
        actor=ctx.actor, year=year, leads=[(c, class_teacher[c.id]) for c in structure.classes], note=NOTE
    )

    # Courses: one per subject of a bundle, plus «Разговоры о важном» for the class teacher.
    courses, teacher_of = [], []
    subjects = structure.subjects
    for i, (c, g, _p, names) in enumerate(bundles):
        for name in names:
            courses.append(
                Course(subject=subjects[name], group=g, hours_per_week=Decimal(hours(name, c.grade)))
            )
            teacher_of.append(taker[i])
    for c in structure.classes:
        courses.append(
            Course(
                subject=subjects[TALKS],
                group=structure.whole_groups[c.id],
                hours_per_week=Decimal(hours(TALKS, c.grade)),
            )
        )
        teacher_of.append(class_teacher[c.id])
    courses = bulk.create_courses(
        actor=ctx.actor, year=year, courses=list(zip(courses, teacher_of, strict=True)), note=NOTE
    )

    demo_class_teacher = class_teacher[demo_class.id]
    leaders = {t.id for t in class_teacher.values()}
    here_free = [
        teachers_by_id[t]
        for t in sorted(in_class[demo_class.id], key=lambda t: -in_class[demo_class.id][t])
        if t not in leaders
    ]
    anywhere_free = [t for t in staff.teachers if t.id not in leaders]
    if maths is not None and maths.id not in leaders:
        demo_teacher = maths
    elif here_free or anywhere_free:
        demo_teacher = (here_free or anywhere_free)[0]
    else:
        raise DemoError("every teacher leads a class: no subject teacher for the `teacher` demo login")
    return Courses(
        courses=courses,
        teacher={course.id: t for course, t in zip(courses, teacher_of, strict=True)},
        class_teacher=class_teacher,
        demo_class=demo_class,
        demo_class_teacher=demo_class_teacher,
        demo_teacher=demo_teacher,
    )
