"""What each role sees on its home page: teachers see today's lessons and the final marks they still owe;
students and parents the marks of the current reporting period per subject with the weighted average, the
final marks of the year (R-F-6) and the latest marks.

A day without lessons says why (issue 13): the summer between two years, a holiday of the school's
calendar (of the child's grade for families), a Saturday or a Sunday, or just no lessons that day; teachers
and families then see the next school day with its lessons. In the summer families keep seeing the year
just ended (its final marks) until the next one starts; staff see the next year being prepared, and the
leadership and class teachers the printouts signed at the end of the year.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import Consent, InviteCode, Person, Role
from journal.deadlines import selectors as deadlines
from journal.finals import selectors as fs
from journal.grid import selectors as js
from journal.grid.render import average_text
from reports import printout_rules, printout_selectors
from reports.models import Printout
from schedule import selectors as ss
from schedule import weeks
from schedule.models import (
    AcademicYear,
    Course,
    GroupMembership,
    Holiday,
    Lesson,
    ReportingPeriod,
    StudyGroup,
)
from schedule.views.weeks import LessonHtml

FAMILY = (Role.STUDENT, Role.PARENT)

# "Monday, 14 December": the weekday in the sentence's case (lower case in Russian), then the date.
WEEKDAY_DATE = (
    _("Monday, %(date)s"),
    _("Tuesday, %(date)s"),
    _("Wednesday, %(date)s"),
    _("Thursday, %(date)s"),
    _("Friday, %(date)s"),
    _("Saturday, %(date)s"),
    _("Sunday, %(date)s"),
)


def weekday_date(day: datetime.date) -> str:
    return WEEKDAY_DATE[day.weekday()] % {"date": date_format(day, "j E")}


@dataclass
class Today:
    """The day the page is read on, in the school's time zone, and the school's years around it."""

    day: datetime.date
    years: ss.YearsAround


def context_for(actor, role, child_id=None) -> dict:
    today = ss.local_today(actor.school)
    now = Today(today, ss.years_around(actor.school, today))
    year = now.years.current
    if role in FAMILY and now.years.ended is not None:
        year = (
            now.years.ended
        )  # families keep the year just ended (its final marks) until the next one starts
    context = {"year": year, "role": role, "today": today, "years": now.years}
    builder = BUILDERS.get(role)
    if builder is not None and year is not None:
        context.update(builder(actor, year, child_id, now))
    return context


@dataclass
class DayOff:
    """Why a day has no lessons, and the next school day with its lessons (rendered HTML items)."""

    kind: str  # "summer" | "holiday" | "saturday" | "sunday" | "none" (a weekday without lessons)
    years: ss.YearsAround
    holiday: Holiday | None = None
    next_day: datetime.date | None = None
    lessons: list = field(default_factory=list)

    @property
    def next_day_text(self) -> str:
        return weekday_date(self.next_day) if self.next_day else ""


def day_off(school, now: Today, grade: int | None = None) -> DayOff:
    """Why `now` has no lessons: the summer, a holiday (one query; `grade`'s own ones too), the weekend, or
    nothing in particular."""
    if now.years.between:
        return DayOff("summer", now.years)
    holiday = ss.holiday_on(school, now.day, grade)
    if holiday is not None:
        return DayOff("holiday", now.years, holiday)
    return DayOff({5: "saturday", 6: "sunday"}.get(now.day.weekday(), "none"), now.years)


def signed_printouts(actor, year: AcademicYear) -> list[Printout]:
    """The frozen printouts of `year` the actor may open: all for the leadership, their class's for a class
    teacher (the summer card). One query."""
    rows = Printout.objects.filter(school=actor.school, year=year, frozen_at__isnull=False)
    if not printout_rules.view_printout_list(actor):
        rows = rows.filter(class_teacher=actor.person)
    rows = rows.defer(*printout_selectors.LIST_FIELDS).select_related("school_class", "period")
    return list(rows.order_by("school_class__grade", "school_class__letter", "kind", "period__starts"))


def _admin(actor, year, _child, _now):
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


def _leadership(actor, year, _child, now):
    classes = list(ss.classes_of_year(year))
    # The summer and the holidays are named; a weekend is not (the leadership's home lists no lessons).
    off = day_off(actor.school, now)
    return {
        "classes": classes,
        "student_total": sum(c.student_count for c in classes),
        "teacher_count": Person.objects.filter(school=actor.school, staff_roles__role=Role.TEACHER).count(),
        "printouts_waiting": printout_selectors.waiting_for(actor),
        "day_off": off if off.kind in ("summer", "holiday") else None,
        "signed": signed_printouts(actor, now.years.ended) if now.years.ended else [],
    }


def _teacher(actor, year, _child, now):
    courses = list(ss.courses_of_teacher(actor.person, year))
    led = list(ss.classes_of_year(year).filter(class_teacher=actor.person))
    today = now.day
    # Today's lessons include those the teacher substitutes (R-ACC-6): one query.
    html = LessonHtml(kind="teacher", person_id=actor.person.pk, links=True, qdate=today.isoformat())
    lessons = [html.item(lesson) for lesson in weeks.teacher_day(actor.person, today)]
    off = None
    if not lessons:  # why, and the next day with lessons: three queries more
        off = day_off(actor.school, now)
        mine = Lesson.objects.filter(school=actor.school).filter(
            Q(teacher=actor.person) | Q(substitution__substitute=actor.person)
        )
        off.next_day = ss.next_lesson_day(mine, today)
        if off.next_day is not None:
            html.qdate = off.next_day.isoformat()
            off.lessons = [html.item(lesson) for lesson in weeks.teacher_day(actor.person, off.next_day)]
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
        # The journal's deadlines of the last two weeks and today (R-CTL-4), live: two queries.
        "deadlines": deadlines.for_home(actor.school, actor.person, timezone.now()),
        "printouts_waiting": printout_selectors.waiting_for(actor),
        "day_off": off,
        "signed": signed_printouts(actor, now.years.ended) if now.years.ended and led else [],
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


def _child_day(student, school_class, school, now: Today) -> dict:
    """A family's day without lessons: why, and the child's next school day with its lessons (one query on
    a school day, four otherwise). In the summer only the year's end and start, and the child's class of
    the next year (one query): its first day is weeks away."""
    if now.years.between:
        context = {"day_off": DayOff("summer", now.years)}
        if now.years.coming is not None:
            context["next_class"] = ss.class_of_student(student, on=now.years.coming.starts)
        return context
    lessons = Lesson.objects.filter(weeks.student_lessons(student), school_id=school.pk)
    first = ss.next_lesson_day(lessons, now.day - datetime.timedelta(days=1))
    if first == now.day:
        return {}
    grade = school_class.grade if school_class else None
    off = day_off(school, now, grade)
    off.next_day = first
    if first is not None:
        week = weeks.week_of_student(student, first, grade)
        html = LessonHtml(kind="student")
        off.lessons = [html.item(x) for day in week.days if day.date == first for x in day.lessons]
    return {"day_off": off}


def _student(actor, year, _child, now):
    courses, school_class = courses_of_student(actor.student, year)
    context = {"child": actor.student, "school_class": school_class, "courses": courses}
    context |= _child_day(actor.student, school_class, actor.school, now)
    return _with_marks(courses, {**context, **_marks(actor.student, year, school_class, actor.school)})


def _parent(actor, year, child_id, now):
    children = ss.children_of_parent(actor.person, on=ss.day_in_year(year, now.day))
    chosen = children[0] if children else None
    if child_id:
        # R-ACC-4: only the parent's own children, whatever id is typed.
        chosen = next((c for c in children if str(c.pk) == str(child_id)), None)
        if chosen is None:
            raise Http404
    courses, school_class = courses_of_student(chosen, year) if chosen else ([], None)
    context = {"children": children, "child": chosen, "school_class": school_class, "courses": courses}
    if chosen is not None:
        context.update(_child_day(chosen, school_class, actor.school, now))
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
