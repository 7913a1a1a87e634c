"""The filter form of the mark log report (GET): year, who changed, class, dates of the change, kind, student."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Person, Role
from journal.marklog.report import KINDS, LogFilter
from schedule import selectors as ss
from schedule.models import AcademicYear, SchoolClass


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class MarkLogFilterForm(forms.Form):
    year = forms.ModelChoiceField(
        label=_("Academic year"), queryset=AcademicYear.objects.none(), required=False, empty_label=None
    )
    actor = PersonChoiceField(
        label=_("Changed by"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("anyone"),
    )
    school_class = forms.ModelChoiceField(
        label=_("Class"), queryset=SchoolClass.objects.none(), required=False, empty_label=_("all classes")
    )
    date_from = forms.DateField(label=_("Changed from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Changed until"), required=False, widget=DateInput())
    kind = forms.ChoiceField(
        label=_("What changed"), required=False, choices=[("", _("everything")), *KINDS.items()]
    )
    student = forms.CharField(label=_("Student"), required=False, max_length=100, strip=True)

    def __init__(self, data, *, school):
        default_year = ss.current_year(school)
        if default_year is not None and not data.get("year"):
            data = data.copy()
            data["year"] = str(default_year.pk)
        super().__init__(data)
        self.school = school
        self.default_year = default_year
        self.fields["year"].queryset = ss.years_of_school(school)
        self.fields["actor"].queryset = (
            Person.objects.filter(school=school)
            .filter(Q(staff_roles__role=Role.TEACHER) | Q(staff_roles__role=Role.ADMIN))
            .distinct()
            .order_by("last_name", "first_name", "patronymic", "id")
        )
        self.year_shown = self._year_of_classes(data)
        self.fields["school_class"].queryset = SchoolClass.objects.filter(
            school=school, year=self.year_shown
        ).order_by("grade", "letter")

    def _year_of_classes(self, data) -> AcademicYear | None:
        """The year whose classes the class list offers: the one asked for if it is this school's."""
        wanted = data.get("year", "")
        if (
            wanted.isascii()
            and wanted.isdigit()
            and self.default_year is not None
            and wanted != str(self.default_year.pk)
        ):
            return AcademicYear.objects.filter(school=self.school, pk=wanted).first() or self.default_year
        return self.default_year

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", _("This date is before the first one."))
        return data

    def log_filter(self) -> LogFilter | None:
        """The filter to apply, or None when the form is invalid or the school has no year."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        year = data.get("year") or self.default_year
        if year is None:
            return None
        return LogFilter(
            year=year,
            actor=data.get("actor"),
            school_class=data.get("school_class"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            kind=data.get("kind") or "",
            student=data.get("student") or "",
        )
