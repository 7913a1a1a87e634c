"""Rows for the school-structure pages (schedule/rules.py).

Reading the structure: admin, director, deputy. Writing it: the admin; reporting
periods also the deputy. A class page: those three and the class's own class
teacher. Objects of another school answer 404 to its admin ("outsider"); the
district operator, who has no school, is sent to the schools list (302).
"""

from accounts.models import Role
from schedule.models import GroupMembership, Holiday, StudyGroup
from tests import factories as f
from tests.matrix import STAFF_READ, Row

OPERATOR = {"operator": 302}
ADMIN_PAGE = {"admin": 200, **OPERATOR}
ADMIN_POST = {"admin": 302, **OPERATOR}
PERIODS_PAGE = {"admin": 200, "deputy": 200, **OPERATOR}
PERIODS_POST = {"admin": 302, "deputy": 302, **OPERATOR}
READ = {**STAFF_READ, **OPERATOR}
OWN_LIST = {"outsider": 200}  # a school-wide list: the outsider sees their own school's
FOREIGN = {"outsider": 404}  # an object of this school


def year(w):
    return {"pk": w.year.pk}


def quarters(w):
    return w.year.schemes.get(kind="quarters")


def first_quarter(w):
    return {"pk": quarters(w).periods.get(number=1).pk}


def holiday(w):
    h = Holiday.objects.create(
        school=w.school, year=w.year, name="Осенние", starts=w.year.starts, ends=w.year.starts
    )
    return {"pk": h.pk}


def building(w):
    return {"pk": f.make_room(w.school, "101").building_id}


def room(w):
    return {"pk": f.make_room(w.school, "101").pk}


def subgroup(w):
    group = StudyGroup.objects.create(
        school=w.school, year=w.year, kind="subgroup", name="5А-1", grade=5, school_class=w.class_5a
    )
    return group


def membership(w):
    m = GroupMembership.objects.create(
        school=w.school, group=subgroup(w), student=w.student.student, starts=w.year.starts
    )
    return {"pk": m.pk}


def enrollment(w):
    return {"pk": w.student.student.enrollments.get().pk}


def new_student(w):
    return f.make_person(w.school, roles=[Role.STUDENT], login=False).student.pk


ROWS = [
    Row("schedule:setup", expect={**ADMIN_PAGE, **OWN_LIST}),
    # years and periods
    Row("schedule:year_list", expect={**READ, **OWN_LIST}),
    Row(
        "schedule:year_list",
        method="post",
        expect={**ADMIN_POST, "outsider": 302},
        data=lambda w: {"name": "2027/2028", "starts": "2027-09-01", "ends": "2028-05-31"},
        note="the outsider creates a year in their own school",
    ),
    Row("schedule:year_edit", kwargs=year, expect={**ADMIN_PAGE, **FOREIGN}),
    Row(
        "schedule:year_edit",
        kwargs=year,
        method="post",
        expect={**ADMIN_POST, **FOREIGN},
        data=lambda w: {"name": "2026-2027", "starts": "2026-09-01", "ends": "2027-05-31", "status": "open"},
    ),
    Row("schedule:period_list", kwargs=year, expect={**READ, **FOREIGN}),
    Row(
        "schedule:period_list",
        kwargs=year,
        method="post",
        expect={**PERIODS_POST, **FOREIGN},
        data=lambda w: {f"grade_{g}": quarters(w).pk for g in range(1, 10)},
    ),
    Row("schedule:scheme_create", kwargs=year, expect={**PERIODS_PAGE, **FOREIGN}),
    Row(
        "schedule:scheme_create",
        kwargs=year,
        method="post",
        expect={**PERIODS_POST, **FOREIGN},
        data=lambda w: {"kind": "trimesters"},
    ),
    Row(
        "schedule:period_create", kwargs=lambda w: {"pk": quarters(w).pk}, expect={**PERIODS_PAGE, **FOREIGN}
    ),
    Row(
        "schedule:period_create",
        kwargs=lambda w: {"pk": quarters(w).pk},
        method="post",
        expect={**PERIODS_POST, **FOREIGN},
        data=lambda w: {"name": "x", "starts": "2026-10-26", "ends": "2026-11-01"},
    ),
    Row("schedule:period_edit", kwargs=first_quarter, expect={**PERIODS_PAGE, **FOREIGN}),
    Row(
        "schedule:period_edit",
        kwargs=first_quarter,
        method="post",
        expect={**PERIODS_POST, **FOREIGN},
        data=lambda w: {"name": "I", "starts": "2026-09-01", "ends": "2026-10-24"},
    ),
    Row("schedule:period_delete", kwargs=first_quarter, method="post", expect={**PERIODS_POST, **FOREIGN}),
    # holidays
    Row("schedule:holiday_list", expect={**READ, **OWN_LIST}),
    Row(
        "schedule:holiday_list",
        method="post",
        expect={**ADMIN_POST, "outsider": 302},
        data=lambda w: {"name": "Зимние", "starts": "2026-12-29", "ends": "2027-01-11"},
    ),
    Row("schedule:holiday_edit", kwargs=holiday, expect={**ADMIN_PAGE, **FOREIGN}),
    Row(
        "schedule:holiday_edit",
        kwargs=holiday,
        method="post",
        expect={**ADMIN_POST, **FOREIGN},
        data=lambda w: {"name": "Осенние", "starts": "2026-10-27", "ends": "2026-11-04"},
    ),
    Row("schedule:holiday_delete", kwargs=holiday, method="post", expect={**ADMIN_POST, **FOREIGN}),
    # buildings, rooms, subjects
    Row("schedule:building_list", expect={**READ, **OWN_LIST}),
    Row(
        "schedule:building_list",
        method="post",
        expect={**ADMIN_POST, "outsider": 302},
        data=lambda w: {"name": "Корпус 2", "address": ""},
    ),
    Row("schedule:building_edit", kwargs=building, expect={**ADMIN_PAGE, **FOREIGN}),
    Row(
        "schedule:building_edit",
        kwargs=building,
        method="post",
        expect={**ADMIN_POST, **FOREIGN},
        data=lambda w: {"name": "Корпус А", "address": "ул. Школьная, 1"},
    ),
    Row("schedule:room_list", expect={**READ, **OWN_LIST}),
    Row(
        "schedule:room_list",
        method="post",
        expect={**ADMIN_POST, "outsider": 200},
        data=lambda w: {"building": f.make_room(w.school, "101").building_id, "name": "102"},
        note="the outsider's form refuses a building of this school: re-rendered, nothing saved",
    ),
    Row("schedule:room_edit", kwargs=room, expect={**ADMIN_PAGE, **FOREIGN}),
    Row(
        "schedule:room_edit",
        kwargs=room,
        method="post",
        expect={**ADMIN_POST, **FOREIGN},
        data=lambda w: {
            "building": f.make_room(w.school, "999").building_id,
            "name": "103",
            "capacity": "25",
        },
    ),
    Row("schedule:subject_list", expect={**READ, **OWN_LIST}),
    Row(
        "schedule:subject_list",
        method="post",
        expect={**ADMIN_POST, "outsider": 302},
        data=lambda w: {"name": "Химия", "short_name": "Хим.", "position": "5"},
    ),
    Row(
        "schedule:subject_edit",
        kwargs=lambda w: {"pk": w.math_5a.subject_id},
        expect={**ADMIN_PAGE, **FOREIGN},
    ),
    Row(
        "schedule:subject_edit",
        kwargs=lambda w: {"pk": w.math_5a.subject_id},
        method="post",
        expect={**ADMIN_POST, **FOREIGN},
        data=lambda w: {
            "name": "Математика",
            "short_name": "Мат.",
            "position": "1",
            "teachers": [w.teacher.pk],
        },
    ),
    # classes and student movement
    Row("schedule:class_list", expect={**READ, **OWN_LIST}),
    Row("schedule:class_create", expect={**ADMIN_PAGE, **OWN_LIST}),
    Row(
        "schedule:class_create",
        method="post",
        expect={**ADMIN_POST, "outsider": 200},
        data=lambda w: {"grade": "7", "letter": "В", "shift": "1", "class_teacher": w.teacher.pk},
        note="the outsider's form refuses a teacher of this school",
    ),
    Row(
        "schedule:class_detail",
        kwargs=lambda w: {"pk": w.class_5a.pk},
        expect={**READ, "class_teacher": 200, **FOREIGN},
        note="5А: its class teacher reads it",
    ),
    Row(
        "schedule:class_detail",
        kwargs=lambda w: {"pk": w.class_6b.pk},
        expect={**READ, **FOREIGN},
        note="6Б: not the class teacher's class",
    ),
    Row("schedule:class_edit", kwargs=lambda w: {"pk": w.class_5a.pk}, expect={**ADMIN_PAGE, **FOREIGN}),
    Row(
        "schedule:class_edit",
        kwargs=lambda w: {"pk": w.class_5a.pk},
        method="post",
        expect={**ADMIN_POST, **FOREIGN},
        data=lambda w: {"grade": "5", "letter": "А", "shift": "2", "class_teacher": w.class_teacher.pk},
    ),
    Row(
        "schedule:class_access_grant",
        kwargs=lambda w: {"pk": w.class_6b.pk},
        method="post",
        expect={**ADMIN_POST, **FOREIGN},
        data=lambda w: {"person": w.substitute.pk},
    ),
    Row(
        "schedule:class_access_grant",
        kwargs=lambda w: {"pk": w.class_6b.pk},
        expect={"admin": 405, "outsider": 405, **OPERATOR},
        note="POST only: a GET is refused before any object is looked up",
    ),
    Row(
        "schedule:class_access_revoke",
        kwargs=lambda w: {"pk": w.class_6b.pk, "person_pk": w.substitute.pk},
        method="post",
        expect={**ADMIN_POST, **FOREIGN},
    ),
    Row("schedule:class_enroll", kwargs=lambda w: {"pk": w.class_6b.pk}, expect={**ADMIN_PAGE, **FOREIGN}),
    Row(
        "schedule:class_enroll",
        kwargs=lambda w: {"pk": w.class_6b.pk},
        method="post",
        expect={**ADMIN_POST, **FOREIGN},
        data=lambda w: {"student": new_student(w), "starts": "2026-10-01"},
    ),
    Row("schedule:enrollment_end", kwargs=enrollment, expect={**ADMIN_PAGE, **FOREIGN}),
    Row(
        "schedule:enrollment_end",
        kwargs=enrollment,
        method="post",
        expect={**ADMIN_POST, **FOREIGN},
        data=lambda w: {"ends": "2027-01-31", "departure_note": "в школу № 3"},
    ),
    Row("schedule:enrollment_transfer", kwargs=enrollment, expect={**ADMIN_PAGE, **FOREIGN}),
    Row(
        "schedule:enrollment_transfer",
        kwargs=enrollment,
        method="post",
        expect={**ADMIN_POST, **FOREIGN},
        data=lambda w: {"to_class": w.class_6b.pk, "on_date": "2027-01-12"},
    ),
    # groups
    Row("schedule:group_list", expect={**READ, **OWN_LIST}),
    Row(
        "schedule:group_list",
        method="post",
        expect={**ADMIN_POST, "outsider": 200},
        data=lambda w: {"kind": "subgroup", "name": "5А англ. 1", "school_class": w.class_5a.pk},
        note="the outsider's form refuses a class of this school",
    ),
    Row("schedule:group_detail", kwargs=lambda w: {"pk": subgroup(w).pk}, expect={**READ, **FOREIGN}),
    Row("schedule:group_edit", kwargs=lambda w: {"pk": subgroup(w).pk}, expect={**ADMIN_PAGE, **FOREIGN}),
    Row(
        "schedule:group_edit",
        kwargs=lambda w: {"pk": subgroup(w).pk},
        method="post",
        expect={**ADMIN_POST, **FOREIGN},
        data=lambda w: {"name": "5А англ. 2"},
    ),
    Row(
        "schedule:group_member_add", kwargs=lambda w: {"pk": subgroup(w).pk}, expect={**ADMIN_PAGE, **FOREIGN}
    ),
    Row(
        "schedule:group_member_add",
        kwargs=lambda w: {"pk": subgroup(w).pk},
        method="post",
        expect={**ADMIN_POST, **FOREIGN},
        data=lambda w: {"student": w.student.student.pk, "starts": "2026-09-01"},
    ),
    Row("schedule:membership_end", kwargs=membership, expect={**ADMIN_PAGE, **FOREIGN}),
    Row(
        "schedule:membership_end",
        kwargs=membership,
        method="post",
        expect={**ADMIN_POST, **FOREIGN},
        data=lambda w: {"ends": "2026-12-31"},
    ),
    # courses
    Row("schedule:course_list", expect={**READ, **OWN_LIST}),
    Row(
        "schedule:course_list",
        method="post",
        expect={**ADMIN_POST, "outsider": 200},
        data=lambda w: {
            "subject": w.russian_5a.subject_id,
            "group": f.whole_group(w.class_6b).pk,
            "hours_per_week": "3",
            "teachers": [w.class_teacher.pk],
        },
        note="the outsider's form refuses this school's subject, group and teacher",
    ),
    Row("schedule:course_edit", kwargs=lambda w: {"pk": w.math_5a.pk}, expect={**ADMIN_PAGE, **FOREIGN}),
    Row(
        "schedule:course_edit",
        kwargs=lambda w: {"pk": w.math_5a.pk},
        method="post",
        expect={**ADMIN_POST, **FOREIGN},
        data=lambda w: {
            "hours_per_week": "4",
            "teachers": [w.teacher.pk, w.substitute.pk],
            "on_date": "2027-01-12",
        },
    ),
]
