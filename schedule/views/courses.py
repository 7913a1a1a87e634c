"""Courses: a subject taught to a group in a year, by teachers with dates."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import get_in_school, school_view

from .. import rules, selectors
from ..forms import CourseEditForm, CourseForm
from ..services import structure
from .common import bound, may, posted, require_for_post, submit, url_with, year_from_request


@school_view(rules.view_structure)
def course_list(request):
    require_for_post(request, rules.manage_structure)
    year = year_from_request(request)
    form = CourseForm(bound(request), year=year) if year else None
    if (
        form is not None
        and posted(request, form)
        and submit(form, structure.create_course, actor=request.actor)
    ):
        messages.success(request, _("The course is created."))
        return redirect(url_with("schedule:course_list", year=year))
    return render(
        request,
        "schedule/course_list.html",
        {
            "year": year,
            "years": selectors.years_of_school(request.actor.school),
            "form": form,
            "courses": selectors.courses_of_year(year) if year else [],
            "may_manage": may(request, rules.manage_structure) and year and not year.is_read_only,
        },
    )


@school_view(rules.manage_structure)
def course_edit(request, pk):
    course = get_in_school(request.actor, selectors.courses_with_teachers().select_related("year"), pk=pk)
    current = [a.teacher for a in course.teachers.all() if a.ends is None]
    initial = {
        "hours_per_week": course.hours_per_week,
        "teachers": current,
        "on_date": selectors.day_in_year(course.year),
    }
    form = CourseEditForm(bound(request), course=course, initial=initial)
    if posted(request, form) and submit(form, structure.update_course, actor=request.actor, course=course):
        messages.success(request, _("The course is saved."))
        return redirect(url_with("schedule:course_list", year=course.year))
    return render(
        request,
        "schedule/course_edit.html",
        {
            "title": str(course),
            "course": course,
            "form": form,
            "year": course.year,
            "back": url_with("schedule:course_list", year=course.year),
        },
    )
