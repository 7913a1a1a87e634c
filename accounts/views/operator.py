"""The district operator's pages: the list of schools and a new school with its first admin."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render

from ..access import operator_view
from ..forms_operator import NewSchoolForm
from ..selectors_operator import schools_overview
from ..services import schools


@operator_view
def school_list(request):
    return render(request, "accounts/operator/schools.html", {"schools": schools_overview()})


@operator_view
def school_create(request):
    form = NewSchoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            school, admin_person, code = schools.create_school(actor=request.actor, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, school.short_name)
            return render(
                request,
                "accounts/operator/school_created.html",
                {"school": school, "admin": admin_person, "code": code},
            )
    return render(request, "accounts/operator/school_form.html", {"form": form})
