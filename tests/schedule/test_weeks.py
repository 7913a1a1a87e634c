"""Timetable weeks (R-TT-5): what each week shows, who may see it, its XLSX, and fixed query counts."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role
from schedule import weeks
from schedule.models import GroupMembership, Lesson, StudyGroup, Substitution
from tests import factories as f
from tests.schedule.conftest import d

pytestmark = pytest.mark.django_db

MONDAY = d(10, 12)  # the week of 12–17 October 2026, first quarter
TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY = (MONDAY + datetime.timedelta(days=i) for i in range(1, 6))


class Term:
    """A small week of lessons around the world: subgroups, a cross-class group, a substitution, a cancellation."""

    def __init__(self, world):
        w = self.world = world
        self.room = f.make_room(w.school, "101")
        self.gym = f.make_room(w.school, "Спортзал")
        english = f.make_subject(w.school, "Английский язык", "Англ.")
        elective = f.make_subject(w.school, "Робототехника", "Робот.")
        self.sub_1 = StudyGroup.objects.create(
            school=w.school, year=w.year, kind="subgroup", name="5А англ. 1", grade=5, school_class=w.class_5a
        )
        self.sub_2 = StudyGroup.objects.create(
            school=w.school, year=w.year, kind="subgroup", name="5А англ. 2", grade=5, school_class=w.class_5a
        )
        self.cross = StudyGroup.objects.create(
            school=w.school, year=w.year, kind="cross_class", name="Роботы 5–6", grade=5
        )
        self.lonely = StudyGroup.objects.create(
            school=w.school, year=w.year, kind="cross_class", name="Шахматы 6", grade=6
        )
        GroupMembership.objects.create(
            school=w.school, student=w.student.student, group=self.sub_1, starts=w.year.starts
        )
        GroupMembership.objects.create(
            school=w.school, student=w.student.student, group=self.cross, starts=w.year.starts
        )
        GroupMembership.objects.create(
            school=w.school, student=w.other_student.student, group=self.lonely, starts=w.year.starts
        )
        self.english_1 = f.make_course(self.sub_1, english, w.other_teacher)
        self.english_2 = f.make_course(self.sub_2, english, w.class_teacher)
        self.robots = f.make_course(self.cross, elective, w.other_teacher)
        self.chess = f.make_course(self.lonely, f.make_subject(w.school, "Шахматы"), w.substitute)

        self.math_mon = f.make_lesson(w.math_5a, MONDAY, 1, room=self.room)
        self.russian_mon = f.make_lesson(w.russian_5a, MONDAY, 2)
        self.math_6b_mon = f.make_lesson(w.math_6b, MONDAY, 2, room=self.room)
        self.english_1_tue = f.make_lesson(self.english_1, TUESDAY, 3)
        self.english_2_tue = f.make_lesson(self.english_2, TUESDAY, 3)
        self.robots_wed = f.make_lesson(self.robots, WEDNESDAY, 6, room=self.gym)
        self.chess_wed = f.make_lesson(self.chess, WEDNESDAY, 7)
        self.math_thu = f.make_lesson(w.math_5a, THURSDAY, 1, status=Lesson.Status.CANCELLED)
        self.math_fri = f.make_lesson(w.math_5a, FRIDAY, 4, origin=Lesson.Origin.EXTRA)
        self.math_next = f.make_lesson(w.math_5a, MONDAY + datetime.timedelta(days=7), 1)
        self.substitution = Substitution.objects.create(
            school=w.school,
            lesson=self.math_mon,
            absent_teacher=w.teacher,
            substitute=w.substitute,
            reason="болезнь",
        )


@pytest.fixture
def term(world):
    return Term(world)


def pks(week) -> set[int]:
    return {x.pk for x in week.lessons}


def test_class_week_has_its_groups_subgroups_and_cross_groups_of_its_students(world, term):
    week = weeks.week_of_class(world.class_5a, WEDNESDAY)
    assert week.monday == MONDAY
    assert [day.date for day in week.days] == [MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY]
    assert pks(week) == {
        term.math_mon.pk,
        term.russian_mon.pk,
        term.english_1_tue.pk,
        term.english_2_tue.pk,
        term.robots_wed.pk,
        term.math_thu.pk,
        term.math_fri.pk,
    }
    tuesday_row = next(row for row in week.rows if row.slot == 3)
    assert {x.group for x in tuesday_row.cells[1]} == {"5А англ. 1", "5А англ. 2"}
    # rows run from the first to the last lesson number, gaps included
    assert [row.slot for row in week.rows] == [1, 2, 3, 4, 5, 6]
    assert week.rows[4].cells == [[], [], [], [], []]


def test_cross_class_lesson_counts_only_while_a_student_of_the_class_belongs(world, term):
    membership = GroupMembership.objects.get(group=term.cross)
    membership.ends = TUESDAY
    membership.save()
    assert term.robots_wed.pk not in pks(weeks.week_of_class(world.class_5a, MONDAY))


def test_substitution_and_cancellation_are_shown(world, term):
    week = weeks.week_of_class(world.class_5a, MONDAY)
    math = next(x for x in week.lessons if x.pk == term.math_mon.pk)
    assert math.substituted and math.teacher == world.substitute.short_name
    assert math.own_teacher == world.teacher.short_name and math.reason == "болезнь"
    cancelled = next(x for x in week.lessons if x.pk == term.math_thu.pk)
    assert cancelled.cancelled and not cancelled.substituted
    assert next(x for x in week.lessons if x.pk == term.math_fri.pk).extra


def test_teacher_week_has_their_lessons_and_those_they_substitute(world, term):
    substitute = weeks.week_of_teacher(world.substitute, MONDAY)
    assert pks(substitute) == {term.math_mon.pk, term.chess_wed.pk}
    absent = weeks.week_of_teacher(world.teacher, MONDAY)
    assert pks(absent) == {term.math_mon.pk, term.math_thu.pk, term.math_fri.pk}
    math = next(x for x in absent.lessons if x.pk == term.math_mon.pk)
    assert math.substituted and math.own_teacher_id == world.teacher.pk


def test_room_week(world, term):
    assert pks(weeks.week_of_room(term.room, MONDAY)) == {term.math_mon.pk, term.math_6b_mon.pk}


def test_student_week_follows_class_and_groups_on_each_date(world, term):
    week = weeks.week_of_student(world.student.student, MONDAY)
    assert pks(week) == {
        term.math_mon.pk,
        term.russian_mon.pk,
        term.english_1_tue.pk,
        term.robots_wed.pk,
        term.math_thu.pk,
        term.math_fri.pk,
    }


def test_student_arriving_mid_week_sees_lessons_from_the_arrival_only(world, term):
    newcomer = f.make_person(world.school, roles=[Role.STUDENT])
    f.enroll(newcomer, world.class_5a, starts=WEDNESDAY)
    GroupMembership.objects.create(
        school=world.school, student=newcomer.student, group=term.sub_2, starts=WEDNESDAY
    )
    week = weeks.week_of_student(newcomer.student, MONDAY)
    assert pks(week) == {term.math_thu.pk, term.math_fri.pk}
    # the class week does not depend on who has arrived
    assert term.english_2_tue.pk in pks(weeks.week_of_class(world.class_5a, MONDAY))


def test_saturday_is_shown_only_when_it_has_lessons(world, term):
    assert len(weeks.week_of_class(world.class_5a, MONDAY).days) == 5
    f.make_lesson(world.math_5a, SATURDAY, 2)
    week = weeks.week_of_class(world.class_5a, MONDAY)
    assert week.last_day == SATURDAY and len(week.days) == 6


def test_holidays_are_named_on_their_days(world, term):
    from schedule.models import Holiday

    Holiday.objects.create(
        school=world.school, year=world.year, name="Осенние каникулы", starts=d(10, 26), ends=d(11, 4)
    )
    week = weeks.week_of_class(world.class_5a, d(10, 28))
    assert week.is_empty and all(day.holiday == "Осенние каникулы" for day in week.days)


# Pages


def url(name, pk, day=MONDAY):
    return f"{reverse(name, args=[pk])}?date={day.isoformat()}"


def test_class_week_page_shows_lessons_with_substitution_and_status(client, world, term):
    client.force_login(world.deputy.user)
    html = client.get(url("schedule:week_class", world.class_5a.pk)).content.decode()
    assert "Математика" in html and "Английский язык" in html and "Робототехника" in html
    assert world.substitute.short_name in html
    assert 'class="wk-lesson is-sub"' in html
    assert "is-cancelled" in html
    assert "Физиков" in html  # English group 1 and robots are taught by other_teacher
    assert "Шахматы" not in html


def test_week_navigation_links(client, world, term):
    client.force_login(world.teacher.user)
    html = client.get(url("schedule:week_teacher", world.teacher.pk, WEDNESDAY)).content.decode()
    assert '?date=2026-10-05" rel="prev"' in html
    assert '?date=2026-10-19" rel="next"' in html
    assert 'name="date"' in html


def test_student_and_parent_see_only_their_own(client, world, term):
    own = url("schedule:week_student", world.student.student.pk)
    other = url("schedule:week_student", world.other_student.student.pk)
    for person in (world.student, world.parent):
        client.force_login(person.user)
        assert client.get(own).status_code == 200
        assert client.get(other).status_code == 404
        assert (
            client.get(
                reverse("schedule:week_student_xlsx", args=[world.other_student.student.pk])
            ).status_code
            == 404
        )
        assert client.get(url("schedule:week_class", world.class_5a.pk)).status_code == 403
    # the 404s are still logged as refusals (R-ACC-9)
    assert (
        AuditEvent.objects.filter(action="permission_denied", summary__contains="view_student_week").count()
        == 4
    )


def test_parent_switches_children_and_only_their_own(client, world, term):
    second = f.make_person(world.school, roles=[Role.STUDENT], last_name="Учеников", first_name="Кирилл")
    f.enroll(second, world.class_6b)
    f.link_parent(world.parent, second, "father")
    client.force_login(world.parent.user)
    mine = reverse("schedule:week_mine")
    response = client.get(mine, {"child": second.student.pk, "date": "2026-10-12"})
    assert response.status_code == 302
    assert response["Location"] == url("schedule:week_student", second.student.pk)
    page = client.get(response["Location"]).content.decode()
    assert "Кирилл" in page and "Зоя" in page  # the switch names both children
    assert "Математика" in page  # 6Б's Monday maths
    assert client.get(mine, {"child": world.other_student.student.pk}).status_code == 404
    # without ?child=, the first child by name (Учеников before Ученикова)
    first = reverse("schedule:week_student", args=[second.student.pk])
    assert client.get(mine)["Location"] == first


def test_week_mine_goes_to_the_persons_own_week(client, world):
    client.force_login(world.teacher.user)
    assert client.get(reverse("schedule:week_mine"))["Location"] == reverse(
        "schedule:week_teacher", args=[world.teacher.pk]
    )
    client.force_login(world.student.user)
    assert client.get(reverse("schedule:week_mine"), {"date": "2026-10-12"})["Location"] == url(
        "schedule:week_student", world.student.student.pk
    )


def test_teacher_week_is_only_for_staff_people(client, world):
    client.force_login(world.teacher.user)
    assert client.get(url("schedule:week_teacher", world.student.pk)).status_code == 404
    assert client.get(url("schedule:week_teacher", world.parent.pk)).status_code == 404
    assert client.get(url("schedule:week_teacher", world.director.pk)).status_code == 200


def test_another_schools_objects_answer_404(client, world, other_world, term):
    client.force_login(other_world.deputy.user)
    assert client.get(url("schedule:week_class", world.class_5a.pk)).status_code == 404
    assert client.get(url("schedule:week_teacher", world.teacher.pk)).status_code == 404
    assert client.get(url("schedule:week_room", term.room.pk)).status_code == 404
    assert client.get(url("schedule:week_student", world.student.student.pk)).status_code == 404


# XLSX


def open_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return book.active


def test_class_week_xlsx_opens_with_the_lessons_in_their_cells(client, world, term):
    client.force_login(world.deputy.user)
    sheet = open_xlsx(client.get(url("schedule:week_class_xlsx", world.class_5a.pk)))
    assert sheet["A1"].value == world.school.name
    assert "5А" in sheet["A2"].value and "2026" in sheet["A2"].value
    days = [sheet.cell(row=3, column=c).value for c in range(3, 8)]
    assert all(day for day in days) and "12.10" in days[0] and "16.10" in days[4]
    assert sheet.cell(row=3, column=8).value is None  # no Saturday
    monday_1 = sheet.cell(row=4, column=3).value
    assert monday_1.startswith("Математика") and world.substitute.short_name in monday_1
    assert sheet.cell(row=4, column=2).value == "08:30–09:15"
    tuesday_3 = sheet.cell(row=6, column=4).value
    assert "5А англ. 1" in tuesday_3 and "5А англ. 2" in tuesday_3
    thursday_1 = sheet.cell(row=4, column=6).value
    from django.utils.translation import gettext

    assert gettext("CANCELLED") in thursday_1
    assert sheet.column_dimensions["C"].width == 30
    assert sheet.page_setup.orientation == "landscape"


@pytest.mark.parametrize("kind", ["teacher", "room", "student"])
def test_other_week_xlsx_open(client, world, term, kind):
    client.force_login(world.admin.user)
    pk = {"teacher": world.substitute.pk, "room": term.room.pk, "student": world.student.student.pk}[kind]
    sheet = open_xlsx(client.get(url(f"schedule:week_{kind}_xlsx", pk)))
    text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert "Математика" in text
    if kind == "teacher":
        assert world.teacher.short_name in text  # "instead of" the absent teacher
        assert "Робототехника" not in text


# Fixed numbers of queries


def grow(world, weeks_more=3):
    """More classes, courses and lessons in other weeks and on the same days: counts must not change."""
    more = f.make_class(world.year, 7, "В", class_teacher=world.other_teacher)
    subject = f.make_subject(world.school, "История", "Ист.")
    course = f.make_course(f.whole_group(more), subject, world.teacher)
    for i in range(weeks_more):
        day = d(11, 9) + datetime.timedelta(days=7 * i)
        for slot in range(2, 6):
            f.make_lesson(course, day, slot)
            f.make_lesson(world.russian_5a, day + datetime.timedelta(days=1), slot)
    for slot in range(3, 6):
        f.make_lesson(course, MONDAY, slot)
        f.make_lesson(world.russian_5a, WEDNESDAY, slot)
    pupil = f.make_person(world.school, roles=[Role.STUDENT])
    f.enroll(pupil, world.class_5a)


# Every signed-in page starts with 1 query (the user with their people; the session is read from Redis); a week
# adds its object, its lessons, the week's holidays and the list of the picker (or the parent's children).
PINNED = {
    "week_class": ("deputy", lambda w, t: w.class_5a.pk, 5),
    "week_teacher": ("teacher", lambda w, t: w.substitute.pk, 5),
    "week_room": ("director", lambda w, t: t.room.pk, 5),
    "week_student": ("student", lambda w, t: w.student.student.pk, 5),
    "week_student@parent": ("parent", lambda w, t: w.student.student.pk, 8),
    "week_student@staff": ("class_teacher", lambda w, t: w.student.student.pk, 5),
    "week_class_xlsx": ("deputy", lambda w, t: w.class_5a.pk, 4),
    "week_teacher_xlsx": ("teacher", lambda w, t: w.substitute.pk, 4),
    "week_room_xlsx": ("admin", lambda w, t: t.room.pk, 4),
    "week_student_xlsx": ("parent", lambda w, t: w.student.student.pk, 6),
}


@pytest.mark.parametrize("key", list(PINNED))
def test_week_query_count_is_pinned_and_does_not_grow(client, world, term, key, django_assert_num_queries):
    role, pk, expected = PINNED[key]
    name = "schedule:" + key.split("@")[0]
    client.force_login(getattr(world, role).user)
    page = url(name, pk(world, term))
    client.get(page)  # the session row is created on the first request
    with django_assert_num_queries(expected):
        assert client.get(page).status_code == 200
    grow(world)
    with django_assert_num_queries(expected):
        assert client.get(page).status_code == 200
