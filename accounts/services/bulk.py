"""Set forms of the people services, for a builder that writes a whole school at once (the demo
school): the roles of many people and many parent links.

Each checks what its single-row service checks (`people._set_roles`, `people.link_parent`) over the
whole batch in a fixed number of queries, refuses the batch if any row breaks a rule (a
`ValidationError` keyed by the service's argument), inserts each table in one statement and writes one
audit event for the batch, whose summary is the caller's `note`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .. import audit
from ..models import STAFF_ROLES, Parent, ParentLink, Person, Role, School, StaffRole, Student

BATCH = 1000


@dataclass
class Roles:
    """The rows `add_roles` wrote, each list in the order of the people given."""

    students: list[Student] = field(default_factory=list)
    parents: list[Parent] = field(default_factory=list)
    staff: list[StaffRole] = field(default_factory=list)


def _held(people: Sequence[Person]) -> dict[int, set[str]]:
    """The roles each of `people` holds already (three queries)."""
    ids = [p.pk for p in people]
    held = defaultdict(set)
    for pid, role in StaffRole.objects.filter(person_id__in=ids).values_list("person_id", "role"):
        held[pid].add(role)
    for pid in Student.objects.filter(person_id__in=ids).values_list("person_id", flat=True):
        held[pid].add(Role.STUDENT)
    for pid in Parent.objects.filter(person_id__in=ids).values_list("person_id", flat=True):
        held[pid].add(Role.PARENT)
    return held


@transaction.atomic
def add_roles(*, actor, school: School, roles: Sequence[tuple[Person, str, str]], note: str = "") -> Roles:
    """Give each (person, role, position) its role: people of the school, known roles, none held twice,
    and a student holds no other role in the school. The position is the staff role's."""
    people = [p for p, _r, _pos in roles]
    if any(p.school_id != school.pk or p.pk is None for p in people):
        raise ValidationError({"roles": _("This choice does not belong to your school.")})
    if any(r not in Role.values for _p, r, _pos in roles):
        raise ValidationError({"roles": _("Unknown role.")})
    held = _held(people)
    if any(n > 1 for n in Counter((p.pk, r) for p, r, _pos in roles).values()):
        raise ValidationError({"roles": _("This person already holds this role.")})
    for p, r, _pos in roles:
        if r in held[p.pk]:
            raise ValidationError({"roles": _("This person already holds this role.")})
        held[p.pk].add(r)
    if any(Role.STUDENT in h and len(h) > 1 for h in held.values()):
        raise ValidationError({"roles": _("A student cannot hold other roles in the same school.")})
    made = Roles()
    made.students = Student.objects.bulk_create(
        [Student(school=school, person=p) for p, r, _pos in roles if r == Role.STUDENT], batch_size=BATCH
    )
    made.parents = Parent.objects.bulk_create(
        [Parent(school=school, person=p) for p, r, _pos in roles if r == Role.PARENT], batch_size=BATCH
    )
    made.staff = StaffRole.objects.bulk_create(
        [
            StaffRole(school=school, person=p, role=r, position=(pos or "").strip())
            for p, r, pos in roles
            if r in STAFF_ROLES
        ],
        batch_size=BATCH,
    )
    counts = Counter(r for _p, r, _pos in roles)
    audit.record(actor, "add_roles", None, school=school, summary=note, data=dict(sorted(counts.items())))
    return made


@transaction.atomic
def link_parents(*, actor, school: School, links: Sequence[ParentLink], note: str = "") -> list[ParentLink]:
    """`link_parent` for many: parents and students of the school, a known relation, no pair twice."""
    if any(link.parent.school_id != school.pk for link in links):
        raise ValidationError({"parent": _("Choose a parent of this school.")})
    if any(link.student.school_id != school.pk for link in links):
        raise ValidationError({"student": _("Choose a student of this school.")})
    if any(link.relation not in ParentLink.Relation.values for link in links):
        raise ValidationError({"relation": _("Choose the relation.")})
    pairs = [(link.parent_id, link.student_id) for link in links]
    linked = ParentLink.objects.filter(
        parent_id__in={p for p, _s in pairs}, student_id__in={s for _p, s in pairs}
    ).values_list("parent_id", "student_id")
    if len(set(pairs)) < len(pairs) or set(linked) & set(pairs):
        raise ValidationError({"student": _("These two are already linked.")})
    for link in links:
        link.school = school
    try:
        with transaction.atomic():
            created = ParentLink.objects.bulk_create(links, batch_size=BATCH)
    except IntegrityError as exc:  # a link written meanwhile
        raise ValidationError({"student": _("These two are already linked.")}) from exc
    audit.record(actor, "link_parents", None, school=school, summary=note, data={"links": len(created)})
    return created
