"""What each role sees on its home page: teachers see today's lessons and the final marks they still owe;
students and parents the marks of the current reporting period per subject with the weighted average, the
final marks of the year (R-F-6) and the latest marks."""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from accounts.models import Consent, InviteCode, Person, Role
from journal import finals_selectors as fs
from journal import selectors as js
from journal.grid import average_text
from reports import printout_selectors
from schedule import selectors as ss
from schedule import weeks
from schedule.models import Course, GroupMembership, ReportingPeriod, StudyGroup
from schedule.views.weeks import LessonHtml


def context_for(actor, role, child_id=None) -> dict:
    year = ss.current_year(actor.school)
    context = {"year": year, "role": role}
    builder = BUILDERS.get(role)
    if builder is not None and year is not None:
        context.update(builder(actor, year, child_id))
    return context


def _admin(actor, year, _child):
    school = actor.school
    people = Person.objects.filter(school=school)
    return {
        "classes": ss.classes_of_year(year),
        "counts": ss.setup_counts(school, year),
        "people_without_login": people.filter(user__isnull=True).count(),
        "people_without_consent": people.filter(
            ~Exists(Consent.objects.filter(person=OuterRef("pk"), withdrawn_on__isnull=True))
        ).count(),
        "open_invites": InviteCode.objects.filter(
            school=school, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).count(),
    }


def _leadership(actor, year, _child):
    classes = list(ss.classes_of_year(year))
    return {
        "classes": classes,
        "student_total": sum(c.student_count for c in classes),
        "teacher_count": Person.objects.filter(school=actor.school, staff_roles__role=Role.TEACHER).count(),
        "printouts_waiting": printout_selectors.waiting_for(actor),
    }


def _teacher(actor, year, _child):
    courses = list(ss.courses_of_teacher(actor.person, year))
    led = list(ss.classes_of_year(year).filter(class_teacher=actor.person))
    today = ss.local_today(actor.school)
    # Today's lessons include those the teacher substitutes (R-ACC-6): one query.
    html = LessonHtml(kind="teacher", person_id=actor.person.pk, links=True, qdate=today.isoformat())
    lessons = [html.item(lesson) for lesson in weeks.teacher_day(actor.person, today)]
    # Final marks still missing in periods ended or ending within two weeks (R-F-4): the periods, the
    # courses, then per period with such courses the settings, members, counts, locks and teachers.
    finals_due = [
        {"due": due, "days": due.days_left(today), "late": due.late(today), "late_by": -due.days_left(today)}
        for due in fs.due_for_teacher(actor.person, year, today)
    ]
    return {
        "courses": courses,
        "led_classes": led,
        "today": today,
        "today_lessons": lessons,
        "finals_due": finals_due,
        "printouts_waiting": printout_selectors.waiting_for(actor),
    }


def courses_of_student(student, year, on=None) -> list[Course]:
    """Courses taught to the student's class and to the groups the student is in on `on`."""
    day = ss.day_in_year(year, on)
    school_class = ss.class_of_student(student, on=day)
    groups = Q(group__in=GroupMembership.objects.filter(ss.covering(day), student=student).values("group_id"))
    if school_class is not None:
        groups |= Q(
            group__in=StudyGroup.objects.filter(school_class=school_class, kind="whole_class").values("pk")
        )
    return list(ss.courses_of_year(year).filter(groups)), school_class


def _marks(student, year, school_class, school) -> dict:
    """The child's marks and averages per course in the current reporting period, the final marks of the
    year (one query more) and the latest marks."""
    if school_class is None:
        return {}
    periods = list(
        ReportingPeriod.objects.filter(
            scheme__year=year, scheme__grades__contains=[school_class.grade]
        ).order_by("starts")
    )
    period = js.current_period(periods, ss.day_in_year(year, ss.local_today(school)))
    if period is None:
        return {}
    marks, averages = js.student_marks(student, period)
    by_course: dict[int, list] = {}
    for mark in marks:
        by_course.setdefault(mark.course_id, []).append(mark)
    return {
        "period": period,
        "marks_by_course": by_course,
        "averages": {k: average_text(v) for k, v in averages.items()},
        "latest_marks": marks[-8:][::-1],
        "finals": _finals(fs.student_finals(student, year), periods),
    }


def _finals(by_course: dict, periods: list) -> dict[int, list[dict]]:
    """course → its final marks in order: the periods' (of the child's grade), the year, the exam, overall."""
    out = {}
    for course_id, marks in by_course.items():
        items = [
            {"kind": "period", "period": p, "value": marks[f"period-{p.pk}"]}
            for p in periods
            if f"period-{p.pk}" in marks
        ]
        items += [{"kind": kind, "value": marks[kind]} for kind in ("year", "exam", "final") if kind in marks]
        out[course_id] = items
    return out


def _with_marks(courses, context):
    by_course, averages = context.get("marks_by_course", {}), context.get("averages", {})
    finals = context.get("finals", {})
    names = {c.pk: c.subject.name for c in courses}
    for course in courses:
        course.period_marks = by_course.get(course.pk, [])
        course.period_average = averages.get(course.pk, "")
        course.finals = finals.get(course.pk, [])
    context["has_finals"] = any(course.finals for course in courses)
    for mark in context.get("latest_marks", []):
        mark.subject = names.get(mark.course_id, "")
    return context


def _student(actor, year, _child):
    courses, school_class = courses_of_student(actor.student, year)
    context = {"child": actor.student, "school_class": school_class, "courses": courses}
    return _with_marks(courses, {**context, **_marks(actor.student, year, school_class, actor.school)})


def _parent(actor, year, child_id):
    children = ss.children_of_parent(actor.person)
    chosen = children[0] if children else None
    if child_id:
        # R-ACC-4: only the parent's own children, whatever id is typed.
        chosen = next((c for c in children if str(c.pk) == str(child_id)), None)
        if chosen is None:
            raise Http404
    courses, school_class = courses_of_student(chosen, year) if chosen else ([], None)
    context = {"children": children, "child": chosen, "school_class": school_class, "courses": courses}
    if chosen is not None:
        context.update(_marks(chosen, year, school_class, actor.school))
    return _with_marks(courses, context)


BUILDERS = {
    Role.ADMIN: _admin,
    Role.DIRECTOR: _leadership,
    Role.DEPUTY: _leadership,
    Role.TEACHER: _teacher,
    Role.STUDENT: _student,
    Role.PARENT: _parent,
}
