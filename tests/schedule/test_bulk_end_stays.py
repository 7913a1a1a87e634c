"""`schedule.services.bulk.end_stays`, the set form of `end_enrollment`, `end_group_membership` and
`remove_entry`, against PostgreSQL: the stays of a year ended on one day with one audit event in a fixed
number of queries, and each check refusing the whole batch on the right argument with nothing changed."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import AuditEvent, Role
from schedule.models import AcademicYear, Enrollment, GroupMembership, StudyGroup, TimetableEntry
from schedule.services import bulk
from tests import factories as f

from .conftest import d

pytestmark = pytest.mark.django_db

NOTE = "seeded by a test"
LAST = d(5, 31)  # the world's year ends on 31 May 2027


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def group(w, name, kind="subgroup", school_class=None, grade=5):
    school_class = school_class or (w.class_5a if kind == "subgroup" else None)
    return StudyGroup.objects.create(
        school=w.school,
        year=w.year,
        kind=kind,
        name=name,
        grade=school_class.grade if school_class else grade,
        school_class=school_class,
    )


def member(w, person, in_group, starts=None, ends=None):
    return GroupMembership.objects.create(
        school=w.school, group=in_group, student=person.student, starts=starts or w.year.starts, ends=ends
    )


def lesson(course, teacher, weekday=1, slot=1):
    return TimetableEntry.objects.create(
        school=course.school,
        year=course.year,
        course=course,
        group=course.group,
        teacher=teacher,
        weekday=weekday,
        shift=1,
        slot=slot,
        starts=course.year.starts,
    )


@pytest.fixture
def stays(world):
    """The world's two enrollments, a subgroup membership and two timetable entries, all open."""
    w = world
    w.enrollments = list(Enrollment.objects.filter(school=w.school).order_by("pk"))
    w.half = group(w, "5А, 1 гр.")
    w.memberships = [member(w, w.student, w.half)]
    w.entries = [lesson(w.math_5a, w.teacher), lesson(w.math_6b, w.other_teacher, slot=2)]
    return w


def end(w, ends=LAST, year=None, **batch):
    batch = {"enrollments": w.enrollments, "memberships": w.memberships, "entries": w.entries, **batch}
    return bulk.end_stays(actor=None, year=year or w.year, ends=ends, note=NOTE, **batch)


def snapshot():
    rows = [
        *Enrollment.objects.values_list("pk", "ends", "departure_note"),
        *GroupMembership.objects.values_list("pk", "ends"),
        *TimetableEntry.objects.values_list("pk", "ends"),
    ]
    return sorted(map(str, rows)), AuditEvent.objects.count()


def refused(w, field, **kwargs) -> str:
    """`end_stays` refuses with a message on `field` and changes nothing."""
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        end(w, **kwargs)
    errors = info.value.message_dict
    assert field in errors, errors
    assert snapshot() == before
    return " ".join(errors[field])


def test_end_stays_on_one_day_with_departure_notes_and_one_event(stays):
    stays.enrollments[1].departure_note = "  окончил(а) 11 классов "
    end(stays)
    assert list(Enrollment.objects.order_by("pk").values_list("ends", "departure_note")) == [
        (LAST, ""),
        (LAST, "окончил(а) 11 классов"),
    ]
    assert set(GroupMembership.objects.values_list("ends", flat=True)) == {LAST}
    assert set(TimetableEntry.objects.values_list("ends", flat=True)) == {LAST}
    assert {x.ends for x in (*stays.enrollments, *stays.memberships, *stays.entries)} == {LAST}
    assert stays.enrollments[1].departure_note == "окончил(а) 11 классов"
    event = AuditEvent.objects.get()
    assert (event.action, event.summary, event.actor, event.school) == ("end_stays", NOTE, None, stays.school)
    assert event.data == {
        "year": stays.year.pk,
        "ends": "2027-05-31",
        "enrollments": 2,
        "memberships": 1,
        "memberships_removed": 0,
        "entries": 2,
    }


def test_a_stay_ending_later_is_shortened(stays):
    Enrollment.objects.filter(pk=stays.enrollments[0].pk).update(ends=d(5, 20))
    end(stays, ends=d(5, 20), memberships=[], entries=[])
    assert stays.enrollments[0].ends == d(5, 20)


def test_an_ended_enrollment_ends_the_students_groups_of_its_class_and_grade(stays):
    pupil = stays.student
    choir = group(stays, "Хор 5", kind="cross_class", grade=5)
    sixth = group(stays, "Хор 6", kind="cross_class", grade=6)
    other_half = group(stays, "6Б, 1 гр.", school_class=stays.class_6b)
    cut = [member(stays, pupil, choir), member(stays, pupil, sixth), member(stays, pupil, other_half)]
    not_begun = member(stays, pupil, group(stays, "5А, 2 гр."), starts=d(5, 31)).pk
    end(stays, ends=d(5, 30), enrollments=stays.enrollments[:1], memberships=[], entries=[])
    ends = dict(GroupMembership.objects.values_list("pk", "ends"))
    assert ends[stays.memberships[0].pk] == d(5, 30)  # 5А, 1 гр.: the class's subgroup
    assert ends[cut[0].pk] == d(5, 30)  # a group across the classes of grade 5
    assert ends[cut[1].pk] is None and ends[cut[2].pk] is None  # not the class's, nor its grade's
    assert not_begun not in ends  # had not begun: gone
    assert AuditEvent.objects.get().data["memberships"] == 2
    assert AuditEvent.objects.get().data["memberships_removed"] == 1


def test_the_query_count_does_not_grow_with_the_batch(stays):
    pupils = [f.make_person(stays.school, roles=[Role.STUDENT], login=False) for _ in range(4)]
    enrolled = [f.enroll(p, stays.class_5a) for p in pupils]
    groups = [member(stays, p, stays.half) for p in pupils]
    t = f.make_person(stays.school, roles=[Role.TEACHER])
    extra = [lesson(stays.russian_5a, t, weekday=w) for w in (2, 3, 4)]

    def run(ends, n):
        batch = {
            "enrollments": [*stays.enrollments, *enrolled][: 1 + n],
            "memberships": [*stays.memberships, *groups][: 1 + n],
            "entries": [*stays.entries, *extra][: 1 + n],
        }
        with CaptureQueriesContext(connection) as queries:
            end(stays, ends=ends, **batch)
        return queries

    small, large = run(d(5, 31), 1), run(d(5, 30), 4)
    # The year, the students, the three tables' rows, the classes, the memberships to cut, three updates,
    # the audit event with its school, in two savepoints.
    assert len(small) == len(large) == 16, [q["sql"] for q in large]


# Refusals


def test_refuses_a_closed_year(stays):
    AcademicYear.objects.filter(pk=stays.year.pk).update(status=AcademicYear.Status.CLOSED)
    assert "closed" in refused(stays, "__all__")


@pytest.mark.parametrize("ends", [d(8, 31), d(6, 1)], ids=["before-the-year", "after-the-year"])
def test_refuses_a_day_outside_the_year(stays, ends):
    assert "inside the year" in refused(stays, "ends", ends=ends)


@pytest.mark.parametrize("table", ["enrollments", "memberships", "entries"])
def test_refuses_a_day_before_a_stay_begins(stays, table):
    model = {"enrollments": Enrollment, "memberships": GroupMembership, "entries": TimetableEntry}[table]
    model.objects.filter(pk=getattr(stays, table)[0].pk).update(starts=d(3, 1))
    assert "before the start date" in refused(stays, "ends", ends=d(2, 1))


@pytest.mark.parametrize("table", ["enrollments", "memberships", "entries"])
def test_refuses_a_stay_that_already_ended_before(stays, table):
    model = {"enrollments": Enrollment, "memberships": GroupMembership, "entries": TimetableEntry}[table]
    model.objects.filter(pk=getattr(stays, table)[-1].pk).update(ends=d(3, 1))
    assert "already ends on" in refused(stays, "ends")


@pytest.mark.parametrize("table", ["enrollments", "memberships", "entries"])
def test_refuses_a_stay_of_another_year(stays, table):
    later = f.make_year(stays.school, 2027)
    later_class = f.make_class(later, 5, "А")
    person = f.make_person(stays.school, roles=[Role.STUDENT], login=False)
    stay = {
        "enrollments": lambda: f.enroll(person, later_class),
        "memberships": lambda: GroupMembership.objects.create(
            school=stays.school,
            group=StudyGroup.objects.create(
                school=stays.school, year=later, kind="cross_class", name="Хор", grade=5
            ),
            student=stays.student.student,
            starts=later.starts,
        ),
        "entries": lambda: lesson(
            f.make_course(f.whole_group(later_class), stays.math_5a.subject, stays.substitute),
            stays.substitute,
        ),
    }[table]()
    refused(stays, table, **{table: [*getattr(stays, table), stay]})
