"""The class teacher's weekly reconciliation (R-J-8): the week's figures and `set_reasons`."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent, Role
from journal.marklog import services as marklog
from journal.models import Attendance, MarkLogEntry
from journal.reconcile.selectors import class_week, day_ids, pending_weeks, week_monday
from journal.reconcile.services import set_reasons
from schedule.models import Enrollment, GroupMembership, StudyGroup
from schedule.weeks import monday_of
from tests import factories as f

from . import actor, d, lesson

pytestmark = pytest.mark.django_db

MON, TUE, WED, THU, FRI = d(10, 12), d(10, 13), d(10, 14), d(10, 15), d(10, 16)


def absent(course, day, slot, person, status="absent", reason="", **kw):
    the_lesson = lesson(course, day, slot, **kw)
    return Attendance.objects.create(
        school=course.school, lesson=the_lesson, student=person.student, status=status, reason=reason
    )


def subgroup(world, name="5А англ. 1", members=()):
    group = StudyGroup.objects.create(
        school=world.school, year=world.year, kind="subgroup", name=name, grade=5, school_class=world.class_5a
    )
    for person in members:
        GroupMembership.objects.create(
            school=world.school, student=person.student, group=group, starts=world.year.starts
        )
    return group


@pytest.fixture
def week(world):
    """Зоя (5А) absent at 3 lessons on Tuesday (maths, Russian, her English subgroup), late once on Thursday;
    Пётр leaves 5А on Wednesday for 6Б and misses a 5А lesson on Tuesday and a 6Б lesson on Friday."""
    english = f.make_subject(world.school, "Английский язык", "Англ. яз.")
    group = subgroup(world, members=[world.student])
    english_5a = f.make_course(group, english, world.teacher)
    leaver = f.make_person(world.school, roles=[Role.STUDENT], last_name="Уходов", first_name="Пётр")
    f.enroll(leaver, world.class_5a, ends=WED)
    f.enroll(leaver, world.class_6b, starts=THU)
    rows = {
        "tue_math": absent(world.math_5a, TUE, 1, world.student),
        "tue_russian": absent(world.russian_5a, TUE, 2, world.student),
        "tue_english": absent(english_5a, TUE, 3, world.student),
        "thu_math": absent(world.math_5a, THU, 1, world.student, status="late"),
        "leaver_tue": absent(world.math_5a, TUE, 4, leaver),
        "leaver_fri": absent(world.math_6b, FRI, 1, leaver),
    }
    # Not absences of this week: a cleared mark, a cancelled lesson, another class's student.
    Attendance.objects.create(
        school=world.school, lesson=lesson(world.math_5a, WED, 1), student=world.student.student, status=""
    )
    cancelled = lesson(world.russian_5a, FRI, 5, status="cancelled")
    Attendance.objects.create(
        school=world.school, lesson=cancelled, student=world.student.student, status="absent"
    )
    absent(world.math_6b, TUE, 2, world.other_student)
    rows["leaver"] = leaver
    return rows


def test_the_week_by_student_and_day(world, week):
    page = class_week(world.class_5a, MON)
    assert page.days[0] == MON and len(page.days) == 6  # Monday to Saturday
    assert [s.name for s in page.students] == ["Уходов Пётр", "Ученикова Зоя"]
    leaver, zoya = page.students
    tuesday = zoya.days[1]
    assert [(m.slot, m.subject, m.token, m.reason) for m in tuesday.lessons] == [
        (1, "Матем.", "Н", ""),
        (2, "Рус. яз.", "Н", ""),
        (3, "Англ. яз.", "Н", ""),  # the subgroup's lesson counts
    ]
    assert [(m.slot, m.token) for m in zoya.days[3].lessons] == [(1, "ОП")]
    assert zoya.days[0] is None and zoya.days[2] is None and zoya.days[4] is None  # cleared, cancelled
    assert (zoya.totals.absent, zoya.totals.late, zoya.totals.pending) == (3, 1, 4)
    # The leaver counts for 5А until Wednesday only; Friday's absence is 6Б's.
    assert [d_ is not None for d_ in leaver.days] == [False, True, False, False, False, False]
    assert leaver.totals.absent == 1
    assert (page.totals.absent, page.totals.late, page.totals.pending) == (4, 1, 5)
    six_b = class_week(world.class_6b, MON)
    assert {s.name: s.totals.absent for s in six_b.students} == {"Уходов Пётр": 1, "Другов Илья": 1}


def test_totals_by_reason_and_a_mixed_day(world, week):
    Attendance.objects.filter(pk=week["tue_math"].pk).update(reason="illness")
    Attendance.objects.filter(pk=week["tue_russian"].pk).update(reason="unexcused")
    Attendance.objects.filter(pk=week["thu_math"].pk).update(reason="excused")
    zoya = class_week(world.class_5a, MON).students[1]
    t = zoya.totals
    assert (t.absent, t.illness, t.excused, t.unexcused, t.late, t.pending) == (3, 1, 0, 1, 1, 1)
    assert zoya.days[1].reason is None and zoya.days[1].pending  # different reasons, one still missing
    assert zoya.days[3].reason == "excused" and not zoya.days[3].pending


def test_a_sunday_lesson_adds_a_column(world):
    absent(world.math_5a, d(10, 18), 1, world.student)
    assert len(class_week(world.class_5a, MON).days) == 7


def test_weeks_still_without_reasons(world, week):
    absent(world.math_5a, d(9, 8), 1, world.student, reason="illness")  # has a reason: not listed
    absent(world.math_5a, d(9, 15), 1, world.student)
    absent(world.math_5a, d(9, 17), 1, world.student)
    weeks = pending_weeks(world.class_5a, exclude=MON)
    assert [(w.monday, w.count) for w in weeks] == [(d(9, 14), 2)]
    assert [(w.monday, w.count) for w in pending_weeks(world.class_5a)] == [(d(9, 14), 2), (MON, 5)]
    assert [w.monday for w in class_week(world.class_5a, MON).pending_weeks] == [d(9, 14)]


def test_the_week_shown_is_moved_into_the_year(world):
    assert week_monday(world.class_5a, THU, today=d(3, 3)) == MON
    assert week_monday(world.class_5a, None, today=THU) == MON
    assert week_monday(world.class_5a, d(7, 20), today=THU) == monday_of(d(5, 31))
    assert week_monday(world.class_5a, d(8, 20), today=THU) == d(8, 31)  # the year starts on a Tuesday
    page = class_week(world.class_5a, d(8, 31))
    assert page.previous is None and page.next == d(9, 7)
    assert class_week(world.class_5a, d(5, 31)).next is None


def test_day_ids(world, week):
    ids = day_ids(world.class_5a, world.student.student.pk, TUE)
    assert ids == sorted([week["tue_math"].pk, week["tue_russian"].pk, week["tue_english"].pk])
    assert day_ids(world.class_5a, week["leaver"].student.pk, FRI) == []


# set_reasons


def log():
    return list(MarkLogEntry.objects.order_by("seq").values_list("kind", "student_id", "old", "new"))


def tuesday(week):
    return [week["tue_math"], week["tue_russian"], week["tue_english"]]


def test_the_class_teacher_sets_a_days_reason(world, week):
    teacher = actor(world.class_teacher)
    changed = set_reasons(
        actor=teacher, school_class=world.class_5a, attendance=tuesday(week), reason="illness"
    )
    assert len(changed) == 3
    rows = Attendance.objects.filter(pk__in=[r.pk for r in tuesday(week)])
    assert {(r.reason, r.version) for r in rows} == {("illness", 2)}
    pk = world.student.student.pk
    assert log() == [("reason", pk, "", "по болезни")] * 3
    assert set(MarkLogEntry.objects.values_list("lesson_id", flat=True)) == {
        r.lesson_id for r in tuesday(week)
    }
    assert MarkLogEntry.objects.filter(work__isnull=False).count() == 0
    assert marklog.verify(world.school)[0]
    event = AuditEvent.objects.get(action="journal.reasons_set")
    assert event.data["reason"] == "illness" and sorted(event.data["attendance"]) == sorted(
        r.pk for r in tuesday(week)
    )
    assert event.object_id == str(world.class_5a.pk)


def test_unchanged_rows_write_nothing_and_a_change_logs_old_and_new(world, week):
    teacher = actor(world.class_teacher)
    set_reasons(actor=teacher, school_class=world.class_5a, attendance=[week["tue_math"]], reason="illness")
    ids = [r.pk for r in tuesday(week)]  # ids work as well as rows
    changed = set_reasons(actor=teacher, school_class=world.class_5a, attendance=ids, reason="illness")
    assert {r.pk for r in changed} == {week["tue_russian"].pk, week["tue_english"].pk}
    assert set_reasons(actor=teacher, school_class=world.class_5a, attendance=ids, reason="illness") == []
    assert (
        MarkLogEntry.objects.count() == 3
        and AuditEvent.objects.filter(action="journal.reasons_set").count() == 2
    )
    set_reasons(actor=teacher, school_class=world.class_5a, attendance=[week["tue_math"].pk], reason="")
    assert log()[-1][2:] == ("по болезни", "")
    assert Attendance.objects.get(pk=week["tue_math"].pk).version == 3
    assert marklog.verify(world.school)[0]


def test_the_admin_may_reconcile(world, week):
    changed = set_reasons(
        actor=actor(world.admin), school_class=world.class_5a, attendance=[week["thu_math"]], reason="excused"
    )
    assert [r.reason for r in changed] == ["excused"]


@pytest.mark.parametrize("who", ["other_teacher", "teacher", "director", "deputy", "student", "parent"])
def test_others_are_refused(world, week, who):
    # other_teacher leads 6Б; teacher teaches 5А maths and the English subgroup.
    with pytest.raises(PermissionDenied):
        set_reasons(
            actor=actor(getattr(world, who)),
            school_class=world.class_5a,
            attendance=tuesday(week),
            reason="illness",
        )
    assert not Attendance.objects.exclude(reason="").exists() and not MarkLogEntry.objects.exists()


def test_another_schools_admin_is_refused(world, other_world, week):
    with pytest.raises(PermissionDenied):
        set_reasons(
            actor=actor(other_world.admin),
            school_class=world.class_5a,
            attendance=tuesday(week),
            reason="illness",
        )


def test_a_closed_year_is_read_only(world, week, english):
    world.year.status = "closed"
    world.year.save()
    with pytest.raises(ValidationError, match="read-only"):
        set_reasons(
            actor=actor(world.admin), school_class=world.class_5a, attendance=tuesday(week), reason="illness"
        )
    assert not Attendance.objects.exclude(reason="").exists() and not MarkLogEntry.objects.exists()


def test_rows_not_of_the_class_on_that_date_are_refused(world, week, english):
    teacher = actor(world.class_teacher)
    other_class = Attendance.objects.get(student=world.other_student.student)
    leaver_in_6b = week["leaver_fri"]
    cleared = Attendance.objects.get(status="")
    cancelled = Attendance.objects.get(lesson__status="cancelled")
    for wrong in (other_class, leaver_in_6b, cleared, cancelled, 999999999):
        with pytest.raises(ValidationError, match="not absences or lateness of this class"):
            set_reasons(
                actor=teacher,
                school_class=world.class_5a,
                attendance=[*tuesday(week), wrong],
                reason="illness",
            )
    assert not Attendance.objects.exclude(reason="").exists() and not MarkLogEntry.objects.exists()
    # 6Б's class teacher reconciles the leaver's Friday.
    assert set_reasons(
        actor=actor(world.other_teacher),
        school_class=world.class_6b,
        attendance=[leaver_in_6b],
        reason="illness",
    )


def test_bad_reason_and_empty_choice(world, week, english):
    teacher = actor(world.class_teacher)
    with pytest.raises(ValidationError, match="Choose a reason"):
        set_reasons(actor=teacher, school_class=world.class_5a, attendance=tuesday(week), reason="flu")
    with pytest.raises(ValidationError, match="No absences"):
        set_reasons(actor=teacher, school_class=world.class_5a, attendance=[], reason="illness")
    with pytest.raises(ValidationError):
        set_reasons(actor=teacher, school_class=world.class_5a, attendance=["x"], reason="illness")


def test_a_student_enrolled_again_later_counts_only_for_their_stays(world, week):
    leaver = week["leaver"]
    Enrollment.objects.filter(student=leaver.student, school_class=world.class_6b).update(ends=FRI)
    f.enroll(leaver, world.class_5a, starts=d(10, 17))
    absent(world.math_5a, d(10, 17), 1, leaver)
    page = class_week(world.class_5a, MON)
    assert [d_ is not None for d_ in page.students[0].days] == [False, True, False, False, False, True]
