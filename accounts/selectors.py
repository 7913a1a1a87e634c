"""Reads for the people, consent and invite-code pages.

Their classes (a student's class, a person's class history, the classes codes are issued for) are
added by `schedule.selectors_people`.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from .models import Consent, InviteCode, Parent, ParentLink, Person, Role, School, StaffRole, Student

KIND_STAFF, KIND_STUDENTS, KIND_PARENTS = "staff", "students", "parents"
LOGIN_YES, LOGIN_CODE, LOGIN_NONE = "yes", "code", "none"
CONSENT_YES, CONSENT_NO = "yes", "no"


def school_zone(school=None) -> datetime.tzinfo:
    """The school's time zone; the portal's (`TIME_ZONE`) without a school or for an unknown name."""
    name = getattr(school, "timezone", None)
    try:
        return zoneinfo.ZoneInfo(name) if name else timezone.get_current_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def local_today(school=None, now: datetime.datetime | None = None) -> datetime.date:
    """The date in the school's time zone at `now` (default: the current moment): the one way to read it."""
    return timezone.localdate(now, timezone=school_zone(school))


def valid_consent_q(on: datetime.date, prefix: str = "") -> Q:
    """A consent signed by `on` and not withdrawn by then."""
    return Q(**{f"{prefix}signed_on__lte": on}) & (
        Q(**{f"{prefix}withdrawn_on__isnull": True}) | Q(**{f"{prefix}withdrawn_on__gt": on})
    )


def has_valid_consent(person: Person, on: datetime.date | None = None) -> bool:
    """Whether the person's consent is valid on `on` (default: their school's today)."""
    on = on or local_today(person.school)
    return Consent.objects.filter(valid_consent_q(on), person=person).exists()


def usable_codes(now=None) -> QuerySet[InviteCode]:
    now = now or timezone.now()
    return InviteCode.objects.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


def people_list(
    school: School, *, kind: str = "", q: str = "", login: str = "", consent: str = "", on=None
) -> QuerySet[Person]:
    """People of a school with their roles, login and consent status, filtered as the list page asks."""
    on = on or local_today(school)
    now = timezone.now()
    people = (
        Person.objects.filter(school=school)
        .select_related("student", "parent")
        .annotate(
            staff=ArrayAgg("staff_roles__role", distinct=True, default=[]),
            has_code=Exists(usable_codes(now).filter(person=OuterRef("pk"))),
            has_consent=Exists(Consent.objects.filter(valid_consent_q(on), person=OuterRef("pk"))),
        )
    )
    if kind == KIND_STAFF:
        people = people.filter(Exists(StaffRole.objects.filter(person=OuterRef("pk"))))
    elif kind == KIND_STUDENTS:
        people = people.filter(student__isnull=False)
    elif kind == KIND_PARENTS:
        people = people.filter(parent__isnull=False)
    if q:
        people = people.filter(last_name__icontains=q.strip())
    if login == LOGIN_YES:
        people = people.filter(user__isnull=False)
    elif login == LOGIN_CODE:
        people = people.filter(user__isnull=True, has_code=True)
    elif login == LOGIN_NONE:
        people = people.filter(user__isnull=True, has_code=False)
    if consent == CONSENT_YES:
        people = people.filter(has_consent=True)
    elif consent == CONSENT_NO:
        people = people.filter(has_consent=False)
    return people.order_by("last_name", "first_name", "patronymic", "id")


def with_role_labels(people) -> list[Person]:
    """Set `role_labels` on people annotated by `people_list` (staff roles, then student/parent)."""
    labels = dict(Role.choices)
    people = list(people)
    for person in people:
        roles = [r for r in person.staff if r]
        if getattr(person, "student", None) is not None:
            roles.append(Role.STUDENT)
        if getattr(person, "parent", None) is not None:
            roles.append(Role.PARENT)
        person.role_labels = [labels[r] for r in Role.values if r in roles]
    return people


def person_roles(person: Person) -> list[str]:
    """All roles of a person, staff roles first, in the order of `Role`."""
    held = set(person.staff_roles.values_list("role", flat=True))
    if Student.objects.filter(person=person).exists():
        held.add(Role.STUDENT)
    if Parent.objects.filter(person=person).exists():
        held.add(Role.PARENT)
    return [r.value for r in Role if r in held]


@dataclass
class PersonCard:
    person: Person
    roles: list[str]
    consents: list[Consent]
    has_consent: bool
    codes: list[InviteCode]
    children: list[ParentLink]
    parents: list[ParentLink]

    @property
    def role_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [labels[r] for r in self.roles]


def person_card(person: Person, on=None) -> PersonCard:
    """The person page's roles, consents, codes and parent links, loaded up front (their classes:
    `schedule.selectors_people.person_card`)."""
    on = on or local_today(person.school)
    consents = list(person.consents.select_related("recorded_by").order_by("-signed_on", "-id"))
    student = getattr(person, "student", None)
    parent = getattr(person, "parent", None)
    return PersonCard(
        person=person,
        roles=person_roles(person),
        consents=consents,
        has_consent=any(
            c.signed_on <= on and (c.withdrawn_on is None or c.withdrawn_on > on) for c in consents
        ),
        codes=list(person.invite_codes.select_related("issued_by").order_by("-created_at")[:10]),
        children=list(
            ParentLink.objects.filter(parent=parent)
            .select_related("student__person")
            .order_by("student__person__last_name", "student__person__first_name")
        )
        if parent
        else [],
        parents=list(
            ParentLink.objects.filter(student=student)
            .select_related("parent__person")
            .order_by("parent__person__last_name", "parent__person__first_name")
        )
        if student
        else [],
    )


def staff_for_invites(school: School) -> list[Person]:
    """Staff of the school with their roles and newest usable code (the admin issues their codes)."""
    codes = usable_codes().order_by("-created_at")
    return list(
        Person.objects.filter(school=school, staff_roles__isnull=False)
        .distinct()
        .select_related("user")
        .annotate(staff=ArrayAgg("staff_roles__role", distinct=True, default=[]))
        .prefetch_related(Prefetch("invite_codes", queryset=codes, to_attr="usable_codes"))
        .order_by("last_name", "first_name", "patronymic", "id")
    )
