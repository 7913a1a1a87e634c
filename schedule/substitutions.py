"""Substitutions (R-TT-4, R-ACC-6): who replaces the absent teacher for one lesson.

`rules.record_substitution` decides who may write: before the lesson begins the
deputy or the admin; afterwards only the admin, and the row is marked `late`.
Both services lock the lesson and the substitute's person row, so two deputies
cannot give one teacher two lessons at the same time, and audit every write in
the same transaction.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Person, Role, StaffRole

from . import rules
from .models import AcademicYear, Lesson, Substitution
from .services.checks import Errors, refuse


def describe(lesson: Lesson) -> str:
    """«12.10.2026, урок 2 (09:25–10:10), 6Б, Математика»: enough to find the lesson on a wall timetable."""
    return _("%(date)s, lesson %(slot)s (%(starts)s–%(ends)s), %(group)s, %(subject)s") % {
        "date": date_format(lesson.date, "SHORT_DATE_FORMAT"),
        "slot": lesson.slot,
        "starts": f"{lesson.starts:%H:%M}",
        "ends": f"{lesson.ends:%H:%M}",
        "group": lesson.group.name,
        "subject": lesson.course.subject.name,
    }


def _locked_lesson(lesson: Lesson) -> Lesson:
    return (
        Lesson.objects.select_for_update(of=("self",))
        .select_related("school", "year", "group", "course__subject", "teacher")
        .get(pk=lesson.pk)
    )


def _ensure_open_year(year: AcademicYear):
    locked = AcademicYear.objects.select_for_update(no_key=True).get(pk=year.pk)
    if locked.is_read_only:
        refuse(
            NON_FIELD_ERRORS,
            _("The year %(year)s is %(status)s: its substitutions can no longer be changed."),
            year=locked.name,
            status=locked.get_status_display(),
        )


def _ensure_may_record(actor, lesson: Lesson, now):
    if rules.record_substitution(actor, lesson, now):
        return
    if actor.has_role(Role.DEPUTY):
        refuse(
            NON_FIELD_ERRORS,
            _(
                "The lesson %(lesson)s has already begun: only the school admin can record its substitution now."
            ),
            lesson=describe(lesson),
        )
    refuse(NON_FIELD_ERRORS, _("Only the deputy director or the school admin records substitutions."))


def clash_of(lesson: Lesson, person: Person) -> tuple[Lesson, bool] | None:
    """A planned lesson other than `lesson` that takes `person` at an overlapping time, and whether they substitute in it.

    Their own lesson counts unless somebody else substitutes in it.
    """
    other = (
        Lesson.objects.filter(
            Q(substitution__substitute=person) | Q(teacher=person, substitution__isnull=True),
            school_id=lesson.school_id,
            date=lesson.date,
            status=Lesson.Status.PLANNED,
            starts__lt=lesson.ends,
            ends__gt=lesson.starts,
        )
        .exclude(pk=lesson.pk)
        .select_related("group", "course__subject", "substitution")
        .order_by("starts")
        .first()
    )
    if other is None:
        return None
    return other, getattr(other, "substitution", None) is not None


@transaction.atomic
def assign_substitute(
    *, actor, lesson: Lesson, substitute: Person, reason: str = "", now=None
) -> Substitution:
    """Record (or change) who replaces the lesson's teacher; late when the admin records it after the start."""
    now = now or timezone.now()
    lesson = _locked_lesson(lesson)
    if lesson.school_id != actor.school.pk:
        refuse(NON_FIELD_ERRORS, _("This lesson does not belong to your school."))
    _ensure_may_record(actor, lesson, now)
    _ensure_open_year(lesson.year)
    errors = Errors()
    if lesson.status == Lesson.Status.CANCELLED:
        refuse(NON_FIELD_ERRORS, _("The lesson is cancelled: there is nothing to substitute."))
    # Locks the substitute: concurrent substitutions of one teacher are checked one after the other.
    substitute = (
        Person.objects.select_for_update()
        .filter(pk=substitute.pk, school_id=lesson.school_id)
        .annotate(is_teacher=Exists(StaffRole.objects.filter(person=OuterRef("pk"), role=Role.TEACHER)))
        .first()
    )
    if substitute is None or not substitute.is_teacher:
        refuse("substitute", _("The substitute must be a teacher of this school."))
    if substitute.pk == lesson.teacher_id:
        errors.add("substitute", _("%(name)s is this lesson's own teacher."), name=substitute.short_name)
    elif clash := clash_of(lesson, substitute):
        other, substituting = clash
        message = (
            _("%(name)s already substitutes at that time: %(lesson)s.")
            if substituting
            else _("%(name)s already has a lesson at that time: %(lesson)s.")
        )
        errors.add("substitute", message, name=substitute.short_name, lesson=describe(other))
    errors.raise_if_any()

    late = rules.lesson_has_begun(lesson, now)
    reason = (reason or "").strip()[:200]
    existing = Substitution.objects.select_for_update().filter(lesson=lesson).first()
    new = {"substitute": substitute.pk, "reason": reason, "late": late}
    if existing is None:
        substitution = Substitution.objects.create(
            school_id=lesson.school_id,
            lesson=lesson,
            absent_teacher_id=lesson.teacher_id,
            substitute=substitute,
            reason=reason,
            recorded_by=actor.user,
            late=late,
        )
        audit.record(
            actor,
            "substitution_recorded",
            substitution,
            summary=_("%(substitute)s replaces %(teacher)s: %(lesson)s")
            % {
                "substitute": substitute.short_name,
                "teacher": lesson.teacher.short_name,
                "lesson": describe(lesson),
            },
            data={"lesson": lesson.pk, "absent_teacher": lesson.teacher_id, **new},
        )
        return substitution
    old = {"substitute": existing.substitute_id, "reason": existing.reason, "late": existing.late}
    existing.substitute = substitute
    existing.reason = reason
    existing.late = late
    existing.recorded_by = actor.user
    existing.recorded_at = now
    existing.save(update_fields=["substitute", "reason", "late", "recorded_by", "recorded_at"])
    audit.record(
        actor,
        "substitution_changed",
        existing,
        summary=_("%(substitute)s replaces %(teacher)s: %(lesson)s")
        % {
            "substitute": substitute.short_name,
            "teacher": lesson.teacher.short_name,
            "lesson": describe(lesson),
        },
        data={"lesson": lesson.pk, "old": old, "new": new},
    )
    return existing


@transaction.atomic
def cancel_substitution(*, actor, substitution: Substitution, now=None) -> None:
    """Withdraw a substitution: the lesson's own teacher takes it again. Same rule as recording it."""
    now = now or timezone.now()
    lesson = _locked_lesson(substitution.lesson)
    if lesson.school_id != actor.school.pk:
        refuse(NON_FIELD_ERRORS, _("This lesson does not belong to your school."))
    _ensure_may_record(actor, lesson, now)
    _ensure_open_year(lesson.year)
    substitution = Substitution.objects.select_for_update().filter(pk=substitution.pk).first()
    if substitution is None:  # withdrawn meanwhile by someone else: nothing left to do
        return
    # The own teacher takes the lesson back: refuse if they substitute elsewhere at that time meanwhile.
    teacher = Person.objects.select_for_update().get(pk=lesson.teacher_id)
    if lesson.status == Lesson.Status.PLANNED and (clash := clash_of(lesson, teacher)):
        refuse(
            NON_FIELD_ERRORS,
            _("%(name)s cannot take the lesson back: at that time they are busy with %(lesson)s."),
            name=teacher.short_name,
            lesson=describe(clash[0]),
        )
    audit.record(
        actor,
        "substitution_cancelled",
        substitution,
        summary=_("Substitution withdrawn: %(lesson)s") % {"lesson": describe(lesson)},
        data={
            "lesson": lesson.pk,
            "substitute": substitution.substitute_id,
            "absent_teacher": substitution.absent_teacher_id,
            "reason": substitution.reason,
            "late": substitution.late,
            "after_start": rules.lesson_has_begun(lesson, now),
        },
    )
    substitution.delete()
