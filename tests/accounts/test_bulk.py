"""The people's bulk services against PostgreSQL: roles and parent links written in order with one
audit event, and each check refusing the whole batch with nothing saved."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent, Parent, ParentLink, Person, Role, StaffRole, Student
from accounts.services import bulk
from tests import factories as f

pytestmark = pytest.mark.django_db

NOTE = "seeded by a test"


def snapshot():
    return {m.__name__: m.objects.count() for m in (Student, Parent, StaffRole, ParentLink, AuditEvent)}


def refused(field, service, **kwargs):
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        service(note=NOTE, **kwargs)
    assert field in info.value.message_dict, info.value.message_dict
    assert snapshot() == before


def people(school, n):
    return [f.make_person(school, login=False, first_name=f"Имя{i}") for i in range(n)]


def test_add_roles_in_order_with_one_event(world):
    a, b, c, t = people(world.school, 4)
    made = bulk.add_roles(
        actor=None,
        school=world.school,
        roles=[
            (a, Role.STUDENT, ""),
            (b, Role.PARENT, ""),
            (c, Role.STUDENT, ""),
            (t, Role.TEACHER, " Учитель физики "),
            (t, Role.DEPUTY, "Завуч"),
        ],
        note=NOTE,
    )
    assert [s.person for s in made.students] == [a, c]
    assert [p.person for p in made.parents] == [b]
    assert [(r.person, r.role, r.position) for r in made.staff] == [
        (t, Role.TEACHER, "Учитель физики"),
        (t, Role.DEPUTY, "Завуч"),
    ]
    assert all(s.school_id == world.school.pk for s in made.students)
    event = AuditEvent.objects.order_by("-pk").first()
    assert (event.action, event.summary, event.school_id) == ("add_roles", NOTE, world.school.pk)
    assert event.data == {"deputy": 1, "parent": 1, "student": 2, "teacher": 1}


def test_add_roles_refuses_a_person_of_another_school(world, other_world):
    (theirs,) = people(other_world.school, 1)
    refused("roles", bulk.add_roles, actor=None, school=world.school, roles=[(theirs, Role.STUDENT, "")])


def test_add_roles_refuses_an_unknown_role(world):
    (a,) = people(world.school, 1)
    refused("roles", bulk.add_roles, actor=None, school=world.school, roles=[(a, "janitor", "")])


def test_add_roles_refuses_a_role_held_already_or_twice(world):
    (a,) = people(world.school, 1)
    twice = [(a, Role.TEACHER, ""), (a, Role.TEACHER, "")]
    refused("roles", bulk.add_roles, actor=None, school=world.school, roles=twice)
    held = [(world.teacher, Role.TEACHER, "")]
    refused("roles", bulk.add_roles, actor=None, school=world.school, roles=held)


def test_add_roles_refuses_a_student_with_another_role(world):
    (a,) = people(world.school, 1)
    both = [(a, Role.STUDENT, ""), (a, Role.PARENT, "")]
    refused("roles", bulk.add_roles, actor=None, school=world.school, roles=both)
    refused(
        "roles", bulk.add_roles, actor=None, school=world.school, roles=[(world.student, Role.PARENT, "")]
    )
    refused(
        "roles", bulk.add_roles, actor=None, school=world.school, roles=[(world.teacher, Role.STUDENT, "")]
    )


def test_link_parents_with_one_event(world):
    links = bulk.link_parents(
        actor=None,
        school=world.school,
        links=[
            ParentLink(parent=world.parent.parent, student=world.other_student.student, relation="guardian"),
            ParentLink(parent=world.other_parent.parent, student=world.student.student, relation="other"),
        ],
        note=NOTE,
    )
    assert [(link.parent.person, link.student.person, link.school_id) for link in links] == [
        (world.parent, world.other_student, world.school.pk),
        (world.other_parent, world.student, world.school.pk),
    ]
    event = AuditEvent.objects.order_by("-pk").first()
    assert (event.action, event.summary, event.data) == ("link_parents", NOTE, {"links": 2})


def test_link_parents_refuses_people_of_another_school(world, other_world):
    theirs = ParentLink(parent=other_world.parent.parent, student=world.student.student, relation="mother")
    refused("parent", bulk.link_parents, actor=None, school=world.school, links=[theirs])
    theirs = ParentLink(parent=world.parent.parent, student=other_world.student.student, relation="mother")
    refused("student", bulk.link_parents, actor=None, school=world.school, links=[theirs])


def test_link_parents_refuses_an_unknown_relation(world):
    link = ParentLink(parent=world.parent.parent, student=world.other_student.student, relation="aunt")
    refused("relation", bulk.link_parents, actor=None, school=world.school, links=[link])


def test_link_parents_refuses_a_pair_linked_already_or_twice(world):
    linked = ParentLink(parent=world.parent.parent, student=world.student.student, relation="mother")
    refused("student", bulk.link_parents, actor=None, school=world.school, links=[linked])
    new = {"parent": world.parent.parent, "student": world.other_student.student, "relation": "mother"}
    twice = [ParentLink(**new), ParentLink(**new)]
    refused("student", bulk.link_parents, actor=None, school=world.school, links=twice)


def test_people_without_a_school_row_are_refused(world):
    unsaved = Person(school=world.school, last_name="Новый", first_name="Ученик")
    refused("roles", bulk.add_roles, actor=None, school=world.school, roles=[(unsaved, Role.STUDENT, "")])
