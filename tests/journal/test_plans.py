"""Thematic plans (R-J-5): the XLSX parser, replace/clear services, the report arithmetic and the proposal."""

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from accounts.models import AuditEvent
from journal.models import LessonTopic, PlanTopic
from journal.plans import services as plans
from journal.plans import xlsx as plan_xlsx
from journal.plans.selectors import plan_report, plan_topics, plans_overview, proposed_topic, topic_status
from journal.plans.xlsx import PlanRow, parse_plan
from schedule.models import AcademicYear, Lesson
from tests import factories as f
from tests.journal import actor

pytestmark = pytest.mark.usefixtures("english")

TODAY = datetime.date(2026, 9, 16)  # a Wednesday


def xlsx(rows, name="plan.xlsx", title=None) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.title = title
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type=plan_xlsx.CONTENT_TYPE)


def upload(data: bytes, name="plan.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=plan_xlsx.CONTENT_TYPE)


HEAD = ["№", "Раздел", "Тема урока", "Часы"]


def errors_of(file) -> list[str]:
    with pytest.raises(ValidationError) as info:
        parse_plan(file)
    return info.value.messages


# The parser


def test_parse_reads_the_rows_in_order_and_carries_the_section_down():
    rows = parse_plan(
        xlsx(
            [
                ["Календарно-тематическое планирование, 5 класс"],
                [],
                ["№ п/п", "РАЗДЕЛ", "тема урока", "Кол-во часов"],
                [1, "Натуральные числа", "Запись чисел", 2],
                [2, None, "Сравнение чисел", 1.0],
                [None, None, None, None],
                [3, "Дроби", "  Понятие   дроби ", "3"],
            ]
        )
    )
    assert rows == [
        PlanRow("Натуральные числа", "Запись чисел", 2, 4),
        PlanRow("Натуральные числа", "Сравнение чисел", 1, 5),
        PlanRow("Дроби", "Понятие дроби", 3, 7),
    ]


def test_number_column_is_optional_and_does_not_reorder():
    rows = parse_plan(xlsx([["Тема", "Часы"], ["Б", 1], ["А", 2]]))
    assert [(r.title, r.hours, r.section) for r in rows] == [("Б", 1, ""), ("А", 2, "")]
    rows = parse_plan(xlsx([HEAD, [5, "", "Б", 1], [1, "", "А", 2]]))
    assert [r.title for r in rows] == ["Б", "А"]


def test_header_titles_of_other_plan_layouts_are_understood():
    rows = parse_plan(
        xlsx(
            [
                ["№ урока", "Наименование раздела", "Наименование темы", "Количество часов на тему", "Дата"],
                [1, "Числа", "Запись чисел", 2, "01.09"],
            ]
        )
    )
    assert rows == [PlanRow("Числа", "Запись чисел", 2, 2)]


def test_a_lone_number_is_an_empty_row():
    rows = parse_plan(xlsx([HEAD, [1, "", "Тема", 1], [2, None, None, None], [3, "", "", ""]]))
    assert len(rows) == 1


@pytest.mark.parametrize("hours", [0, 201, 2.5, "два", -1, True])
def test_bad_hours_name_the_row(hours):
    messages = errors_of(xlsx([HEAD, [1, "", "Тема", 1], [2, "", "Другая", hours]]))
    assert messages == ["Row 3: hours must be a whole number from 1 to 200"]


def test_missing_hours_is_an_error():
    assert errors_of(xlsx([HEAD, [1, "", "Тема", None]])) == [
        "Row 2: hours must be a whole number from 1 to 200"
    ]


def test_every_error_is_reported_with_its_row():
    messages = errors_of(
        xlsx(
            [
                ["Список тем"],
                HEAD,
                [1, "", "Хорошая", 1],
                [2, "Раздел", None, 1],
                [3, "", "х" * 301, 1],
                [4, "р" * 201, "Тема", 1],
                [5, "", "Тема", 0],
                [6, "", "", "abc"],
            ]
        )
    )
    assert messages == [
        "Row 4: no topic",
        "Row 5: the topic is longer than 300 characters",
        "Row 6: the section is longer than 200 characters",
        "Row 7: hours must be a whole number from 1 to 200",
        "Row 8: no topic",
        "Row 8: hours must be a whole number from 1 to 200",
    ]


def test_limits_of_length_are_inclusive():
    rows = parse_plan(xlsx([HEAD, [1, "р" * 200, "х" * 300, 200]]))
    assert (len(rows[0].section), len(rows[0].title), rows[0].hours) == (200, 300, 200)


def test_wrong_extension_is_refused():
    good = xlsx([HEAD, [1, "", "Тема", 1]])
    for name in ("plan.xls", "plan.csv", "plan"):
        [message] = errors_of(upload(good.read(), name=name))
        good.seek(0)
        assert "(.xlsx)" in message


@pytest.mark.parametrize(
    "data",
    [b"not a workbook at all", b"PK\x03\x04broken zip", b""],
    ids=["text", "broken-zip", "empty"],
)
def test_corrupt_file_is_refused(data):
    assert errors_of(upload(data)) == ["The file is damaged or is not an Excel workbook (.xlsx)."]


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    assert errors_of(upload(out.getvalue())) == ["The file is damaged or is not an Excel workbook (.xlsx)."]


def test_too_big_file_is_refused():
    assert errors_of(upload(b"0" * (2 * 1024 * 1024 + 1))) == ["The file is larger than 2 MB."]


def test_too_many_rows_are_refused():
    rows = [HEAD] + [[i, "", f"Тема {i}", 1] for i in range(1, 1002)]
    [message] = errors_of(xlsx(rows))
    assert "more than 1000 rows" in message
    assert len(parse_plan(xlsx(rows[:1001]))) == 1000


def test_empty_plan_and_missing_header_are_refused():
    assert "no topics" in errors_of(xlsx([HEAD, [1, None, None, None]]))[0]
    assert "No header row" in errors_of(xlsx([["Предмет", "Класс"], ["Математика", "5А"]]))[0]


def test_template_has_headers_examples_widths_and_instructions():
    wb = load_workbook(io.BytesIO(plan_xlsx.template_workbook()))
    plan, howto = wb.worksheets
    assert [c.value for c in plan[1]] == ["No.", "Section", "Lesson topic", "Hours"]
    assert plan.max_row >= 3
    assert plan.column_dimensions["C"].width > plan.column_dimensions["A"].width
    assert howto.max_row >= 5
    assert len(parse_plan(upload(plan_xlsx.template_workbook()))) == plan.max_row - 1


# Services


ROWS = [PlanRow("Числа", "Запись чисел", 2), PlanRow("Числа", "Сравнение", 1), PlanRow("Дроби", "Дроби", 3)]


def topics_of(course):
    return list(PlanTopic.objects.filter(course=course).values_list("position", "section", "title", "hours"))


def test_replace_plan_writes_positions_and_audits(world):
    change = plans.replace_plan(actor=actor(world.teacher), course=world.math_5a, rows=ROWS)
    assert topics_of(world.math_5a) == [
        (1, "Числа", "Запись чисел", 2),
        (2, "Числа", "Сравнение", 1),
        (3, "Дроби", "Дроби", 3),
    ]
    assert (change.topics, change.hours, change.added, change.kept, change.removed) == (3, 6, 3, 0, 0)
    event = AuditEvent.objects.get(action="plan_replaced")
    assert event.data["topics"] == 3 and event.data["hours"] == 6
    assert event.object_id == str(world.math_5a.pk)


def link(lesson, topic, text=None):
    return LessonTopic.objects.create(
        school=lesson.school,
        lesson=lesson,
        text=text or (topic.title if topic else "вне плана"),
        plan_topic=topic,
    )


def test_reimport_keeps_links_of_unchanged_topics_only(world):
    course = world.math_5a
    plans.replace_plan(actor=actor(world.teacher), course=course, rows=ROWS)
    first, second, third = PlanTopic.objects.filter(course=course).order_by("position")
    a = link(f.make_lesson(course, datetime.date(2026, 9, 7), 1), first)
    b = link(f.make_lesson(course, datetime.date(2026, 9, 8), 1), second)
    c = link(f.make_lesson(course, datetime.date(2026, 9, 9), 1), third)
    new_rows = [
        PlanRow("Новый раздел", "Запись чисел", 4),  # same position and title: kept
        PlanRow("Числа", "Сравнение чисел", 1),  # renamed: link dropped
        PlanRow("Числа", "Сравнение", 1),  # the old title at another position: a new topic
        PlanRow("Дроби", "Дроби", 3),
    ]
    change = plans.replace_plan(actor=actor(world.teacher), course=course, rows=new_rows)
    assert (change.kept, change.added, change.removed, change.unlinked_lessons) == (1, 3, 2, 2)
    for x in (a, b, c):
        x.refresh_from_db()
    assert a.plan_topic_id == first.pk
    assert PlanTopic.objects.get(pk=first.pk).hours == 4
    assert PlanTopic.objects.get(pk=first.pk).section == "Новый раздел"
    assert b.plan_topic_id is None and c.plan_topic_id is None
    assert b.text == "Сравнение"  # the lesson's own topic text stays
    assert [t[2] for t in topics_of(course)] == ["Запись чисел", "Сравнение чисел", "Сравнение", "Дроби"]


def test_only_editors_replace_a_plan(world):
    for person in (world.director, world.class_teacher, world.other_teacher, world.student):
        with pytest.raises(PermissionDenied):
            plans.replace_plan(actor=actor(person), course=world.math_5a, rows=ROWS)
    for person in (world.admin, world.deputy, world.teacher):
        plans.replace_plan(actor=actor(person), course=world.math_5a, rows=ROWS)
    assert len(topics_of(world.math_5a)) == 3


def test_closed_year_refuses_and_saves_nothing(world):
    plans.replace_plan(actor=actor(world.teacher), course=world.math_5a, rows=ROWS)
    AcademicYear.objects.filter(pk=world.year.pk).update(status=AcademicYear.Status.CLOSED)
    with pytest.raises(ValidationError, match="closed"):
        plans.replace_plan(actor=actor(world.teacher), course=world.math_5a, rows=ROWS[:1])
    with pytest.raises(ValidationError, match="closed"):
        plans.clear_plan(actor=actor(world.admin), course=world.math_5a)
    assert len(topics_of(world.math_5a)) == 3
    assert not AuditEvent.objects.filter(action="plan_cleared").exists()


def test_empty_rows_refused(world):
    with pytest.raises(ValidationError):
        plans.replace_plan(actor=actor(world.teacher), course=world.math_5a, rows=[])


def test_clear_plan_unlinks_lessons_and_audits(world):
    course = world.math_5a
    plans.replace_plan(actor=actor(world.teacher), course=course, rows=ROWS)
    lt = link(
        f.make_lesson(course, datetime.date(2026, 9, 7), 1), PlanTopic.objects.get(course=course, position=1)
    )
    plans.replace_plan(actor=actor(world.class_teacher), course=world.russian_5a, rows=ROWS)
    change = plans.clear_plan(actor=actor(world.teacher), course=course)
    assert (change.removed, change.unlinked_lessons) == (3, 1)
    assert topics_of(course) == []
    assert len(topics_of(world.russian_5a)) == 3
    lt.refresh_from_db()
    assert lt.plan_topic_id is None and lt.text == "Запись чисел"
    assert AuditEvent.objects.get(action="plan_cleared").data["removed"] == 3


def test_template_round_trip(world):
    rows = parse_plan(upload(plan_xlsx.template_workbook()))
    plans.replace_plan(actor=actor(world.teacher), course=world.math_5a, rows=rows)
    before = topics_of(world.math_5a)
    exported = plan_xlsx.export_workbook(plan_topics(world.math_5a))
    again = parse_plan(upload(exported))
    assert [(r.section, r.title, r.hours) for r in again] == [(r.section, r.title, r.hours) for r in rows]
    change = plans.replace_plan(actor=actor(world.teacher), course=world.math_5a, rows=again)
    assert topics_of(world.math_5a) == before
    assert change.kept == len(rows) and change.added == 0


# Delivered hours


def make_plan(world, course=None, rows=ROWS):
    course = course or world.math_5a
    plans.replace_plan(actor=actor(world.admin), course=course, rows=rows)
    return list(PlanTopic.objects.filter(course=course).order_by("position"))


def day(n):
    return datetime.date(2026, 9, n)


def test_delivered_hours_count_held_lessons_only(world):
    course = world.math_5a
    t1, t2, t3 = make_plan(world)
    link(f.make_lesson(course, day(7), 1), t1)
    link(f.make_lesson(course, day(8), 1), t1)
    link(f.make_lesson(course, day(9), 1), t1)  # a third hour of a 2-hour topic: over plan
    link(f.make_lesson(course, day(10), 1, status=Lesson.Status.CANCELLED), t2)  # cancelled: not counted
    link(f.make_lesson(course, day(16), 1), t2)  # today: counted
    link(f.make_lesson(course, day(17), 1), t3)  # tomorrow: not counted yet
    f.make_lesson(course, day(11), 1)  # held without a topic
    link(f.make_lesson(course, day(14), 1), None)  # a topic not from the plan
    f.make_lesson(course, day(18), 1)
    f.make_lesson(course, day(21), 1, status=Lesson.Status.CANCELLED)  # cancelled: no capacity
    # another course's lesson linked to this plan's topic is not this plan's delivery
    link(f.make_lesson(world.russian_5a, day(7), 2), t3)

    report = plan_report(course, TODAY)

    assert [(t.delivered, t.status) for t in report.topics] == [(3, "over"), (1, "done"), (0, "not_started")]
    assert report.topics[0].dates == [day(7), day(8), day(9)]
    assert report.topics[1].dates == [day(16)]
    assert (report.planned, report.delivered) == (6, 4)
    assert report.held == 6  # 7, 8, 9, 11, 14 and 16 (not the cancelled 10th, not russian's 7th)
    assert report.held_without_topic == 1
    assert report.held_off_plan == 1
    assert report.upcoming == 2  # 17 and 18
    assert report.remaining == 3  # t1 over plan counts 0, t2 done, t3 three hours
    assert report.shortfall == 1


def test_status_steps():
    assert topic_status(2, 0) == "not_started"
    assert topic_status(2, 1) == "in_progress"
    assert topic_status(2, 2) == "done"
    assert topic_status(2, 3) == "over"


def test_plan_fits_when_capacity_covers_remaining_hours(world):
    course = world.math_5a
    (t1,) = make_plan(world, rows=[PlanRow("", "Одна тема", 2)])
    link(f.make_lesson(course, day(7), 1), t1)
    f.make_lesson(course, day(21), 1)
    f.make_lesson(course, day(22), 1)
    report = plan_report(course, TODAY)
    assert (report.remaining, report.upcoming, report.shortfall, report.spare) == (1, 2, 0, 1)
    assert report.percent == 50


def test_overview_sums_per_course(world):
    t1, t2, t3 = make_plan(world)
    make_plan(world, course=world.russian_5a, rows=[PlanRow("", "Фонетика", 5)])
    link(f.make_lesson(world.math_5a, day(7), 1), t1)
    link(f.make_lesson(world.math_5a, day(8), 1), t2)
    link(f.make_lesson(world.math_5a, day(9), 1, status=Lesson.Status.CANCELLED), t3)
    link(f.make_lesson(world.math_5a, day(17), 1), t3)
    f.make_lesson(world.math_5a, day(10), 1)
    from schedule.models import Course

    rows = {c.pk: c for c in plans_overview(Course.objects.filter(school=world.school), TODAY)}
    math, russian, math6 = rows[world.math_5a.pk], rows[world.russian_5a.pk], rows[world.math_6b.pk]
    assert (math.planned, math.topic_count, math.delivered, math.held) == (6, 3, 2, 3)
    assert (russian.planned, russian.delivered, russian.held) == (5, 0, 0)
    assert (math6.planned, math6.topic_count, math6.delivered) == (0, 0, 0)


# The proposal


def test_proposed_topic_progresses_through_the_plan(world):
    course = world.math_5a
    assert proposed_topic(f.make_lesson(course, day(4), 1)) is None  # no plan yet
    t1, t2, t3 = make_plan(world)
    l1 = f.make_lesson(course, day(7), 1)
    assert proposed_topic(l1) == t1
    link(l1, t1)
    l2 = f.make_lesson(course, day(8), 1)
    assert proposed_topic(l2) == t1  # one of two hours used
    link(l2, t1)
    cancelled = f.make_lesson(course, day(9), 1, status=Lesson.Status.CANCELLED)
    link(cancelled, t2)  # a cancelled lesson uses no hour
    l3 = f.make_lesson(course, day(9), 2)
    assert proposed_topic(l3) == t2
    link(l3, t2)
    l4 = f.make_lesson(course, day(10), 1)
    assert proposed_topic(l4) == t3
    # asking about an earlier lesson counts only the lessons before it
    assert proposed_topic(l2) == t1
    assert proposed_topic(l1) == t1


def test_proposed_topic_continues_after_a_skipped_topic(world):
    course = world.math_5a
    t1, t2, t3 = make_plan(world)
    link(f.make_lesson(course, day(7), 1), t2)  # the teacher started with topic 2
    assert proposed_topic(f.make_lesson(course, day(8), 1)) == t3
    for n in (8, 9, 10):
        lesson = Lesson.objects.filter(course=course, date=day(n)).first() or f.make_lesson(course, day(n), 1)
        link(lesson, t3)
    # topics 2 and 3 used up: back to the skipped topic 1
    assert proposed_topic(f.make_lesson(course, day(11), 1)) == t1
    link(Lesson.objects.get(course=course, date=day(11)), t1)
    link(f.make_lesson(course, day(14), 1), t1)
    assert proposed_topic(f.make_lesson(course, day(15), 1)) is None  # every hour used
