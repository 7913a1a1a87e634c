"""Who may run the subject teacher's and the administration's reports (R-R-2, R-R-3).

| report audience  | admin | director | deputy | teacher                                   | student | parent |
|------------------|-------|----------|--------|-------------------------------------------|---------|--------|
| subject_teacher  | yes   | yes      | yes    | own courses, and only for themselves      | –       | –      |
| leadership       | yes   | yes      | yes    | –                                         | –       | –      |

- "own courses": the teacher has a `CourseTeacher` row of the course
  (`journal.rules.teaches_course`); a teacher asks for their own name only. With
  neither chosen the report shows nothing but the prompt to choose, so the
  teacher may open it.
- The district operator (no school) runs none; objects of another school never
  pass (the views load parameters within the actor's school and answer 404).
"""

from __future__ import annotations

from accounts.models import Role
from journal.rules import reads_everything, teaches_course


def _in_school(actor, obj) -> bool:
    return obj is None or getattr(obj, "school_id", None) == actor.school.pk


def leadership(actor, params) -> bool:
    """Admin, director and deputy of the school."""
    return actor.school is not None and not actor.is_operator and reads_everything(actor)


def teaches_course_or_reads_all(actor, params) -> bool:
    """The course's own teacher (for themselves), or admin, director and deputy."""
    if actor.school is None or actor.is_operator:
        return False
    if not (_in_school(actor, params.course) and _in_school(actor, params.teacher)):
        return False
    if reads_everything(actor):
        return True
    if actor.person is None or not actor.has_role(Role.TEACHER):
        return False
    if params.teacher is not None and params.teacher.pk != actor.person.pk:
        return False
    return params.course is None or teaches_course(actor, params.course)
