"""Who may open which report, for which class, teacher and course (R-R-1…3, R-ACC-5).

| rule                              | admin | director | deputy | class teacher      | teacher          | student | parent |
|-----------------------------------|-------|----------|--------|--------------------|------------------|---------|--------|
| open_reports (the index)          | yes   | yes      | yes    | yes                | yes              | –       | –      |
| sees_audience "class_teacher"     | yes   | yes      | yes    | yes                | –                | –       | –      |
| sees_audience "subject_teacher"   | yes   | yes      | yes    | yes                | yes              | –       | –      |
| sees_audience "leadership"        | yes   | yes      | yes    | –                  | –                | –       | –      |
| view_class_report (params)        | yes   | yes      | yes    | own class only     | –                | –       | –      |
| view_teacher_report (params)      | yes   | yes      | yes    | as teacher         | own courses/self | –       | –      |
| view_school_report (params)       | yes   | yes      | yes    | –                  | –                | –       | –      |
| view_monthly_reports              | yes   | yes      | yes    | –                  | –                | –       | –      |
| rebuild_period_reports            | yes   | –        | yes    | –                  | –                | –       | –      |

- "class teacher": the `class_teacher` of a class of the year the report is run for.
- The report form offers only what these rules allow: `classes_visible_to`,
  `teachers_visible_to`, `courses_visible_to` are the queryset twins of the
  object rules (a test checks they agree). A class or course of the school the
  actor may not see is refused next to its field; one of another school answers 404.
- The monthly activity reports (R-R-4; reports/monthly.py builds them) go to the same readers as the
  administration's reports: the director and the deputy, who control the journal's keeping, and the admin,
  who already reads the same figures in the journal-keeping control report and is the one to act on them
  (invite codes for the parents who never came in, help for a teacher who does not fill the journal).
- Reports only read: nobody changes anything through them.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import Person, Role
from schedule.models import Course, CourseTeacher, SchoolClass

AUDIENCES = ("class_teacher", "subject_teacher", "leadership")


def reads_all(actor) -> bool:
    """Admin, director and deputy see every report of the school (R-ACC-5)."""
    return actor.school is not None and actor.has_role(Role.ADMIN, Role.DIRECTOR, Role.DEPUTY)


def _teacher(actor) -> bool:
    return actor.school is not None and actor.person is not None and actor.has_role(Role.TEACHER)


def open_reports(actor) -> bool:
    """Reaches the reports index at all; the audience and object rules then decide."""
    return reads_all(actor) or _teacher(actor)


def leads_a_class(actor, year) -> bool:
    """Class teacher of some class of `year` (one query, cached on the actor for the request)."""
    if not _teacher(actor) or year is None:
        return False
    cache = actor.__dict__.setdefault("_reports_leads", {})
    if year.pk not in cache:
        cache[year.pk] = SchoolClass.objects.filter(year=year, class_teacher=actor.person).exists()
    return cache[year.pk]


def sees_audience(actor, audience: str, year) -> bool:
    """Whether the index lists the reports of `audience` for the actor (see the table above)."""
    if reads_all(actor):
        return True
    if audience == "class_teacher":
        return leads_a_class(actor, year)
    if audience == "subject_teacher":
        return _teacher(actor)
    return False


def view_class_report(actor, params) -> bool:
    """A class report: staff who read everything, or the class teacher of that class."""
    school_class = params.school_class
    if school_class is None or school_class.school_id != getattr(actor.school, "pk", None):
        return False
    return reads_all(actor) or (_teacher(actor) and school_class.class_teacher_id == actor.person.pk)


def _in_school(actor, obj) -> bool:
    return obj is None or getattr(obj, "school_id", None) == getattr(actor.school, "pk", None)


def view_teacher_report(actor, params) -> bool:
    """A subject teacher's report: staff who read everything, or the teacher for themselves and own courses."""
    if actor.school is None or actor.is_operator:
        return False
    if not (_in_school(actor, params.course) and _in_school(actor, params.teacher)):
        return False
    if reads_all(actor):
        return True
    if not _teacher(actor):
        return False
    if params.teacher is not None and params.teacher.pk != actor.person.pk:
        return False
    if params.course is not None:
        return CourseTeacher.objects.filter(course=params.course, teacher=actor.person).exists()
    return True


def view_school_report(actor, params) -> bool:
    """An administration's report: admin, director and deputy of the school."""
    return actor.school is not None and not actor.is_operator and reads_all(actor)


def rebuild_period_reports(actor) -> bool:
    """Build a period's progress report again after finals changed: the admin and the deputy, who keep the
    journal's finals in order; the director reads the reports (seed 002 9.2)."""
    return actor.school is not None and not actor.is_operator and actor.has_role(Role.ADMIN, Role.DEPUTY)


def view_monthly_reports(actor) -> bool:
    """The monthly activity reports of the school: admin, director and deputy."""
    return actor.school is not None and not actor.is_operator and reads_all(actor)


def classes_visible_to(actor, year) -> QuerySet[SchoolClass]:
    """The classes of `year` whose reports `view_class_report` allows (the twin of that rule)."""
    classes = SchoolClass.objects.filter(school=actor.school, year=year).select_related("class_teacher")
    if reads_all(actor):
        return classes.order_by("grade", "letter")
    if not _teacher(actor):
        return classes.none()
    return classes.filter(class_teacher=actor.person).order_by("grade", "letter")


def teachers_visible_to(actor) -> QuerySet[Person]:
    """Every teacher of the school for staff who read everything; the teacher themself otherwise."""
    teachers = Person.objects.filter(school=actor.school, staff_roles__role=Role.TEACHER).distinct()
    if reads_all(actor):
        return teachers.order_by("last_name", "first_name", "patronymic", "id")
    if not _teacher(actor):
        return teachers.none()
    return teachers.filter(pk=actor.person.pk)


def courses_visible_to(actor, year) -> QuerySet[Course]:
    """The courses of `year` a teacher's report may be run for: all, or the teacher's own."""
    courses = Course.objects.filter(school=actor.school, year=year).select_related("subject", "group")
    courses = courses.order_by("group__grade", "group__name", "subject__position", "subject__name", "pk")
    if reads_all(actor):
        return courses
    if not _teacher(actor):
        return courses.none()
    return courses.filter(Exists(CourseTeacher.objects.filter(course=OuterRef("pk"), teacher=actor.person)))
