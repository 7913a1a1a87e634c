"""Reads of the school structure for pages and other apps.

Each selector takes the school (or an object of it) as an argument, loads what
its callers display in a fixed number of queries and returns querysets, model
instances or small dataclasses.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from guardian.shortcuts import get_users_with_perms

from accounts.models import ParentLink, Person, Role, Student
from accounts.selectors import local_today

from .models import (
    AcademicYear,
    Building,
    Course,
    CourseTeacher,
    Enrollment,
    GroupMembership,
    Holiday,
    Lesson,
    PeriodScheme,
    ReportingPeriod,
    Room,
    SchoolClass,
    StudyGroup,
    Subject,
)


def covering(on: datetime.date, prefix: str = "") -> Q:
    """Rows whose inclusive [starts, ends] range (ends empty = open) contains `on`."""
    return Q(**{f"{prefix}starts__lte": on}) & (
        Q(**{f"{prefix}ends__isnull": True}) | Q(**{f"{prefix}ends__gte": on})
    )


def day_in_year(year: AcademicYear, on: datetime.date | None = None) -> datetime.date:
    """`on` (default today) moved into the year: its first day before it, its last day after it."""
    on = on or local_today()
    return min(max(on, year.starts), year.ends)


# Years and periods


def years_of_school(school) -> QuerySet[AcademicYear]:
    return AcademicYear.objects.filter(school=school).order_by("-starts")


def current_year(school, today: datetime.date | None = None) -> AcademicYear | None:
    """The open year containing `today`, else the latest year of the school (or None)."""
    day = today or local_today(school)
    years = years_of_school(school)
    return (
        years.filter(status=AcademicYear.Status.OPEN, starts__lte=day, ends__gte=day).first() or years.first()
    )


def current_open_year(school, today: datetime.date | None = None) -> AcademicYear | None:
    """`current_year` while it is open, else None: the year whose classes take new students and codes."""
    year = current_year(school, today)
    return None if year is None or year.is_read_only else year


@dataclass
class YearsAround:
    """The school's years seen from a day: the current one (as `current_year`) and, when the day falls
    in no year (the summer), the year just ended and the next one (if the school has made it)."""

    current: AcademicYear | None
    ended: AcademicYear | None = None
    coming: AcademicYear | None = None

    @property
    def between(self) -> bool:
        return self.ended is not None or self.coming is not None


def years_around(school, today: datetime.date | None = None) -> YearsAround:
    """`current_year`, and the years on each side of `today` when no year contains it: one query."""
    day = today or local_today(school)
    years = list(years_of_school(school))  # latest first
    current = next((y for y in years if y.status == AcademicYear.Status.OPEN and y.contains(day)), None) or (
        years[0] if years else None
    )
    if any(y.contains(day) for y in years):
        return YearsAround(current)
    ended = next((y for y in years if y.ends < day), None)
    coming = next((y for y in reversed(years) if y.starts > day), None)
    return YearsAround(current, ended, coming)


def holiday_on(school, day: datetime.date, grade: int | None = None) -> Holiday | None:
    """The holiday covering `day`: of the whole school, or also one of `grade` only (the first grade's
    extra week) when a grade is given. One query."""
    rows = Holiday.objects.filter(school=school, starts__lte=day, ends__gte=day)
    rows = (
        rows.filter(grades=[]) if grade is None else rows.filter(Q(grades=[]) | Q(grades__contains=[grade]))
    )
    return rows.order_by("starts", "pk").first()


def next_lesson_day(lessons: QuerySet[Lesson], after: datetime.date) -> datetime.date | None:
    """The first day after `after` on which one of `lessons` is held (cancelled ones do not count): one query."""
    return (
        lessons.filter(date__gt=after)
        .exclude(status=Lesson.Status.CANCELLED)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )


def schemes_of_year(year: AcademicYear) -> list[PeriodScheme]:
    """The year's period schemes with their periods, in grade order."""
    schemes = list(
        PeriodScheme.objects.filter(year=year).prefetch_related(
            Prefetch("periods", queryset=ReportingPeriod.objects.order_by("starts"))
        )
    )
    return sorted(schemes, key=lambda s: (min(s.grades) if s.grades else 99, s.kind))


def scheme_of_grade(year: AcademicYear, grade: int) -> PeriodScheme | None:
    return PeriodScheme.objects.filter(year=year, grades__contains=[grade]).first()


def holidays_of_year(year: AcademicYear) -> QuerySet[Holiday]:
    return Holiday.objects.filter(year=year).order_by("starts", "name")


# Buildings, rooms, subjects, people


def buildings_of_school(school) -> QuerySet[Building]:
    return Building.objects.filter(school=school).annotate(room_count=Count("rooms")).order_by("name")


def rooms_of_school(school) -> QuerySet[Room]:
    return (
        Room.objects.filter(school=school)
        .select_related("building")
        .prefetch_related(Prefetch("subjects", queryset=Subject.objects.order_by("position", "name")))
        .order_by("building__name", "name")
    )


def subjects_of_school(school) -> QuerySet[Subject]:
    return (
        Subject.objects.filter(school=school)
        .prefetch_related(Prefetch("teachers", queryset=Person.objects.order_by("last_name", "first_name")))
        .order_by("position", "name")
    )


def teachers_of_school(school) -> QuerySet[Person]:
    """People of the school who hold the teacher role."""
    return (
        Person.objects.filter(school=school, staff_roles__role=Role.TEACHER)
        .distinct()
        .order_by("last_name", "first_name", "patronymic", "id")
    )


def students_of_school(school) -> QuerySet[Student]:
    return (
        Student.objects.filter(school=school)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "person__patronymic", "id")
    )


# Classes and groups


def classes_of_year(year: AcademicYear, on: datetime.date | None = None) -> QuerySet[SchoolClass]:
    """The year's classes with their class teacher and `student_count` on `on` (default: today, inside the year)."""
    day = day_in_year(year, on)
    return (
        SchoolClass.objects.filter(year=year)
        .select_related("class_teacher", "year")
        .annotate(student_count=Count("enrollments", filter=covering(day, "enrollments__"), distinct=True))
        .order_by("grade", "letter")
    )


def students_of_class(school_class: SchoolClass, on: datetime.date | None = None) -> QuerySet[Student]:
    """Students enrolled in the class on `on` (default: today, inside the year), by name."""
    day = day_in_year(school_class.year, on)
    return students_of_school(school_class.school_id).filter(
        enrollments__in=Enrollment.objects.filter(covering(day), school_class=school_class)
    )


def students_of_group(group: StudyGroup, on: datetime.date | None = None, year=None) -> QuerySet[Student]:
    """Students in the group on `on`: from enrollments for a whole class, from memberships otherwise.

    `year`: the group's year when the caller has it loaded (saves reading `group.year`)."""
    day = day_in_year(year or group.year, on)
    if group.kind == StudyGroup.Kind.WHOLE_CLASS:
        rows = Enrollment.objects.filter(covering(day), school_class_id=group.school_class_id)
        return students_of_school(group.school_id).filter(enrollments__in=rows)
    rows = GroupMembership.objects.filter(covering(day), group=group)
    return students_of_school(group.school_id).filter(group_memberships__in=rows)


def class_history(school_class: SchoolClass) -> QuerySet[Enrollment]:
    """Every enrollment of the class, past and present, with the student loaded."""
    return (
        Enrollment.objects.filter(school_class=school_class)
        .select_related("student__person")
        .order_by("student__person__last_name", "student__person__first_name", "student_id", "starts")
    )


def enrollments_on(day: datetime.date) -> QuerySet[Enrollment]:
    """Enrollments that cover `day` inside their class's year (an open stay ends with its year)."""
    return Enrollment.objects.filter(
        covering(day), school_class__year__starts__lte=day, school_class__year__ends__gte=day
    )


def class_of_student(student_person, on: datetime.date | None = None) -> SchoolClass | None:
    """The class a student (a Person or a Student) is enrolled in on `on` (default today), or None."""
    rows = enrollments_on(on or local_today())
    if isinstance(student_person, Student):
        rows = rows.filter(student=student_person)
    else:
        rows = rows.filter(student__person=student_person)
    enrollment = rows.select_related("school_class__year", "school_class__class_teacher").first()
    return enrollment.school_class if enrollment else None


def children_of_parent(parent_person: Person, on: datetime.date | None = None) -> list[Student]:
    """Students linked to the parent, by name, each with `relation` and `current_class` (or None) set."""
    current = enrollments_on(on or local_today()).select_related(
        "school_class__year", "school_class__class_teacher"
    )
    links = (
        ParentLink.objects.filter(parent__person=parent_person)
        .select_related("student__person")
        .prefetch_related(Prefetch("student__enrollments", queryset=current, to_attr="current_enrollments"))
        .order_by("student__person__last_name", "student__person__first_name", "student_id")
    )
    children = []
    for link in links:
        student = link.student
        student.relation = link.relation
        student.current_class = (
            student.current_enrollments[0].school_class if student.current_enrollments else None
        )
        children.append(student)
    return children


def groups_of_year(year: AcademicYear, on: datetime.date | None = None) -> QuerySet[StudyGroup]:
    """Subgroups and cross-class groups of the year with `member_count` on `on`."""
    day = day_in_year(year, on)
    return (
        StudyGroup.objects.filter(year=year)
        .exclude(kind=StudyGroup.Kind.WHOLE_CLASS)
        .select_related("school_class")
        .annotate(member_count=Count("memberships", filter=covering(day, "memberships__"), distinct=True))
        .order_by("grade", "name")
    )


def group_history(group: StudyGroup) -> QuerySet[GroupMembership]:
    return (
        GroupMembership.objects.filter(group=group)
        .select_related("student__person")
        .order_by("student__person__last_name", "student__person__first_name", "student_id", "starts")
    )


# Courses


def _teachers_prefetch() -> Prefetch:
    return Prefetch(
        "teachers",
        queryset=CourseTeacher.objects.select_related("teacher").order_by("starts", "teacher__last_name"),
    )


def courses_with_teachers() -> QuerySet[Course]:
    """Courses with subject, group and teacher assignments (with the teachers) loaded."""
    return (
        Course.objects.select_related("year", "subject", "group__school_class")
        .prefetch_related(_teachers_prefetch())
        .order_by("group__grade", "group__name", "subject__position", "subject__name")
    )


def courses_of_year(year: AcademicYear) -> QuerySet[Course]:
    return courses_with_teachers().filter(year=year)


def courses_of_group(group: StudyGroup) -> QuerySet[Course]:
    return courses_of_year(group.year).filter(group=group)


def courses_of_teacher(
    person: Person, year: AcademicYear, on: datetime.date | None = None
) -> QuerySet[Course]:
    """Courses of `year` the person teaches (on `on` if given, else at any time of the year)."""
    assignments = CourseTeacher.objects.filter(teacher=person, course__year=year)
    if on is not None:
        assignments = assignments.filter(covering(on))
    return courses_of_year(year).filter(pk__in=assignments.values("course_id"))


# Pages


@dataclass
class ClassPage:
    school_class: SchoolClass
    on: datetime.date
    current: list[Enrollment]  # the stays that cover `on`, one per student, by name
    history: list[Enrollment]  # every stay in the class, by name then date
    groups: list[StudyGroup]
    courses: list[Course]

    @property
    def students(self) -> list[Student]:
        return [e.student for e in self.current]


def class_page(school_class: SchoolClass, on: datetime.date | None = None) -> ClassPage:
    """Everything a class page shows, in a fixed number of queries whatever the class size."""
    day = day_in_year(school_class.year, on)
    history = list(class_history(school_class))
    current = [e for e in history if e.starts <= day and (e.ends is None or e.ends >= day)]
    groups = list(
        StudyGroup.objects.filter(school_class=school_class)
        .annotate(member_count=Count("memberships", filter=covering(day, "memberships__"), distinct=True))
        .order_by("kind", "name")
    )
    courses = list(
        courses_with_teachers()
        .filter(group__in=[g.pk for g in groups])
        .order_by("subject__position", "subject__name", "group__name")
    )
    return ClassPage(
        school_class=school_class, on=day, current=current, history=history, groups=groups, courses=courses
    )


def setup_counts(school, year: AcademicYear | None) -> dict[str, int]:
    """Counts for the setup checklist, in one query per table."""
    counts = {
        "years": AcademicYear.objects.filter(school=school).count(),
        "buildings": Building.objects.filter(school=school).count(),
        "rooms": Room.objects.filter(school=school).count(),
        "subjects": Subject.objects.filter(school=school).count(),
        "teachers": teachers_of_school(school).count(),
        "students": Student.objects.filter(school=school).count(),
    }
    if year is None:
        counts |= {
            "periods": 0,
            "holidays": 0,
            "classes": 0,
            "groups": 0,
            "courses": 0,
            "enrolled": 0,
            "ungraded": 11,
        }
        return counts
    covered = {
        g
        for grades in PeriodScheme.objects.filter(year=year).values_list("grades", flat=True)
        for g in grades
    }
    counts |= {
        "periods": ReportingPeriod.objects.filter(scheme__year=year).count(),
        "holidays": Holiday.objects.filter(year=year).count(),
        "classes": SchoolClass.objects.filter(year=year).count(),
        "groups": StudyGroup.objects.filter(year=year).exclude(kind=StudyGroup.Kind.WHOLE_CLASS).count(),
        "courses": Course.objects.filter(year=year).count(),
        "enrolled": Enrollment.objects.filter(covering(day_in_year(year)), school_class__year=year).count(),
        "ungraded": len(set(range(1, 12)) - covered),
    }
    return counts


def class_access_grants(school_class: SchoolClass) -> list[Person]:
    """People granted read access to the class beyond their roles (guardian object permissions)."""
    users = get_users_with_perms(school_class, only_with_perms_in=["view_schoolclass"], with_superusers=False)
    return list(
        Person.objects.filter(school=school_class.school_id, user__in=users).order_by(
            "last_name", "first_name"
        )
    )
