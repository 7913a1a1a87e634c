"""R-ACC-4 for the diary: every diary URL of child A, tried as the parent of child B (and as child B
and as a subject teacher who does not lead A's class), answers 404 as if A did not exist; the refusal
is audited. The URLs are discovered from the "diary" namespace, so a page added later is covered too.
"""

import pytest
from django.urls import get_resolver, reverse

from accounts.models import AuditEvent
from journal.rules import view_diary


def student_urls(pk: int) -> list[str]:
    """Every diary URL that takes a student id (the class pages take a class id and are left out)."""
    resolver = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "diary")
    urls = []
    for pattern in resolver.url_patterns:
        route = str(pattern.pattern)
        if "<int:pk>" in route and not route.startswith("class/"):
            urls.append(reverse(f"diary:{pattern.name}", args=[pk]))
    return urls


QUERIES = ["", "?date=2026-09-07", "?period=1", "?from=2026-09-01&to=2026-09-30"]


def test_the_discovery_finds_the_diary_pages(world):
    names = {url.rstrip("/").rsplit("/", 1)[-1] for url in student_urls(world.student.student.pk)}
    assert {"homework", "marks", "charts", "summary", "pdf"} <= names
    assert len(student_urls(1)) >= 6


@pytest.mark.parametrize("who", ["other_parent", "other_student", "teacher"])
def test_every_diary_url_of_child_a_is_404_for_others(world, client, who):
    client.force_login(getattr(world, who).user)
    child_a = world.student.student
    before = AuditEvent.objects.filter(action="permission_denied").count()
    urls = student_urls(child_a.pk)
    for url in urls:
        for query in QUERIES:
            response = client.get(url + query)
            assert response.status_code == 404, (who, url + query, response.status_code)
            assert child_a.person.last_name not in response.content.decode()
    assert AuditEvent.objects.filter(action="permission_denied").count() - before == len(urls) * len(QUERIES)


def test_the_own_parent_and_student_read_every_diary_url(world, client):
    for person in (world.parent, world.student):
        client.force_login(person.user)
        for url in student_urls(world.student.student.pk):
            response = client.get(url)
            assert response.status_code == 200, (person, url, response.status_code)


def test_a_parent_reads_only_linked_children(world):
    from accounts.actor import load_actor

    parent = load_actor(world.parent.user, world.school.pk)
    other = load_actor(world.other_parent.user, world.school.pk)
    a = world.student.student
    assert view_diary(parent, a, world.class_5a)
    assert not view_diary(other, a, world.class_5a)


def test_who_reads_a_diary(world):
    from accounts.actor import load_actor

    a = world.student.student
    expected = {
        "admin": True,
        "director": True,
        "deputy": True,
        "class_teacher": True,  # leads 5А
        "teacher": False,  # teaches 5А maths, leads no class
        "other_teacher": False,  # leads 6Б
        "student": True,
        "other_student": False,
        "parent": True,
        "other_parent": False,
    }
    got = {
        who: view_diary(load_actor(getattr(world, who).user, world.school.pk), a, world.class_5a)
        for who in expected
    }
    assert got == expected


def test_a_class_teacher_of_another_school_cannot(world, other_world):
    from accounts.actor import load_actor

    outsider = load_actor(other_world.class_teacher.user, other_world.school.pk)
    assert not view_diary(outsider, world.student.student, world.class_5a)
