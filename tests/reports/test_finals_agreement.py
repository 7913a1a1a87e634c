"""Who needs a final is one rule (`journal.finals.selectors.needed_finals_sql`): the finals control page, the
finals view of each course, the class teacher's results for the period and the administration's finals per
student count the same needed finals, over a table of enrollments and group memberships.

Class 5Г in the first quarter (01.09–24.10.2026): Математика for the whole class, Английский язык in two
subgroups, Музыка without final assessment (it never needs one). Each case is one student of the class;
a final entered for them in every course shows that entered finals do not make a final needed.
"""

import datetime

import pytest
from django.urls import reverse

from journal.finals import selectors as fs
from journal.models import FinalMark
from reports import queries_class as qc
from reports import queries_leadership as ql
from reports.catalog import Params
from schedule.models import GroupMembership, ReportingPeriod, StudyGroup
from tests import factories as f

D = datetime.date
pytestmark = pytest.mark.django_db

FIRST, LAST = D(2026, 9, 1), D(2026, 10, 24)  # the first quarter
YEAR_END = D(2027, 5, 31)

# case: (class enrollments, memberships of subgroup 1, of subgroup 2, the finals needed by course)
CASES = {
    "all the period in subgroup 1": ([(FIRST, None)], [(FIRST, None)], [], {"math", "eng1"}),
    "joined the class mid-period": ([(D(2026, 10, 1), None)], [], [(D(2026, 10, 1), None)], {"math", "eng2"}),
    "left the class mid-period": ([(FIRST, D(2026, 10, 10))], [(FIRST, D(2026, 10, 10))], [], set()),
    "moved from subgroup 1 to 2 mid-period": (
        [(FIRST, None)],
        [(FIRST, D(2026, 10, 5))],
        [(D(2026, 10, 6), None)],
        {"math", "eng2"},
    ),
    "moved to subgroup 2 on the last day": (
        [(FIRST, None)],
        [(FIRST, D(2026, 10, 23))],
        [(LAST, None)],
        {"math", "eng2"},
    ),
    "left subgroup 1 the day after the period": (
        [(FIRST, None)],
        [(FIRST, D(2026, 10, 25))],
        [],
        {"math", "eng1"},
    ),
    "left the class on the last day": ([(FIRST, LAST)], [(FIRST, LAST)], [], {"math", "eng1"}),
    "joined the class the day after the period": ([(D(2026, 10, 25), None)], [], [], set()),
    "enrolled for one day mid-period": ([(D(2026, 10, 12), D(2026, 10, 12))], [], [], set()),
    "enrolled for one day, the first": ([(FIRST, FIRST)], [(FIRST, FIRST)], [], set()),
    "enrolled for one day, the last": ([(LAST, LAST)], [(LAST, LAST)], [], {"math", "eng1"}),
    "left and came back before the end": (
        [(FIRST, D(2026, 9, 30)), (D(2026, 10, 15), None)],
        [],
        [(D(2026, 10, 15), None)],
        {"math", "eng2"},
    ),
}


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def build(world, enrollments, first_group, second_group):
    school, year = world.school, world.year
    q1 = ReportingPeriod.objects.select_related("scheme").get(
        scheme__year=year, scheme__kind="quarters", number=1
    )
    assert (q1.starts, q1.ends) == (FIRST, LAST)
    cls = f.make_class(year, 5, "Г")
    pupil = f.make_person(school, roles=["student"], last_name="Гаврилов", first_name="Глеб", login=False)
    for starts, ends in enrollments:
        f.enroll(pupil, cls, starts=starts, ends=ends)
    courses = {"math": f.make_course(f.whole_group(cls), world.math_5a.subject, world.teacher)}
    english = f.make_subject(school, "Английский язык", "Англ.")
    for key, stays in [("eng1", first_group), ("eng2", second_group)]:
        group = StudyGroup.objects.create(
            school=school, year=year, kind="subgroup", name=f"5Г {key}", grade=5, school_class=cls
        )
        for starts, ends in stays:
            GroupMembership.objects.create(
                school=school, student=pupil.student, group=group, starts=starts, ends=ends
            )
        courses[key] = f.make_course(group, english, world.teacher)
    music = f.make_subject(school, "Музыка", "Муз.", no_final_assessment=True)
    courses["music"] = f.make_course(f.whole_group(cls), music, world.teacher)
    for course in courses.values():
        FinalMark.objects.create(
            school=school, course=course, student=pupil.student, kind="period", period=q1, value=4
        )
    return cls, q1, courses


def control_page(client, world, cls, q1):
    """course pk → finals needed, as the finals control page shows them."""
    client.force_login(world.deputy.user)
    response = client.get(
        reverse("journal:finals_control"), {"period": q1.pk, "school_class": cls.pk, "show": "all"}
    )
    assert response.status_code == 200
    return {row.course.pk: row.due.needed for row in response.context["rows"]}


@pytest.mark.parametrize("case", list(CASES))
def test_the_control_page_the_finals_view_and_the_reports_count_the_same_needed_finals(client, world, case):
    enrollments, first_group, second_group, expected = CASES[case]
    cls, q1, courses = build(world, enrollments, first_group, second_group)
    wanted = {key: int(key in expected) for key in courses if key != "music"}

    on_page = control_page(client, world, cls, q1)
    assert {key: on_page[c.pk] for key, c in courses.items() if key != "music"} == wanted
    assert courses["music"].pk not in on_page

    in_view = {key: fs.finals_table(c, D(2026, 11, 2)).periods[0].needed for key, c in courses.items()}
    assert in_view == {**wanted, "music": 0}

    params = Params(school=world.school, year=world.year, school_class=cls, period=q1, today=D(2026, 11, 2))
    results = qc.class_results(params).tables[0]
    by_class = results.totals[1] if results.totals else 0
    by_subject = {row[0]: row[1] for row in results.rows}

    students = ql.finals_by_student(params).tables[1].rows
    by_leadership = sum(sum(row[2:7]) for row in students)  # 5, 4, 3, 2 and missing: the finals needed

    assert by_class == by_leadership == sum(on_page.values()) == len(expected)
    assert by_subject.get("Английский язык", 0) == wanted["eng1"] + wanted["eng2"]
    # The pupil is a student of the class in the reports exactly when they are in it on the last day.
    assert len(students) == int("math" in expected)
