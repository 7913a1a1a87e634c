"""A compromised login's changes rolled back (R-ACC-7, seed 001 §3.3–3.4)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, DigestItem, OutboxMessage, User
from accounts.services.compromise import report_compromised
from journal.finals.services import record_final
from journal.grid.services import add_work, record_attendance, record_cell
from journal.marklog import notifications
from journal.marklog import services as marklog
from journal.models import Attendance, Cell, FinalMark, Homework, LessonTopic, MarkLogEntry, Remark
from journal.rollback import services as rollback
from schedule.models import ReportingPeriod
from tests import factories as f
from tests.clock import moment

from . import actor, d, lesson

pytestmark = pytest.mark.django_db

DAY = d(12, 9)


def q2(world):
    return ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=2)


def cell_text(work, student) -> str:
    cell = Cell.objects.filter(work=work, student=student).first()
    return "/".join(map(str, cell.marks)) if cell else ""


def report(world, who, since="2026-12-09 13:00"):
    return report_compromised(
        actor=actor(who), user=world.teacher.user, school=world.school, since=moment(since)
    )


@pytest.fixture
def attacked(world, family, clock):
    """12:00 the teacher marks «4»; 14:00 the teacher's login writes false marks, an absence and a final."""
    clock.move_to("2026-12-09 12:00")
    teacher = actor(world.teacher)
    student = world.student.student
    held = lesson(world.math_5a, DAY)
    first, second = add_work(actor=teacher, lesson=held), add_work(actor=teacher, lesson=held)
    a = record_cell(actor=teacher, work=first, student=student, raw="4", version=None)
    notifications.dispatch(world.school)
    DigestItem.objects.all().delete()  # the true mark's news is not the test's business
    clock.move_to("2026-12-09 14:00")
    record_cell(actor=teacher, work=first, student=student, raw="2", version=a.cell_version)
    record_cell(actor=teacher, work=second, student=student, raw="2/2", version=None)
    record_attendance(actor=teacher, lesson=held, student=student, raw="Н", version=None)
    record_final(
        actor=teacher,
        course=world.math_5a,
        student=student,
        kind="period",
        period=q2(world),
        raw="2",
        version=None,
    )
    notifications.dispatch(world.school)
    clock.move_to("2026-12-09 15:00")
    return held, first, second


def test_rolling_back_puts_every_value_of_13_00_back_and_withdraws_the_false_news(world, attacked):
    held, first, second = attacked
    student = world.student.student
    assert OutboxMessage.objects.filter(kind="attendance", status="pending").count() == 1  # the mother's
    assert DigestItem.objects.filter(kind="marks").count() == 4  # two cells × two parents
    generation = world.teacher.user.session_generation

    event = report(world, world.admin)
    user = User.objects.get(pk=world.teacher.user.pk)
    assert user.must_change_password and user.session_generation == generation + 1

    found = rollback.changes_since(event)
    assert [c.status for c in found.journal] == ["ready"] * 4
    log_before = MarkLogEntry.objects.count()
    outcome = rollback.roll_back(actor=actor(world.admin), report=event)

    assert len(outcome.done) == 4 and outcome.skipped == []
    assert cell_text(first, student) == "4" and cell_text(second, student) == ""
    assert Attendance.objects.get(lesson=held, student=student).status == ""
    assert not FinalMark.objects.filter(student=student).exists()
    assert marklog.verify(world.school)[0]
    rolled = MarkLogEntry.objects.filter(seq__gt=0).order_by("-seq")[:4]
    assert MarkLogEntry.objects.count() == log_before + 4  # appended, nothing removed
    assert {e.actor_id for e in rolled} == {world.admin.user.pk}
    # The unsent news of the false marks and the absence is gone; the restored values send none.
    assert not OutboxMessage.objects.filter(status="pending").exists()
    assert not DigestItem.objects.exists()
    notifications.dispatch(world.school)
    assert not OutboxMessage.objects.exists() and not DigestItem.objects.exists()
    assert len(AuditEvent.objects.get(action=rollback.ROLLED_BACK).data["done"]) == 4
    assert [c.status for c in rollback.changes_since(event).journal] == ["restored"] * 4


def test_a_change_someone_else_made_since_is_skipped_with_the_reason(world, attacked, english):
    held, first, second = attacked
    student = world.student.student
    current = Cell.objects.get(work=first, student=student)
    record_cell(actor=actor(world.admin), work=first, student=student, raw="3", version=current.version)
    event = report(world, world.admin)
    outcome = rollback.roll_back(actor=actor(world.admin), report=event)
    assert cell_text(first, student) == "3"  # left as the admin made it
    assert cell_text(second, student) == ""
    [(change, reason)] = outcome.skipped
    assert change.key == f"marks:{first.pk}:{student.pk}" and "Changed since by" in reason
    assert marklog.verify(world.school)[0]


def test_rolling_back_selected_changes_only(world, attacked):
    held, first, second = attacked
    student = world.student.student
    event = report(world, world.admin)
    outcome = rollback.roll_back(
        actor=actor(world.admin), report=event, keys=[f"marks:{second.pk}:{student.pk}"]
    )
    assert len(outcome.done) == 1
    assert cell_text(second, student) == "" and cell_text(first, student) == "2"


def test_only_the_admin_reports_and_rolls_back(world, attacked, other_world, operator):
    with pytest.raises(PermissionDenied):
        report(world, world.director)
    with pytest.raises(PermissionDenied):
        report(world, other_world.admin)  # another school's admin
    from accounts.actor import load_actor

    with pytest.raises(PermissionDenied):  # the operator reports only a school admin's login
        report_compromised(
            actor=load_actor(operator, None),
            user=world.teacher.user,
            school=world.school,
            since=moment("2026-12-09 13:00"),
        )
    report_compromised(
        actor=load_actor(operator, None),
        user=world.admin.user,
        school=world.school,
        since=moment("2026-12-09 13:00"),
    )
    event = report(world, world.admin)
    for who in (world.director, world.teacher, other_world.admin):
        with pytest.raises(PermissionDenied):
            rollback.roll_back(actor=actor(who), report=event)


def test_the_moment_cannot_be_in_the_future(world):
    with pytest.raises(ValidationError):
        report(
            world,
            world.admin,
            since=(timezone.localtime() + datetime.timedelta(hours=1)).replace(tzinfo=None).isoformat(),
        )


def test_the_pages_report_list_and_roll_back(world, attacked, login):
    held, first, second = attacked
    student = world.student.student
    current = Cell.objects.get(work=first, student=student)
    record_cell(actor=actor(world.admin), work=first, student=student, raw="3", version=current.version)
    client = login(world.admin)
    person_page = client.get(reverse("accounts:person_detail", args=[world.teacher.pk])).content.decode()
    assert reverse("journal:compromised_report", args=[world.teacher.pk]) in person_page
    page = client.get(reverse("journal:compromised_report", args=[world.teacher.pk]))
    assert page.status_code == 200
    response = client.post(
        reverse("journal:compromised_report", args=[world.teacher.pk]), {"since": "2026-12-09T13:00"}
    )
    event = AuditEvent.objects.get(action="account_compromised")
    assert response.url == reverse("journal:compromised_changes", args=[event.pk])
    listing = client.get(response.url).content.decode()
    reset = reverse("accounts:reset_person", args=[world.teacher.pk])
    assert reset in listing  # the old password still works until it is reset
    assert listing.count('type="checkbox" name="change"') == 3  # the cell changed since has none
    done = client.post(response.url, {"change": [f"marks:{second.pk}:{student.pk}"], "selected": ""})
    assert cell_text(second, student) == "" and cell_text(first, student) == "3"
    shown = client.get(done.url).content.decode()
    assert "rollback-skipped" not in shown and "rollback-done" in shown
    everything = client.post(response.url, {"all": ""})
    shown = client.get(everything.url).content.decode()
    assert "rollback-skipped" in shown  # the cell the admin changed since, with its reason
    assert Attendance.objects.get(lesson=held, student=student).status == ""
    again = client.get(reverse("journal:compromised_report", args=[world.teacher.pk])).content.decode()
    assert reverse("journal:compromised_changes", args=[event.pk]) in again  # the earlier report


def test_a_malformed_moment_is_refused_with_a_message(world, login):
    client = login(world.admin)
    response = client.post(reverse("journal:compromised_report", args=[world.teacher.pk]), {"since": "вчера"})
    assert response.status_code == 200 and b"errors" in response.content
    assert not AuditEvent.objects.filter(action="account_compromised").exists()


def test_the_operator_reports_an_admins_login_on_their_page(world, operator, client):
    f.verified_login(client, operator)  # the operator must use two-factor
    url = reverse("accounts:operator_compromised", args=[world.school.pk])
    page = client.get(url).content.decode()
    assert world.admin.user.username in page and world.teacher.user.username not in page
    client.post(url, {"user": world.teacher.user.pk, "since": "2026-12-09T09:00"})  # not an admin: refused
    assert not User.objects.get(pk=world.teacher.user.pk).must_change_password
    response = client.post(url, {"user": world.admin.user.pk, "since": "2026-12-09T09:00"})
    assert b"compromised-done" in response.content
    assert User.objects.get(pk=world.admin.user.pk).must_change_password
    event = AuditEvent.objects.get(action="account_compromised")
    assert event.school_id == world.school.pk and event.actor_id == operator.pk


def test_an_absence_and_a_final_changed_since_are_skipped_too(world, attacked, english):
    held, first, second = attacked
    student = world.student.student
    admin = actor(world.admin)
    absence = Attendance.objects.get(lesson=held, student=student)
    record_attendance(actor=admin, lesson=held, student=student, raw="ОП", version=absence.version)
    final = FinalMark.objects.get(student=student)
    record_final(
        actor=admin,
        course=world.math_5a,
        student=student,
        kind="period",
        period=q2(world),
        raw="3",
        version=final.version,
    )
    outcome = rollback.roll_back(actor=admin, report=report(world, world.admin))
    assert sorted(c.kind for c, _reason in outcome.skipped) == ["attendance", "final_period"]
    assert all("Changed since by" in reason for _c, reason in outcome.skipped)
    assert Attendance.objects.get(lesson=held, student=student).status == "late"
    assert FinalMark.objects.get(student=student).value == 3
    assert len(outcome.done) == 2 and cell_text(first, student) == "4"


def test_a_change_made_meanwhile_is_caught_by_the_version(world, attacked, english, monkeypatch):
    monkeypatch.setattr(rollback, "_versions", lambda changes: {c.key: 1 for c in changes})  # a stale read
    outcome = rollback.roll_back(actor=actor(world.admin), report=report(world, world.admin))
    reasons = {c.kind: reason for c, reason in outcome.skipped}
    assert reasons["marks"] == "Someone else changed it meanwhile."
    assert marklog.verify(world.school)[0]


def test_topics_homework_and_remarks_are_rolled_back_through_their_services(world, family, clock):
    from journal.records import services as records

    clock.move_to("2026-12-09 12:00")
    teacher, admin = actor(world.teacher), actor(world.admin)
    student = world.student.student
    held, other = lesson(world.math_5a, DAY), lesson(world.math_5a, DAY, 2)
    records.set_topic(actor=teacher, lesson=held, text="Дроби")
    clock.move_to("2026-12-09 14:00")
    records.set_topic(actor=teacher, lesson=held, text="Ерунда")
    records.set_homework(actor=teacher, lesson=held, text="Ничего", pages="")
    records.set_homework(actor=teacher, lesson=other, text="Выучить всё", pages="")
    remark = records.add_remark(actor=teacher, lesson=held, student=student, kind="remark", text="Ложь")
    assert OutboxMessage.objects.filter(kind="remarks", status="pending").exists()
    clock.move_to("2026-12-09 15:00")
    records.set_homework(actor=admin, lesson=other, text="§ 5", pages="")  # someone else since
    outcome = rollback.roll_back(actor=admin, report=report(world, world.admin))
    assert sorted(c.kind for c in outcome.done) == ["homework", "remark", "topic"]
    assert [c.kind for c, _reason in outcome.skipped] == ["homework"]
    held.refresh_from_db()
    assert LessonTopic.objects.get(lesson=held).text == "Дроби"
    assert not Homework.objects.filter(lesson=held).exists()
    assert Homework.objects.get(lesson=other).text == "§ 5"
    assert not Remark.objects.filter(pk=remark.pk).exists()
    assert not OutboxMessage.objects.filter(kind="remarks", status="pending").exists()  # withdrawn
    assert AuditEvent.objects.filter(action="journal.topic_set", actor=world.admin.user).exists()


def test_parents_who_already_had_the_false_news_get_one_correction_letter(world, family, attacked):
    mother, father = family
    OutboxMessage.objects.filter(kind="attendance").update(status="sent")  # the mother read of the absence
    summary = OutboxMessage.objects.create(
        school=world.school,
        recipient=father,
        channel="email",
        address="papa@example.ru",
        kind="daily",
        subject="…",
        text="…",
        status="sent",
        dedupe_key="daily:test",
    )
    DigestItem.objects.filter(parent=father.parent).update(message=summary)  # the father's summary went out

    rollback.roll_back(actor=actor(world.admin), report=report(world, world.admin))

    letters = {m.recipient_id: m for m in OutboxMessage.objects.filter(kind="correction")}
    assert set(letters) == {mother.pk, father.pk}
    assert all(m.status == "pending" for m in letters.values())
    child = "Ученикова Зоя"
    assert child in letters[mother.pk].subject and "пропуск урока" in letters[mother.pk].text
    assert "отметки: 2" not in letters[mother.pk].text  # her marks' summary had not gone out: withdrawn
    assert "отметки: 2" in letters[father.pk].text and "отметки: 2/2" in letters[father.pk].text
    assert "пропуск урока" in letters[father.pk].text
    assert "Школа удалила из журнала записи о ребёнке (Ученикова Зоя)" in letters[father.pk].text
    assert not DigestItem.objects.filter(parent=mother.parent).exists()
    rollback.roll_back(actor=actor(world.admin), report=report(world, world.admin))  # nothing left: no letter
    assert OutboxMessage.objects.filter(kind="correction").count() == 2
    assert (
        AuditEvent.objects.filter(action=rollback.ROLLED_BACK).order_by("pk").first().data["corrected"] == 2
    )
