"""The finals view of a course's journal (R-F-1…6): final marks typed keyboard-first, proposals
accepted, the locks shown; and its endpoints (save one final, accept all proposals, lock again,
the admin's reopening).

Reads go through `journal.finals.selectors`, rights through `journal.rules`, every write through
`journal.finals.services` (which checks the period, the locks and the subject once more).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_POST

from accounts.access import get_in_school, not_in_school, refused, require, school_view
from accounts.models import Person, Student
from accounts.selectors import local_today
from journal import rules
from journal.finals.forms import AcceptFinalsForm, LockFinalsForm, ReopenFinalsForm, SaveFinalForm
from journal.finals.selectors import FinalCell, PeriodState, course_for_finals, finals_table
from journal.finals.services import accept_proposals, lock_course_period, record_final, reopen_course_period
from journal.grid import services
from journal.models import FinalKind
from schedule.models import Course, CourseTeacher, ReportingPeriod


def _course(actor, pk) -> Course:
    """The course of the actor's school with what the finals view reads; 404 for any other."""
    try:
        return course_for_finals(actor.school, pk)
    except (ValueError, TypeError) as exc:
        raise Http404 from exc
    except Course.DoesNotExist as exc:
        raise not_in_school(actor, Course, pk=pk) from exc


def _period(actor, pk) -> ReportingPeriod | None:
    if pk is None:
        return None
    return get_in_school(actor, ReportingPeriod.objects.select_related("scheme"), pk=pk)


def _course_and_period(actor, form) -> tuple[Course, ReportingPeriod | None]:
    """The course and period a finals button names; the actor must be allowed to set the course's finals."""
    course = _course(actor, form.cleaned_data["course"])
    require(actor, rules.set_finals, course)
    return course, _period(actor, form.cleaned_data["period"])


def _messages(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _back(course: Course):
    return redirect(reverse("journal:finals", args=[course.pk]))


# The page


@dataclass
class Column:
    """One column of the finals table: a period's final, the year's, the exam's or the overall final."""

    kind: str
    label: str
    state: PeriodState | None  # None for the exam and the overall final
    editable: bool = False
    accept: bool = False  # "Accept all proposals"
    lock: bool = False  # "Lock the period again"
    reopen: bool = False  # the admin's "Reopen"
    late: bool = False
    begun: bool = True  # the period has begun: its finals can be entered, its proposals shown
    ended: bool = False  # the period has ended (or its deadline has come): missing marks are flagged
    reopen_form: ReopenFinalsForm | None = None

    @property
    def period(self):
        return self.state.period if self.state and self.kind == FinalKind.PERIOD else None

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.period.pk}" if self.period else self.kind


@dataclass
class Shown:
    """One cell as shown: the selector's cell, whether it takes input, whether it is greyed out."""

    cell: FinalCell
    column: Column
    edit: bool
    out: bool

    @property
    def warn(self) -> bool:
        """No current marks in a period that has begun: make-up work first (R-F-3, regulation 7.3)."""
        return self.cell.no_marks and self.column.ended

    @property
    def proposal(self):
        """The proposal shown: not for a period that has not begun, nor for a student out of the group."""
        return self.cell.proposal if self.column.begun and not self.out else None


@dataclass
class Line:
    student: Student
    cells: list[Shown] = field(default_factory=list)
    left: bool = False


def _columns(actor, course, table, today, can_set: bool, is_admin: bool, reopen_forms: dict) -> list[Column]:
    columns = []
    states = table.periods
    last = states[-1] if states else None
    for state in states:
        begun = today >= state.period.starts
        editable = can_set and begun and (is_admin or not state.locked)
        complete = state.complete and (state is not last or table.year_state.complete)
        # Accepting all proposals locks the period once complete: offered from its end or its deadline only.
        ended = today > state.period.ends or today >= state.due
        column = Column(
            FinalKind.PERIOD,
            state.period.name,
            state,
            editable=editable,
            accept=editable and ended and state.proposals > 0,
            begun=begun,
            ended=ended,
            lock=can_set and begun and complete and not state.locked,
            reopen=is_admin and state.course_locked,
            late=state.needed > state.entered and today > state.due,
            reopen_form=reopen_forms.get(state.period.pk),
        )
        columns.append(column)
    year = table.year_state
    last_begun = last is not None and today >= last.period.starts
    year_editable = can_set and last_begun and (is_admin or not year.locked)
    columns.append(
        Column(
            FinalKind.YEAR,
            pgettext("final mark", "Year"),
            year,
            editable=year_editable,
            accept=year_editable and (today > last.period.ends or today >= year.due) and year.proposals > 0,
            late=last is not None and year.needed > year.entered and today > year.due,
            begun=last_begun,
        )
    )
    closing = can_set and last_begun and (is_admin or not year.closed)
    columns.append(
        Column(FinalKind.EXAM, pgettext("final mark", "Exam"), None, editable=closing, begun=last_begun)
    )
    columns.append(
        Column(FinalKind.FINAL, pgettext("final mark", "Final"), None, editable=closing, begun=last_begun)
    )
    return columns


def _lines(table, columns: list[Column]) -> list[Line]:
    lines = []
    for row in table.rows:
        year_cell = next(c for c in row.cells if c.kind == FinalKind.YEAR)
        line = Line(row.student)
        for cell, column in zip(row.cells, columns, strict=True):
            if cell.kind in (FinalKind.PERIOD, FinalKind.YEAR):
                needed = cell.needed
                edit = column.editable and needed and not (cell.no_marks and cell.mark is None)
            else:  # exam and overall final: those in the group at the year's end
                needed = year_cell.needed
                edit = column.editable and needed
            line.cells.append(Shown(cell, column, edit, out=not needed and cell.mark is None))
        line.left = all(s.out for s in line.cells)
        lines.append(line)
    return lines


def _render(request, course: Course, *, reopen_forms: dict | None = None, status: int = 200):
    actor = request.actor
    today = local_today(course.school)
    table = finals_table(course, today)
    can_set = table.takes_finals and not course.year.is_read_only and rules.set_finals(actor, course)
    is_admin = rules.manage_period_locks(actor)
    columns = _columns(actor, course, table, today, can_set, is_admin, reopen_forms or {})
    lines = _lines(table, columns) if table.takes_finals else []
    shown = {c.period.pk for c in columns if c.reopen and c.period}
    for pk, form in (reopen_forms or {}).items():
        if pk not in shown:  # no reopen form on the page to show the error next to
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
    teachers = [
        ct.teacher
        for ct in CourseTeacher.objects.filter(course=course).select_related("teacher").order_by("starts")
    ]
    users = {e.actor_id for e in table.events if e.actor_id}
    names = {
        p.user_id: p.short_name for p in Person.objects.filter(school_id=course.school_id, user_id__in=users)
    }
    grid_period = next((s.period for s in table.periods if s.period.ends >= today), None)
    if grid_period is None and table.periods:
        grid_period = table.periods[-1].period
    events = [(e, names.get(e.actor_id) or (e.actor.username if e.actor else "—")) for e in table.events]
    return render(
        request,
        "journal/finals/finals.html",
        {
            "course": course,
            "table": table,
            "columns": columns,
            "period_columns": [
                c
                for c in columns
                if c.kind in (FinalKind.PERIOD, FinalKind.YEAR) and (c.begun or c.state.locked)
            ],
            "lines": lines,
            "teachers": teachers,
            "events": events,
            "editable": any(c.editable for c in columns),
            "today": today,
            "grid_period": grid_period,
        },
        status=status,
    )


@school_view(rules.open_journal)
def finals_page(request, course_pk):
    """The final marks of one course: proposals, inputs, the periods' deadlines and locks (R-F-1…6)."""
    actor = request.actor
    course = _course(actor, course_pk)
    require(actor, rules.view_finals, course)
    return _render(request, course)


# The endpoints


def _error(message, status, **extra):
    return JsonResponse({"ok": False, "error": str(message), **extra}, status=status)


@require_POST
@school_view(rules.open_journal)
def save_final(request):
    """Saves one final mark typed in the finals view; answers JSON (as `journal:save_cell`)."""
    actor = request.actor
    form = SaveFinalForm(request.POST)
    if not form.is_valid():
        return _error(_("The request is incomplete."), 400)
    data = form.cleaned_data
    course = _course(actor, data["course"])
    require(actor, rules.set_finals, course)
    student = get_in_school(actor, Student.objects, pk=data["student"])
    period = _period(actor, data["period"])
    try:
        result = record_final(
            actor=actor,
            course=course,
            student=student,
            kind=data["kind"],
            period=period,
            raw=data["value"] or "",
            version=data["version"],
        )
    except services.Conflict as exc:
        return _error(exc.message, 409, value=exc.current_display, version=exc.current_version)
    except PermissionDenied as exc:
        refused(actor, "journal.policy", exc)
        return _error(str(exc) or _("You may not set this final mark."), 403)
    except ValidationError as exc:
        return _error(_messages(exc), 400)
    proposal = result.proposal
    return JsonResponse(
        {
            "ok": True,
            "value": "" if result.value is None else str(result.value),
            "version": result.version,
            "locked": result.locked,
            "proposal": (
                {"mark": proposal.mark, "shown": proposal.shown, "rule": proposal.rule} if proposal else None
            ),
        }
    )


@require_POST
@school_view(rules.open_journal)
def accept_finals(request):
    """Every missing final of a period (or the year) set to its proposal, then back to the page."""
    actor = request.actor
    form = AcceptFinalsForm(request.POST)
    if not form.is_valid():
        raise Http404
    course, period = _course_and_period(actor, form)
    return _act(
        request,
        course,
        lambda: accept_proposals(actor=actor, course=course, kind=form.cleaned_data["kind"], period=period),
        lambda n: (
            ngettext(
                "%(n)d final mark set from the proposals.", "%(n)d final marks set from the proposals.", n
            )
            % {"n": n}
        ),
    )


def _act(request, course, call, success):
    """Run a finals service for a form button; its refusal or success as a message, then back to the page."""
    try:
        result = call()
    except PermissionDenied as exc:
        refused(request.actor, "journal.policy", exc)
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _messages(exc))
    else:
        messages.success(request, success(result))
    return _back(course)


@require_POST
@school_view(rules.open_journal)
def lock_finals(request):
    """The teacher locks a course's period again after the admin reopened it (all finals in)."""
    actor = request.actor
    form = LockFinalsForm(request.POST)
    if not form.is_valid():
        raise Http404
    course, period = _course_and_period(actor, form)
    return _act(
        request,
        course,
        lambda: lock_course_period(actor=actor, course=course, period=period),
        lambda _none: _("%(period)s is locked again.") % {"period": period.name},
    )


@require_POST
@school_view(rules.open_journal)
def reopen_finals(request):
    """The school admin reopens a course's locked period for a reason, which is recorded (R-F-5)."""
    actor = request.actor
    form = ReopenFinalsForm(request.POST)
    try:
        course_pk = int(request.POST.get("course", ""))
        period_pk = int(request.POST.get("period", ""))
    except ValueError as exc:
        raise Http404 from exc
    course = _course(actor, course_pk)
    require(actor, rules.manage_period_locks)
    period = _period(actor, period_pk)
    if form.is_valid():
        try:
            reopen_course_period(
                actor=actor, course=course, period=period, reason=form.cleaned_data["reason"]
            )
        except PermissionDenied as exc:
            refused(actor, "journal.policy", exc)
            raise
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.error(request, _messages(exc))
                return _back(course)
        else:
            messages.success(
                request, _("%(period)s is reopened for the course's teacher.") % {"period": period.name}
            )
            return _back(course)
    return _render(request, course, reopen_forms={period.pk: form}, status=400)
