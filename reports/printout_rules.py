"""Who may do what with period printouts and year summary sheets (R-R-5, R-R-6).

| rule                          | admin | director | deputy | class teacher          | teacher                | student | parent |
|-------------------------------|-------|----------|--------|------------------------|------------------------|---------|--------|
| view_printout_list            | yes   | yes      | yes    | –                      | –                      | –       | –      |
| generate_printouts            | yes   | –        | yes    | –                      | –                      | –       | –      |
| view_printout (obj)           | yes   | yes      | yes    | of their class         | with one of their courses | –    | –      |
| confirm_course (obj, course)  | –     | –        | –      | their courses' pages   | their courses' pages   | –       | –      |
| certify_title (obj)           | –     | –        | –      | of their class         | –                      | –       | –      |
| sign_as_deputy (obj)          | –     | –        | yes    | –                      | –                      | –       | –      |
| sign_as_director (obj)        | –     | yes      | –      | –                      | –                      | –       | –      |
| (verification page)           | anyone, signed in or not: it shows no personal data                                      |

- "their courses": the teachers of the course during the period, as printed on
  the course's page (the printout's snapshot); "their class": the class teacher
  printed on the title page.
- The order of the steps (teachers → class teacher → deputy → director, seed 002
  instruction §4) is a domain rule: `reports.signoff` checks it, whoever calls.
- Objects of another school answer 404 (`get_in_school`).
"""

from accounts.models import Role


def _person_id(actor):
    return actor.person.pk if actor.person is not None else None


def view_printout_list(actor) -> bool:
    return actor.has_role(Role.ADMIN, Role.DIRECTOR, Role.DEPUTY)


def generate_printouts(actor) -> bool:
    return actor.has_role(Role.ADMIN, Role.DEPUTY)


def _is_teacher(actor) -> bool:
    return actor.person is not None and actor.has_role(Role.TEACHER)


def teaches_in(actor, printout) -> bool:
    return _is_teacher(actor) and _person_id(actor) in (printout.teacher_ids or [])


def leads_class(actor, printout) -> bool:
    return (
        _is_teacher(actor)
        and printout.class_teacher_id is not None
        and printout.class_teacher_id == _person_id(actor)
    )


def view_printout(actor, printout) -> bool:
    if printout.school_id != getattr(actor.school, "pk", None):
        return False
    return view_printout_list(actor) or teaches_in(actor, printout) or leads_class(actor, printout)


def confirm_course(actor, printout, course_id: int) -> bool:
    if not _is_teacher(actor):
        return False
    page = next((c for c in printout.courses if c["course_id"] == course_id), None)
    return page is not None and _person_id(actor) in page["teacher_ids"]


def certify_title(actor, printout) -> bool:
    return leads_class(actor, printout)


def sign_as_deputy(actor, printout) -> bool:
    return actor.has_role(Role.DEPUTY)


def sign_as_director(actor, printout) -> bool:
    return actor.has_role(Role.DIRECTOR)
