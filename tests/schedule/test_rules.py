"""schedule/rules.py: the object rule and its queryset twin agree, and the table holds for every persona."""

import pytest

from schedule import rules
from schedule.models import SchoolClass

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "director", "deputy", "teacher", "class_teacher", "other_teacher", "student", "parent"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_classes_visible_to_agrees_with_view_class(world, other_world, actor_of, persona):
    actor = actor_of(getattr(world, persona))
    visible = set(rules.classes_visible_to(actor))
    for school_class in SchoolClass.objects.filter(school=world.school):
        assert rules.view_class(actor, school_class) == (school_class in visible), (persona, school_class)
    assert not visible & set(SchoolClass.objects.filter(school=other_world.school))


@pytest.mark.parametrize(
    ("persona", "manage", "periods", "view"),
    [
        ("admin", True, True, True),
        ("director", False, False, True),
        ("deputy", False, True, True),
        ("teacher", False, False, False),
        ("class_teacher", False, False, False),
        ("student", False, False, False),
        ("parent", False, False, False),
    ],
)
def test_role_rules(world, actor_of, persona, manage, periods, view):
    actor = actor_of(getattr(world, persona))
    assert rules.manage_structure(actor) is manage
    assert rules.manage_periods(actor) is periods
    assert rules.view_structure(actor) is view


def test_class_teacher_sees_only_their_own_class(world, actor_of):
    actor = actor_of(world.class_teacher)
    assert rules.view_class(actor, world.class_5a)
    assert not rules.view_class(actor, world.class_6b)
    assert not rules.view_class(actor_of(world.teacher), world.class_5a)
