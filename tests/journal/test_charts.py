"""The diary's charts (R-D-3): well-formed, escaped SVG with a point per marked day, the running averages of
the teacher's rule, the attendance per month by reason, and a fixed number of queries."""

import datetime
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.urls import reverse

from journal.diary import charts
from journal.diary import marks as dm
from journal.finals.values import Thresholds
from journal.grid import selectors as js
from journal.grid.services import ensure_default_work_types
from journal.models import Attendance
from schedule.models import GroupMembership, Lesson, ReportingPeriod, StudyGroup
from tests import factories as f

from . import d
from .test_diary_marks import bulk_marks, put, timed_lesson

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def quarter(world, n):
    return ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=n)


def svgs(html: str) -> list[ET.Element]:
    """Every <svg> of the page, parsed as XML (a malformed one raises)."""
    return [ET.fromstring(chunk) for chunk in re.findall(r"<svg\b.*?</svg>", html, re.S)]


def test_an_average_chart_is_well_formed_escaped_xml_with_a_point_per_day():
    curve = dm.SubjectCurve(
        7,
        "Физика <b>\"&'",
        "гр. <1>",
        [
            dm.Point(datetime.date(2026, 9, 7), Decimal("5.00")),
            dm.Point(datetime.date(2026, 9, 14), Decimal("4.33")),
            dm.Point(datetime.date(2026, 10, 20), Decimal("4.56")),
        ],
    )
    root = ET.fromstring(
        str(
            charts.average_chart(
                curve,
                datetime.date(2026, 9, 1),
                datetime.date(2026, 10, 24),
                Thresholds(),
                datetime.date(2026, 10, 1),
            )
        )
    )
    assert root.get("role") == "img" and root.get("viewBox") == "0 0 320 150"
    assert "Физика <b>\"&'" in root.find(f"{SVG}title").text
    circles = root.findall(f"{SVG}circle")
    assert [c.find(f"{SVG}title").text for c in circles] == ["07.09: 5,00", "14.09: 4,33", "20.10: 4,56"]
    # Upwards is better: 5.00 is drawn above 4.33.
    assert float(circles[0].get("cy")) < float(circles[1].get("cy"))
    assert len(root.findall(f"{SVG}polyline")) == 1
    assert len(root.findall(f"{SVG}line[@class='dm-threshold']")) == 3
    assert len(root.findall(f"{SVG}line[@class='dm-today']")) == 1
    months = [t.text for t in root.findall(f"{SVG}text")]
    assert "4,56" in months  # the latest average labelled at the end of the line


def test_a_single_point_has_no_line():
    curve = dm.SubjectCurve(1, "Химия", "", [dm.Point(datetime.date(2026, 9, 7), Decimal("3.00"))])
    root = ET.fromstring(
        str(charts.average_chart(curve, datetime.date(2026, 9, 1), datetime.date(2026, 9, 1), Thresholds()))
    )
    assert len(root.findall(f"{SVG}circle")) == 1 and root.findall(f"{SVG}polyline") == []


def test_the_running_average_after_each_marked_day(world, client):
    types = {t.code: t for t in ensure_default_work_types(world.school)}
    me = world.student.student
    put(world.math_5a, d(9, 7), me, "5", types["У"])  # 5/1
    put(world.math_5a, d(9, 7), me, "3", types["КР"], slot=2)  # same day: (5 + 6) / 3 = 3.67
    put(world.math_5a, d(9, 14), me, "(2)/4", types["У"])  # (11 + 4) / 4 = 3.75
    put(world.math_5a, d(9, 21), me, "•", types["У"])  # owed: no marks, no point
    put(world.math_5a, d(9, 28), me, "(3)", types["КР"])  # only a replaced mark: no point
    put(world.math_5a, d(10, 5), me, "5/5", types["СР"])  # (15 + 15) / 7 = 4.2857 → 4.29
    put(world.russian_5a, d(9, 8), me, "2", types["Д"])
    q1 = quarter(world, 1)
    curves = {c.course_id: c for c in dm.curves(me, q1)}
    assert [(p.date, str(p.average)) for p in curves[world.math_5a.pk].points] == [
        (d(9, 7), "3.67"),
        (d(9, 14), "3.75"),
        (d(10, 5), "4.29"),
    ]
    assert curves[world.math_5a.pk].last == js.averages(world.math_5a, q1)[me.pk]
    assert [str(p.average) for p in curves[world.russian_5a.pk].points] == ["2.00"]

    client.force_login(world.parent.user)
    html = client.get(reverse("diary:charts", args=[me.pk]) + f"?period={q1.pk}").content.decode()
    parsed = svgs(html)
    by_course = {int(s.get("data-course")): s for s in parsed if s.get("data-testid") == "average-chart"}
    assert len(by_course[world.math_5a.pk].findall(f"{SVG}circle")) == 3
    assert len(by_course[world.russian_5a.pk].findall(f"{SVG}circle")) == 1
    assert any(s.get("data-testid") == "attendance-chart" for s in parsed)


def test_another_students_marks_are_not_charted(world, client):
    types = {t.code: t for t in ensure_default_work_types(world.school)}
    other = f.make_person(world.school, roles=["student"], last_name="Соседова", first_name="Яна")
    f.enroll(other, world.class_5a)
    put(world.math_5a, d(9, 7), other.student, "2", types["У"])
    assert dm.curves(world.student.student, quarter(world, 1)) == []
    client.force_login(world.student.user)
    html = client.get(
        reverse("diary:charts", args=[world.student.student.pk]) + f"?period={quarter(world, 1).pk}"
    )
    assert 'data-testid="average-chart"' not in html.content.decode()


def absent(world, lesson, student, status, reason=""):
    Attendance.objects.create(
        school=world.school, lesson=lesson, student=student, status=status, reason=reason
    )


def test_attendance_by_month_counts_the_students_lessons_by_reason(world):
    me = world.student.student
    sep = [f.make_lesson(world.math_5a, d(9, day), 1) for day in (7, 8, 9, 10, 11)]
    october = [f.make_lesson(world.russian_5a, d(10, day), 2) for day in (5, 6, 7)]
    absent(world, sep[0], me, "absent", "illness")
    absent(world, sep[1], me, "absent", "illness")
    absent(world, sep[2], me, "late")
    absent(world, sep[3], me, "absent", "unexcused")
    absent(world, october[0], me, "absent")  # not reconciled yet
    absent(world, october[1], me, "absent", "excused")
    absent(world, october[2], me, "")  # an absence cleared again: present
    # Not the student's lessons: 6Б's, a cancelled one, a subgroup they are not in; and the subgroup they
    # joined on 1 October counts from that day only.
    f.make_lesson(world.math_6b, d(9, 7), 1)
    f.make_lesson(world.math_5a, d(9, 14), 1, status="cancelled")
    group = StudyGroup.objects.create(
        school=world.school,
        year=world.year,
        kind="subgroup",
        name="5А англ. 1",
        grade=5,
        school_class=world.class_5a,
    )
    english = f.make_course(group, f.make_subject(world.school, "Английский язык"), world.other_teacher)
    GroupMembership.objects.create(school=world.school, student=me, group=group, starts=d(10, 1))
    f.make_lesson(english, d(9, 29), 3)
    f.make_lesson(english, d(10, 8), 3)
    months = dm.attendance_by_month(me, world.year, d(12, 31))
    assert [m.month for m in months] == [d(9, 1), d(10, 1), d(11, 1), d(12, 1)]
    sep_m, oct_m, nov_m, _dec = months
    assert (sep_m.lessons, sep_m.illness, sep_m.unexcused, sep_m.late, sep_m.on_time) == (5, 2, 1, 1, 1)
    assert (oct_m.lessons, oct_m.unreconciled, oct_m.excused, oct_m.attended) == (4, 1, 1, 2)
    assert nov_m.lessons == 0
    # Lessons after the day asked for are not counted (the future has no attendance).
    assert [m.lessons for m in dm.attendance_by_month(me, world.year, d(9, 9))] == [3]


def test_the_attendance_chart_stacks_each_month(world):
    months = [
        dm.Month(
            datetime.date(2026, 9, 1), lessons=40, late=2, illness=5, excused=1, unexcused=1, unreconciled=1
        ),
        dm.Month(datetime.date(2026, 10, 1), lessons=0),
        dm.Month(datetime.date(2026, 11, 1), lessons=12),
    ]
    root = ET.fromstring(str(charts.attendance_chart(months)))
    bars = root.findall(f"{SVG}rect")
    assert [b.get("data-kind") for b in bars] == [
        "on_time",
        "late",
        "illness",
        "excused",
        "unexcused",
        "unreconciled",
        "on_time",
    ]
    heights = [float(b.get("height")) for b in bars]
    # 30 on time of 40 lessons; the bars of September stack to 40 on an axis to 50.
    assert abs(heights[0] / sum(heights[:6]) - 30 / 40) < 0.01
    assert charts.nice_ceiling(40) == 40 and charts.nice_ceiling(41) == 50 and charts.nice_ceiling(0) == 10
    assert charts.nice_ceiling(130) == 150 and charts.nice_ceiling(260) == 300


CHART_QUERIES = {"parent": 9, "student": 7}


@pytest.mark.parametrize(("subjects", "marks"), [(1, 3), (15, 300)])
@pytest.mark.parametrize("who", ["parent", "student"])
def test_the_charts_cost_the_same_queries_for_3_and_300_marks(
    world, client, django_assert_num_queries, subjects, marks, who
):
    bulk_marks(world, world.student.student, subjects, marks)
    for lesson in Lesson.objects.filter(course=world.math_5a)[:5]:
        absent(world, lesson, world.student.student, "absent", "illness")
    client.force_login(getattr(world, who).user)
    url = reverse("diary:charts", args=[world.student.student.pk])
    client.get(url)
    with django_assert_num_queries(CHART_QUERIES[who]):
        response = client.get(url)
    html = response.content.decode()
    parsed = svgs(html)
    assert sum(1 for s in parsed if s.get("data-testid") == "average-chart") == subjects
    assert 'data-testid="attendance-chart"' in html


# A realistic diary in a real Chromium: read at 360 px without horizontal scrolling, and at 1280 px.

SUBJECTS = [  # (name, lessons a week on these weekdays, how well the child does: weights of 2, 3, 4, 5)
    ("Литература", (1, 3), (0, 1, 3, 4)),
    ("История", (2, 4), (0, 2, 4, 2)),
    ("Биология", (3,), (0, 1, 2, 5)),
    ("География", (5,), (1, 3, 3, 1)),
    ("Английский язык", (1, 3, 5), (0, 1, 4, 3)),
    ("Информатика", (4,), (0, 0, 2, 6)),
]


def realistic_diary(world):
    """Ученикова of 5А from September to today: eight subjects with marks of every work type, a retake,
    owed work, a week of illness, lateness, Q1's final marks; her parent has a second child in 6Б."""
    import random

    from journal.models import Cell, FinalMark, Work
    from schedule.selectors import local_today

    rng = random.Random(6)
    types = {t.code: t for t in ensure_default_work_types(world.school)}
    me = world.student.student
    courses = [(world.math_5a, (1, 2, 3, 4, 5), (1, 2, 3, 3)), (world.russian_5a, (1, 2, 4, 5), (0, 2, 3, 2))]
    for name, weekdays, skill in SUBJECTS:
        courses.append(
            (
                f.make_course(
                    f.whole_group(world.class_5a), f.make_subject(world.school, name), world.teacher
                ),
                weekdays,
                skill,
            )
        )
    today = local_today(world.school)
    periods = list(
        ReportingPeriod.objects.filter(scheme__year=world.year, scheme__kind="quarters").order_by("starts")
    )
    day = world.year.starts
    ill = {d(10, 13), d(10, 14), d(10, 15)}
    while day <= min(today, world.year.ends):
        period = next((p for p in periods if p.starts <= day <= p.ends), None)
        if period is not None and day.weekday() < 5:
            todays = [c for c in courses if day.weekday() + 1 in c[1]]
            for index, (course, _weekdays, skill) in enumerate(todays):
                lesson = timed_lesson(world, course, period, day, index)
                if day in ill:
                    absent(world, lesson, me, "absent", "illness")
                    continue
                if rng.random() < 0.04:
                    absent(world, lesson, me, "late")
                elif rng.random() < 0.02:
                    absent(world, lesson, me, "absent", "" if day > d(11, 20) else "unexcused")
                    continue
                roll = rng.random()
                code = "КР" if roll < 0.08 else "СР" if roll < 0.16 else "Д" if roll < 0.2 else "У"
                if code == "У" and rng.random() < 0.55:
                    continue
                work = Work.objects.create(
                    school=world.school, lesson=lesson, work_type=types[code], position=1
                )
                mark = rng.choices([2, 3, 4, 5], weights=skill)[0]
                marks, excluded, owed = [mark], [], False
                if mark == 2 and rng.random() < 0.5:
                    marks, excluded = [2, rng.choice([4, 5])], [0]
                elif code == "КР" and rng.random() < 0.15:
                    marks, owed = [], True
                Cell.objects.create(
                    school=world.school, work=work, student=me, marks=marks, excluded=excluded, owed=owed
                )
        day += datetime.timedelta(days=1)
    for course, _w, _s in courses[:6]:
        value = dm.student_sums(me, [periods[0].pk]).get((course.pk, periods[0].pk, me.pk))
        if value:
            from journal.finals.values import propose

            FinalMark.objects.create(
                school=world.school,
                course=course,
                student=me,
                kind="period",
                period=periods[0],
                value=propose(*value, Thresholds()).mark,
            )
    sister = f.make_person(world.school, roles=["student"], last_name="Ученикова", first_name="Вероника")
    f.enroll(sister, world.class_6b)
    f.link_parent(world.parent, sister, "mother")
    return me


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_parent_reads_marks_and_charts_on_a_phone_and_a_desktop(phone_page, page):
    from tests.browser.test_substitution import sign_in
    from tests.browser_fixtures import shot
    from tests.conftest import build_world

    world = build_world()
    me = realistic_diary(world)
    for p, width in ((phone_page, 360), (page, 1280)):
        sign_in(p, world.parent.user)
        p.goto(f"{p.base_url}{reverse('diary:marks', args=[me.pk])}")
        assert p.locator('[data-testid="subject"]').count() == 8
        assert p.locator('[data-testid="child-switch"] a').count() == 2
        assert no_horizontal_scroll(p)
        shot(p, f"diary-marks-{width}")
        p.click('[data-testid="periods"] a[data-period="year"]')
        p.wait_for_load_state()
        assert p.locator('[data-testid="year-table"] tbody tr').count() == 8
        assert no_horizontal_scroll(p)
        shot(p, f"diary-marks-year-{width}")
        p.click('.diary-tabs a[data-tab="charts"]')
        p.wait_for_load_state()
        assert p.locator('svg[data-testid="average-chart"]').count() == 8
        assert p.locator('svg[data-testid="attendance-chart"]').count() == 1
        assert no_horizontal_scroll(p)
        shot(p, f"diary-charts-{width}")
    page.emulate_media(media="print")
    for name in ("marks", "charts"):
        page.goto(f"{page.base_url}{reverse(f'diary:{name}', args=[me.pk])}")
        assert page.locator(".diary-tabs").is_hidden()
        shot(page, f"diary-{name}-print")
