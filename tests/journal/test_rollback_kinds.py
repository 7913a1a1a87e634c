"""A compromised login's changes outside the marks rolled back (R-ACC-7): substitutions, the school's
settings and work types, people's roles and parent links, absence reasons and homework files.

Each: the login changes it after the moment, the admin rolls back, the value is the one from before,
the admin's own audit event is written and the login's stays; one changed since by someone else is
skipped with the reason; what cannot be undone is listed with why.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent, ParentLink, Role, School, StaffRole
from accounts.services import people, schools
from accounts.services.compromise import report_compromised
from journal.grid.services import ensure_default_work_types, record_attendance
from journal.marklog import services as marklog
from journal.models import Attendance, HomeworkAttachment, JournalSettings, WorkType
from journal.reconcile import services as reconcile
from journal.records import services as records
from journal.rollback import services as rollback
from journal.settings.services import add_work_type, make_default_work_type, set_edit_window, update_work_type
from schedule.models import Substitution
from schedule.substitutions import assign_substitute, cancel_substitution
from tests import factories as f
from tests.clock import moment

from . import actor, d, lesson

pytestmark = pytest.mark.django_db

DAY = d(12, 9)


def report(world, reporter, whom, since="2026-12-09 13:00"):
    return report_compromised(actor=actor(reporter), user=whom.user, school=world.school, since=moment(since))


def statuses(event) -> dict[str, str]:
    return {c.key: c.status for c in rollback.changes_since(event).journal}


@pytest.fixture
def guard(world):
    """A second admin of the school: the one who reports the first admin's login and rolls it back."""
    return f.make_person(world.school, roles=[Role.ADMIN], last_name="Охранова", first_name="Ольга")


@pytest.fixture
def mandatory_2fa(world):
    world.school.require_staff_2fa = True
    world.school.save()
    return world.school


def test_an_admins_settings_roles_and_links_are_put_back(world, guard, clock, english, mandatory_2fa):
    clock.move_to("2026-12-09 12:00")
    ensure_default_work_types(world.school)
    set_edit_window(actor=actor(guard), school=world.school, edit_window="2w")
    test_type = WorkType.objects.get(school=world.school, code="КР")
    lesson_type = WorkType.objects.get(school=world.school, is_default=True)
    before_type = (test_type.name, test_type.weight)
    clock.move_to("2026-12-09 14:00")
    bad = actor(world.admin)  # the compromised admin's login
    set_edit_window(actor=bad, school=world.school, edit_window="never")
    update_work_type(actor=bad, work_type=test_type, code="КР", name="Ерунда", weight="10")
    added = add_work_type(actor=bad, school=world.school, code="ЛОЖЬ", name="Ложная", weight="5")
    make_default_work_type(actor=bad, work_type=added)
    school = world.school
    schools.update_school_settings(
        actor=bad,
        school=school,
        name=school.name,
        short_name=school.short_name,
        address="Нигде",
        timezone=school.timezone,
        require_staff_2fa=False,
    )
    teacher = world.teacher
    people.update_person(
        actor=bad,
        person=teacher,
        last_name=teacher.last_name,
        first_name=teacher.first_name,
        roles={Role.TEACHER, Role.DIRECTOR},
    )
    people.link_parent(actor=bad, parent=world.other_parent, student=world.student, relation="guardian")
    people.unlink_parent(actor=bad, link=ParentLink.objects.get(parent__person=world.parent))
    clock.move_to("2026-12-09 15:00")
    event = report(world, guard, world.admin)
    found = rollback.changes_since(event)
    assert {c.kind for c in found.journal} == {
        "edit_window",
        "work_type",
        "work_type_default",
        "school_settings",
        "person_roles",
        "parent_link",
    }
    assert all(c.status == "ready" for c in found.journal), [(c.key, c.reason) for c in found.journal]
    logins_events = AuditEvent.objects.filter(actor=world.admin.user).count()

    outcome = rollback.roll_back(actor=actor(guard), report=event)

    assert outcome.skipped == [] and len(outcome.done) == len(found.journal) == 8
    assert JournalSettings.objects.get(school=world.school).edit_window == "2w"
    test_type.refresh_from_db()
    assert (test_type.name, test_type.weight) == before_type
    assert not WorkType.objects.filter(school=world.school, code="ЛОЖЬ").exists()
    assert WorkType.objects.get(school=world.school, is_default=True) == lesson_type
    school = School.objects.get(pk=world.school.pk)
    assert school.require_staff_2fa is True and school.address == world.school.address
    assert set(StaffRole.objects.filter(person=teacher).values_list("role", flat=True)) == {Role.TEACHER}
    assert not ParentLink.objects.filter(
        parent__person=world.other_parent, student__person=world.student
    ).exists()
    assert (
        ParentLink.objects.get(parent__person=world.parent, student__person=world.student).relation
        == "mother"
    )
    # The services wrote the guard's own audit events; the login's stay as they were.
    assert AuditEvent.objects.filter(actor=world.admin.user).count() == logins_events
    assert AuditEvent.objects.filter(actor=guard.user, action="work_type_deleted").exists()
    assert AuditEvent.objects.filter(actor=guard.user, action="parent_linked").exists()
    assert set(statuses(event).values()) == {"restored"}


def test_a_setting_changed_since_by_someone_else_is_skipped_with_the_reason(
    world, guard, clock, english, mandatory_2fa
):
    clock.move_to("2026-12-09 14:00")
    set_edit_window(actor=actor(world.admin), school=world.school, edit_window="never")
    people.update_person(
        actor=actor(world.admin),
        person=world.teacher,
        last_name="Другая",
        first_name=world.teacher.first_name,
        roles={Role.TEACHER},
    )
    clock.move_to("2026-12-09 15:00")
    set_edit_window(actor=actor(guard), school=world.school, edit_window="1m")
    event = report(world, guard, world.admin)
    found = {c.kind: c for c in rollback.changes_since(event).journal}
    assert found["edit_window"].status == "changed"
    # A name is personal data: the audit trail keeps that it changed, not what it was.
    assert found["person_roles"].status == "manual" and "personal data" in found["person_roles"].reason
    outcome = rollback.roll_back(actor=actor(guard), report=event)
    assert outcome.done == []
    assert {c.kind: reason for c, reason in outcome.skipped}["edit_window"].startswith("Changed since by")
    assert JournalSettings.objects.get(school=world.school).edit_window == "1m"


def test_a_deputys_substitutions_are_put_back(world, clock, english):
    tomorrow = d(12, 10)
    recorded, changed, cancelled, contested = (lesson(world.math_5a, tomorrow, slot) for slot in (1, 2, 3, 4))
    admin, bad = actor(world.admin), actor(world.deputy)
    clock.move_to("2026-12-09 12:00")
    assign_substitute(actor=admin, lesson=changed, substitute=world.substitute, reason="болезнь")
    assign_substitute(actor=admin, lesson=cancelled, substitute=world.substitute, reason="курсы")
    clock.move_to("2026-12-09 14:00")
    assign_substitute(actor=bad, lesson=recorded, substitute=world.other_teacher, reason="")
    assign_substitute(actor=bad, lesson=changed, substitute=world.other_teacher, reason="ложь")
    cancel_substitution(actor=bad, substitution=Substitution.objects.get(lesson=cancelled))
    assign_substitute(actor=bad, lesson=contested, substitute=world.other_teacher, reason="")
    clock.move_to("2026-12-09 15:00")
    assign_substitute(actor=admin, lesson=contested, substitute=world.class_teacher, reason="сам")
    event = report(world, world.admin, world.deputy)

    outcome = rollback.roll_back(actor=admin, report=event)

    assert len(outcome.done) == 3
    [(skipped, reason)] = outcome.skipped
    assert skipped.key == f"substitution:{contested.pk}" and reason.startswith("Changed since by")
    assert not Substitution.objects.filter(lesson=recorded).exists()
    assert Substitution.objects.get(lesson=changed).substitute == world.substitute
    assert Substitution.objects.get(lesson=changed).reason == "болезнь"
    assert Substitution.objects.get(lesson=cancelled).substitute == world.substitute
    assert Substitution.objects.get(lesson=contested).substitute == world.class_teacher
    assert AuditEvent.objects.filter(actor=world.admin.user, action="substitution_cancelled").count() == 1
    assert AuditEvent.objects.filter(actor=world.deputy.user).exclude(action="login").count() == 4
    assert set(statuses(event).values()) == {"restored", "changed"}


def test_a_class_teachers_absence_reasons_and_files_are_put_back_or_listed(world, clock, english):
    student, other = world.student.student, f.make_person(world.school, roles=[Role.STUDENT])
    f.enroll(other, world.class_5a)
    held = lesson(world.russian_5a, DAY)
    bad, admin = actor(world.class_teacher), actor(world.admin)
    clock.move_to("2026-12-09 12:00")
    for who in (student, other.student):
        record_attendance(actor=bad, lesson=held, student=who, raw="Н", version=None)
    rows = {r.student_id: r for r in Attendance.objects.filter(lesson=held)}
    reconcile.set_reasons(
        actor=admin, school_class=world.class_5a, attendance=[rows[student.pk].pk], reason="illness"
    )
    kept = records.add_attachment(
        actor=bad, lesson=held, upload=SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan")
    )
    clock.move_to("2026-12-09 14:00")
    reconcile.set_reasons(
        actor=bad, school_class=world.class_5a, attendance=[r.pk for r in rows.values()], reason="unexcused"
    )
    false = records.add_attachment(
        actor=bad, lesson=held, upload=SimpleUploadedFile("lie.pdf", b"%PDF-1.4 lie")
    )
    records.remove_attachment(actor=bad, attachment=kept)
    clock.move_to("2026-12-09 15:00")
    reconcile.set_reasons(
        actor=admin, school_class=world.class_5a, attendance=[rows[other.student.pk].pk], reason="excused"
    )
    event = report(world, world.admin, world.class_teacher)
    found = {c.key: c for c in rollback.changes_since(event).journal}
    removed = found[f"attachment:{kept.pk}"]
    assert removed.status == "manual" and "attach it again" in removed.reason
    log = marklog.verify(world.school)

    outcome = rollback.roll_back(actor=admin, report=event)

    assert sorted(c.kind for c in outcome.done) == ["attachment", "reason"]
    assert Attendance.objects.get(pk=rows[student.pk].pk).reason == "illness"  # its value from before
    assert Attendance.objects.get(pk=rows[other.student.pk].pk).reason == "excused"  # the admin's since
    skipped = {c.key: reason for c, reason in outcome.skipped}
    assert skipped[f"reason:{held.pk}:{other.student.pk}"].startswith("Changed since by")
    assert not HomeworkAttachment.objects.filter(pk=false.pk).exists()
    assert log[0] and marklog.verify(world.school)[0]
    assert AuditEvent.objects.filter(actor=world.admin.user, action="journal.attachment_removed").exists()
    assert AuditEvent.objects.filter(actor=world.admin.user, action="journal.reasons_set").count() == 3


def test_the_page_lists_what_cannot_be_undone_with_the_reason(world, guard, clock, login, english):
    clock.move_to("2026-12-09 14:00")
    people.create_person(
        actor=actor(world.admin), last_name="Выдуманный", first_name="Пётр", roles=[Role.TEACHER]
    )
    set_edit_window(actor=actor(world.admin), school=world.school, edit_window="never")
    event = report(world, guard, world.admin)
    page = login(guard).get(reverse("journal:compromised_changes", args=[event.pk])).content.decode()
    assert "Человек здесь не удаляется" in page
    assert 'value="edit_window:' in page  # the setting is offered for rollback
