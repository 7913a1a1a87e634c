"""Who may read and fill the mark grid of a course (R-ACC-5, R-ACC-6).

| rule                      | admin | director | deputy | class teacher          | teacher     | substitute            | student | parent |
|---------------------------|-------|----------|--------|------------------------|-------------|-----------------------|---------|--------|
| open_journal              | yes   | yes      | yes    | yes                    | yes         | yes                   | –       | –      |
| view_course_journal (obj) | yes   | yes      | yes    | every course of class  | own courses | –                     | –       | –      |
| view_period_journal (obj) | yes   | yes      | yes    | every course of class  | own courses | their lessons only ²  | –       | –      |
| edit_lesson (obj)         | – ¹   | –        | –      | own courses only       | own courses | the substituted lesson| –       | –      |

- "own courses" for a lesson: a `CourseTeacher` row of the course that began
  by the end of the lesson's reporting period and had not ended before the
  lesson (`journal.policy.assignment_covers`, the one rule the grid, these
  rules, the write policy and the save path's SQL share): a teacher who took
  the course over mid-period completes the period's columns, earlier ones
  included; one who handed it over keeps the lessons they gave.
- `view_course_journal` is the whole course: every period, the finals, the plan.
- ² A substitute reads and fills the lessons they replaced and what the page
  needs around them: the grid of such a period shows only those lessons'
  columns (the students, the lessons' works, marks and attendance), without the
  period's averages, which count the other lessons (`lessons_shown`); the
  lesson list shows only those lessons. No other period, no finals, no plan
  (R-ACC-6). The substitute fills only the column(s) of the lesson they
  replaced (`journal.policy.may_fill_lesson`).
- ¹ The admin reads every journal, and the grid page shows it read-only; the
  save endpoint lets the admin through to the write policy
  (`journal.policy.ensure_can_write`), which decides and audits the override.
- Director and deputy read everything and edit nothing (R-ACC-5).

Lesson records, plans, reconciliation and the mark log:

| rule                        | admin | director | deputy | class teacher         | teacher     | substitute | student | parent |
|-----------------------------|-------|----------|--------|-----------------------|-------------|------------|---------|--------|
| view_lesson (obj)           | yes   | yes      | yes    | lessons of the class  | own courses | that lesson| –       | –      |
| fill_lesson_record (obj)    | –     | –        | –      | own courses           | own courses | that lesson| –       | –      |
| read_homework (obj)         | yes   | yes      | yes    | as view_lesson        | as view_lesson | yes     | own group | child's group |
| view_plan (obj)             | yes   | yes      | yes    | courses of the class  | own courses | –          | –       | –      |
| edit_plan (obj)             | yes   | –        | yes    | own courses           | own courses | –          | –       | –      |
| view_class_attendance (obj) | yes   | yes      | yes    | own class             | –           | –          | –       | –      |
| reconcile_class (obj)       | yes   | –        | –      | own class             | –           | –          | –       | –      |
| view_mark_log               | yes   | yes      | yes    | –                     | –           | –          | –       | –      |
| may_remove_remark (obj)     | yes   | –        | –      | own remarks           | own remarks | own remarks| –       | –      |
| may_download_template       | yes   | –        | yes    | yes                   | yes         | yes        | –       | –      |

Final marks (R-F-1…5):

| rule                        | admin | director | deputy | class teacher         | teacher     | substitute | student | parent |
|-----------------------------|-------|----------|--------|-----------------------|-------------|------------|---------|--------|
| view_finals (obj)           | yes   | yes      | yes    | courses of the class  | own courses | –          | –       | –      |
| set_finals (obj)            | yes   | –        | –      | own courses           | own courses | –          | –       | –      |
| control_finals              | yes   | yes      | yes    | –                     | –           | –          | –       | –      |
| manage_period_locks         | yes   | –        | –      | –                     | –           | –          | –       | –      |
| roll_back_compromised       | yes   | –        | –      | –                     | –           | –          | –       | –      |

- `may_remove_remark`: the remark's author or the school admin; the write
  policy (`journal.policy.ensure_can_fill_record`) still decides the locks.
- `may_download_template`: the empty plan template, for whoever may edit some
  plan (admin, deputy, a teacher).
- `fill_lesson_record` = `edit_lesson`: topic, homework, remarks; the write policy
  (`journal.policy.ensure_can_fill_record`) adds the locks.
- `read_homework`: a student of the lesson's group on the lesson's date, or
  that student's parent, reads the homework and its attachments (R-J-6).
- `courses_visible_to(actor, year)` is the queryset twin of
  `view_course_journal`, `substituted_periods(actor, year)` the twin of
  `view_period_journal` for substitutes; a test checks they agree.

The diary of a student (R-D-1…6):

| rule                | admin | director | deputy | class teacher         | teacher | substitute | student | parent        |
|---------------------|-------|----------|--------|-----------------------|---------|------------|---------|---------------|
| view_diary (obj)    | yes   | yes      | yes    | the class's students ³| –       | –          | own     | own children  |

- ³ Of the student's class on the day shown (`school_class`), or today's.
  Anyone else — another family above all — gets 404, as if the student did not
  exist (R-ACC-4); the refusal is audited (`accounts.access.refused`).

Objects of another school answer 404 whatever the role (`get_in_school`).
"""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Role, Student
from accounts.rules import is_class_teacher_of
from journal import policy
from journal.models import Remark
from schedule.models import Course, CourseTeacher, Lesson, SchoolClass, Substitution
from schedule.selectors import children_of_parent, students_of_group


def reads_everything(actor) -> bool:
    return actor.has_role(Role.ADMIN, Role.DIRECTOR, Role.DEPUTY)


def open_journal(actor) -> bool:
    """Reaches the journal pages at all; the object rules then decide per course."""
    return reads_everything(actor) or (actor.person is not None and actor.has_role(Role.TEACHER))


def _is_teacher(actor) -> bool:
    return actor.person is not None and actor.has_role(Role.TEACHER) and not actor.is_operator


def _assignments(actor, course: Course) -> list[tuple]:
    """The actor's (starts, ends) assignments to the course, loaded once per request."""
    cache = actor.__dict__.setdefault("_journal_assignments", {})
    if course.pk not in cache:
        cache[course.pk] = list(
            CourseTeacher.objects.filter(course=course, teacher=actor.person).values_list("starts", "ends")
        )
    return cache[course.pk]


def teaches_course(actor, course: Course) -> bool:
    return _is_teacher(actor) and bool(_assignments(actor, course))


def leads_class_of(actor, course: Course) -> bool:
    school_class = course.group.school_class if course.group.school_class_id else None
    return school_class is not None and is_class_teacher_of(actor, school_class)


def replaced_lessons(actor, course: Course) -> dict[int, int]:
    """The lessons of the course the actor substitutes in: lesson id → its reporting period's id
    (loaded once per request)."""
    if not _is_teacher(actor):
        return {}
    cache = actor.__dict__.setdefault("_journal_replaced", {})
    if course.pk not in cache:
        cache[course.pk] = dict(
            Substitution.objects.filter(lesson__course=course, substitute=actor.person).values_list(
                "lesson_id", "lesson__period_id"
            )
        )
    return cache[course.pk]


def substitutes_in(actor, course: Course) -> bool:
    return bool(replaced_lessons(actor, course))


def view_course_journal(actor, course: Course) -> bool:
    """Reads the whole journal of the course: every period, every lesson, the finals and the plan."""
    if course.school_id != getattr(actor.school, "pk", None):
        return False
    return reads_everything(actor) or teaches_course(actor, course) or leads_class_of(actor, course)


def view_period_journal(actor, course: Course, period) -> bool:
    """Opens the grid and the lesson list of the course in `period`: whoever reads the whole course, or a
    substitute of one of its lessons in that period (who then sees only those lessons, `lessons_shown`)."""
    return view_course_journal(actor, course) or (
        course.school_id == getattr(actor.school, "pk", None)
        and period.pk in replaced_lessons(actor, course).values()
    )


def lessons_shown(actor, course: Course, period) -> set[int] | None:
    """The lessons of the course in `period` the actor's pages may show: None for all of them (whoever
    reads the whole course), else the lessons the actor replaced (R-ACC-6). Ask after
    `view_period_journal`, whose queries it reuses."""
    if view_course_journal(actor, course):
        return None
    return {lesson for lesson, p in replaced_lessons(actor, course).items() if p == period.pk}


def courses_visible_to(actor, year) -> QuerySet[Course]:
    """The courses of `year` whose journal `view_course_journal` lets the actor read."""
    courses = Course.objects.filter(school=actor.school, year=year)
    if reads_everything(actor):
        return courses
    if not _is_teacher(actor):
        return courses.none()
    person = actor.person
    return courses.filter(
        Exists(CourseTeacher.objects.filter(course=OuterRef("pk"), teacher=person))
        | Q(group__school_class__class_teacher=person)
    )


def substituted_periods(actor, year) -> dict[int, set[int]]:
    """Course id → the reporting periods of `year` in which the actor replaced one of its lessons (the
    journal pages `view_period_journal` opens to a substitute)."""
    if not _is_teacher(actor):
        return {}
    found: dict[int, set[int]] = {}
    rows = Substitution.objects.filter(
        school=actor.school, substitute=actor.person, lesson__year=year
    ).values_list("lesson__course_id", "lesson__period_id")
    for course_id, period_id in rows:
        found.setdefault(course_id, set()).add(period_id)
    return found


def edit_lesson(actor, lesson: Lesson) -> bool:
    """Fills the marks and attendance of this lesson's columns: the write policy's own rule
    (`journal.policy.may_fill_lesson`), which then adds the locks and the edit window."""
    if not _is_teacher(actor) or lesson.school_id != actor.school.pk:
        return False
    return policy.may_fill_lesson(actor, lesson)


def editable_lesson_ids(actor, course: Course, period, lessons: dict[int, datetime.date]) -> set[int]:
    """The ids among `lessons` (id → date, of `course` in `period`) that `edit_lesson` allows, in at most
    two queries: the actor's assignments to the course (`journal.policy.assignment_covers`), then the
    lessons they replaced."""
    if not _is_teacher(actor) or not lessons:
        return set()
    assignments = _assignments(actor, course)
    mine = {
        pk
        for pk, day in lessons.items()
        if any(
            policy.assignment_covers(a, b, lesson_date=day, period_ends=period.ends) for a, b in assignments
        )
    }
    if len(mine) == len(lessons):
        return mine
    return mine | set(
        Substitution.objects.filter(lesson_id__in=set(lessons) - mine, substitute=actor.person).values_list(
            "lesson_id", flat=True
        )
    )


# Lesson records, plans, reconciliation, the mark log


def view_lesson(actor, lesson: Lesson) -> bool:
    """Reads the lesson's page: whoever reads the whole course, and the lesson's own substitute."""
    return view_course_journal(actor, lesson.course) or (
        _is_teacher(actor)
        and lesson.school_id == actor.school.pk
        and Substitution.objects.filter(lesson=lesson, substitute=actor.person).exists()
    )


def fill_lesson_record(actor, lesson: Lesson) -> bool:
    return edit_lesson(actor, lesson)


def read_homework(actor, lesson: Lesson) -> bool:
    """Reads the homework set at `lesson` and its attachments."""
    if lesson.school_id != getattr(actor.school, "pk", None):
        return False
    if actor.has_role(Role.STUDENT) and actor.student is not None:
        return students_of_group(lesson.group, on=lesson.date).filter(pk=actor.student.pk).exists()
    if actor.has_role(Role.PARENT) and actor.person is not None:
        return (
            students_of_group(lesson.group, on=lesson.date)
            .filter(parent_links__parent__person=actor.person)
            .exists()
        )
    return view_lesson(actor, lesson)


def view_plan(actor, course: Course) -> bool:
    return view_course_journal(actor, course)


def edit_plan(actor, course: Course) -> bool:
    if course.school_id != getattr(actor.school, "pk", None):
        return False
    return actor.has_role(Role.ADMIN, Role.DEPUTY) or teaches_course(actor, course)


def reconcile_class(actor, school_class) -> bool:
    """Sets the reasons of absences and lateness of the class's students (R-J-8)."""
    if school_class.school_id != getattr(actor.school, "pk", None):
        return False
    return actor.has_role(Role.ADMIN) or is_class_teacher_of(actor, school_class)


def view_class_attendance(actor, school_class) -> bool:
    """Reads the class's weekly attendance reconciliation page (readers see it read-only)."""
    if school_class.school_id != getattr(actor.school, "pk", None):
        return False
    return reads_everything(actor) or reconcile_class(actor, school_class)


def may_remove_remark(actor, remark: Remark) -> bool:
    """The remark's author, or the school admin (the write policy still decides the locks)."""
    return actor.is_admin or (actor.person is not None and remark.author_id == actor.person.pk)


def may_download_template(actor) -> bool:
    """The empty plan template: anyone who may edit some plan (admin, deputy, a teacher)."""
    return actor.has_role(Role.ADMIN, Role.DEPUTY) or (
        actor.person is not None and actor.has_role(Role.TEACHER) and not actor.is_operator
    )


def view_mark_log(actor) -> bool:
    return reads_everything(actor)


def roll_back_compromised(actor) -> bool:
    """Reports a login of the school compromised and rolls back its changes (R-ACC-7): the admin only."""
    return actor.has_role(Role.ADMIN)


# Final marks and period locks (R-F-1…5)


def view_finals(actor, course: Course) -> bool:
    """Reads the finals view of a course: as `view_course_journal` (readers, its teachers, the class teacher)."""
    return view_course_journal(actor, course)


def set_finals(actor, course: Course) -> bool:
    """Enters final marks of the course: its teachers and the school admin (the write policy then checks
    the period, the locks and the subject: `journal.policy.ensure_can_set_final`)."""
    if course.school_id != getattr(actor.school, "pk", None):
        return False
    return actor.has_role(Role.ADMIN) or teaches_course(actor, course)


def control_finals(actor) -> bool:
    """Reads the school's finals progress (who is missing or late, R-F-4): admin, director, deputy."""
    return reads_everything(actor)


def control_deadlines(actor) -> bool:
    """Reads the deadlines' settings and measures and sends teachers their results (R-CTL-4, seed 002 8.3):
    admin, director, deputy."""
    return reads_everything(actor)


def manage_period_locks(actor) -> bool:
    """Reopens a course's locked period and closes or reopens a school's period (R-F-5): the school admin."""
    return actor.has_role(Role.ADMIN) and actor.school is not None


# The diary (R-D-1…6)


def view_diary(actor, student: Student, school_class: SchoolClass | None) -> bool:
    """`school_class`: the student's class on the day shown (None when not enrolled)."""
    if student.school_id != getattr(actor.school, "pk", None):
        return False
    if actor.student is not None and actor.student.pk == student.pk:
        return True
    if actor.parent is not None and any(c.pk == student.pk for c in children_of(actor)):
        return True
    if reads_everything(actor):
        return True
    return school_class is not None and is_class_teacher_of(actor, school_class)


def children_of(actor) -> list[Student]:
    """The parent's children (by name, each with `current_class`), loaded once per request."""
    if actor.parent is None:
        return []
    cache = actor.__dict__
    if "_diary_children" not in cache:
        cache["_diary_children"] = children_of_parent(actor.person)
    return cache["_diary_children"]
