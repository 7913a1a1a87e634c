"""Who may read and fill the mark grid of a course (R-ACC-5, R-ACC-6).

| rule                      | admin | director | deputy | class teacher          | teacher     | substitute            | student | parent |
|---------------------------|-------|----------|--------|------------------------|-------------|-----------------------|---------|--------|
| open_journal              | yes   | yes      | yes    | yes                    | yes         | yes                   | –       | –      |
| view_course_journal (obj) | yes   | yes      | yes    | every course of class  | own courses | courses substituted in| –       | –      |
| edit_lesson (obj)         | – ¹   | –        | –      | own courses only       | own courses | the substituted lesson| –       | –      |

- "own courses": a `CourseTeacher` row of the course covering the lesson's
  date, or any date of the lesson's reporting period (a teacher who took the
  course over mid-period still completes the period's columns).
- The substitute fills only the column(s) of the lesson they replaced
  (`schedule.rules.may_fill_lesson`), nothing else of the course.
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

Final marks (R-F-1…5):

| rule                        | admin | director | deputy | class teacher         | teacher     | substitute | student | parent |
|-----------------------------|-------|----------|--------|-----------------------|-------------|------------|---------|--------|
| view_finals (obj)           | yes   | yes      | yes    | courses of the class  | own courses | as view_course_journal | – | – |
| set_finals (obj)            | yes   | –        | –      | own courses           | own courses | –          | –       | –      |
| control_finals              | yes   | yes      | yes    | –                     | –           | –          | –       | –      |
| manage_period_locks         | yes   | –        | –      | –                     | –           | –          | –       | –      |

- `fill_lesson_record` = `edit_lesson`: topic, homework, remarks; the write policy
  (`journal.policy.ensure_can_fill_record`) adds the locks.
- `read_homework`: a student of the lesson's group on the lesson's date, or
  that student's parent, reads the homework and its attachments (R-J-6).
- `courses_visible_to(actor, year)` is the queryset twin of
  `view_course_journal`; a test checks they agree.

Objects of another school answer 404 whatever the role (`get_in_school`).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Role
from accounts.rules import is_class_teacher_of
from schedule.models import Course, CourseTeacher, Lesson, Substitution
from schedule.rules import may_fill_lesson
from schedule.selectors import students_of_group


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


def substitutes_in(actor, course: Course) -> bool:
    return (
        _is_teacher(actor)
        and Substitution.objects.filter(lesson__course=course, substitute=actor.person).exists()
    )


def view_course_journal(actor, course: Course) -> bool:
    if course.school_id != getattr(actor.school, "pk", None):
        return False
    return (
        reads_everything(actor)
        or teaches_course(actor, course)
        or leads_class_of(actor, course)
        or substitutes_in(actor, course)
    )


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
        | Exists(Substitution.objects.filter(lesson__course=OuterRef("pk"), substitute=person))
    )


def _assignment_overlapping_period(lesson: Lesson) -> Q:
    period = lesson.period
    return Q(starts__lte=period.ends) & (Q(ends__isnull=True) | Q(ends__gte=period.starts))


def edit_lesson(actor, lesson: Lesson) -> bool:
    """Fills the marks and attendance of this lesson's columns (the write policy still checks the locks)."""
    if not _is_teacher(actor) or lesson.school_id != actor.school.pk:
        return False
    # The course's own teacher first (one query, the usual case); then the substitute of this lesson.
    teaches = CourseTeacher.objects.filter(
        _assignment_overlapping_period(lesson), course_id=lesson.course_id, teacher=actor.person
    ).exists()
    return teaches or may_fill_lesson(actor, lesson)


def editable_lesson_ids(actor, course: Course, period, lesson_ids: list[int]) -> set[int]:
    """The ids among `lesson_ids` (of `course` in `period`) that `edit_lesson` allows, in at most two queries."""
    if not _is_teacher(actor) or not lesson_ids:
        return set()
    if any(a <= period.ends and (b is None or b >= period.starts) for a, b in _assignments(actor, course)):
        return set(lesson_ids)
    return set(
        Substitution.objects.filter(lesson_id__in=lesson_ids, substitute=actor.person).values_list(
            "lesson_id", flat=True
        )
    )


# Lesson records, plans, reconciliation, the mark log


def view_lesson(actor, lesson: Lesson) -> bool:
    return view_course_journal(actor, lesson.course) or edit_lesson(actor, lesson)


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


def view_mark_log(actor) -> bool:
    return reads_everything(actor)


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


def manage_period_locks(actor) -> bool:
    """Reopens a course's locked period and closes or reopens a school's period (R-F-5): the school admin."""
    return actor.has_role(Role.ADMIN) and actor.school is not None
