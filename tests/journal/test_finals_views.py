"""The finals view of a course (journal/finals/views.py): the page for writers and readers, saving one
final mark as JSON, accepting all proposals, the admin's reopening and the teacher's lock again.

The clock is the real one (December 2026): the first quarter of the world's year 2026/2027 has
ended, so its finals are due; marks are put in with `now` inside that quarter.
"""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from journal.grid.services import add_work, record_cell
from journal.models import CourseLock, FinalMark, LockEvent
from schedule.models import Lesson, ReportingPeriod
from tests import factories as f

from . import actor, at, d, lesson

pytestmark = pytest.mark.django_db

PAGE_QUERIES = 12


def q1(world):
    return ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=1)


def mark(world, day, student, raw):
    teacher = actor(world.teacher)
    held = Lesson.objects.filter(course=world.math_5a, date=day).first() or lesson(world.math_5a, day)
    work = add_work(actor=teacher, lesson=held, now=at(day))
    record_cell(actor=teacher, work=work, student=student, raw=raw, version=None, now=at(day))


def add_students(world, n):
    students = []
    for i in range(n):
        person = f.make_person(world.school, roles=["student"], last_name=f"Ученик{i:02d}", first_name="Пётр")
        f.enroll(person, world.class_5a)
        students.append(person.student)
    return students


@pytest.fixture
def two(world):
    """Ученикова (a 5 in Q1: proposal 5) and Вторая (no marks: flagged, R-F-3)."""
    second = f.make_person(world.school, roles=["student"], last_name="Вторая", first_name="Юлия")
    f.enroll(second, world.class_5a)
    mark(world, d(10, 5), world.student.student, "5")
    return world.student.student, second.student


def page_url(world):
    return reverse("journal:finals", args=[world.math_5a.pk])


def save(client, world, student, value, version="", period=None, kind="period"):
    data = {
        "course": world.math_5a.pk,
        "student": student.pk,
        "kind": kind,
        "value": value,
        "version": version,
    }
    if kind == "period":
        data["period"] = (period or q1(world)).pk
    return client.post(reverse("journal:save_final"), data)


def test_the_teacher_sees_proposals_and_inputs(client, world, two):
    client.force_login(world.teacher.user)
    response = client.get(page_url(world))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="fm-input"' in html
    assert "5.00 → 5" in html and 'title="5.00 ≥ 4.65 → 5"' in html
    assert "сначала отработка (п. 7.3)" in html  # Вторая has no marks
    assert 'data-testid="accept-period-' in html
    assert 'data-testid="read-only"' not in html


@pytest.mark.parametrize("role", ["deputy", "director", "class_teacher"])
def test_readers_see_the_page_read_only(client, world, two, role):
    client.force_login(getattr(world, role).user)
    response = client.get(page_url(world))
    html = response.content.decode()
    assert response.status_code == 200
    assert "fm-input" not in html and "accept-period" not in html
    assert 'data-testid="read-only"' in html
    assert "5.00 → 5" in html


def test_another_schools_course_is_not_found(client, world, other_world):
    client.force_login(world.teacher.user)
    assert client.get(reverse("journal:finals", args=[other_world.math_5a.pk])).status_code == 404
    response = client.post(
        reverse("journal:save_final"),
        {
            "course": other_world.math_5a.pk,
            "student": other_world.student.student.pk,
            "kind": "year",
            "value": "5",
        },
    )
    assert response.status_code == 404


def test_other_teachers_and_students_are_refused(client, world, two):
    client.force_login(world.other_teacher.user)
    assert client.get(page_url(world)).status_code == 403
    assert save(client, world, two[0], "5").status_code == 403
    client.force_login(world.student.user)
    assert client.get(page_url(world)).status_code == 403
    assert not FinalMark.objects.exists()


@pytest.mark.parametrize("n", [2, 15])
def test_the_page_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries, n):
    students = [world.student.student, *add_students(world, n - 1)]
    for i, student in enumerate(students):
        mark(world, d(10, 5 + i % 3), student, str(3 + i % 3))
    client.force_login(world.teacher.user)
    client.get(page_url(world))  # warm the session
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(page_url(world))
    assert response.content.decode().count('class="fm-input"') >= n


def test_a_subject_without_final_assessment_shows_a_notice(client, world, two):
    world.math_5a.subject.no_final_assessment = True
    world.math_5a.subject.save()
    client.force_login(world.teacher.user)
    html = client.get(page_url(world)).content.decode()
    assert 'data-testid="no-finals"' in html and "По этому предмету итоговое оценивание не проводится" in html
    assert "fm-input" not in html


def test_saving_a_final(client, world, two):
    a, b = two
    client.force_login(world.teacher.user)
    response = save(client, world, a, "4")  # proposal 5: an override
    assert response.status_code == 200
    data = response.json()
    assert data == {
        "ok": True,
        "value": "4",
        "version": 1,
        "locked": False,  # Вторая still needs hers
        "proposal": {"mark": 5, "shown": "5.00", "rule": "5.00 ≥ 4.65 → 5"},
    }
    stored = FinalMark.objects.get(student=a)
    assert (stored.value, stored.proposed) == (4, 5)
    html = client.get(page_url(world)).content.decode()
    assert 'title="предложено 5"' in html


def test_a_forbidden_value_is_refused_with_the_regulation(client, world, two):
    client.force_login(world.teacher.user)
    response = save(client, world, two[0], "н/а")
    assert response.status_code == 400
    assert response.json()["ok"] is False and "7.3" in response.json()["error"]
    assert not FinalMark.objects.exists()
    # No marks behind a final: refused too (R-F-3).
    response = save(client, world, two[1], "4")
    assert response.status_code == 400 and "7.3" in response.json()["error"]
    # An incomplete request.
    assert client.post(reverse("journal:save_final"), {"course": world.math_5a.pk}).status_code == 400


def test_a_stale_version_is_a_conflict_with_the_current_value(client, world, two):
    a, _b = two
    client.force_login(world.teacher.user)
    assert save(client, world, a, "5").json()["version"] == 1
    assert save(client, world, a, "4", version="1").json()["version"] == 2
    response = save(client, world, a, "3", version="1")
    assert response.status_code == 409
    assert response.json()["value"] == "4" and response.json()["version"] == 2
    assert FinalMark.objects.get().value == 4


def test_the_last_final_locks_the_period_and_then_it_is_read_only(client, world, two):
    a, b = two
    mark(world, d(10, 6), b, "3")
    client.force_login(world.teacher.user)
    assert save(client, world, a, "5").json()["locked"] is False
    assert save(client, world, b, "3").json()["locked"] is True
    response = save(client, world, b, "4", version="1")
    assert response.status_code == 400
    assert "Попросите администратора школы открыть его" in response.json()["error"]
    html = client.get(page_url(world)).content.decode()
    assert 'data-testid="locked"' in html
    assert "accept-period" not in html


def test_accepting_all_proposals(client, world, two):
    a, b = two
    mark(world, d(10, 6), b, "3")
    client.force_login(world.teacher.user)
    response = client.post(
        reverse("journal:accept_finals"),
        {"course": world.math_5a.pk, "kind": "period", "period": q1(world).pk},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == page_url(world)
    assert "2 итоговые отметки выставлены по предложенным" in response.content.decode()
    assert dict(FinalMark.objects.values_list("student", "value")) == {a.pk: 5, b.pk: 3}
    assert CourseLock.objects.get(period=q1(world)).locked
    assert 'data-testid="lock-events"' in response.content.decode()
    # Again: nothing left; the locked period refuses with its message.
    response = client.post(
        reverse("journal:accept_finals"),
        {"course": world.math_5a.pk, "kind": "period", "period": q1(world).pk},
        follow=True,
    )
    assert "открыть его" in response.content.decode()


def test_the_admin_reopens_with_a_reason_and_the_teacher_locks_again(client, world, two):
    a, b = two
    mark(world, d(10, 6), b, "3")
    client.force_login(world.teacher.user)
    client.post(
        reverse("journal:accept_finals"),
        {"course": world.math_5a.pk, "kind": "period", "period": q1(world).pk},
    )
    assert CourseLock.objects.get().locked
    reopen = reverse("journal:reopen_finals")
    data = {"course": world.math_5a.pk, "period": q1(world).pk, "reason": "  "}
    assert client.post(reopen, {**data, "reason": "Ошибка"}).status_code == 403  # the teacher

    client.force_login(world.admin.user)
    html = client.get(page_url(world)).content.decode()
    assert 'data-testid="reopen-period-' in html
    response = client.post(reopen, data)
    assert response.status_code == 400
    assert "Укажите, почему период открывается снова" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert CourseLock.objects.get().locked
    response = client.post(reopen, {**data, "reason": "Ошибка в оценке"})
    assert response.status_code == 302
    assert not CourseLock.objects.get().locked
    assert LockEvent.objects.filter(action="reopened", reason="Ошибка в оценке").exists()

    client.force_login(world.teacher.user)
    html = client.get(page_url(world)).content.decode()
    assert 'data-testid="lock-period-' in html and "Ошибка в оценке" in html
    response = client.post(
        reverse("journal:lock_finals"), {"course": world.math_5a.pk, "period": q1(world).pk}, follow=True
    )
    assert "снова закрыт" in response.content.decode()
    assert CourseLock.objects.get().locked
    assert AuditEvent.objects.filter(action="journal.period_reopened").exists()


def test_a_missing_reason_is_shown_even_without_a_reopen_form(client, world, two):
    client.force_login(world.admin.user)
    response = client.post(
        reverse("journal:reopen_finals"), {"course": world.math_5a.pk, "period": q1(world).pk}
    )
    assert response.status_code == 400
    assert "Укажите, почему период открывается снова" in response.content.decode()


def test_a_student_who_left_is_greyed_out(client, world, two):
    _a, b = two
    enrollment = b.enrollments.get()
    enrollment.ends = d(10, 10)
    enrollment.save()
    client.force_login(world.teacher.user)
    html = client.get(page_url(world)).content.decode()
    assert f'<tr data-student="{b.pk}" class="fm-left">' in html
    assert html.count('class="fm-input"') == 1  # only Ученикова's first-quarter final
