"""Pages of the period printouts and year summary sheets (R-R-5, R-R-6), and the public verification page.

- `printouts`: a period's classes (or the year's, for the summary sheets) with where each printout
  stands and who holds it up; the deputy or admin generates one class or all (Celery renders them;
  the table polls itself while a file is being built).
- `printout`: one printout's pages and sign-off steps, with the buttons of the steps the viewer may do.
- `printout_pdf` / `printout_xlsx`: the files (the draft until frozen, then the signed copy).
- `verify`: public, no sign-in: what a code stands for and whether a copy matches.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import get_in_school, require, school_view
from schedule import selectors as ss
from schedule.models import ReportingPeriod, SchoolClass

from . import printout_rules as rules
from . import printout_selectors as selectors
from . import printout_xlsx, printouts, signoff, verification
from .models import Printout, Step
from .printout_pdf import pretty_code

YEAR = "year"


def _periods(year) -> list[ReportingPeriod]:
    return list(
        ReportingPeriod.objects.filter(scheme__year=year).select_related("scheme").order_by("starts", "ends")
    )


def _default_period(periods, today):
    ended = [p for p in periods if p.ends < today]
    if ended:
        return max(ended, key=lambda p: (p.ends, len(p.scheme.grades)))
    return periods[0] if periods else None


def _chosen(request, year, periods):
    """(period or None for the year summary, error message): from ?period=<id>|year, else the last ended one."""
    raw = request.GET.get("period") or request.POST.get("period") or ""
    if raw == YEAR:
        return None, ""
    if raw:
        period = next((p for p in periods if str(p.pk) == raw), None)
        if period is None:
            return _default_period(periods, ss.local_today(year.school)), _(
                "No such reporting period: the last ended one is shown."
            )
        return period, ""
    return _default_period(periods, ss.local_today(year.school)), ""


def list_context(actor, request) -> dict:
    """The list page: 8 queries whatever the number of classes, printouts or signatures."""
    school = actor.school
    year = ss.current_year(school)
    if year is None:
        return {"year": None}
    periods = _periods(year)
    period, error = _chosen(request, year, periods)
    rows = selectors.period_rows(school, year, period)
    return {
        "year": year,
        "periods": periods,
        "period": period,
        "is_year": period is None,
        "choice": str(period.pk) if period else YEAR,
        "error": error,
        "rows": rows,
        "polling": any(r.printout and r.printout.rendering for r in rows),
        "may_generate": rules.generate_printouts(actor),
        "signed": sum(1 for r in rows if r.state and r.state.stage == "frozen"),
        "started": sum(1 for r in rows if r.printout),
    }


@school_view(rules.view_printout_list)
def printouts_page(request):
    """A period's classes with their printouts; `?partial=1` answers the table alone (polled)."""
    context = list_context(request.actor, request)
    if request.GET.get("partial"):
        return render(request, "reports/printouts/_table.html", context)
    return render(request, "reports/printouts/list.html", context)


@require_POST
@school_view(rules.generate_printouts)
def generate(request):
    """Generate the printout of one class (`class`) or of every class of the period (`all`)."""
    actor = request.actor
    year = ss.current_year(actor.school)
    if year is None:
        raise Http404
    raw = request.POST.get("period") or ""
    period = None
    if raw != YEAR:
        period = get_in_school(
            actor, ReportingPeriod.objects.select_related("scheme"), pk=raw, scheme__year=year
        )
    classes = SchoolClass.objects.filter(year=year).order_by("grade", "letter")
    if period is not None:
        classes = classes.filter(grade__in=period.scheme.grades)
    if not request.POST.get("all"):
        classes = [get_in_school(actor, classes, pk=request.POST.get("class"))]
    made = signoff.generate_many(actor=actor, classes=list(classes), period=period)
    unsent = Printout.objects.filter(pk__in=[p.pk for p in made], render_error=Printout.UNSENT).exists()
    if unsent:
        messages.warning(
            request,
            _(
                "The rendering service is not answering: the printouts wait in the queue and are built once it is back."
            ),
        )
    else:
        messages.success(
            request,
            _("%(n)d printouts are being prepared: the table shows when each is ready.") % {"n": len(made)},
        )
    return redirect(reverse("reports:printouts") + f"?period={period.pk if period else YEAR}")


def _printout(actor, pk) -> Printout:
    printout = get_in_school(
        actor, Printout.objects.select_related("class_teacher", "school_class", "period", "year"), pk=pk
    )
    require(actor, rules.view_printout, printout)
    return printout


def detail_context(actor, printout, errors=None) -> dict:
    state = signoff.state_of(printout)
    changed = selectors.changed_after([printout.pk])
    mine = {
        c.course_id
        for c in state.courses
        if not c.signature and state.stage == "courses" and rules.confirm_course(actor, printout, c.course_id)
    }
    return {
        "printout": printout,
        "state": state,
        "title": printouts.title(printout),
        "changed": printout.pk in changed,
        "mine": mine,
        "may_certify": state.stage == "class_teacher" and rules.certify_title(actor, printout),
        "may_deputy": state.stage == "deputy" and rules.sign_as_deputy(actor, printout),
        "may_director": state.stage == "director" and rules.sign_as_director(actor, printout),
        "may_list": rules.view_printout_list(actor),
        "may_generate": rules.generate_printouts(actor) and not printout.is_frozen,
        "errors": errors or [],
        "code": printout.code,
        "pretty": pretty_code(printout.code),
    }


@school_view()
def printout_page(request, pk):
    """One printout: its pages and sign-off steps; the buttons of the steps the viewer may do now."""
    printout = _printout(request.actor, pk)
    context = detail_context(request.actor, printout)
    if request.GET.get("partial"):
        return render(request, "reports/printouts/_steps.html", context)
    return render(request, "reports/printouts/detail.html", context)


@require_POST
@school_view()
def sign(request, pk):
    """Sign one step (`step`, and `course` for a course's pages); a refusal is shown on the page (400)."""
    actor = request.actor
    printout = _printout(actor, pk)
    step = request.POST.get("step", "")
    try:
        course_id = int(request.POST.get("course") or 0) or None
    except ValueError:
        course_id = None
    try:
        signoff.sign(actor=actor, printout=printout, step=step, course_id=course_id)
    except ValidationError as exc:
        context = detail_context(actor, printout, errors=exc.messages)
        return render(request, "reports/printouts/detail.html", context, status=400)
    done = {
        Step.COURSE: _("The pages are confirmed."),
        Step.CLASS_TEACHER: _("The title page is certified."),
        Step.DEPUTY: _("Signed by the deputy director."),
        Step.DIRECTOR: _("Signed by the director: the copy is being frozen and gets its verification code."),
    }
    messages.success(request, done[step])
    return redirect("reports:printout", pk=printout.pk)


@school_view()
def printout_pdf(request, pk):
    """The signed copy once frozen, else the draft; 404 while no file is built yet."""
    printout = _printout(request.actor, pk)
    field = printout.final if printout.is_frozen else printout.draft
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    suffix = "" if printout.is_frozen else " " + _("draft")
    name = f"{printout_xlsx.file_name(printout)}{suffix}.pdf"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type="application/pdf")
    response["Cache-Control"] = "no-store"
    return response


@school_view()
def printout_xlsx_view(request, pk):
    """The same content as XLSX, built from the snapshot on the spot (well under a second)."""
    printout = _printout(request.actor, pk)
    if "kind" not in printout.data:  # the worker has not read the journal yet
        raise Http404
    content = printout_xlsx.workbook(printout, list(printout.signatures.all()))
    response = HttpResponse(content, content_type=printout_xlsx.CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{printout_xlsx.file_name(printout)}.xlsx"
    )
    response["Cache-Control"] = "no-store"
    return response


# Public


def verify_lookup(request):
    """The public form to type a code in; a valid code goes to its page."""
    form = verification.LookupForm(request.GET or None)
    if form.is_valid():
        return redirect("reports:verify", code=form.cleaned_data["code"])
    return render(request, "reports/printouts/verify.html", {"lookup": form, "printout": None})


@require_http_methods(["GET", "POST"])
def verify(request, code):
    """Public: what the code stands for (no personal data); POST a PDF or a SHA-256 to compare."""
    printout = verification.find(code)
    if printout is None:
        form = verification.LookupForm({"code": code})
        form.is_valid()
        return render(
            request,
            "reports/printouts/verify.html",
            {"lookup": form, "printout": None, "unknown": True},
            status=404,
        )
    outcome = None
    form = verification.CompareForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        outcome = verification.compare(printout, form)
    return render(
        request,
        "reports/printouts/verify.html",
        {
            "printout": printout,
            "form": form,
            "outcome": outcome,
            "newer": verification.newer_version_exists(printout) if printout.is_frozen else False,
            "code": printout.code,
            "pretty": pretty_code(printout.code),
        },
    )
