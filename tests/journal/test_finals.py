"""Final marks (R-F-1…5): the threshold rule, forbidden values, proposals, overrides, locks and reopening."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import AuditEvent
from journal.finals.selectors import finals_table, propose_period
from journal.finals.services import (
    accept_proposals,
    close_period,
    lock_course_period,
    record_final,
    reopen_course_period,
    reopen_period,
)
from journal.finals.values import Thresholds, deadline, parse_final, propose, propose_from_marks
from journal.grid.services import Conflict, add_work, record_attendance, record_cell
from journal.marklog import services as marklog
from journal.models import CourseLock, FinalMark, JournalSettings, LockEvent, MarkLogEntry, WorkType
from schedule.models import Lesson, ReportingPeriod
from tests import factories as f

from . import actor, at, d, lesson

pytestmark = pytest.mark.django_db

DEFAULT = Thresholds()
ROUNDING = Thresholds(round_first=True)


@pytest.mark.parametrize(
    ("average", "exact", "rounded_first"),
    [
        ("2.00", 2, 2),
        ("2.64", 2, 2),
        ("2.645", 2, 3),
        ("2.65", 3, 3),
        ("3.00", 3, 3),
        ("3.64", 3, 3),
        ("3.645", 3, 4),
        ("3.6449", 3, 3),
        ("3.65", 4, 4),
        ("4.64", 4, 4),
        ("4.645", 4, 5),
        ("4.65", 5, 5),
        ("5.00", 5, 5),
    ],
)
def test_the_thresholds_map_every_boundary(average, exact, rounded_first):
    value = Decimal(average)
    assert propose(value, Decimal(1), DEFAULT).mark == exact
    assert propose(value, Decimal(1), ROUNDING).mark == rounded_first


def test_exact_fractions_decide_without_division():
    # 73/20 = 3.65 exactly → 4; 3.6499… (a third) → 3; weights with halves.
    assert propose(Decimal(73), Decimal(20), DEFAULT).mark == 4
    assert propose(Decimal("10.95") - Decimal("0.0000001"), Decimal(3), DEFAULT).mark == 3
    # (5·2 + 4·1.5 + 3·1) / (2 + 1.5 + 1) = 19 / 4.5 = 4.222… → 4
    proposal = propose(Decimal(19), Decimal("4.5"), DEFAULT)
    assert (proposal.mark, proposal.shown, str(proposal.average)) == (4, "4.222", "4.2222")
    assert proposal.rule == "4.222 ≥ 3.65 → 4"
    low = propose(Decimal(5), Decimal(2), DEFAULT)
    assert (low.mark, low.rule) == (2, "2.50 < 2.65 → 2")
    assert propose(Decimal("7.29"), Decimal(2), ROUNDING).rule == "3.645 ≈ 3.65 ≥ 3.65 → 4"
    assert propose(Decimal(0), Decimal(0), DEFAULT) is None


@given(
    st.lists(st.tuples(st.sampled_from([2, 3, 4, 5]), st.sampled_from(["1", "1.5", "2", "0.5"])), min_size=1)
)
def test_the_proposal_agrees_with_a_plain_exact_comparison(marks):
    total = sum(Decimal(w) * m for m, w in marks)
    weights = sum(Decimal(w) for _, w in marks)
    mark = propose(total, weights, DEFAULT).mark
    average = total / weights  # 28 digits: far beyond any boundary the weights can produce
    expected = (
        5
        if average >= Decimal("4.65")
        else 4
        if average >= Decimal("3.65")
        else 3
        if average >= Decimal("2.65")
        else 2
    )
    assert mark == expected
    assert 2 <= mark <= 5


def test_the_year_and_the_overall_final_are_proposed_from_marks():
    assert propose_from_marks([4, 4, 5, 5], DEFAULT, "periods").mark == 4  # 4.5 < 4.65
    assert propose_from_marks([4, 5, 5, 5], DEFAULT, "periods").mark == 5  # 4.75
    assert propose_from_marks([4, 5, 5, 5], DEFAULT, "periods").rule == "4.75 ≥ 4.65 → 5"
    assert propose_from_marks([], DEFAULT, "periods") is None


@pytest.mark.parametrize("raw", ["н/а", "Н/А", "осв.", "осв", "1", "6", "0", "4+", "5/4", "a", "55", "зач"])
def test_forbidden_finals_are_refused(raw):
    with pytest.raises(ValidationError):
        parse_final(raw)


def test_allowed_finals_parse():
    assert [parse_final(v) for v in ["2", " 3 ", "4", "5", "", "  "]] == [2, 3, 4, 5, None, None]
    with pytest.raises(ValidationError) as info:
        parse_final("н/а")
    assert "7.3" in str(info.value)


def test_the_thresholds_must_rise():
    with pytest.raises(ValidationError):
        Thresholds(Decimal("3.5"), Decimal("3.0"), Decimal("4.5")).validate()
    Thresholds().validate()


def test_deadlines():
    ends = datetime.date(2026, 10, 24)
    assert deadline(ends, "after", 7) == datetime.date(2026, 10, 31)
    assert deadline(ends, "before", 2) == datetime.date(2026, 10, 22)
    assert deadline(ends, "last", 5) == ends


# Services, against the world school: 5А math (teacher), one student (Ученикова) in 5А.

Q1_END = d(10, 24)
AFTER_Q1 = at(d(10, 26), 10)


def q(world, n):
    return ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=n)


@pytest.fixture
def teacher(world):
    return actor(world.teacher)


@pytest.fixture
def admin(world):
    return actor(world.admin)


@pytest.fixture
def two_students(world):
    """5А has Ученикова and a second student, Вторая; math lessons with weighted marks in Q1."""
    second = f.make_person(world.school, roles=["student"], last_name="Вторая", first_name="Юлия")
    f.enroll(second, world.class_5a)
    return world.student.student, second.student


def mark(teacher, course, day, student, raw, work_type=None):
    held = Lesson.objects.filter(course=course, date=day).first() or lesson(course, day)
    work = add_work(actor=teacher, lesson=held, work_type=work_type, now=at(day))
    return record_cell(actor=teacher, work=work, student=student, raw=raw, version=None, now=at(day))


def final(who, world, student, raw, *, kind="period", n=1, version=None, now=AFTER_Q1, course=None):
    return record_final(
        actor=who,
        course=course or world.math_5a,
        student=student,
        kind=kind,
        period=q(world, n) if kind == "period" else None,
        raw=raw,
        version=version,
        now=now,
    )


def test_a_proposal_uses_several_work_types(world, teacher, two_students):
    a, b = two_students
    test = WorkType.objects.create(school=world.school, code="КР", name="test", weight=2)
    oral = WorkType.objects.create(school=world.school, code="У", name="oral", weight=1, is_default=True)
    mark(teacher, world.math_5a, d(10, 5), a, "5", test)
    mark(teacher, world.math_5a, d(10, 6), a, "3", oral)
    mark(teacher, world.math_5a, d(10, 7), a, "(2)/3", oral)  # the retake counts, the 2 does not
    # (5·2 + 3 + 3) / 4 = 4.0 → 4; b has no marks: flagged, not proposed.
    table = finals_table(world.math_5a, d(10, 26))
    rows = {row.student.pk: row for row in table.rows}
    cell = rows[a.pk].cells[0]
    assert (cell.proposal.mark, cell.proposal.shown, cell.needed, cell.no_marks) == (4, "4.00", True, False)
    assert rows[b.pk].cells[0].no_marks
    assert table.periods[0].needed == 2 and table.periods[0].proposals == 1
    proposed = {p.student_id: p.proposal for p in propose_period(q(world, 1), [world.math_5a])}
    assert proposed[a.pk].mark == 4 and proposed[b.pk] is None


def test_a_final_is_stored_logged_and_an_override_is_audited(world, teacher, two_students):
    a, _b = two_students
    mark(teacher, world.math_5a, d(10, 5), a, "5")
    result = final(teacher, world, a, "4")  # proposal 5, override 4
    stored = FinalMark.objects.get(student=a, kind="period")
    assert (stored.value, stored.proposed, stored.rule, result.version) == (4, 5, "5.00 ≥ 4.65 → 5", 1)
    entry = MarkLogEntry.objects.filter(kind="final_period").get()
    assert (entry.old, entry.new, entry.proposed, entry.course_id, entry.lesson_id) == (
        "",
        "4",
        5,
        world.math_5a.pk,
        None,
    )
    assert AuditEvent.objects.filter(action="journal.final_override").count() == 1
    assert marklog.verify(world.school)[0]
    # Accepting the proposal is not an override.
    final(teacher, world, a, "5", version=1)
    assert AuditEvent.objects.filter(action="journal.final_override").count() == 1
    assert MarkLogEntry.objects.filter(kind="final_period").count() == 2
    # A stale version is a conflict showing the current value.
    with pytest.raises(Conflict) as info:
        final(teacher, world, a, "3", version=1)
    assert info.value.current_display == "5"


def test_no_marks_means_no_final(world, teacher, two_students):
    _a, b = two_students
    with pytest.raises(ValidationError) as info:
        final(teacher, world, b, "4")
    assert info.value.code == "no_marks"
    assert not FinalMark.objects.exists()


def test_a_subject_without_final_assessment_asks_for_none(world, teacher, two_students):
    a, _b = two_students
    world.math_5a.subject.no_final_assessment = True
    world.math_5a.subject.save()
    mark(teacher, world.math_5a, d(10, 5), a, "5")
    with pytest.raises(ValidationError) as info:
        final(teacher, world, a, "5")
    assert info.value.code == "no_final_assessment"
    assert finals_table(world.math_5a, d(10, 26)).periods[0].needed == 0


def test_only_the_course_teacher_or_admin_sets_finals(world, two_students):
    a, _b = two_students
    mark(actor(world.teacher), world.math_5a, d(10, 5), a, "5")
    for person in (world.other_teacher, world.class_teacher, world.deputy, world.director, world.parent):
        with pytest.raises(PermissionDenied):
            final(actor(person), world, a, "5")
    final(actor(world.admin), world, a, "5")


def test_entering_the_last_final_locks_the_period_for_the_teacher(world, teacher, admin, two_students):
    a, b = two_students
    mark(teacher, world.math_5a, d(10, 5), a, "5")
    work = add_work(actor=teacher, lesson=lesson(world.math_5a, d(10, 6)), now=at(d(10, 6)))
    record_cell(actor=teacher, work=work, student=b, raw="4", version=None, now=at(d(10, 6)))
    assert not final(teacher, world, a, "5").locked
    assert not CourseLock.objects.exists()
    assert final(teacher, world, b, "4").locked
    assert CourseLock.objects.get().locked
    assert LockEvent.objects.get().action == "locked"
    # Locked for the teacher: marks, attendance, topics, finals of that period.
    with pytest.raises(ValidationError) as info:
        record_cell(actor=teacher, work=work, student=b, raw="5", version=1, now=AFTER_Q1)
    assert info.value.code == "period_locked"
    with pytest.raises(ValidationError):
        record_attendance(actor=teacher, lesson=work.lesson, student=b, raw="Н", version=None, now=AFTER_Q1)
    with pytest.raises(ValidationError):
        final(teacher, world, b, "5", version=1)
    # The next period is open.
    mark(teacher, world.math_5a, d(11, 10), a, "5")
    # Not for the admin (the override is audited by the edit window's rules).
    record_cell(actor=admin, work=work, student=b, raw="5", version=1, now=AFTER_Q1)


def test_the_admin_reopens_with_a_reason_and_it_locks_again(world, teacher, admin, two_students):
    a, b = two_students
    mark(teacher, world.math_5a, d(10, 5), a, "5")
    mark(teacher, world.math_5a, d(10, 6), b, "3")
    assert (
        accept_proposals(actor=teacher, course=world.math_5a, kind="period", period=q(world, 1), now=AFTER_Q1)
        == 2
    )
    assert CourseLock.objects.get().locked
    with pytest.raises(PermissionDenied):
        reopen_course_period(actor=teacher, course=world.math_5a, period=q(world, 1), reason="typo")
    with pytest.raises(ValidationError):
        reopen_course_period(actor=admin, course=world.math_5a, period=q(world, 1), reason="  ")
    reopen_course_period(
        actor=admin, course=world.math_5a, period=q(world, 1), reason="Ошибка в оценке Второй"
    )
    assert not CourseLock.objects.get().locked
    event = LockEvent.objects.filter(action="reopened").get()
    assert event.reason == "Ошибка в оценке Второй" and event.actor == world.admin.user
    assert AuditEvent.objects.filter(action="journal.period_reopened").exists()
    # The teacher corrects a final: the period is complete again and locks again.
    assert final(teacher, world, b, "4", version=1).locked
    assert [e.action for e in LockEvent.objects.order_by("at", "id")] == ["locked", "reopened", "locked"]
    # An explicit lock after a reopening without a final's change.
    reopen_course_period(actor=admin, course=world.math_5a, period=q(world, 1), reason="проверка")
    lock_course_period(actor=teacher, course=world.math_5a, period=q(world, 1))
    assert CourseLock.objects.get().locked


def test_the_lock_starts_on_the_exact_day_the_last_final_is_entered(world, teacher, two_students):
    a, b = two_students
    mark(teacher, world.math_5a, d(10, 5), a, "5")
    mark(teacher, world.math_5a, d(10, 6), b, "4")
    day = d(10, 22)  # two days before the period ends (seed 002: finals before the end)
    final(teacher, world, a, "5", now=at(day, 9))
    # Still open that morning: a mark of the period can be changed.
    mark(teacher, world.math_5a, d(10, 21), b, "5")
    final(teacher, world, b, "4", now=at(day, 10))
    # From that moment on, the same day, it is read-only.
    with pytest.raises(ValidationError) as info:
        mark(teacher, world.math_5a, d(10, 22), b, "5")
    assert info.value.code == "period_locked"


def test_a_closed_period_is_read_only_for_everyone_but_the_admin(world, teacher, admin, two_students):
    a, _b = two_students
    mark(teacher, world.math_5a, d(10, 5), a, "5")
    with pytest.raises(PermissionDenied):
        close_period(actor=teacher, period=q(world, 1))
    close_period(actor=admin, period=q(world, 1))
    with pytest.raises(ValidationError) as info:
        mark(teacher, world.math_5a, d(10, 6), a, "4")
    assert info.value.code == "period_closed"
    with pytest.raises(ValidationError):
        final(teacher, world, a, "5")
    final(admin, world, a, "5")
    with pytest.raises(ValidationError):
        reopen_period(actor=admin, period=q(world, 1), reason="")
    reopen_period(actor=admin, period=q(world, 1), reason="Перенос сроков")
    mark(teacher, world.math_5a, d(10, 6), a, "4")
    assert [e.action for e in LockEvent.objects.order_by("at", "id")] == ["closed", "unclosed"]


def test_year_and_overall_finals(world, teacher, two_students):
    a, b = two_students
    JournalSettings.objects.update_or_create(school=world.school, defaults={"edit_window": "never"})
    for n, day in enumerate([d(10, 5), d(11, 10), d(1, 20), d(4, 6)], start=1):
        mark(teacher, world.math_5a, day, a, "5" if n > 1 else "4")
        mark(teacher, world.math_5a, day, b, "3")
    late = at(d(5, 30), 10)
    for n in range(1, 5):
        accept_proposals(actor=teacher, course=world.math_5a, kind="period", period=q(world, n), now=late)
    # The last period does not lock before the year marks are in.
    assert CourseLock.objects.filter(locked=True).count() == 3
    table = finals_table(world.math_5a, d(5, 30))
    rows = {row.student.pk: row for row in table.rows}
    year_cell = rows[a.pk].cells[4]
    assert (year_cell.kind, year_cell.proposal.mark, year_cell.proposal.rule) == (
        "year",
        5,
        "4.75 ≥ 4.65 → 5",
    )
    assert accept_proposals(actor=teacher, course=world.math_5a, kind="year", period=None, now=late) == 2
    assert CourseLock.objects.filter(locked=True).count() == 4
    # Exam and overall final stay open after the lock (exams come later).
    final(teacher, world, a, "4", kind="exam", now=late)
    result = final(teacher, world, a, "4", kind="final", now=late)  # (5 + 4) / 2 = 4.5 → 4
    assert result.proposal.mark == 4
    assert marklog.verify(world.school)[0]


def test_a_student_who_left_before_the_end_needs_no_final(world, teacher, two_students):
    a, b = two_students
    enrollment = b.enrollments.get()
    enrollment.ends = d(10, 10)
    enrollment.save()
    mark(teacher, world.math_5a, d(10, 5), a, "5")
    mark(teacher, world.math_5a, d(10, 5), b, "5")
    with pytest.raises(ValidationError) as info:
        final(teacher, world, b, "5")
    assert info.value.code == "not_in_group"
    assert final(teacher, world, a, "5").locked  # a was the only one needed


def test_the_grid_and_the_lesson_pages_show_a_locked_period_read_only(world, teacher, client, two_students):
    from django.urls import reverse

    a, b = two_students
    mark(teacher, world.math_5a, d(10, 5), a, "5")
    mark(teacher, world.math_5a, d(10, 5), b, "4")
    accept_proposals(actor=teacher, course=world.math_5a, kind="period", period=q(world, 1), now=AFTER_Q1)
    held = Lesson.objects.get(course=world.math_5a, date=d(10, 5))
    urls = [
        reverse("journal:grid", args=[world.math_5a.pk, q(world, 1).pk]),
        reverse("journal:lesson", args=[held.pk]),
        reverse("journal:lessons", args=[world.math_5a.pk, q(world, 1).pk]),
    ]
    client.force_login(world.teacher.user)
    for url in urls:
        page = client.get(url).content.decode()
        assert 'data-testid="locked"' in page, url
        assert 'data-testid="fill-topics"' not in page and "jg-help" not in page
    # Q2 stays editable; the admin is never locked out.
    page = client.get(reverse("journal:grid", args=[world.math_5a.pk, q(world, 2).pk])).content.decode()
    assert 'data-testid="locked"' not in page
    client.force_login(world.admin.user)
    assert 'data-testid="locked"' not in client.get(urls[1]).content.decode()
