"""A small hand-computed class for the class teacher's reports (tests/reports/test_class_reports.py).

Class 5А in the first quarter (01.09–24.10.2026); the figures each report must show
are worked out by hand in the tests. Students (by name):
  Алексеев Антон, Борисова Вера, Васильев Глеб, Григорьева Дарья (arrived 01.10 from
  «школа № 7»), Дмитриев Егор (left 10.10 for 6Б), Егорова Жанна, Ученикова Зоя (the world's student).
Subjects: Английский язык (subgroup of Алексеев and Ученикова), Математика, Русский язык,
Музыка (no final assessment: never counted).
"""

import datetime
from dataclasses import dataclass

from journal.models import Attendance, Cell, FinalMark, Work, WorkType
from schedule.models import Course, Enrollment, GroupMembership, ReportingPeriod, StudyGroup
from tests import factories as f

D = datetime.date


@dataclass
class ClassWorld:
    q1: ReportingPeriod
    english: Course
    music: Course
    s: dict  # short key → Person


def build(world) -> ClassWorld:
    school, cls = world.school, world.class_5a
    q1 = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=1)
    s = {"uch": world.student}
    for key, last, first in [
        ("ale", "Алексеев", "Антон"),
        ("bor", "Борисова", "Вера"),
        ("vas", "Васильев", "Глеб"),
        ("gri", "Григорьева", "Дарья"),
        ("dmi", "Дмитриев", "Егор"),
        ("ego", "Егорова", "Жанна"),
    ]:
        s[key] = f.make_person(school, roles=["student"], last_name=last, first_name=first, login=False)
    for key in ("ale", "bor", "vas", "ego"):
        f.enroll(s[key], cls)
    e = f.enroll(s["gri"], cls, starts=D(2026, 10, 1))
    e.arrival_note = "школа № 7"
    e.save()
    f.enroll(s["dmi"], cls, ends=D(2026, 10, 10))
    f.enroll(s["dmi"], world.class_6b, starts=D(2026, 10, 11))

    sub = StudyGroup.objects.create(
        school=school, year=world.year, kind="subgroup", name="5А англ. 1", grade=5, school_class=cls
    )
    for key in ("uch", "ale"):
        GroupMembership.objects.create(
            school=school, student=s[key].student, group=sub, starts=world.year.starts
        )
    english = f.make_course(sub, f.make_subject(school, "Английский язык", "Англ."), world.teacher)
    music = f.make_course(
        f.whole_group(cls), f.make_subject(school, "Музыка", "Муз.", no_final_assessment=True), world.teacher
    )
    math, russian = world.math_5a, world.russian_5a

    # Finals of the first quarter.
    finals = {
        math: {"uch": 5, "ale": 4, "bor": 3, "vas": 2, "gri": 3, "ego": 3},
        russian: {"uch": 5, "ale": 5, "bor": 4, "vas": 3, "ego": 3},  # Григорьева has none
        english: {"uch": 5, "ale": 4},
    }
    for course, marks in finals.items():
        for key, value in marks.items():
            FinalMark.objects.create(
                school=school, course=course, student=s[key].student, kind="period", period=q1, value=value
            )
    # A final of another period never counts in Q1.
    q2 = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=2)
    FinalMark.objects.create(
        school=school, course=math, student=s["vas"].student, kind="period", period=q2, value=5
    )

    # Lessons and attendance.
    m1 = f.make_lesson(math, D(2026, 9, 7))
    m2 = f.make_lesson(math, D(2026, 9, 14))
    m3 = f.make_lesson(math, D(2026, 10, 5))
    m4 = f.make_lesson(math, D(2026, 10, 12))
    cancelled = f.make_lesson(math, D(2026, 9, 21), status="cancelled")
    r1 = f.make_lesson(russian, D(2026, 9, 8), slot=2)
    r2 = f.make_lesson(russian, D(2026, 10, 6), slot=2)
    en1 = f.make_lesson(english, D(2026, 9, 9), slot=3)
    other = f.make_lesson(world.math_6b, D(2026, 10, 13), slot=4)

    def absent(lesson, key, status="absent", reason=""):
        Attendance.objects.create(
            school=school, lesson=lesson, student=s[key].student, status=status, reason=reason
        )

    absent(m1, "uch", reason="illness")
    absent(m2, "uch", reason="illness")
    absent(r2, "uch", status="late")
    absent(m3, "ale", reason="unexcused")
    absent(r1, "ale", reason="excused")
    absent(r2, "ale")  # no reason yet
    absent(m3, "dmi", reason="unexcused")  # still in 5А then
    absent(cancelled, "bor", reason="unexcused")  # a cancelled lesson: never counted
    absent(other, "dmi", reason="unexcused")  # in 6Б by then: not 5А's

    # Current marks (the preliminary report, as of 11.10): У weighs 1, КР 2.
    oral = WorkType.objects.create(school=school, code="У", name="Устный ответ", weight=1)
    test = WorkType.objects.create(school=school, code="КР", name="Контрольная работа", weight=2)

    def marks(lesson, work_type, values, position=1):
        work = Work.objects.create(school=school, lesson=lesson, work_type=work_type, position=position)
        for key, (ms, excluded) in values.items():
            Cell.objects.create(school=school, work=work, student=s[key].student, marks=ms, excluded=excluded)

    marks(m1, oral, {"uch": ([5], []), "ale": ([2], []), "bor": ([2], [])})
    marks(m2, oral, {"uch": ([2, 5], [0])})  # a retake: the 2 does not count
    marks(m3, test, {"uch": ([5], []), "ale": ([3], []), "bor": ([2], [])})
    marks(m4, oral, {"vas": ([5], [])})  # after 11.10: not yet counted
    marks(r1, oral, {"uch": ([4], [])})
    marks(en1, oral, {"uch": ([5], [])})
    return ClassWorld(q1=q1, english=english, music=music, s=s)


def grow(world, extra: int = 12) -> None:
    """More students with finals, marks and absences: the report pages' queries must not grow."""
    school, cls = world.school, world.class_5a
    q1 = ReportingPeriod.objects.get(scheme__year=world.year, scheme__kind="quarters", number=1)
    lesson = f.make_lesson(world.math_5a, D(2026, 9, 28), slot=5)
    work_type = WorkType.objects.get_or_create(
        school=school, code="СР", defaults={"name": "СР", "weight": 1}
    )[0]
    work = Work.objects.create(school=school, lesson=lesson, work_type=work_type, position=1)
    for n in range(extra):
        p = f.make_person(school, roles=["student"], last_name=f"Яковлев{n}", first_name="Ян", login=False)
        Enrollment.objects.create(school=school, student=p.student, school_class=cls, starts=D(2026, 9, 1))
        FinalMark.objects.create(
            school=school, course=world.math_5a, student=p.student, kind="period", period=q1, value=4
        )
        Cell.objects.create(school=school, work=work, student=p.student, marks=[4])
        Attendance.objects.create(school=school, lesson=lesson, student=p.student, status="absent")
