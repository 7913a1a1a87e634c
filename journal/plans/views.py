"""The thematic plan pages (R-J-5): a course's plan against the lessons held, its XLSX
template, import and export, clearing it, and the overview of every course's plan."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import get_in_school, require, school_view
from journal import rules
from journal.plans import services as plans
from journal.plans import xlsx as plan_xlsx
from journal.plans.forms import ClearPlanForm, PlanImportForm
from journal.plans.selectors import plan_report, plan_topics, plans_overview
from schedule import selectors as ss
from schedule.models import Course, SchoolClass


def _course(actor, pk) -> Course:
    return get_in_school(
        actor, Course.objects.select_related("subject", "group__school_class", "year", "school"), pk=pk
    )


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=plan_xlsx.CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _plan_page(request, course, form=None, status=200):
    actor = request.actor
    may_edit = rules.edit_plan(actor, course) and not course.year.is_read_only
    report = plan_report(course, ss.local_today(course.school))
    context = {
        "course": course,
        "report": report,
        "may_edit": may_edit,
        "form": form or (PlanImportForm() if may_edit else None),
    }
    return render(request, "journal/plans/plan.html", context, status=status)


@require_GET
@school_view(rules.open_journal)
def plan_page(request, course_pk):
    """The plan of one course: topics with planned and delivered hours, totals, and for editors the import."""
    course = _course(request.actor, course_pk)
    require(request.actor, rules.view_plan, course)
    return _plan_page(request, course)


@require_POST
@school_view(rules.open_journal)
def plan_import(request, course_pk):
    """Replaces the course's plan by an uploaded XLSX; every problem is shown next to the file field."""
    actor = request.actor
    course = _course(actor, course_pk)
    require(actor, rules.edit_plan, course)
    form = PlanImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            change = plans.replace_plan(actor=actor, course=course, rows=form.rows)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(
                request,
                _("The plan is loaded: %(topics)s topics, %(hours)s hours.")
                % {"topics": change.topics, "hours": change.hours},
            )
            if change.unlinked_lessons:
                messages.warning(
                    request,
                    _("%(count)s lessons lost their link to a plan topic that changed or was removed.")
                    % {"count": change.unlinked_lessons},
                )
            return redirect("journal:plan", course_pk=course.pk)
    return _plan_page(request, course, form=form, status=400)


@require_POST
@school_view(rules.open_journal)
def plan_clear(request, course_pk):
    """Deletes the whole plan after a confirmation page (a POST without `confirm` shows it)."""
    actor = request.actor
    course = _course(actor, course_pk)
    require(actor, rules.edit_plan, course)
    form = ClearPlanForm(request.POST)
    if not (form.is_valid() and form.cleaned_data["confirm"]):
        topics = plan_topics(course).count()
        return render(request, "journal/plans/clear.html", {"course": course, "topics": topics})
    try:
        change = plans.clear_plan(actor=actor, course=course)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The plan is cleared: %(count)s topics deleted.") % {"count": change.removed}
        )
    return redirect("journal:plan", course_pk=course.pk)


@require_GET
@school_view(rules.open_journal)
def plan_export(request, course_pk):
    """The current plan as XLSX in the template's layout, to edit and upload again."""
    course = _course(request.actor, course_pk)
    require(request.actor, rules.view_plan, course)
    data = plan_xlsx.export_workbook(plan_topics(course))
    name = slugify(f"ktp {course.subject.name} {course.group.name}", allow_unicode=True)
    return _xlsx(data, f"{name}.xlsx")


@require_GET
@school_view(rules.may_download_template)
def plan_template(request):
    """The empty plan template with example rows and instructions."""
    return _xlsx(plan_xlsx.template_workbook(), _("plan-template") + ".xlsx")


@require_GET
@school_view(rules.open_journal)
def plans_index(request):
    """Planned against delivered hours per course: readers choose a class, teachers see their courses."""
    actor = request.actor
    year = ss.current_year(actor.school)
    classes, chosen, courses = [], None, Course.objects.none()
    if year is not None:
        visible = rules.courses_visible_to(actor, year).select_related("subject", "group")
        if rules.reads_everything(actor):
            classes = list(SchoolClass.objects.filter(year=year).order_by("grade", "letter"))
            if request.GET.get("class"):
                chosen = get_in_school(actor, SchoolClass.objects.filter(year=year), pk=request.GET["class"])
                courses = visible.filter(group__school_class=chosen)
        else:
            courses = visible
    rows = plans_overview(courses, ss.local_today(actor.school)).order_by(
        "group__grade", "group__name", "subject__position", "subject__name"
    )
    context = {"year": year, "classes": classes, "chosen": chosen, "rows": list(rows)}
    return render(request, "journal/plans/plans.html", context)
