"""Read access to a class beyond the roles: a django-guardian grant the admin gives and withdraws."""

import pytest
from django.urls import reverse

from accounts.actor import load_actor
from accounts.models import AuditEvent
from schedule import rules

pytestmark = pytest.mark.django_db


def test_grant_then_revoke_read_access_to_a_class(client, world):
    page = reverse("schedule:class_detail", args=[world.class_6b.pk])
    client.force_login(world.substitute.user)
    assert client.get(page).status_code == 403

    client.force_login(world.admin.user)
    client.post(
        reverse("schedule:class_access_grant", args=[world.class_6b.pk]), {"person": world.substitute.pk}
    )
    assert world.substitute.full_name in client.get(page).content.decode()

    client.force_login(world.substitute.user)
    assert client.get(page).status_code == 200
    actor = load_actor(world.substitute.user, world.school.pk)
    assert list(rules.classes_visible_to(actor)) == [world.class_6b]
    assert client.get(reverse("schedule:class_detail", args=[world.class_5a.pk])).status_code == 403

    client.force_login(world.admin.user)
    client.post(reverse("schedule:class_access_revoke", args=[world.class_6b.pk, world.substitute.pk]))
    client.force_login(world.substitute.user)
    assert client.get(page).status_code == 403
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"class_access_granted", "class_access_revoked"} <= actions


def test_only_teachers_with_a_login_of_this_school_can_be_granted(client, world, other_world):
    client.force_login(world.admin.user)
    for person in (world.parent, other_world.teacher):
        client.post(reverse("schedule:class_access_grant", args=[world.class_6b.pk]), {"person": person.pk})
    assert not AuditEvent.objects.filter(action="class_access_granted").exists()


@pytest.mark.parametrize(
    "persona",
    [
        "admin",
        "director",
        "deputy",
        "teacher",
        "class_teacher",
        "other_teacher",
        "substitute",
        "student",
        "parent",
    ],
)
def test_view_class_and_its_queryset_twin_agree(world, persona):
    actor = load_actor(getattr(world, persona).user, world.school.pk)
    visible = set(rules.classes_visible_to(actor))
    for school_class in (world.class_5a, world.class_6b):
        assert rules.view_class(actor, school_class) == (school_class in visible)
