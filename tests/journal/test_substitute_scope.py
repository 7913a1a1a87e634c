"""A substitute reads and fills the lessons they replaced, and nothing else of the course (R-ACC-6).

The substitute of one maths lesson of 5А in the second quarter gets that lesson's columns of the
quarter's grid (the students' names, the lesson's works and attendance), its lesson page and its
cells; every other lesson, period, the finals and the plan answer 403 with the refusal audited.
"""

import datetime

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from journal.models import Attendance, Cell, EditWindow, JournalSettings, Remark, Work, WorkType
from schedule.models import ReportingPeriod, Substitution
from tests import factories as f
from tests.journal.test_grid_save import post as save

pytestmark = pytest.mark.django_db

SEP = datetime.date(2026, 9, 7)  # first quarter
MON, TUE = datetime.date(2026, 12, 7), datetime.date(2026, 12, 8)  # second quarter, before today (9.12)


def quarter(world, number) -> ReportingPeriod:
    return ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=number)


@pytest.fixture
def scene(world):
    JournalSettings.objects.create(school=world.school, edit_window=EditWindow.NEVER_LOCKED)
    oral = WorkType.objects.create(
        school=world.school, code="У", name="Устный ответ", weight=1, is_default=True
    )
    pupil = world.student.student
    own = f.make_lesson(world.math_5a, MON, 1)  # the course's teacher's, not replaced
    own_work = Work.objects.create(school=world.school, lesson=own, work_type=oral)
    Cell.objects.create(school=world.school, work=own_work, student=pupil, marks=[2])
    Attendance.objects.create(school=world.school, lesson=own, student=pupil, status="absent")
    Remark.objects.create(school=world.school, lesson=own, student=pupil, text="Секретное замечание")
    replaced = f.make_lesson(world.math_5a, TUE, 1)
    replaced_work = Work.objects.create(school=world.school, lesson=replaced, work_type=oral)
    Cell.objects.create(school=world.school, work=replaced_work, student=pupil, marks=[5])
    Attendance.objects.create(school=world.school, lesson=replaced, student=pupil, status="late")
    Substitution.objects.create(
        school=world.school, lesson=replaced, absent_teacher=world.teacher, substitute=world.substitute
    )
    earlier = f.make_lesson(world.math_5a, SEP, 1)  # another period
    return {"own": own, "own_work": own_work, "replaced": replaced, "work": replaced_work, "earlier": earlier}


def refusals(person) -> int:
    return AuditEvent.objects.filter(action="permission_denied", actor=person.user).count()


def refused(client, person, url, method="get", data=None):
    before = refusals(person)
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    assert response.status_code == 403, f"{url} answered {response.status_code}"
    assert refusals(person) == before + 1, f"{url}: the refusal is not in the audit trail"
    return response


def link(lesson) -> str:
    return f'href="{reverse("journal:lesson", args=[lesson.pk])}"'


def test_the_grid_of_the_replaced_lessons_period_shows_only_those_lessons(world, scene, login):
    html = login(world.substitute).get(reverse("journal:grid", args=[world.math_5a.pk, quarter(world, 2).pk]))
    assert html.status_code == 200
    page = html.content.decode()
    assert world.student.last_name in page  # the students' names
    assert link(scene["replaced"]) in page and f'data-work="{scene["work"].pk}"' in page
    assert link(scene["own"]) not in page  # no other lesson's column…
    assert "Н/2" not in page  # …nor its mark and attendance
    assert ">ОП/5</td>" in page  # the replaced lesson's cell: its attendance and mark
    assert "2,00" not in page and "3,50" not in page  # no average over other lessons' marks


def test_the_substitute_opens_no_other_period_nor_the_finals_nor_the_plan(world, scene, login):
    client = login(world.substitute)
    course = world.math_5a
    for url in (
        reverse("journal:grid", args=[course.pk, quarter(world, 1).pk]),
        reverse("journal:lessons", args=[course.pk, quarter(world, 1).pk]),
        reverse("journal:finals", args=[course.pk]),
        reverse("journal:plan", args=[course.pk]),
        reverse("journal:plan_export", args=[course.pk]),
        reverse("journal:lesson", args=[scene["own"].pk]),
        reverse("journal:lesson", args=[scene["earlier"].pk]),
    ):
        refused(client, world.substitute, url)


def test_the_substitute_neither_writes_nor_reads_a_lesson_they_did_not_replace(world, scene, login):
    client = login(world.substitute)
    pupil = world.student.student
    refused(
        client,
        world.substitute,
        reverse("journal:save_cell"),
        "post",
        {
            "lesson": scene["own"].pk,
            "work": scene["own_work"].pk,
            "student": pupil.pk,
            "value": "5",
            "version": 1,
        },
    )
    refused(client, world.substitute, reverse("journal:add_work"), "post", {"lesson": scene["own"].pk})
    assert Cell.objects.get(work=scene["own_work"], student=pupil).marks == [2]


def test_the_substitute_reads_and_fills_the_replaced_lesson(world, scene, login):
    client = login(world.substitute)
    pupil = world.student.student
    assert client.get(reverse("journal:lesson", args=[scene["replaced"].pk])).status_code == 200
    lessons = client.get(reverse("journal:lessons", args=[world.math_5a.pk, quarter(world, 2).pk]))
    assert lessons.status_code == 200
    assert link(scene["replaced"]) in lessons.content.decode()
    assert link(scene["own"]) not in lessons.content.decode()
    data = save(client, scene["replaced"], pupil, "4", work=scene["work"], version=1).json()
    assert data["ok"], data
    assert data["average"] == ""  # the period's average counts lessons the substitute does not read
    assert Cell.objects.get(work=scene["work"], student=pupil).marks == [4]
    data = save(client, scene["replaced"], pupil, "н", work=scene["work"], version=2, att_version=1).json()
    assert data["ok"] and data["display"] == "Н", data
    assert Attendance.objects.get(lesson=scene["replaced"], student=pupil).status == "absent"


def test_the_journal_index_offers_the_substitute_only_the_replaced_lessons_period(world, scene, login):
    page = login(world.substitute).get(reverse("journal:index")).content.decode()
    assert reverse("journal:grid", args=[world.math_5a.pk, quarter(world, 2).pk]) in page
    assert reverse("journal:grid", args=[world.math_5a.pk, quarter(world, 1).pk]) not in page
    assert reverse("journal:plan", args=[world.math_5a.pk]) not in page


def test_the_courses_teacher_still_reads_the_whole_course(world, scene, login):
    client = login(world.teacher)
    page = client.get(reverse("journal:grid", args=[world.math_5a.pk, quarter(world, 2).pk])).content.decode()
    assert link(scene["own"]) in page and link(scene["replaced"]) in page
    assert client.get(reverse("journal:finals", args=[world.math_5a.pk])).status_code == 200
    assert client.get(reverse("journal:plan", args=[world.math_5a.pk])).status_code == 200
