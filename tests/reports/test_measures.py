"""One definition of the report measures (reports/measures.py): the class teacher's report for a period and
the administration's finals per student agree on every count and rate for the same class and period.

Class 5Б in the first quarter (01.09–24.10.2026), students without patronymics so both reports spell them
alike. Courses taking finals: Математика and Русский язык (the whole class), Английский язык (a subgroup),
«5 проф.» (a group across the fifth grade); Музыка takes none. Period finals:

  Агеев:      М 5, Р —, А —          one «5» and missing finals: not assessed
  Белова:     М 2, Р 5, А —          a «2» comes before a missing final: failing
  Волков:     М 5, Р 5, А 5, П 5     excellent; his «2» in Музыка never counts
  Гусева:     М 4, Р 5               good; her «3» in English is from before she left the subgroup
  Давыдов:    М 3, Р 4               one «3»
  Ежова:      М 3, Р 3               more than one «3»
  Жуков:      no finals at all       not assessed
  Зайцева left the class before the period's end: her finals count nowhere.

7 students: 4 assessed without a «2» (57.1 %), 2 with only «4» and «5» (28.6 %).
"""

import datetime
from decimal import Decimal

import pytest

from journal.models import FinalMark
from reports import measures
from reports import queries_class as qc
from reports import queries_leadership as ql
from reports import queries_teacher as qt
from reports.catalog import Params
from schedule.models import GroupMembership, ReportingPeriod, StudyGroup
from tests import factories as f

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def cls5b(world):
    school, year = world.school, world.year
    q1 = ReportingPeriod.objects.select_related("scheme").get(
        scheme__year=year, scheme__kind="quarters", number=1
    )
    cls = f.make_class(year, 5, "Б", class_teacher=world.class_teacher)
    s = {}
    for key, last, first in [
        ("age", "Агеев", "Артём"),
        ("bel", "Белова", "Богдана"),
        ("vol", "Волков", "Всеволод"),
        ("gus", "Гусева", "Галина"),
        ("dav", "Давыдов", "Денис"),
        ("ezh", "Ежова", "Елена"),
        ("zhu", "Жуков", "Жорж"),
        ("zai", "Зайцева", "Зоя"),
    ]:
        s[key] = f.make_person(
            school, roles=["student"], last_name=last, first_name=first, patronymic="", login=False
        )
        f.enroll(s[key], cls, ends=D(2026, 10, 10) if key == "zai" else None)

    def group(kind, name, members, school_class=None):
        g = StudyGroup.objects.create(
            school=school, year=year, kind=kind, name=name, grade=5, school_class=school_class
        )
        for key, ends in members:
            person = s[key] if isinstance(key, str) else key
            GroupMembership.objects.create(
                school=school, student=person.student, group=g, starts=year.starts, ends=ends
            )
        return g

    english_group = group(
        "subgroup", "5Б англ.", [("age", None), ("bel", None), ("vol", None), ("gus", D(2026, 10, 1))], cls
    )
    profile_group = group("cross_class", "5 проф.", [("vol", None), (world.student, None)])
    whole = f.whole_group(cls)
    math = f.make_course(whole, world.math_5a.subject, world.teacher)
    russian = f.make_course(whole, world.russian_5a.subject, world.class_teacher)
    english = f.make_course(english_group, f.make_subject(school, "Английский язык", "Англ."), world.teacher)
    profile = f.make_course(
        profile_group, f.make_subject(school, "Проектная деятельность", "Проект"), world.teacher
    )
    music = f.make_course(
        whole, f.make_subject(school, "Музыка", "Муз.", no_final_assessment=True), world.teacher
    )
    finals = {
        math: {"age": 5, "bel": 2, "vol": 5, "gus": 4, "dav": 3, "ezh": 3, "zai": 2},
        russian: {"bel": 5, "vol": 5, "gus": 5, "dav": 4, "ezh": 3, "zai": 2},
        english: {"vol": 5, "gus": 3},
        profile: {"vol": 5},
        music: {"vol": 2},
    }
    for course, marks in finals.items():
        for key, value in marks.items():
            FinalMark.objects.create(
                school=school, course=course, student=s[key].student, kind="period", period=q1, value=value
            )
    return Params(school=school, year=year, school_class=cls, period=q1, today=D(2026, 11, 2))


def class_report(params):
    categories, rates, _absences = qc.class_final(params).tables
    labels = [row[0] for row in categories.rows]
    counts = [row[1] for row in categories.rows]
    who = {
        row[0]: sorted(name.split(" (")[0] for name in row[2].split("; ")) if row[2] else []
        for row in categories.rows
    }
    students, assessed, progressing, progress, quality_count, quality = rates.rows[0]
    return {
        "labels": labels,
        "counts": counts,
        "who": who,
        "students": students,
        "assessed": assessed,
        "progressing": progressing,
        "quality_count": quality_count,
        "rates": [progress, quality],
    }


def leadership_report(params):
    by_class, students = ql.finals_by_student(params).tables
    (row,) = by_class.rows
    labels = [c.title for c in by_class.columns[2:8]]
    who = {label: sorted(r[1] for r in students.rows if r[-1] == label) for label in labels}
    counts = row[2:8]
    return {
        "labels": labels,
        "counts": counts,
        "who": who,
        "students": row[1],
        "assessed": row[1] - counts[-1],
        "progressing": sum(counts[:4]),
        "quality_count": sum(counts[:2]),
        "rates": row[8:10],
    }


def test_the_class_report_and_the_leadership_report_agree(world, cls5b, english):
    by_class, by_leadership = class_report(cls5b), leadership_report(cls5b)
    assert by_class == by_leadership
    # The figures worked out by hand in the module's docstring.
    assert by_class["counts"] == [1, 1, 1, 1, 1, 2]
    assert by_class["students"] == 7
    assert by_class["who"][measures.category_labels()[measures.NOT_ASSESSED]] == ["Агеев Артём", "Жуков Жорж"]
    assert by_class["who"][measures.category_labels()[measures.FAILING]] == ["Белова Богдана"]
    assert by_class["who"][measures.category_labels()[measures.EXCELLENT]] == ["Волков Всеволод"]
    assert by_class["who"][measures.category_labels()[measures.GOOD]] == ["Гусева Галина"]
    assert by_class["rates"] == [Decimal("57.1"), Decimal("28.6")]


def test_the_leadership_report_shows_the_missing_finals(world, cls5b, english):
    students = {r[1]: r[2:] for r in ql.finals_by_student(cls5b).tables[1].rows}
    labels = measures.category_labels()
    # 5, 4, 3, 2, missing, category
    assert students["Агеев Артём"] == [1, 0, 0, 0, 2, labels[measures.NOT_ASSESSED]]
    assert students["Белова Богдана"] == [1, 0, 0, 1, 1, labels[measures.FAILING]]
    assert students["Волков Всеволод"] == [4, 0, 0, 0, 0, labels[measures.EXCELLENT]]
    assert students["Жуков Жорж"] == [0, 0, 0, 0, 2, labels[measures.NOT_ASSESSED]]
    assert "Зайцева Зоя" not in students


def test_the_teacher_report_of_a_course_agrees_with_the_class_report_of_its_subject(world, cls5b, english):
    math = world.math_5a.subject.name
    (subject_row,) = [r for r in qc.class_results(cls5b).tables[0].rows if r[0] == math]
    course = cls5b.school_class.groups.get(kind="whole_class").courses.get(subject__name=math)
    teacher = Params(school=cls5b.school, year=cls5b.year, period=cls5b.period, course=course)
    (course_row,) = qt.class_results(teacher).tables[0].rows
    # students, assessed, 5, 4, 3, 2, progress, quality
    assert subject_row[1:9] == course_row[2:10] == [7, 6, 2, 1, 2, 1, Decimal("71.4"), Decimal("42.9")]


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((3, 3, 3, 0, 0, 0), measures.EXCELLENT),
        ((3, 3, 1, 2, 0, 0), measures.GOOD),
        ((3, 3, 1, 1, 1, 0), measures.ONE_THREE),
        ((3, 3, 0, 1, 2, 0), measures.THREES),
        ((3, 3, 2, 0, 0, 1), measures.FAILING),
        ((3, 2, 1, 0, 0, 1), measures.FAILING),
        ((3, 2, 2, 0, 0, 0), measures.NOT_ASSESSED),
        ((4, 1, 1, 0, 0, 0), measures.NOT_ASSESSED),
        ((0, 0, 0, 0, 0, 0), measures.NOT_ASSESSED),
    ],
)
def test_category(counts, expected):
    assert measures.category(*counts) == expected


def test_rates_count_every_student_and_none_before_anyone_is_assessed():
    counts = dict.fromkeys(measures.CATEGORIES, 0)
    assert measures.progress_and_quality(counts, 5) == (None, None)
    counts.update(
        {measures.EXCELLENT: 1, measures.ONE_THREE: 1, measures.FAILING: 1, measures.NOT_ASSESSED: 1}
    )
    assert measures.progress_and_quality(counts, 5) == (Decimal("40.0"), Decimal("20.0"))
    assert measures.progress_and_quality(counts, 0) == (None, None)


def test_rate_rounds_half_up():
    assert measures.rate(1, 8) == Decimal("12.5")
    assert measures.rate(1, 3) == Decimal("33.3")
    assert measures.rate(2, 3) == Decimal("66.7")
    assert measures.rate(1, 16) == Decimal("6.3")  # 6.25 → 6.3, not banker's 6.2
    assert measures.rate(0, 0) is None


def test_a_student_in_none_of_the_classes_courses_is_not_assessed_in_both_reports(world, english):
    """5В has only a subgroup's course: Иванов, outside the subgroup, needs no final, so is not assessed."""
    school, year = world.school, world.year
    q1 = ReportingPeriod.objects.select_related("scheme").get(
        scheme__year=year, scheme__kind="quarters", number=1
    )
    cls = f.make_class(year, 5, "В", class_teacher=world.class_teacher)
    ann, ivan = (
        f.make_person(school, roles=["student"], last_name=last, first_name=first, patronymic="", login=False)
        for last, first in [("Антонова", "Анна"), ("Иванов", "Иван")]
    )
    for person in (ann, ivan):
        f.enroll(person, cls)
    group = StudyGroup.objects.create(
        school=school, year=year, kind="subgroup", name="5В англ.", grade=5, school_class=cls
    )
    GroupMembership.objects.create(school=school, student=ann.student, group=group, starts=year.starts)
    course = f.make_course(group, f.make_subject(school, "Английский язык", "Англ."), world.teacher)
    FinalMark.objects.create(
        school=school, course=course, student=ann.student, kind="period", period=q1, value=5
    )
    params = Params(school=school, year=year, school_class=cls, period=q1, today=D(2026, 11, 2))
    by_class, by_leadership = class_report(params), leadership_report(params)
    assert by_class == by_leadership
    assert by_class["counts"] == [1, 0, 0, 0, 0, 1]
    assert by_class["who"][measures.category_labels()[measures.NOT_ASSESSED]] == ["Иванов Иван"]
    assert by_class["rates"] == [Decimal("50.0"), Decimal("50.0")]
