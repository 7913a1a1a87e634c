"""The diary's week and homework pages (R-D-1, R-D-6, R-ACC-4): the student's own records, lesson by lesson.

The world's 5А has a week of maths and Russian (12–17 October 2026) with marks,
attendance, remarks, topics and homework for Зоя (the student) and for a
classmate; the pages must show Зоя's and never the classmate's.
"""

import datetime

import pytest
import tinyhtml5
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from journal.diary.week import diary_week, homework_due
from journal.grid.services import ensure_default_work_types
from journal.models import (
    Attendance,
    Cell,
    Homework,
    HomeworkAttachment,
    LessonTopic,
    Remark,
    Work,
    WorkType,
)
from schedule import weeks
from schedule.models import GroupMembership, Holiday, Lesson, StudyGroup, Substitution
from tests import factories as f

from . import d

pytestmark = pytest.mark.django_db

MONDAY = d(10, 12)
TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = (MONDAY + datetime.timedelta(days=n) for n in range(1, 5))


@pytest.fixture
def today(clock):
    """The school's today: Wednesday 14 October 2026; `today(day)` moves the tests' clock to another day."""
    clock.move_to(WEDNESDAY)
    return clock.move_to


def work(lesson, code, position=1):
    types = {t.code: t for t in ensure_default_work_types(lesson.school)}
    return Work.objects.create(school=lesson.school, lesson=lesson, work_type=types[code], position=position)


def cell(w, student, marks=(), excluded=(), owed=False):
    return Cell.objects.create(
        school=w.school,
        work=w,
        student=student.student,
        marks=list(marks),
        excluded=list(excluded),
        owed=owed,
    )


def attend(lesson, student, status, reason=""):
    return Attendance.objects.create(
        school=lesson.school, lesson=lesson, student=student.student, status=status, reason=reason
    )


def remark(lesson, student, kind, text, author):
    return Remark.objects.create(
        school=lesson.school, lesson=lesson, student=student.student, kind=kind, text=text, author=author
    )


def homework(lesson, text, pages="", due=None):
    return Homework.objects.create(
        school=lesson.school, lesson=lesson, text=text, pages=pages, due_lesson=due
    )


def attach(hw, name="task.pdf"):
    a = HomeworkAttachment(school=hw.school, homework=hw, name=name, size=17, content_type="application/pdf")
    a.file.save(name, SimpleUploadedFile(name, b"%PDF-1.4 homework"), save=False)
    a.save()
    return a


class Data:
    pass


@pytest.fixture
def classmate(world):
    person = f.make_person(world.school, roles=["student"], last_name="Соседова", first_name="Яна")
    f.enroll(person, world.class_5a)
    return person


@pytest.fixture
def data(world, classmate):
    """Зоя's and her classmate's week; 6Б (another family) has a lesson with marks at the same time."""
    w, me, mate = world, world.student, classmate
    x = Data()
    x.math_mon = f.make_lesson(w.math_5a, MONDAY, 1)
    x.rus_mon = f.make_lesson(w.russian_5a, MONDAY, 2)
    x.rus_tue = f.make_lesson(w.russian_5a, TUESDAY, 1, status=Lesson.Status.CANCELLED)
    x.math_wed = f.make_lesson(w.math_5a, WEDNESDAY, 2)
    x.rus_thu = f.make_lesson(w.russian_5a, THURSDAY, 1)
    x.math_6b = f.make_lesson(w.math_6b, MONDAY, 1)
    Substitution.objects.create(
        school=w.school, lesson=x.rus_thu, absent_teacher=w.class_teacher, substitute=w.substitute
    )
    oral = work(x.math_mon, "У")
    cell(oral, me, [5, 4])
    cell(oral, mate, [2])
    test = work(x.math_wed, "КР")
    cell(test, me, [2, 5], excluded=[0])
    cell(test, mate, owed=True)
    other = work(x.math_6b, "У")
    cell(other, w.other_student, [3])
    attend(x.rus_mon, me, "absent", "illness")
    attend(x.math_mon, mate, "late")
    attend(x.math_6b, w.other_student, "absent")
    remark(x.math_mon, me, "praise", "Отлично решила у доски", w.teacher)
    remark(x.math_mon, mate, "remark", "Разговаривала на уроке", w.teacher)
    remark(x.math_6b, w.other_student, "remark", "Не принёс тетрадь", w.other_teacher)
    LessonTopic.objects.create(school=w.school, lesson=x.math_mon, text="Сложение дробей")
    # Given on Monday, no due lesson: due at the next maths lesson (Wednesday).
    x.hw_math = homework(x.math_mon, "Решить № 12, 14", pages="с. 45")
    x.file = attach(x.hw_math)
    # Given on Monday, due on Thursday explicitly.
    x.hw_rus = homework(x.rus_mon, "Упр. 101", due=x.rus_thu)
    homework(x.math_6b, "Задача 6Б")
    return x


def week_page(client, person, student, **query):
    client.force_login(person.user)
    url = reverse("diary:week", args=[student.student.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return client.get(url)


def tree(response):
    assert response.status_code == 200
    return tinyhtml5.parse(response.content.decode())


def by_testid(root, name):
    return [e for e in root.iter() if e.get("data-testid") == name]


def text(element) -> str:
    return " ".join(" ".join(element.itertext()).split())


def lesson_el(root, lesson):
    found = [e for e in by_testid(root, "lesson") if e.get("data-lesson") == str(lesson.pk)]
    assert len(found) == 1, f"lesson {lesson.pk} shown {len(found)} times"
    return found[0]


def inside(element, name):
    return [text(e) for e in by_testid(element, name)]


# The selector


def test_each_lesson_carries_the_students_own_records(world, data, today):
    diary = diary_week(world.student.student, weeks.week_of_student(world.student.student, MONDAY, grade=5))
    by_pk = {x.lesson.pk: x for day in diary.days for x in day.lessons}
    assert set(by_pk) == {
        data.math_mon.pk,
        data.rus_mon.pk,
        data.rus_tue.pk,
        data.math_wed.pk,
        data.rus_thu.pk,
    }
    mon = by_pk[data.math_mon.pk]
    assert [(m.text, m.code) for m in mon.marks] == [("5/4", "У")]
    assert mon.attendance is None  # the classmate was late, not Зоя
    assert [(r.kind, r.text, r.author) for r in mon.remarks] == [
        ("praise", "Отлично решила у доски", world.teacher.short_name)
    ]
    assert mon.topic == "Сложение дробей"
    assert mon.homework == []  # given here, due on Wednesday
    wed = by_pk[data.math_wed.pk]
    assert [(m.text, m.code, m.name) for m in wed.marks] == [
        ("(2)/5", "КР", WorkType.objects.get(school=world.school, code="КР").name)
    ]
    assert [(h.text, h.pages, h.given) for h in wed.homework] == [("Решить № 12, 14", "с. 45", MONDAY)]
    assert [(a.pk, a.name) for a in wed.homework[0].attachments] == [(data.file.pk, "task.pdf")]
    rus = by_pk[data.rus_mon.pk]
    assert (rus.attendance.code, rus.attendance.reason) == ("н", "illness")
    assert [h.text for h in by_pk[data.rus_thu.pk].homework] == ["Упр. 101"]
    assert by_pk[data.rus_tue.pk].homework == []  # cancelled: explicit due on Thursday skips it


def test_homework_without_a_due_lesson_skips_cancelled_lessons_and_crosses_weeks(world, today):
    last_friday = f.make_lesson(world.math_5a, MONDAY - datetime.timedelta(days=3), 1)
    cancelled = f.make_lesson(world.math_5a, MONDAY, 1, status=Lesson.Status.CANCELLED)
    held = f.make_lesson(world.math_5a, TUESDAY, 1)
    later = f.make_lesson(world.math_5a, WEDNESDAY, 1)
    homework(last_friday, "С прошлой недели")
    homework(held, "Со вторника")
    diary = diary_week(world.student.student, weeks.week_of_student(world.student.student, MONDAY))
    got = {x.lesson.pk: [h.text for h in x.homework] for day in diary.days for x in day.lessons}
    assert got == {cancelled.pk: [], held.pk: ["С прошлой недели"], later.pk: ["Со вторника"]}


def test_a_day_opens_today_or_the_day_asked_for(world, data, today):
    student = world.student.student
    diary = diary_week(student, weeks.week_of_student(student, MONDAY))
    assert [day.date for day in diary.days if day.is_open] == [WEDNESDAY]
    diary = diary_week(student, weeks.week_of_student(student, MONDAY), focus=THURSDAY)
    assert [day.date for day in diary.days if day.is_open] == [THURSDAY]


# The page


def test_the_parent_sees_marks_attendance_remarks_topic_and_homework(client, world, data, today):
    root = tree(week_page(client, world.parent, world.student, date=MONDAY))
    mon = lesson_el(root, data.math_mon)
    assert inside(mon, "mark") == ["5/4 У"]
    assert inside(mon, "topic")[0].endswith("Сложение дробей")
    assert [e.get("data-kind") for e in by_testid(mon, "remark")] == ["praise"]
    assert "Отлично решила у доски" in text(mon)
    assert inside(mon, "attendance") == []
    rus = lesson_el(root, data.rus_mon)
    att = by_testid(rus, "attendance")
    assert [e.get("data-status") for e in att] == ["absent"] and text(att[0]).startswith("н")
    wed = lesson_el(root, data.math_wed)
    assert inside(wed, "mark") == ["(2)/5 КР"]
    hw = by_testid(wed, "homework")
    assert len(hw) == 1 and "Решить № 12, 14" in text(hw[0]) and "с. 45" in text(hw[0])
    assert hw[0].get("data-given") == "2026-10-12"
    links = [a.get("href") for a in by_testid(wed, "attachment")]
    assert links == [reverse("journal:attachment", args=[data.file.pk])]
    assert "Упр. 101" in text(lesson_el(root, data.rus_thu))


def test_the_attachment_link_downloads_for_the_parent(client, world, data, today):
    week_page(client, world.parent, world.student, date=MONDAY)
    response = client.get(reverse("journal:attachment", args=[data.file.pk]))
    assert response.status_code == 200


def test_nothing_of_a_classmate_or_another_class_shows(client, world, data, today):
    response = week_page(client, world.student, world.student, date=MONDAY)
    html = response.content.decode()
    root = tree(response)
    for gone in ("Разговаривала на уроке", "Не принёс тетрадь", "Задача 6Б"):
        assert gone not in html
    assert data.math_6b.pk not in {int(e.get("data-lesson")) for e in by_testid(root, "lesson")}
    all_marks = [m for e in by_testid(root, "lesson") for m in inside(e, "mark")]
    assert sorted(all_marks) == ["(2)/5 КР", "5/4 У"]  # not the classmate's 2 and •, not 6Б's 3
    statuses = [e.get("data-status") for e in by_testid(root, "attendance")]
    assert statuses == ["absent"]  # Зоя's absence; not the classmate's lateness


def test_the_class_teacher_and_the_deputy_read_it_too(client, world, data, today):
    for person in (world.class_teacher, world.deputy):
        root = tree(week_page(client, person, world.student, date=MONDAY))
        assert inside(lesson_el(root, data.math_mon), "mark") == ["5/4 У"]


def test_previous_and_next_week_keep_the_child(client, world, data, today):
    root = tree(week_page(client, world.parent, world.student, date=WEDNESDAY))
    base = reverse("diary:week", args=[world.student.student.pk])
    prev, nxt = by_testid(root, "week-prev")[0].get("href"), by_testid(root, "week-next")[0].get("href")
    assert (prev, nxt) == ("?date=2026-10-05", "?date=2026-10-19")
    f.make_lesson(world.math_5a, d(10, 20), 3)
    response = client.get(base + nxt)
    root = tree(response)
    assert by_testid(root, "week-range")[0].get("data-monday") == "2026-10-19"
    assert [e.get("data-date") for e in by_testid(root, "day")][:2] == ["2026-10-19", "2026-10-20"]
    assert len(by_testid(root, "lesson")) == 1


def test_today_is_open_and_the_week_has_five_days(client, world, data, today):
    root = tree(week_page(client, world.parent, world.student))
    days = by_testid(root, "day")
    assert [e.get("data-date") for e in days] == [str(MONDAY + datetime.timedelta(days=n)) for n in range(5)]
    assert [e.get("data-date") for e in days if e.get("open") is not None] == ["2026-10-14"]


def test_saturday_shows_when_it_has_lessons(client, world, today):
    f.make_lesson(world.math_5a, MONDAY + datetime.timedelta(days=5), 1)
    root = tree(week_page(client, world.parent, world.student, date=MONDAY))
    assert len(by_testid(root, "day")) == 6


def test_on_sunday_the_coming_week_opens(client, world, data, today):
    today(MONDAY - datetime.timedelta(days=1))
    root = tree(week_page(client, world.parent, world.student))
    assert by_testid(root, "week-range")[0].get("data-monday") == "2026-10-12"
    assert [e.get("data-date") for e in by_testid(root, "day") if e.get("open") is not None] == ["2026-10-12"]


def test_a_holiday_is_shown_as_such(client, world, data, today):
    Holiday.objects.create(
        school=world.school, year=world.year, name="Осенние каникулы", starts=FRIDAY, ends=d(11, 4)
    )
    root = tree(week_page(client, world.parent, world.student, date=MONDAY))
    friday = next(e for e in by_testid(root, "day") if e.get("data-date") == str(FRIDAY))
    assert "Осенние каникулы" in inside(friday, "holiday")[0]
    nxt = tree(week_page(client, world.parent, world.student, date=d(10, 26)))
    assert len(by_testid(nxt, "holiday")) == 5
    assert by_testid(nxt, "week-empty")


def test_a_cancelled_lesson_is_shown_cancelled(client, world, data, today):
    root = tree(week_page(client, world.parent, world.student, date=MONDAY))
    assert by_testid(lesson_el(root, data.rus_tue), "cancelled")
    assert not by_testid(lesson_el(root, data.rus_mon), "cancelled")


def test_a_substituted_lesson_shows_the_substitute(client, world, data, today):
    root = tree(week_page(client, world.parent, world.student, date=MONDAY))
    thu = lesson_el(root, data.rus_thu)
    assert inside(thu, "teacher") == [world.substitute.short_name]
    badge = by_testid(thu, "substitution")[0]
    assert world.class_teacher.short_name in badge.get("title")
    assert inside(lesson_el(root, data.rus_mon), "teacher") == [world.class_teacher.short_name]


def test_a_first_grader_has_lessons_and_no_marks(client, world, today):
    first = f.make_class(world.year, 1, "А", class_teacher=world.class_teacher)
    reading = f.make_subject(world.school, "Литературное чтение", "Лит. чт.")
    course = f.make_course(f.whole_group(first), reading, world.teacher)
    child = f.make_person(world.school, roles=["student"], last_name="Малышева", first_name="Ева")
    f.enroll(child, first)
    f.link_parent(world.parent, child)
    lesson = f.make_lesson(course, MONDAY, 1)
    attend(lesson, child, "absent")
    LessonTopic.objects.create(school=world.school, lesson=lesson, text="Звуки и буквы")
    root = tree(week_page(client, world.parent, child, date=MONDAY))
    el = lesson_el(root, lesson)
    assert inside(el, "mark") == [] and inside(el, "homework") == []
    assert [e.get("data-status") for e in by_testid(el, "attendance")] == ["absent"]
    assert len(by_testid(root, "child-switch")) == 1  # two children: the switch is there


def test_another_family_gets_404(client, world, data, today):
    assert week_page(client, world.other_parent, world.student, date=MONDAY).status_code == 404
    assert week_page(client, world.other_student, world.student).status_code == 404
    client.force_login(world.other_parent.user)
    assert client.get(reverse("diary:homework", args=[world.student.student.pk])).status_code == 404


def test_an_unknown_student_id_is_404(client, world):
    client.force_login(world.parent.user)
    for pk in (0, 99999999, 10**20):
        assert client.get(reverse("diary:week", args=[pk])).status_code == 404
        assert client.get(reverse("diary:homework", args=[pk])).status_code == 404


@pytest.mark.parametrize("value", ["garbage", "2026-13-01", "0001-01-01", "9999-12-31", ""])
def test_a_bad_date_shows_the_current_week(client, world, data, today, value):
    root = tree(week_page(client, world.parent, world.student, date=value))
    assert by_testid(root, "week-range")[0].get("data-monday") == "2026-10-12"


def many_lessons(world, n):
    """`n` lessons of 5А in the week of MONDAY (up to 8 a day), each with marks, attendance and homework."""
    made = []
    for i in range(n):
        day, slot = MONDAY + datetime.timedelta(days=i // 8), 1 + i % 8
        course = world.math_5a if i % 2 else world.russian_5a
        lesson = f.make_lesson(course, day, slot)
        cell(work(lesson, "У"), world.student, [4])
        attend(lesson, world.student, "late")
        remark(lesson, world.student, "praise", f"Молодец {i}", world.teacher)
        LessonTopic.objects.create(school=world.school, lesson=lesson, text=f"Тема {i}")
        attach(homework(lesson, f"Задание {i}"))
        made.append(lesson)
    return made


# The actor's person; the frame: student, class, the parent's children and their classes; the week: lessons and
# holidays; the journal's records of the week's lessons.
WEEK_QUERIES = 8
# The same frame; the lessons of the coming two weeks; the homework due at them.
HOMEWORK_QUERIES = 7


@pytest.mark.parametrize("n", [1, 30])
def test_the_week_costs_the_same_queries_for_1_and_30_lessons(
    client, world, today, django_assert_num_queries, n
):
    many_lessons(world, n)
    client.force_login(world.parent.user)
    url = reverse("diary:week", args=[world.student.student.pk]) + f"?date={MONDAY}"
    with django_assert_num_queries(WEEK_QUERIES):
        response = client.get(url)
    root = tree(response)
    assert len(by_testid(root, "lesson")) == n
    assert len(by_testid(root, "mark")) == n
    assert len(by_testid(root, "homework")) == max(n - 2, 0)  # each due at the next lesson of its course


# The homework page


def due_page(client, person, student):
    client.force_login(person.user)
    return client.get(reverse("diary:homework", args=[student.student.pk]))


def test_the_homework_page_lists_what_is_due_in_the_coming_days(client, world, data, today):
    root = tree(due_page(client, world.parent, world.student))
    days = by_testid(root, "due-day")
    assert [e.get("data-date") for e in days] == ["2026-10-14", "2026-10-15"]
    items = by_testid(root, "due-homework")
    assert [e.get("data-lesson") for e in items] == [str(data.math_wed.pk), str(data.rus_thu.pk)]
    assert "Решить № 12, 14" in text(items[0]) and "с. 45" in text(items[0])
    assert [a.get("href") for a in by_testid(items[0], "attachment")] == [
        reverse("journal:attachment", args=[data.file.pk])
    ]
    assert "Задача 6Б" not in text(root)
    week_url = reverse("diary:week", args=[world.student.student.pk])
    assert days[1].find(".//{*}h2/{*}a").get("href") == f"{week_url}?date=2026-10-15#d2026-10-15"


def test_the_homework_page_looks_two_weeks_ahead(world, today):
    base = d(11, 11)  # a Wednesday of the second quarter
    today(base)
    days = [base + datetime.timedelta(days=n) for n in range(-2, 16)]
    yesterday = f.make_lesson(world.math_5a, days[1], 1)
    homework(f.make_lesson(world.math_5a, days[0], 1), "На вчера")  # due yesterday: not listed
    far = f.make_lesson(world.math_5a, days[16], 1)  # today + 14: the last day listed
    too_far = f.make_lesson(world.math_5a, days[17], 1)
    homework(far, "Слишком далеко", due=too_far)
    last = f.make_lesson(world.russian_5a, days[16], 2)
    homework(f.make_lesson(world.russian_5a, days[3], 1), "Через две недели", due=last)
    assert yesterday.date < base
    due = homework_due(world.student.student, base)
    assert [(day.date, [h.text for x in day.lessons for h in x.homework]) for day in due] == [
        (days[16], ["Через две недели"])
    ]


def test_a_group_of_the_student_counts_only_while_she_is_in_it(client, world, classmate, today):
    """A subgroup's lessons show for its members on the days they belong to it, not for the rest of the class."""
    group = StudyGroup.objects.create(
        school=world.school,
        year=world.year,
        kind=StudyGroup.Kind.SUBGROUP,
        name="5А англ. 1",
        grade=5,
        school_class=world.class_5a,
    )
    GroupMembership.objects.create(
        school=world.school, student=world.student.student, group=group, starts=THURSDAY
    )
    course = f.make_course(
        group, f.make_subject(world.school, "Английский язык", "Англ."), world.other_teacher
    )
    wed, thu = f.make_lesson(course, WEDNESDAY, 3), f.make_lesson(course, THURSDAY, 3)
    homework(wed, "Выучить слова")
    due = homework_due(world.student.student, WEDNESDAY)
    assert [(day.date, [x.pk for x in day.lessons]) for day in due] == [(THURSDAY, [thu.pk])]
    assert homework_due(classmate.student, WEDNESDAY) == []
    root = tree(week_page(client, world.parent, world.student, date=MONDAY))
    shown = {int(e.get("data-lesson")) for e in by_testid(root, "lesson")}
    assert thu.pk in shown and wed.pk not in shown  # she joined the group on Thursday


def test_nothing_due(client, world, today):
    root = tree(due_page(client, world.student, world.student))
    assert by_testid(root, "nothing-due")
    assert not by_testid(root, "due-day")


@pytest.mark.parametrize("n", [3, 20])
def test_the_homework_page_costs_a_fixed_number_of_queries(
    client, world, today, django_assert_num_queries, n
):
    lessons = many_lessons(world, n)
    for lesson in reversed(lessons):  # the latest first: a moved lesson never lands on one not yet moved
        Lesson.objects.filter(pk=lesson.pk).update(date=lesson.date + datetime.timedelta(days=2))
    client.force_login(world.parent.user)
    with django_assert_num_queries(HOMEWORK_QUERIES):
        response = client.get(reverse("diary:homework", args=[world.student.student.pk]))
    assert (
        len(by_testid(tree(response), "due-homework")) == n - 2
    )  # each due at the next lesson of its course


# In a real Chromium: a phone reads the week without sideways scrolling; screenshots for a person to look at.

SUBJECTS = [
    ("Английский язык", "Англ. яз."),
    ("История", "История"),
    ("Биология", "Биол."),
    ("Физическая культура", "Физ-ра"),
]


def full_week(world, data):
    """Зоя's week filled the way a real one is: five or six lessons a day, marks, an absence, homework, remarks."""
    teachers = [world.other_teacher, world.substitute, world.teacher, world.class_teacher]
    courses = [
        f.make_course(f.whole_group(world.class_5a), f.make_subject(world.school, name, short), teacher)
        for (name, short), teacher in zip(SUBJECTS, teachers, strict=True)
    ]
    me = world.student
    for n, day in enumerate([MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY]):
        for i, course in enumerate(courses):
            slot = 3 + i
            if (n + i) % 5 == 4:
                continue
            lesson = f.make_lesson(course, day, slot, teacher=None)
            LessonTopic.objects.create(school=world.school, lesson=lesson, text=f"Тема урока {n + 1}.{i + 1}")
            if day <= WEDNESDAY and (n + i) % 2 == 0:
                cell(work(lesson, "У"), me, [5 - (n + i) % 3])
            if day <= WEDNESDAY and i == 1:
                homework(
                    lesson, "Прочитать параграф 12 и ответить на вопросы 1–4 письменно", pages="с. 56–60"
                )
    attend(data.math_wed, me, "late")
    cell(work(data.rus_mon, "ДЗ"), me, owed=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_phone_reads_the_week_without_scrolling_sideways(world, data, today, clock, browser, live_server):
    from tests.browser.test_substitution import sign_in
    from tests.browser_fixtures import browser_context, shot

    full_week(world, data)
    url = reverse("diary:week", args=[world.student.student.pk])
    for width, height, mobile in ((360, 740, True), (1280, 900, False)):
        context = browser_context(
            browser, clock, viewport={"width": width, "height": height}, is_mobile=mobile
        )
        page = context.new_page()
        page.base_url = live_server.url
        sign_in(page, world.parent.user)
        page.goto(f"{live_server.url}{url}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        opened = page.eval_on_selector_all("details.dw-day[open]", "els => els.map(e => e.dataset.date)")
        if mobile:
            assert opened == ["2026-10-14"]  # today
        else:
            assert len(opened) == 5  # a wide screen shows the whole week
        shot(page, f"diary_week_{width}")
        page.goto(f"{live_server.url}{reverse('diary:homework', args=[world.student.student.pk])}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"diary_homework_{width}")
        if mobile:
            page.emulate_media(media="print")
            page.goto(f"{live_server.url}{url}")
            page.pdf(path=str(shot.__globals__["ARTIFACTS"] / "diary_week_print.pdf"))
        context.close()


def test_what_teachers_type_is_escaped(client, world, data, today):
    Remark.objects.filter(student=world.student.student).update(text='<script>alert("x")</script>')
    Homework.objects.filter(pk=data.hw_math.pk).update(text="<b>№ 1</b>\nи № 2")
    html = week_page(client, world.parent, world.student, date=MONDAY).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "&lt;b&gt;№ 1&lt;/b&gt;<br>и № 2" in html
