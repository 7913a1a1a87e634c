"""The summer: the year just ended closed (printouts signed and frozen) and the next year prepared
(classes moved up, new first grades, courses, timetable, lessons)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from accounts.models import Person, Role, School
from accounts.services.bulk import add_roles
from schedule.models import (
    AcademicYear,
    Enrollment,
    SchoolClass,
)
from schedule.services.bulk import end_stays as end_year_stays
from schedule.services.bulk import enroll_students

from .calendar import Calendar, build_calendar
from .context import NOTE, Ctx
from .courses import Continuity, Courses, build_courses
from .curriculum import PRIMARY, PRIMARY_CORE, PRIMARY_POSITION, PROFILE_OF_SUBJECT, TALKS
from .names import People
from .pupils import Pupils, build_pupils, split_subgroups
from .sizes import LETTERS
from .staff import Staff
from .structure import Structure, build_structure
from .timetable import Bells, Timetable, build_lessons, build_timetable, short_day

if TYPE_CHECKING:
    from .build import DemoSchool  # build imports this module

GRADUATED = "окончил(а) 11 классов"
# Classes whose journals of the last period and year summary sheets are printed and signed in the summer:
# the demo class, the class of the demo parent's younger child and an eleventh grade (half-years). A
# period printout takes a few seconds to render, twice (the draft and the signed final).
SIGNED_CLASSES = 3


@dataclass
class YearEnd:
    printouts: list = field(default_factory=list)  # frozen `reports.Printout`s
    seconds: float = 0.0  # how long printing and signing took


@dataclass
class NextYear:
    calendar: Calendar
    structure: Structure
    courses: Courses
    pupils: Pupils  # the new first graders' families
    moved_up: list[Enrollment]
    hired: list[Person]
    timetable: Timetable | None = None


def staff_actor(school: School, person: Person, role: str):
    """The demo's staff member acting through the services, as on a page (an `accounts.actor.Actor`)."""
    from accounts.actor import Actor

    return Actor(user=person.user, school=school, person=person, roles=frozenset({role}))


def end_stays(
    ctx: Ctx, calendar: Calendar, pupils: Pupils, structure: Structure, timetable: Timetable
) -> None:
    """The year's open enrollments, group memberships and weekly timetable entries end on its last day
    (so the next year's can start on 1 September); the eleventh grades leave school."""
    year = calendar.year
    grade = {c.id: c.grade for c in structure.classes}
    enrollments = [e for e in pupils.enrollments if e.ends is None]
    for e in enrollments:
        if grade[e.school_class_id] == 11:
            e.departure_note = GRADUATED
    end_year_stays(
        actor=ctx.actor,
        year=year,
        ends=year.ends,
        enrollments=enrollments,
        memberships=[m for m in pupils.memberships if m.ends is None],
        entries=[e for e in timetable.entries if e.ends is None],
        note=NOTE,
    )


def signed_classes(demo: DemoSchool) -> list[SchoolClass]:
    """The demo class, its younger sibling's class, the first eleventh grade (at most SIGNED_CLASSES)."""
    sibling = [c for c in demo.structure.classes if c.grade == 2][-1]
    senior = next(c for c in demo.structure.classes if c.grade == 11)
    return list(dict.fromkeys([demo.courses.demo_class, sibling, senior]))[:SIGNED_CLASSES]


def build_year_end(ctx: Ctx, demo: DemoSchool) -> YearEnd:
    """The summer after the year: a few classes' journals of the last period and their year summary
    sheets printed, signed in the regulation's order by the demo's staff (subject teachers, the class
    teacher, the deputy, the director) and frozen (`reports.signoff`, R-R-5, R-R-6); the year closed
    (`schedule.services.update_year`: read-only, R-J-13).

    The services render in a Celery task after the commit; here the builder renders at once (the draft
    before the signatures, the final after the director's), and the tasks the services enqueue find the
    printouts frozen and do nothing.
    """
    from django.conf import settings
    from django.utils import translation

    from reports import signoff
    from reports.models import Step
    from schedule.services.years import update_year

    started = time.monotonic()
    school, staff, year = ctx.school, demo.staff, demo.calendar.year
    people = {p.id: p for p in [staff.admin, staff.director, *staff.deputies, *staff.teachers]}
    deputy = staff_actor(school, staff.deputies[0], Role.DEPUTY)
    director = staff_actor(school, staff.director, Role.DIRECTOR)
    result = YearEnd()
    with translation.override(settings.LANGUAGE_CODE):
        for school_class in signed_classes(demo):
            periods = [p for p in demo.calendar.periods if school_class.grade in p.scheme.grades]
            last = max(periods, key=lambda p: p.ends)
            for period in (last, None):
                printout = signoff.generate(actor=deputy, school_class=school_class, period=period)
                printout = signoff.render(printout.pk)
                for page in printout.courses:
                    teacher = staff_actor(school, people[page["teacher_ids"][0]], Role.TEACHER)
                    signoff.sign(
                        actor=teacher, printout=printout, step=Step.COURSE, course_id=page["course_id"]
                    )
                leader = staff_actor(school, people[printout.class_teacher_id], Role.TEACHER)
                signoff.sign(actor=leader, printout=printout, step=Step.CLASS_TEACHER)
                signoff.sign(actor=deputy, printout=printout, step=Step.DEPUTY)
                signoff.sign(actor=director, printout=printout, step=Step.DIRECTOR)
                result.printouts.append(signoff.render(printout.pk))
    admin = staff_actor(school, staff.admin, Role.ADMIN)
    update_year(
        actor=admin,
        year=year,
        name=year.name,
        starts=year.starts,
        ends=year.ends,
        status=AcademicYear.Status.CLOSED,
    )
    year.status = AcademicYear.Status.CLOSED
    result.seconds = time.monotonic() - started
    return result


def hire_primary_teachers(ctx: Ctx, staff: Staff, classes: list[SchoolClass]) -> list[Person]:
    """New primary teachers when the next year has more primary classes than the school has teachers
    for (no login yet: the admin issues an invite code in August)."""
    needed = sum(1 for c in classes if c.grade <= 4) - sum(1 for p in staff.profile.values() if p == PRIMARY)
    if needed <= 0:
        return []
    rng = ctx.rng(f"staff:{classes[0].year.starts.year}")
    people = People(ctx.school, rng)
    domain = f"{ctx.school.slug}.school.example"
    hired = [people.adult("f", 1985, 2003, email_domain=domain) for _ in range(needed)]
    people.save()
    add_roles(
        actor=ctx.actor,
        school=ctx.school,
        roles=[(p, Role.TEACHER, PRIMARY_POSITION) for p in hired],
        note=NOTE,
    )
    for p in hired:
        staff.teachers.append(p)
        staff.profile[p.id] = PRIMARY
    return hired


def continuity(demo: DemoSchool, successor: dict[int, SchoolClass]) -> Continuity:
    """Who each class of the next year keeps: its predecessor's teachers (by specialism and subgroup;
    a primary teacher only while the class is still a primary one) and class teacher."""
    old = demo.structure
    subgroup_number = {g.id: n for groups in old.subgroups.values() for n, g in enumerate(groups)}
    grade_of = {c.id: c.grade for c in old.classes}
    teacher: dict[tuple[int, str, int], int] = {}
    for course in demo.courses.courses:
        group, subject = course.group, course.subject.name
        new = successor.get(group.school_class_id)
        if new is None or subject == TALKS:
            continue
        old_grade = grade_of[group.school_class_id]
        profile = PRIMARY if old_grade <= 4 and subject in PRIMARY_CORE else PROFILE_OF_SUBJECT[subject]
        if profile == PRIMARY and new.grade > 4:
            continue  # the fifth grade's subjects go to subject teachers
        teacher[new.id, profile, subgroup_number.get(group.id, 0)] = demo.courses.teacher[course.id].id
    class_teacher = {
        successor[cid].id: t.id for cid, t in demo.courses.class_teacher.items() if cid in successor
    }
    return Continuity(
        teacher,
        class_teacher,
        successor[demo.courses.demo_class.id],
        demo.courses.demo_class_teacher,
    )


def build_next_year(ctx: Ctx, demo: DemoSchool) -> NextYear:
    """The next year as the school prepares it in the summer: its calendar, the classes moved up a grade
    (the eleventh grades have left, new first grades arrive), the students enrolled from 1 September,
    the courses with their teachers (kept where possible), the timetable and the lessons.

    Everything reuses the steps of the first year, given the next year's calendar; the building, rooms
    and subjects are the same.
    """
    old = demo.calendar.year
    calendar = build_calendar(ctx, old.starts.year + 1)
    size = ctx.size
    grades = sorted(
        [(c.grade + 1, c.letter) for c in demo.structure.classes if c.grade < 11]
        + [(1, LETTERS[i]) for i in range(size.classes_per_grade[0])]
    )
    structure = build_structure(ctx, calendar, grades, premises=demo.structure)
    by_name = {(c.grade, c.letter): c for c in structure.classes}
    successor = {c.id: by_name[c.grade + 1, c.letter] for c in demo.structure.classes if c.grade < 11}
    hired = hire_primary_teachers(ctx, demo.staff, structure.classes)
    courses = build_courses(ctx, calendar, structure, demo.staff, continuity(demo, successor))

    # Everyone still in a class on the old year's last day moves up with it.
    year = calendar.year
    students = {s.id: s for s in demo.pupils.students}
    moved_up = enroll_students(
        actor=ctx.actor,
        year=year,
        stays=[
            Enrollment(
                student=students[e.student_id],
                school_class=successor[e.school_class_id],
                starts=year.starts,
            )
            for e in demo.pupils.enrollments
            if e.ends == old.ends and e.school_class_id in successor
        ],
        note=NOTE,
    )
    split_subgroups(ctx, year, structure, moved_up)
    newcomers = build_pupils(
        ctx, calendar, structure, courses, newcomers=[c for c in structure.classes if c.grade == 1]
    )

    bells = demo.timetable.bells
    bells = Bells(bells.default, bells.short, [short_day(ctx, calendar, bells.short)])
    timetable = build_timetable(ctx, calendar, structure, courses, bells)
    timetable.lessons = build_lessons(ctx, calendar)
    return NextYear(calendar, structure, courses, newcomers, moved_up, hired, timetable)
