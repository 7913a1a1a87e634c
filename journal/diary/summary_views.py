"""The summary sheet pages (R-D-5): one student's (a diary tab) and a class's, each with its PDF.

Who may see them:

| page                | admin | director | deputy | class teacher | teacher | student | parent     | other school |
|---------------------|-------|----------|--------|---------------|---------|---------|------------|--------------|
| student's sheet/PDF | yes   | yes      | yes    | own class     | 404     | own     | own child  | 404          |
| class sheet/PDF     | yes   | yes      | yes    | own class     | 403     | 403     | 403        | 404          |

The student's pages go through the diary's rule (`journal.diary.frame.diary_frame`: anyone
else gets 404, as if the student did not exist, R-ACC-4). The class pages follow the
journal's convention: a class of this school is known to everyone in it, so a reader
without the right gets 403 (as on the class's attendance page, whose rule,
`rules.view_class_attendance`, is the same: readers and the class's class teacher).
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache

from accounts.access import get_in_school, require, school_view
from accounts.pdf import pdf_response, render_pdf
from journal import rules
from journal.diary import summary as sheets
from journal.diary.frame import diary_frame
from journal.diary.summary_forms import RangeForm, query
from schedule import selectors as ss
from schedule.models import SchoolClass

# Who reads a class's summary sheets: the school's readers and the class's class teacher.
view_class_summary = rules.view_class_attendance
PDF_LANGUAGE = "ru"  # a paper for the families who refused the electronic diary: the school's language


def _form(request) -> RangeForm:
    form = RangeForm(request.GET, today=ss.local_today(request.actor.school))
    form.is_valid()
    return form


def _ranges(form: RangeForm) -> dict:
    """The valid range (or None), its query string and those of the ranges just before and after it."""
    scope = form.scope() if form.is_valid() else None
    if scope is None:
        return {"form": form, "scope": None, "query": "", "previous": "", "next": ""}
    return {
        "form": form,
        "scope": scope,
        "query": query(scope),
        "previous": query(scope.shifted(-1)),
        "next": query(scope.shifted(1)),
    }


def _pdf(request, context: dict, filename: str):
    with translation.override(PDF_LANGUAGE):
        content = render_pdf("journal/diary/summary_pdf.html", context, request=request)
    return pdf_response(content, filename)


def _filename(name: str, scope: sheets.Scope) -> str:
    return f"{name} {scope.starts:%d.%m.%Y}–{scope.ends:%d.%m.%Y}.pdf"


@never_cache
@school_view()
def student_summary(request, pk):
    """The student's summary sheet for the range asked (the past school week by default)."""
    context = _ranges(_form(request))
    scope = context["scope"]
    frame = context["frame"] = diary_frame(request, pk, "summary", on=scope.held_until if scope else None)
    if scope is not None:
        context["sheet"] = sheets.student_sheet(frame.student, scope)
    return render(request, "journal/diary/summary.html", context)


@never_cache
@school_view()
def student_summary_pdf(request, pk):
    """The student's summary sheet as an A4 PDF with the signature lines; a bad range goes back to the page."""
    form = _form(request)
    if not form.is_valid():
        diary_frame(request, pk, "summary")  # the access check first: a stranger learns nothing
        return redirect(reverse("diary:summary", args=[pk]) + "?" + request.GET.urlencode())
    scope = form.scope()
    frame = diary_frame(request, pk, "summary", on=scope.held_until)
    sheet = sheets.student_sheet(frame.student, scope)
    context = {"school": request.actor.school, "scope": scope, "pages": [(sheet, frame.school_class)]}
    return _pdf(request, context, _filename(frame.student.person.last_name, scope))


def _class(request, pk) -> SchoolClass:
    actor = request.actor
    school_class = get_in_school(
        actor, SchoolClass.objects.select_related("class_teacher", "year", "school"), pk=pk
    )
    require(actor, view_class_summary, school_class)
    return school_class


@never_cache
@school_view()
def class_summary(request, pk):
    """Every student of the class with their totals for the range, links to each sheet and the PDFs."""
    school_class = _class(request, pk)
    context = _ranges(_form(request))
    context["school_class"] = school_class
    if context["scope"] is not None:
        students = sheets.class_sheets(school_class, context["scope"])
        totals = sheets.Counts()
        for s in students:
            totals.add(s.totals)
        context.update(students=students, totals=totals)
    return render(request, "journal/diary/class_summary.html", context)


@never_cache
@school_view()
def class_summary_pdf(request, pk):
    """One A4 page (or more) per student of the class, to print and hand out; a bad range goes back to the page."""
    school_class = _class(request, pk)
    form = _form(request)
    if not form.is_valid():
        return redirect(reverse("diary:class_summary", args=[pk]) + "?" + request.GET.urlencode())
    scope = form.scope()
    pages = [(sheet, school_class) for sheet in sheets.class_sheets(school_class, scope)]
    context = {"school": request.actor.school, "scope": scope, "pages": pages, "school_class": school_class}
    return _pdf(request, context, _filename(school_class.name, scope))
