"""The journal's pages: the list of courses, the mark grid, and the grid's two endpoints.

Reads go through `journal.grid.selectors`, rights through `journal.rules`, every write
through `journal.grid.services` (which checks the locks and writes the mark log).
"""

from __future__ import annotations

import psycopg
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_in_school, not_in_school, refused, require, school_view
from accounts.models import Student
from journal import policy, rules
from journal.grid import selectors, services
from journal.grid.forms import AddWorkForm, SaveCellForm
from journal.grid.render import average_text, render_grid
from journal.models import Work, WorkType
from schedule import selectors as ss
from schedule.models import Course, Lesson, ReportingPeriod, SchoolClass


def _periods_by_grade(year) -> dict[int, list[ReportingPeriod]]:
    return {g: list(s.periods.all()) for s in ss.schemes_of_year(year) for g in s.grades}


@school_view(rules.open_journal)
def index(request):
    """Courses the person may open, with a link per period (the current one first in weight)."""
    actor = request.actor
    year = ss.current_year(actor.school)
    today = ss.local_today(actor.school)
    classes, chosen, substituted = [], None, {}
    courses = Course.objects.none()
    if year is not None:
        visible = rules.courses_visible_to(actor, year).select_related("subject", "group__school_class")
        if rules.reads_everything(actor):
            classes = list(SchoolClass.objects.filter(year=year).order_by("grade", "letter"))
            if request.GET.get("class"):
                chosen = get_in_school(actor, SchoolClass.objects.filter(year=year), pk=request.GET["class"])
                courses = visible.filter(group__school_class=chosen)
        else:
            # A substitute reaches the periods of the lessons they replaced, not the course (R-ACC-6).
            substituted = rules.substituted_periods(actor, year)
            courses = (
                Course.objects.filter(school=actor.school, year=year)
                .filter(Q(pk__in=visible.values("pk")) | Q(pk__in=list(substituted)))
                .select_related("subject", "group__school_class")
            )
    by_grade = _periods_by_grade(year) if year else {}
    rows = []
    whole = set(visible.values_list("pk", flat=True)) if substituted else None
    for course in courses.order_by("group__grade", "group__name", "subject__position", "subject__name"):
        periods = by_grade.get(course.group.grade, [])
        full = whole is None or course.pk in whole
        if not full:
            periods = [p for p in periods if p.pk in substituted[course.pk]]
        rows.append((course, periods, selectors.current_period(periods, today), full))
    return render(
        request,
        "journal/grid/index.html",
        {"year": year, "rows": rows, "classes": classes, "chosen": chosen},
    )


def course_period(actor, course_pk, period_pk):
    """A course of the actor's school and one of its reporting periods (with their lock state), or a 404; the
    actor must be allowed to read the course's journal for that period. Returns (course, period, periods)."""
    course = get_in_school(
        actor, Course.objects.select_related("subject", "group__school_class", "year"), pk=course_pk
    )
    periods = list(
        policy.periods_with_lock_state(
            ReportingPeriod.objects.filter(
                school=actor.school,
                scheme__year=course.year_id,
                scheme__grades__contains=[course.group.grade],
            ),
            course.pk,
        ).order_by("starts")
    )
    period = next((p for p in periods if p.pk == period_pk), None)
    if period is None:
        raise Http404
    require(actor, rules.view_period_journal, course, period)
    return course, period, periods


@school_view(rules.open_journal)
def grid_page(request, course_pk, period_pk):
    """The mark grid of one course in one reporting period (R-J-1, R-J-9)."""
    actor = request.actor
    course, period, periods = course_period(actor, course_pk, period_pk)
    grid = selectors.grid(course, period, only=rules.lessons_shown(actor, course, period))
    editable = set()
    locked = policy.lock_note(actor, period)
    if not course.year.is_read_only and not locked:
        editable = rules.editable_lesson_ids(
            actor, course, period, {c.lesson_id: c.date for c in grid.columns}
        )
    return render(
        request,
        "journal/grid/grid.html",
        {
            "course": course,
            "period": period,
            "periods": periods,
            "grid": grid,
            "table": render_grid(grid, editable),
            "editable": bool(editable),
            "locked": locked,
        },
    )


def _column_gone(exc: IntegrityError) -> bool:
    """The cell's column no longer exists: the foreign key of journal_cell refused it at the commit."""
    cause = exc.__cause__
    return isinstance(cause, psycopg.errors.ForeignKeyViolation) and cause.diag.table_name == "journal_cell"


def _error(message, status, **extra):
    return JsonResponse({"ok": False, "error": str(message), **extra}, status=status)


def _messages(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _reads_averages(actor, lesson) -> bool:
    """The period's average counts every lesson of the course: not for a substitute (R-ACC-6). The course's
    teacher on the lesson's date is known from the save's own query (`journal.grid.write_context`)."""
    checked = getattr(lesson, "teacher_checked", None)
    if rules.reads_everything(actor) or (checked is not None and checked == (actor.person.pk, True)):
        return True
    return rules.view_course_journal(actor, lesson.course)


@require_POST
@school_view(rules.open_journal)
def save_cell(request):
    """Saves one cell typed in the grid; answers JSON with the new display, versions and the row's average.

    Who may write is decided once, by the write policy inside the service
    (`journal.policy`, the same check for every path); a refusal is logged here.
    """
    actor = request.actor
    form = SaveCellForm(request.POST)
    if not form.is_valid():
        return _error(_("The request is incomplete."), 400)
    data = form.cleaned_data
    # Only the student's id is needed: the service checks they were in the lesson's group that day.
    student = Student(pk=data["student"], school_id=actor.school.pk)
    try:
        if data["work"]:
            try:
                work = services.work_for_write(
                    actor.school, data["work"], actor=actor, student_id=student.pk, lesson_id=data["lesson"]
                )
            except Work.DoesNotExist as exc:
                raise not_in_school(actor, Work, pk=data["work"]) from exc
            lesson = work.lesson
        else:
            lesson = get_in_school(actor, Lesson.objects.select_related("school"), pk=data["lesson"])
            work = lesson.works.order_by("position").first() or services.add_work(actor=actor, lesson=lesson)
        result = services.record_cell(
            actor=actor,
            work=work,
            student=student,
            raw=data["value"] or "",
            version=data["version"],
            attendance_version=data["att_version"],
        )
    except services.Conflict as exc:
        return _error(
            exc.message,
            409,
            display=exc.current_display,
            version=exc.current_version,
            att_version=getattr(exc, "attendance_version", None),
        )
    except PermissionDenied as exc:
        refused(actor, "journal.policy", exc)
        return _error(str(exc) or _("This lesson is locked."), 403)
    except ValidationError as exc:
        return _error(_messages(exc), 400)
    except IntegrityError as exc:
        # The column went while the save was under way (a compromised login's rollback removes a column
        # that never held marks): the database refuses the cell at the commit, and nothing is written.
        if not _column_gone(exc):
            raise
        return _error(_("This column was removed meanwhile: reload the page."), 409)
    average = None
    if _reads_averages(actor, lesson):
        average = selectors.averages_of(lesson.course_id, lesson.period_id, [student.pk]).get(student.pk)
    return JsonResponse(
        {
            "ok": True,
            "work": work.pk,
            "display": result.display,
            "version": result.cell_version,
            "att_version": result.attendance_version,
            "average": average_text(average),
        }
    )


@require_POST
@school_view(rules.open_journal)
def add_work(request):
    """Adds a mark column to a lesson, then shows the grid again."""
    actor = request.actor
    form = AddWorkForm(request.POST)
    if not form.is_valid():
        raise Http404
    lesson = get_in_school(
        actor, Lesson.objects.select_related("period", "school"), pk=form.cleaned_data["lesson"]
    )
    require(actor, rules.edit_lesson, lesson)
    work_type = None
    if form.cleaned_data["work_type"]:
        work_type = get_in_school(actor, WorkType.objects, pk=form.cleaned_data["work_type"])
    try:
        services.add_work(actor=actor, lesson=lesson, work_type=work_type)
    except ValidationError as exc:
        messages.error(request, _messages(exc))
    return redirect(reverse("journal:grid", args=[lesson.course_id, lesson.period_id]))
