"""Who is acting, in which school, with which roles: set on every request by SchoolMiddleware.

Selectors and rules take an `Actor` (or its school) as an argument; they never
read global state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.postgres.aggregates import ArrayAgg

from .models import STAFF_ROLES, Person, Role, School


@dataclass(eq=False)
class Actor:
    user: object | None
    school: School | None = None
    person: Person | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    ip: str | None = None
    school_count: int = 0

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user and self.user.is_authenticated)

    @property
    def is_operator(self) -> bool:
        """District operator: runs the deployment, creates schools; sees no journals."""
        return bool(self.is_authenticated and self.user.is_superuser)

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_staff_member(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @cached_property
    def student(self):
        return getattr(self.person, "student", None) if Role.STUDENT in self.roles else None

    @cached_property
    def parent(self):
        return getattr(self.person, "parent", None) if Role.PARENT in self.roles else None

    @property
    def primary_role(self) -> str | None:
        """The role whose home page the person lands on."""
        for role in (Role.ADMIN, Role.DIRECTOR, Role.DEPUTY, Role.TEACHER, Role.PARENT, Role.STUDENT):
            if role in self.roles:
                return role
        return None


def people_of(**user):
    """A user's people in active schools with their school, student and parent rows and staff roles."""
    return (
        Person.objects.filter(school__is_active=True, **user)
        .select_related("school", "student", "parent")
        .annotate(staff=ArrayAgg("staff_roles__role", distinct=True, default=[]))
        .order_by("pk")
    )


def load_actor(user, school_id: int | None, ip: str | None = None) -> Actor:
    """The user's person in the chosen school (or the first one), with its roles.

    No query when the auth backend loaded the people with the user (`loaded_people`), one otherwise.
    """
    if not (user and user.is_authenticated):
        return Actor(user=user, ip=ip)
    people = getattr(user, "loaded_people", None)
    if people is None:
        people = list(people_of(user=user))
    preferred = school_id or user.last_school_id
    chosen = None
    for person in people:
        if chosen is None or person.school_id == preferred:
            chosen = person
        if person.school_id == preferred:
            break
    if chosen is None:
        return Actor(user=user, ip=ip)
    roles = {r for r in chosen.staff if r}
    if getattr(chosen, "student", None) is not None:
        roles.add(Role.STUDENT)
    if getattr(chosen, "parent", None) is not None:
        roles.add(Role.PARENT)
    return Actor(
        user=user,
        school=chosen.school,
        person=chosen,
        roles=frozenset(roles),
        ip=ip,
        school_count=len(people),
    )
