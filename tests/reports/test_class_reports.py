"""The class teacher's reports (R-R-1) against the hand-computed class of tests/reports/class_fixture.py.

Each test runs the report's query function directly and compares every figure.
"""

import datetime
from decimal import Decimal

import pytest

from reports import queries_class as q
from reports.catalog import Params
from tests import factories as f
from tests.reports import class_fixture

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def cw(world):
    return class_fixture.build(world)


def dmitriev_left() -> str:
    """Дмитриев's name as the reports mark a student who left, in the language active now."""
    from django.utils.translation import gettext

    return "Дмитриев Егор " + gettext("(left %(date)s)") % {"date": "10.10"}


def params(world, cw, **kw):
    values = dict(
        school=world.school, year=world.year, school_class=world.class_5a, period=cw.q1, today=D(2026, 10, 11)
    )
    values.update(kw)
    return Params(**values)


def rows(table):
    return [list(r) for r in table.rows]


def test_class_attendance_by_month(world, cw, english):
    data = q.class_attendance(params(world, cw))
    (table,) = data.tables
    groups = [c.group for c in table.columns]
    assert groups.count("September 2026") == 5 and groups.count("October 2026") == 5
    assert groups.count("Total") == 5
    by_name = {r[1]: r[2:] for r in table.rows}
    # Sep: missed, illness, excused, unexcused, late | Oct: … | Total: …
    assert by_name["Ученикова Зоя"] == [2, 2, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 0, 0, 1]
    assert by_name["Алексеев Антон"] == [1, 0, 1, 0, 0, 2, 0, 0, 1, 0, 3, 0, 1, 1, 0]
    assert by_name[dmitriev_left()] == [0] * 5 + [1, 0, 0, 1, 0] + [1, 0, 0, 1, 0]
    assert by_name["Борисова Вера"] == [0] * 15  # her absence was at a cancelled lesson
    assert [r[1] for r in table.rows] == [
        "Алексеев Антон",
        "Борисова Вера",
        "Васильев Глеб",
        "Григорьева Дарья",
        dmitriev_left(),
        "Егорова Жанна",
        "Ученикова Зоя",
    ]
    assert table.totals[2:] == [3, 2, 1, 0, 0, 3, 0, 0, 2, 1, 6, 2, 1, 2, 1]
    assert data.signers == [("Class teacher", "Классова Ж. " + world.class_teacher.patronymic[0] + ".")]


def test_summary_attendance_by_period(world, cw):
    data = q.summary_attendance(params(world, cw, period=None))
    (table,) = data.tables
    assert len(table.columns) == 2 + 5 * 5  # four quarters and the year
    by_name = {r[1]: r[2:] for r in table.rows}
    assert by_name["Алексеев Антон"] == [3, 0, 1, 1, 0] + [0] * 15 + [3, 0, 1, 1, 0]
    assert table.totals[2:] == [6, 2, 1, 2, 1] + [0] * 15 + [6, 2, 1, 2, 1]


def test_class_results(world, cw, english):
    data = q.class_results(params(world, cw))
    (table,) = data.tables
    assert [c.title for c in table.columns][:3] == ["Subject", "students", "assessed"]
    assert rows(table) == [
        ["Английский язык", 2, 2, 1, 1, 0, 0, Decimal("100.0"), Decimal("100.0"), Decimal("4.50")],
        ["Математика", 6, 6, 1, 1, 3, 1, Decimal("83.3"), Decimal("33.3"), Decimal("3.33")],
        ["Русский язык", 6, 5, 2, 1, 2, 0, Decimal("83.3"), Decimal("50.0"), Decimal("4.00")],
    ]
    assert table.totals == [
        "All subjects",
        14,
        13,
        4,
        3,
        5,
        1,
        Decimal("85.7"),
        Decimal("50.0"),
        Decimal("3.77"),
    ]


def test_summary_progress(world, cw):
    data = q.summary_progress(params(world, cw))
    (table,) = data.tables
    assert [c.title for c in table.columns][2:5] == ["Англ.", "Матем.", "Рус. яз."]
    assert [r[1:] for r in table.rows] == [
        ["Алексеев Антон", "4", "4", "5", Decimal("4.33")],
        ["Борисова Вера", None, "3", "4", Decimal("3.50")],
        ["Васильев Глеб", None, "2", "3", Decimal("2.50")],
        ["Григорьева Дарья", None, "3", None, Decimal("3.00")],
        ["Егорова Жанна", None, "3", "3", Decimal("3.00")],
        ["Ученикова Зоя", "5", "5", "5", Decimal("5.00")],
    ]
    assert table.totals[2:] == [Decimal("4.50"), Decimal("3.33"), Decimal("4.00"), ""]


def test_class_final(world, cw, english):
    data = q.class_final(params(world, cw))
    categories, rates, absences = data.tables
    assert [r[1] for r in categories.rows] == [1, 1, 1, 1, 1, 1]
    who = [r[2] for r in categories.rows]
    assert who == [
        "Ученикова Зоя",
        "Алексеев Антон",
        "Борисова Вера (Математика)",
        "Егорова Жанна",
        "Васильев Глеб (Математика)",
        "Григорьева Дарья (Русский язык)",
    ]
    assert categories.totals[1] == 6
    # 6 students: 4 assessed without a 2 → 66.7 %; 2 with only 4 and 5 → 33.3 %.
    assert rates.rows == [[6, 5, 4, Decimal("66.7"), 2, Decimal("33.3")]]
    # The quarter's absences of the class (Дмитриев's in 5А included), 6 per 6 students.
    assert absences.rows == [[6, 2, 1, 2, 1, Decimal("1.00")]]


def test_a_student_with_no_final_at_all_is_listed_by_name_only(world, cw, english):
    """Naming every subject of a student with no final mark yet would only repeat the timetable."""
    new = f.make_person(world.school, roles=["student"], last_name="Новикова", first_name="Нина")
    f.enroll(new, world.class_5a, starts=D(2026, 10, 20))
    who = q.class_final(params(world, cw)).tables[0].rows[5][2]
    assert who == "Григорьева Дарья (Русский язык); Новикова Нина"


def test_class_preliminary(world, cw):
    data = q.class_preliminary(params(world, cw, today=D(2026, 10, 11)))
    summary, table = data.tables
    by_name = {r[1]: r[2:] for r in table.rows}
    # Алексеев: (2·1 + 3·2) / 3 = 2.67 ≥ 2.65 → a «3»: not at risk in maths.
    assert by_name["Алексеев Антон"] == [None, "Английский язык, Русский язык", 3, 1]
    assert by_name["Борисова Вера"] == ["Математика", "Русский язык", 0, 0]
    # Васильев's 5 is from 12.10, after the date of the report.
    assert by_name["Васильев Глеб"] == [None, "Математика, Русский язык", 0, 0]
    assert by_name["Ученикова Зоя"] == [None, None, 2, 0]
    assert by_name[dmitriev_left()] == [None, None, 1, 1]
    assert table.totals[4:] == [6, 2]
    assert summary.rows == [[6, 5, 1, 5, 6]]
    assert "11.10.2026" in data.params[-1]


def test_class_preliminary_before_and_after_the_period(world, cw):
    early = q.class_preliminary(params(world, cw, today=D(2026, 8, 20)))
    assert "01.09.2026" in early.params[-1]
    late = q.class_preliminary(params(world, cw, today=D(2027, 1, 20)))
    assert "24.10.2026" in late.params[-1]
    by_name = {r[1]: r[2:] for r in late.tables[1].rows}
    assert by_name["Васильев Глеб"] == [None, "Русский язык", 0, 0]  # his 12.10 mark counts now


def test_student_movement(world, cw, english):
    data = q.student_movement(
        params(world, cw, period=None, date_from=D(2026, 9, 1), date_to=D(2026, 10, 24))
    )
    summary, arrivals, departures = data.tables
    assert summary.rows == [[6, 1, 1, 6]]
    assert arrivals.rows == [[1, "Григорьева Дарья", D(2026, 10, 1), "школа № 7"]]
    assert departures.rows == [[1, "Дмитриев Егор", D(2026, 10, 10), "class 6Б"]]
    later = q.student_movement(
        params(world, cw, period=None, date_from=D(2026, 10, 11), date_to=D(2026, 10, 24))
    )
    assert later.tables[0].rows == [[6, 0, 0, 6]]


def test_first_grade_and_no_final_subjects_have_no_finals(world, cw):
    first = f_class = None
    from tests import factories as f

    f_class = f.make_class(world.year, 1, "А", class_teacher=world.other_teacher)
    first = params(world, cw, school_class=f_class)
    data = q.class_results(first)
    assert data.tables[0].rows == [] and data.tables[0].totals is None
    assert q.class_final(first).tables[1].rows[0][3] is None  # no rate without finals
    assert "Музыка" not in [r[0] for r in q.class_results(params(world, cw)).tables[0].rows]
