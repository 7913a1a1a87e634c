"""The staff: the admin, the director, deputies and as many teachers of each specialism as the
hours need."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from accounts.models import Person, Role
from accounts.services.bulk import add_roles

from .context import NOTE, Ctx
from .curriculum import PRIMARY, PRIMARY_POSITION, PROFILES
from .names import People
from .structure import Structure, bundle_hours, class_bundles


@dataclass
class Staff:
    admin: Person
    director: Person
    deputies: list[Person]
    teachers: list[Person]
    profile: dict[int, str]  # teacher person id → specialism key (PROFILES or PRIMARY)


def build_staff(ctx: Ctx, structure: Structure) -> Staff:
    """Admin, director, deputies and as many teachers of each specialism as the hours need."""
    rng = ctx.rng("staff")
    school, size = ctx.school, ctx.size
    domain = f"{school.slug}.school.example"
    people = People(school, rng)
    admin = people.adult(rng.choice("ff"), 1980, 1992, email_domain=domain)
    director = people.adult(rng.choice("fm"), 1966, 1976, email_domain=domain)
    deputies = [people.adult("f", 1970, 1985, email_domain=domain) for _ in range(size.deputies)]

    load = defaultdict(int)
    for bundle in class_bundles(structure):
        load[bundle[2]] += bundle_hours(bundle)
    plan: list[str] = []
    for profile in [PRIMARY, *PROFILES]:
        if profile == PRIMARY:
            n = sum(1 for c in structure.classes if c.grade <= 4)
        else:
            n = max(1, math.ceil(load[profile] / size.max_load))
            if profile == "english":
                n = max(2, n)  # two subgroups of a class have two different teachers
        plan += [profile] * n
    teachers, profile = [], {}
    for p in plan:
        gender = "f" if p == PRIMARY or rng.random() < 0.8 else "m"
        teachers.append((people.adult(gender, 1962, 2001, email_domain=domain), p))
    people.save()

    add_roles(
        actor=ctx.actor,
        school=school,
        roles=[
            (admin, Role.ADMIN, "Администратор электронного журнала"),
            (director, Role.DIRECTOR, "Директор"),
            *[(d, Role.DEPUTY, "Заместитель директора по учебно-воспитательной работе") for d in deputies],
            *[(t, Role.TEACHER, PRIMARY_POSITION if p == PRIMARY else PROFILES[p][0]) for t, p in teachers],
        ],
        note=NOTE,
    )
    for t, p in teachers:
        profile[t.id] = p
    return Staff(admin, director, deputies, [t for t, _p in teachers], profile)
