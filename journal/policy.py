"""The one place that decides whether a journal write is allowed (DESIGN.md decision 6, R-CTL-5).

Every service that writes marks or attendance calls `ensure_can_write` (attendance)
or `ensure_can_mark` (marks) inside its transaction, so views, imports, tasks
and the admin all pass the same checks, at write time, never relying on a job.

Two kinds of refusal:
- `PermissionDenied` — who you are: not this school's lesson, or neither the
  lesson's teacher (the course's teacher on that date or its substitute) nor
  the school admin.
- `ValidationError` with a message for the user — the state of the journal:
  the year is closed or archived (R-J-13), the period is locked (issue 5), the
  lesson was cancelled or has not taken place yet, the edit window has passed
  (R-J-10), the class is a first grade and takes no marks (R-SET-5).

After the edit window only the school admin may write; the check then answers
`True` ("admin override") so the service audits it.
"""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import local_today
from accounts.selectors import school_zone as school_zone  # the journal's modules read it from here
from journal.models import CourseLock, EditWindow, JournalSettings, PeriodClosure
from schedule.models import CourseTeacher, Lesson, ReportingPeriod, Substitution

WINDOWS = {
    EditWindow.ONE_WEEK: relativedelta(weeks=1),
    EditWindow.TWO_WEEKS: relativedelta(weeks=2),
    EditWindow.THREE_WEEKS: relativedelta(weeks=3),
    EditWindow.ONE_MONTH: relativedelta(months=1),
}


# Who teaches a lesson: the one rule. The grid's editable set (`journal.rules.editable_lesson_ids`),
# the page rules (`journal.rules.edit_lesson`), the write policy below and the save path's SQL fact
# (`journal.grid.write_context.FACTS`) all call or mirror it; tests/journal/test_lesson_teacher.py compares
# them over a table of assignment dates.


def assignment_covers(
    starts: datetime.date,
    ends: datetime.date | None,
    *,
    lesson_date: datetime.date,
    period_ends: datetime.date,
) -> bool:
    """A course assignment (`CourseTeacher` from `starts` to `ends`) makes its teacher the teacher of a
    lesson of the course dated `lesson_date` in a period ending `period_ends`: it began by the end of the
    lesson's period and had not ended before the lesson.

    So a teacher who took the course over mid-period completes the whole period's columns, the earlier
    ones included (the period's marks and finals are theirs now), and a teacher who handed it over keeps
    the lessons they gave, not the ones after they left.
    """
    return starts <= period_ends and (ends is None or ends >= lesson_date)


def covering_assignments(lesson: Lesson) -> Q:
    """`assignment_covers` as a filter of `CourseTeacher` rows of the lesson's course (no extra query)."""
    period_ends = ReportingPeriod.objects.filter(pk=lesson.period_id).values("ends")
    return Q(course_id=lesson.course_id, starts__lte=period_ends[:1]) & (
        Q(ends__isnull=True) | Q(ends__gte=lesson.date)
    )


def teaches_lesson(person, lesson: Lesson) -> bool:
    """`person` is a teacher of the lesson's course for this lesson (`assignment_covers`); answered without
    a query when the save path's SQL already asked (`lesson.teacher_checked`, `journal.grid.write_context`)."""
    preloaded = getattr(lesson, "teacher_checked", None)
    if preloaded is not None and preloaded[0] == person.pk:
        return preloaded[1]
    return CourseTeacher.objects.filter(covering_assignments(lesson), teacher=person).exists()


def may_fill_lesson(actor, lesson: Lesson) -> bool:
    """The lesson's teacher (`teaches_lesson`) or the substitute recorded for this very lesson (R-ACC-6)."""
    person = actor.person
    if person is None or not actor.has_role(Role.TEACHER):
        return False
    return (
        teaches_lesson(person, lesson)
        or Substitution.objects.filter(lesson=lesson, substitute=person).exists()
    )


def journal_settings(school) -> JournalSettings:
    """The school's journal settings, created with the defaults on first use.

    A school loaded with `select_related("journal_settings")` answers without a query.
    """
    try:
        return school.journal_settings
    except JournalSettings.DoesNotExist:
        return JournalSettings.objects.get_or_create(school=school)[0]


def last_editable_day(lesson_date: datetime.date, window: str) -> datetime.date | None:
    """The last day (inclusive) its teacher may change a lesson's marks; None when never locked.

    1 week after Monday 12.10 is Monday 19.10 (changes allowed all that day, not on 20.10);
    1 month is a calendar month (31.01 → 28.02 or 29.02).
    """
    delta = WINDOWS.get(window)
    return None if delta is None else lesson_date + delta


def lock_state(course: str, period: str, prefix: str = "") -> dict:
    """Annotations `<prefix>course_locked` and `<prefix>period_closed` for a queryset whose rows name a
    course and a period by the lookups `course` and `period` (R-F-5): load them with the row, no query later.
    """
    return {
        f"{prefix}course_locked": Exists(
            CourseLock.objects.filter(course_id=OuterRef(course), period_id=OuterRef(period), locked=True)
        ),
        f"{prefix}period_closed": Exists(PeriodClosure.objects.filter(period_id=OuterRef(period))),
    }


def periods_with_lock_state(periods, course_id: int):
    """Reporting periods annotated with `course_locked` (for the course) and `period_closed`."""
    return periods.annotate(
        course_locked=Exists(
            CourseLock.objects.filter(course_id=course_id, period_id=OuterRef("pk"), locked=True)
        ),
        period_closed=Exists(PeriodClosure.objects.filter(period_id=OuterRef("pk"))),
    )


def lock_note(actor, locks) -> str:
    """Why the journal of a period is read-only for `actor` (empty when it is not): `locks` is a lesson or
    a period loaded with the lock annotations. The school admin is never locked out."""
    if actor.has_role(Role.ADMIN):
        return ""
    if getattr(locks, "period_closed", False):
        return _("The school has closed this period: its journal is read-only.")
    if getattr(locks, "course_locked", False):
        return _(
            "All final marks of this period are entered: its journal is locked. The school admin can reopen it."
        )
    return ""


def with_lock_state(lessons):
    """Lessons annotated with `course_locked` and `period_closed` (see `lock_state`)."""
    return lessons.annotate(**lock_state("course_id", "period_id"))


def period_locks(lesson: Lesson) -> tuple[bool, bool]:
    """(the lesson's course is locked for its period, the school closed the period): from the lesson's
    annotations when it was loaded `with_lock_state`, else one query."""
    if hasattr(lesson, "period_closed"):
        return lesson.course_locked, lesson.period_closed
    row = with_lock_state(Lesson.objects.filter(pk=lesson.pk)).values_list("course_locked", "period_closed")
    lesson.course_locked, lesson.period_closed = row.get()
    return lesson.course_locked, lesson.period_closed


def period_is_locked(lesson: Lesson) -> bool:
    """Whether the lesson's period is read-only for its teachers (not for the admin): the course's finals
    of the period are all entered (`CourseLock`) or the school closed the period (R-F-5)."""
    return any(period_locks(lesson))


def ensure_can_write(actor, lesson: Lesson, *, now: datetime.datetime | None = None) -> bool:
    """Refuse unless `actor` may write attendance (and, with `ensure_can_mark`, marks) of `lesson` now.

    Returns True when the write is an admin override of the edit window (to be audited).
    """
    is_admin = actor.has_role(Role.ADMIN) and actor.school is not None
    if actor.school is None or actor.school.pk != lesson.school_id:
        raise PermissionDenied(_("This lesson is not in your school."))
    if not is_admin and not may_fill_lesson(actor, lesson):
        raise PermissionDenied(_("Only the lesson's teacher or substitute can fill in this lesson."))
    _ensure_open(lesson, actor)
    if lesson.status == Lesson.Status.CANCELLED:
        raise ValidationError(
            _("The lesson was cancelled: it takes no marks or attendance."), code="cancelled"
        )
    today = local_today(lesson.school, now)
    if lesson.date > today:
        raise ValidationError(
            _("The lesson has not taken place yet: marks and attendance are entered on or after its date."),
            code="future",
        )
    last_day = last_editable_day(lesson.date, journal_settings(lesson.school).edit_window)
    if last_day is None or today <= last_day:
        return False
    if is_admin:
        return True
    raise ValidationError(
        _("Marks of this lesson could be changed until %(date)s; now only the school admin can change them."),
        code="edit_window",
        params={"date": date_format(last_day, "SHORT_DATE_FORMAT")},
    )


def ensure_can_mark(actor, lesson: Lesson, *, now: datetime.datetime | None = None) -> bool:
    """`ensure_can_write`, and the class takes marks (a first grade takes only attendance, R-SET-5)."""
    override = ensure_can_write(actor, lesson, now=now)
    if lesson.group.grade == 1:
        raise ValidationError(_("First-grade classes take no marks, only attendance."), code="first_grade")
    return override


def _ensure_year_open(year) -> None:
    if year.is_read_only:
        raise ValidationError(
            _("The year %(year)s is %(status)s: its journal is read-only."),
            code="year_read_only",
            params={"year": year.name, "status": year.get_status_display()},
        )


def _ensure_unlocked(*, course_locked: bool, period_closed: bool) -> None:
    """Refuse when the school closed the period or the course's period is locked (R-F-5)."""
    if period_closed:
        raise ValidationError(
            _("The school has closed this period: its journal is read-only. Ask the school admin."),
            code="period_closed",
        )
    if course_locked:
        raise ValidationError(
            _(
                "All final marks of this period are entered, so its journal is locked. "
                "Ask the school admin to reopen it."
            ),
            code="period_locked",
        )


def _ensure_open(lesson: Lesson, actor, *, course_lock: bool = True) -> None:
    """The year is open and (except for the school admin) the period is not locked (R-J-13, R-F-5).

    `course_lock=False`: only the school's closure counts (the class teacher's absence reasons
    are not the course teacher's pages).
    """
    _ensure_year_open(lesson.year)
    if actor.has_role(Role.ADMIN):
        return
    course_locked, period_closed = period_locks(lesson)
    _ensure_unlocked(course_locked=course_locked and course_lock, period_closed=period_closed)


TOPIC, HOMEWORK, REMARK = "topic", "homework", "remark"


def ensure_can_fill_record(actor, lesson: Lesson, what: str, *, now: datetime.datetime | None = None) -> None:
    """Refuse unless `actor` may write the lesson record's `what` (TOPIC, HOMEWORK or REMARK) now (R-J-4…7).

    The lesson's teacher or substitute (or the school admin); the year open and the
    period not locked; topics and homework may be entered in advance (R-J-4), a
    remark only on or after the lesson's date; a first grade gets no homework
    (R-SET-5); a cancelled lesson gets nothing. The marks' edit window does not
    apply to the lesson record.
    """
    if actor.school is None or actor.school.pk != lesson.school_id:
        raise PermissionDenied(_("This lesson is not in your school."))
    if not actor.has_role(Role.ADMIN) and not may_fill_lesson(actor, lesson):
        raise PermissionDenied(_("Only the lesson's teacher or substitute can fill in this lesson."))
    _ensure_open(lesson, actor)
    if lesson.status == Lesson.Status.CANCELLED:
        raise ValidationError(_("The lesson was cancelled."), code="cancelled")
    if what == HOMEWORK and lesson.group.grade == 1:
        raise ValidationError(_("First-grade classes get no homework."), code="first_grade")
    if what == REMARK and lesson.date > local_today(lesson.school, now):
        raise ValidationError(_("A remark can be written on or after the lesson's date."), code="future")


def ensure_can_set_reason(actor, lesson: Lesson) -> None:
    """The year open and the period not locked: the class teacher's reconciliation writes reasons (R-J-8).

    Who may (the class teacher of the student's class, or the admin) is
    `journal.rules.reconcile_class`, checked by the service before this.
    """
    if actor.school is None or actor.school.pk != lesson.school_id:
        raise PermissionDenied(_("This lesson is not in your school."))
    _ensure_open(lesson, actor, course_lock=False)


def ensure_can_set_final(actor, course, kind: str, period, periods: list, *, now=None) -> None:
    """Refuse unless `actor` may set a final mark of `kind` of `course` now (R-F-1…5).

    `period`: the reporting period of a period's final (None for the year, exam and overall
    final, which belong to the last period `periods[-1]`). Who: the school admin, or a teacher of
    the course during that period. State: the year open; the subject takes finals (not «no final
    assessment», not a first grade, R-SET-5); the period has begun; for everyone but the admin
    the school has not closed the period and — for a period's and the year's finals — the
    course's period is not locked (R-F-5). Exam and overall finals are not locked by the course
    (exams come after the last period's finals), only by the school's closure.
    """
    from journal.models import FinalKind
    from schedule.models import CourseTeacher

    if actor.school is None or actor.school.pk != course.school_id:
        raise PermissionDenied(_("This course is not in your school."))
    own = period or (periods[-1] if periods else None)
    if own is None:
        raise ValidationError(_("The year has no reporting periods for this grade."), code="no_periods")
    is_admin = actor.has_role(Role.ADMIN)
    if not is_admin:
        teaches = (
            actor.person is not None
            and actor.has_role(Role.TEACHER)
            and CourseTeacher.objects.filter(
                Q(ends__isnull=True) | Q(ends__gte=own.starts),
                course=course,
                teacher=actor.person,
                starts__lte=own.ends,
            ).exists()
        )
        if not teaches:
            raise PermissionDenied(_("Only the course's teacher or the school admin sets its final marks."))
    _ensure_year_open(course.year)
    if course.subject.no_final_assessment:
        raise ValidationError(_("This subject has no final assessment."), code="no_final_assessment")
    if course.group.grade == 1:
        raise ValidationError(_("First-grade classes take no marks, only attendance."), code="first_grade")
    if local_today(course.school, now) < own.starts:
        raise ValidationError(
            _("%(period)s has not begun yet: its final marks are entered at its end.") % {"period": own.name},
            code="future",
        )
    if is_admin:
        return
    _ensure_unlocked(
        period_closed=PeriodClosure.objects.filter(period=own).exists(),
        course_locked=kind in (FinalKind.PERIOD, FinalKind.YEAR)
        and CourseLock.objects.filter(course=course, period=own, locked=True).exists(),
    )


# Who may write, for many rows at once: the set form of `may_fill_lesson` and of the teacher test of
# `ensure_can_set_final`, for the bulk services that enter a school's past journal (the demo school).


class Writers:
    """The school's admins and teachers among some people, the assignments of some courses and the
    substitutes of some lessons, read in four queries whatever their number; `person_of` maps the
    logins given to their people in the school."""

    def __init__(self, school, *, user_ids=(), person_ids=(), course_ids=(), lesson_ids=()):
        from accounts.models import Person, StaffRole

        self.person_of = dict(
            Person.objects.filter(school=school, user_id__in=sorted(set(user_ids))).values_list(
                "user_id", "pk"
            )
        )
        people = sorted({*person_ids, *self.person_of.values()})
        self.roles: dict[int, set[str]] = {}
        for person_id, role in StaffRole.objects.filter(
            school=school, person_id__in=people, role__in=(Role.ADMIN, Role.TEACHER)
        ).values_list("person_id", "role"):
            self.roles.setdefault(person_id, set()).add(role)
        self.assignments: dict[tuple[int, int], list] = {}  # (course, person) → [(starts, ends)]
        for course_id, person_id, starts, ends in CourseTeacher.objects.filter(
            school=school, course_id__in=sorted(set(course_ids)), teacher_id__in=people
        ).values_list("course_id", "teacher_id", "starts", "ends"):
            self.assignments.setdefault((course_id, person_id), []).append((starts, ends))
        self.substitute = dict(
            Substitution.objects.filter(school=school, lesson_id__in=sorted(set(lesson_ids))).values_list(
                "lesson_id", "substitute_id"
            )
        )

    def is_admin(self, person_id) -> bool:
        return Role.ADMIN in self.roles.get(person_id, ())

    def fills_lesson(self, person_id, *, lesson_id, course_id, date, period_ends) -> bool:
        """`may_fill_lesson` or the school admin: the lesson's teacher (`assignment_covers`) or its
        substitute, with the teacher's role."""
        if self.is_admin(person_id):
            return True
        if Role.TEACHER not in self.roles.get(person_id, ()):
            return False
        return self.substitute.get(lesson_id) == person_id or any(
            assignment_covers(s, e, lesson_date=date, period_ends=period_ends)
            for s, e in self.assignments.get((course_id, person_id), ())
        )

    def sets_finals(self, person_id, *, course_id, period) -> bool:
        """`ensure_can_set_final`'s who: the school admin, or a teacher of the course during `period`."""
        if self.is_admin(person_id):
            return True
        return Role.TEACHER in self.roles.get(person_id, ()) and any(
            s <= period.ends and (e is None or e >= period.starts)
            for s, e in self.assignments.get((course_id, person_id), ())
        )
