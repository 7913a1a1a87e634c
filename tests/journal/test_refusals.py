"""The refusals views decide themselves go through `accounts.access.refused`: each leaves exactly one
`permission_denied` event naming the rule (or the write policy and its message), and keeps its answer:
a hidden student is a 404, a policy refusal a 403 (JSON) or an error message on the page.

The finals cases use a teacher who took 5А maths over after the first quarter: the rule lets them
reach the course's finals (`set_finals`), the write policy refuses the first quarter's, which they
did not teach.
"""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from accounts.access import refused
from accounts.models import AuditEvent
from journal.models import EditWindow, JournalSettings, Work, WorkType
from schedule.models import CourseTeacher, ReportingPeriod
from tests import factories as f

from . import actor

pytestmark = pytest.mark.django_db

NOT_HIS_LESSON = "journal.policy: Заполнять урок может только его учитель или заменяющий учитель."
NOT_HIS_FINALS = (
    "journal.policy: Итоговые отметки выставляет только учитель предмета или администратор школы."
)


def q1(world):
    return ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=1)


@pytest.fixture
def late_teacher(world):
    """`other_teacher`, who took 5А maths over the day after the first quarter ended."""
    CourseTeacher.objects.create(
        school=world.school,
        course=world.math_5a,
        teacher=world.other_teacher,
        starts=q1(world).ends + datetime.timedelta(days=1),
    )
    return world.other_teacher


def one_refusal(person, call):
    """Run `call()`; assert it left exactly one permission_denied event, by `person`; return its summary
    and what `call` returned."""
    before = set(AuditEvent.objects.filter(action="permission_denied").values_list("pk", flat=True))
    result = call()
    new = AuditEvent.objects.filter(action="permission_denied").exclude(pk__in=before)
    assert [e.actor_id for e in new] == [person.user.pk]
    return new.get().summary, result


def test_another_familys_diary_is_hidden_and_logged_once(world, login):
    client = login(world.other_parent)
    url = reverse("diary:week", args=[world.student.student.pk])
    summary, response = one_refusal(world.other_parent, lambda: client.get(url))
    assert response.status_code == 404
    assert summary == "journal.rules.view_diary"


def test_another_familys_week_is_hidden_and_logged_once(world, login):
    client = login(world.other_parent)
    url = reverse("schedule:week_student", args=[world.student.student.pk])
    summary, response = one_refusal(world.other_parent, lambda: client.get(url))
    assert response.status_code == 404
    assert summary == "schedule.rules.view_student_week"


def test_a_cell_the_policy_refuses_is_a_403_logged_once(world, login):
    JournalSettings.objects.create(school=world.school, edit_window=EditWindow.NEVER_LOCKED)
    oral = WorkType.objects.create(school=world.school, code="У", name="Устный", weight=1, is_default=True)
    lesson = f.make_lesson(world.math_5a, datetime.date(2026, 9, 7), 1)
    work = Work.objects.create(school=world.school, lesson=lesson, work_type=oral)
    client = login(world.substitute)  # substitutes no lesson of this course
    data = {"lesson": lesson.pk, "work": work.pk, "student": world.student.student.pk, "value": "5"}
    data |= {"version": "", "att_version": ""}
    summary, response = one_refusal(world.substitute, lambda: client.post(reverse("journal:save_cell"), data))
    assert response.status_code == 403
    assert response.json() == {"ok": False, "error": NOT_HIS_LESSON.removeprefix("journal.policy: ")}
    assert summary == NOT_HIS_LESSON


def test_a_final_the_policy_refuses_is_a_403_logged_once(world, login, late_teacher):
    client = login(late_teacher)
    data = {"course": world.math_5a.pk, "student": world.student.student.pk, "kind": "period"}
    data |= {"period": q1(world).pk, "value": "5", "version": ""}
    summary, response = one_refusal(late_teacher, lambda: client.post(reverse("journal:save_final"), data))
    assert response.status_code == 403
    assert response.json()["error"] == NOT_HIS_FINALS.removeprefix("journal.policy: ")
    assert summary == NOT_HIS_FINALS


@pytest.mark.parametrize("name", ["journal:accept_finals", "journal:lock_finals"])
def test_a_finals_button_the_policy_refuses_shows_its_message_logged_once(world, login, late_teacher, name):
    client = login(late_teacher)
    data = {"course": world.math_5a.pk, "kind": "period", "period": q1(world).pk}
    summary, response = one_refusal(late_teacher, lambda: client.post(reverse(name), data))
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        NOT_HIS_FINALS.removeprefix("journal.policy: ")
    ]
    assert summary == NOT_HIS_FINALS


def test_the_helper_answers_403_with_the_reason_or_a_hidden_404(world):
    """The one shape: the reason, then the cause when a service raised one; cut to the summary's size."""
    admin = actor(world.admin)
    denied = refused(admin, "journal.policy", PermissionDenied("closed"))
    assert isinstance(denied, PermissionDenied) and str(denied) == "journal.policy: closed"
    assert isinstance(refused(admin, "journal.rules.view_diary", hidden=True), Http404)
    refused(admin, "x" * 600)
    summaries = list(
        AuditEvent.objects.filter(action="permission_denied").order_by("pk").values_list("summary", flat=True)
    )
    assert summaries == ["journal.policy: closed", "journal.rules.view_diary", "x" * 500]
