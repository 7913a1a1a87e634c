"""The setup overview, academic years, reporting periods and holidays."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_in_school, school_view

from .. import rules, selectors
from ..forms import HolidayForm, PeriodForm, SchemeForm, SchemeGradesForm, YearEditForm, YearForm
from ..models import AcademicYear, Holiday, PeriodScheme, ReportingPeriod
from ..services import years
from .common import bound, form_page, may, posted, require_for_post, submit, url_with, year_from_request


@school_view(rules.manage_structure)
def setup(request):
    year = year_from_request(request)
    counts = selectors.setup_counts(request.actor.school, year)
    context = {"year": year, "years": selectors.years_of_school(request.actor.school), "counts": counts}
    return render(request, "schedule/setup.html", context)


@school_view(rules.view_structure)
def year_list(request):
    require_for_post(request, rules.manage_structure)
    form = YearForm(bound(request))
    if posted(request, form) and (year := submit(form, years.create_year, actor=request.actor)):
        messages.success(
            request, _("The year %(year)s is created with default reporting periods.") % {"year": year.name}
        )
        return redirect("schedule:period_list", pk=year.pk)
    return render(
        request,
        "schedule/year_list.html",
        {
            "years": selectors.years_of_school(request.actor.school),
            "form": form,
            "may_manage": may(request, rules.manage_structure),
        },
    )


@school_view(rules.manage_structure)
def year_edit(request, pk):
    year = get_in_school(request.actor, AcademicYear.objects, pk=pk)
    initial = {"name": year.name, "starts": year.starts, "ends": year.ends, "status": year.status}
    form = YearEditForm(bound(request), initial=initial)
    return form_page(
        request,
        form,
        service=years.update_year,
        year=year,
        done=_("The year is saved."),
        to=url_with("schedule:year_list"),
        title=_("Academic year %(year)s") % {"year": year.name},
        page_year=year,
        back=url_with("schedule:year_list"),
    )


@school_view(rules.view_structure)
def period_list(request, pk):
    year = get_in_school(request.actor, AcademicYear.objects, pk=pk)
    require_for_post(request, rules.manage_periods)
    schemes = selectors.schemes_of_year(year)
    form = SchemeGradesForm(bound(request), year=year, schemes=schemes)
    if posted(request, form) and submit(
        form, years.assign_scheme_grades, data={"grades": form.mapping()}, actor=request.actor, year=year
    ):
        messages.success(request, _("The grades are assigned to the schemes."))
        return redirect("schedule:period_list", pk=year.pk)
    return render(
        request,
        "schedule/period_list.html",
        {
            "year": year,
            "schemes": schemes,
            "form": form,
            "may_manage": may(request, rules.manage_periods),
            "holidays": selectors.holidays_of_year(year),
        },
    )


@school_view(rules.manage_periods)
def scheme_create(request, pk):
    year = get_in_school(request.actor, AcademicYear.objects, pk=pk)
    form = SchemeForm(bound(request))
    return form_page(
        request,
        form,
        service=years.create_scheme,
        year=year,
        done=_("The scheme is created with default periods; check their dates."),
        to=url_with("schedule:period_list", pk=year.pk),
        title=_("New period scheme for %(year)s") % {"year": year.name},
        page_year=year,
        back=url_with("schedule:period_list", pk=year.pk),
    )


@school_view(rules.manage_periods)
def period_create(request, pk):
    scheme = get_in_school(request.actor, PeriodScheme.objects.select_related("year"), pk=pk)
    number = scheme.periods.count() + 1
    form = PeriodForm(bound(request), initial={"name": years.period_name(scheme.kind, number)})
    return form_page(
        request,
        form,
        service=years.save_period,
        scheme=scheme,
        done=_("The reporting period is saved."),
        to=url_with("schedule:period_list", pk=scheme.year_id),
        title=_("New period: %(scheme)s") % {"scheme": scheme},
        page_year=scheme.year,
        back=url_with("schedule:period_list", pk=scheme.year_id),
    )


@school_view(rules.manage_periods)
def period_edit(request, pk):
    period = get_in_school(request.actor, ReportingPeriod.objects.select_related("scheme__year"), pk=pk)
    form = PeriodForm(
        bound(request), initial={"name": period.name, "starts": period.starts, "ends": period.ends}
    )
    if posted(request, form) and submit(
        form, years.save_period, actor=request.actor, scheme=period.scheme, period=period
    ):
        messages.success(request, _("The reporting period is saved."))
        return redirect("schedule:period_list", pk=period.scheme.year_id)
    return render(
        request,
        "schedule/form_page.html",
        {
            "title": _("Reporting period: %(name)s") % {"name": period.name},
            "form": form,
            "year": period.scheme.year,
            "back": url_with("schedule:period_list", pk=period.scheme.year_id),
            "delete_url": url_with("schedule:period_delete", pk=period.pk),
        },
    )


@require_POST
@school_view(rules.manage_periods)
def period_delete(request, pk):
    period = get_in_school(request.actor, ReportingPeriod.objects.select_related("scheme__year"), pk=pk)
    try:
        years.delete_period(actor=request.actor, period=period)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The reporting period is deleted."))
    return redirect("schedule:period_list", pk=period.scheme.year_id)


@school_view(rules.view_structure)
def holiday_list(request):
    require_for_post(request, rules.manage_structure)
    year = year_from_request(request)
    form = HolidayForm(bound(request))
    if posted(request, form) and year and submit(form, years.save_holiday, actor=request.actor, year=year):
        messages.success(request, _("The holiday is saved."))
        return redirect(url_with("schedule:holiday_list", year=year))
    return render(
        request,
        "schedule/holiday_list.html",
        {
            "year": year,
            "years": selectors.years_of_school(request.actor.school),
            "form": form,
            "holidays": selectors.holidays_of_year(year) if year else [],
            "may_manage": may(request, rules.manage_structure),
        },
    )


@school_view(rules.manage_structure)
def holiday_edit(request, pk):
    holiday = get_in_school(request.actor, Holiday.objects.select_related("year"), pk=pk)
    initial = {"name": holiday.name, "starts": holiday.starts, "ends": holiday.ends, "grades": holiday.grades}
    form = HolidayForm(bound(request), initial=initial)
    if posted(request, form) and submit(
        form, years.save_holiday, actor=request.actor, year=holiday.year, holiday=holiday
    ):
        messages.success(request, _("The holiday is saved."))
        return redirect(url_with("schedule:holiday_list", year=holiday.year))
    return render(
        request,
        "schedule/form_page.html",
        {
            "title": _("Holiday: %(name)s") % {"name": holiday.name},
            "form": form,
            "year": holiday.year,
            "back": url_with("schedule:holiday_list", year=holiday.year),
            "delete_url": url_with("schedule:holiday_delete", pk=holiday.pk),
        },
    )


@require_POST
@school_view(rules.manage_structure)
def holiday_delete(request, pk):
    holiday = get_in_school(request.actor, Holiday.objects.select_related("year"), pk=pk)
    try:
        years.delete_holiday(actor=request.actor, holiday=holiday)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The holiday is deleted."))
    return redirect(url_with("schedule:holiday_list", year=holiday.year))
