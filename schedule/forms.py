"""Forms of the school-structure pages.

Plain forms whose field names are the keyword arguments of the matching service,
so a view calls `service(actor=…, **form.cleaned_data)` and a service's
`ValidationError` lands next to the same field (`add_service_errors`). Every
choice of a person, class, subject or group is limited to the current school
(and year), so a form can never reference another school's object.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import AcademicYear, Building, PeriodScheme, SchoolClass, StudyGroup, Subject
from .selectors import students_of_school, subjects_of_school, teachers_of_school

GRADE_CHOICES = [(g, str(g)) for g in range(1, 12)]


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's refusal on the form: next to the field it names, else above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class StudentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.person.full_name


class ClassChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class DateRangeForm(forms.Form):
    """A start and an optional end, the end not before the start."""

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts"), data.get("ends")
        if starts and ends and ends < starts:
            self.add_error("ends", _("The end date is before the start date."))
        return data


# Years and periods


class YearForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=20, help_text=_("for example 2026/2027"))
    starts = forms.DateField(label=_("First day"), widget=DateInput)
    ends = forms.DateField(label=_("Last day"), widget=DateInput)

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts"), data.get("ends")
        if starts and ends and ends <= starts:
            self.add_error("ends", _("The last day must be after the first day."))
        return data


class YearEditForm(YearForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (AcademicYear.Status.OPEN, _("open")),
            (AcademicYear.Status.CLOSED, _("closed (read-only)")),
        ],
        help_text=_(
            "A closed year is read-only: its classes, groups, periods and courses can no longer change."
        ),
    )


class SchemeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PeriodScheme.Kind.choices)
    grades = forms.TypedMultipleChoiceField(
        label=_("Grades"),
        choices=GRADE_CHOICES,
        coerce=int,
        required=False,
        help_text=_(
            "Only grades that follow no other scheme; default periods are created and can be edited."
        ),
    )


class SchemeGradesForm(forms.Form):
    """One choice per grade: which scheme of the year it follows."""

    def __init__(self, *args, year: AcademicYear, schemes, **kwargs):
        super().__init__(*args, **kwargs)
        self.schemes = {s.pk: s for s in schemes}
        choices = [("", _("— none —"))] + [(s.pk, s.get_kind_display()) for s in schemes]
        for grade in range(1, 12):
            current = next((s.pk for s in schemes if grade in s.grades), "")
            self.fields[f"grade_{grade}"] = forms.TypedChoiceField(
                label=_("Grade %(grade)s") % {"grade": grade},
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=current,
            )

    def mapping(self) -> dict:
        return {grade: self.schemes.get(self.cleaned_data.get(f"grade_{grade}")) for grade in range(1, 12)}


class PeriodForm(DateRangeForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    starts = forms.DateField(label=_("First day"), widget=DateInput)
    ends = forms.DateField(label=_("Last day"), widget=DateInput)


class HolidayForm(DateRangeForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    starts = forms.DateField(label=_("First day"), widget=DateInput)
    ends = forms.DateField(label=_("Last day"), widget=DateInput)
    grades = forms.TypedMultipleChoiceField(
        label=_("Only for grades"),
        choices=GRADE_CHOICES,
        coerce=int,
        required=False,
        help_text=_("Leave empty for the whole school; e.g. grade 1 for the extra February holidays."),
    )


# Buildings, rooms, subjects


class BuildingForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)


class RoomForm(forms.Form):
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none())
    name = forms.CharField(label=_("Room"), max_length=50)
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=1000, required=False)
    subjects = forms.ModelMultipleChoiceField(
        label=_("Suits subjects"),
        queryset=Subject.objects.none(),
        required=False,
        help_text=_("A laboratory, a gym, a computer room…"),
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.filter(school=school).order_by("name")
        self.fields["subjects"].queryset = subjects_of_school(school)


class SubjectForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    short_name = forms.CharField(
        label=_("Short name"), max_length=30, required=False, help_text=_("Used in timetables; e.g. «Матем.»")
    )
    no_final_assessment = forms.BooleanField(
        label=_("No final assessment"),
        required=False,
        help_text=_("«без аттестации»: no period or year marks are given"),
    )
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, initial=0, required=False)
    teachers = PeopleChoiceField(
        label=_("Teachers"),
        queryset=teachers_of_school(None),
        required=False,
        help_text=_("Teachers of this school who teach the subject."),
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teachers"].queryset = teachers_of_school(school)


# Classes and groups


class ClassForm(forms.Form):
    grade = forms.IntegerField(
        label=_("Grade"),
        min_value=1,
        max_value=11,
        error_messages={
            "min_value": _("The grade must be between 1 and 11."),
            "max_value": _("The grade must be between 1 and 11."),
        },
    )
    letter = forms.CharField(label=_("Letter"), max_length=5, help_text=_("e.g. А for class 5А"))
    class_teacher = PersonChoiceField(
        label=_("Class teacher"), queryset=teachers_of_school(None), required=False
    )
    shift = forms.TypedChoiceField(label=_("Shift"), choices=[(1, "1"), (2, "2")], coerce=int, initial=1)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_teacher"].queryset = teachers_of_school(school)


class ClassAccessForm(forms.Form):
    person = PersonChoiceField(label=_("Teacher"), queryset=teachers_of_school(None))

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = teachers_of_school(school).filter(user__isnull=False)


class GroupForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (StudyGroup.Kind.SUBGROUP, _("subgroup of a class")),
            (StudyGroup.Kind.CROSS_CLASS, _("group across classes of a grade")),
        ],
    )
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. «5А английский, 1 гр.»"))
    school_class = ClassChoiceField(
        label=_("Class"), queryset=SchoolClass.objects.none(), required=False, help_text=_("For a subgroup.")
    )
    grade = forms.TypedChoiceField(
        label=_("Grade"),
        choices=[("", "—")] + GRADE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("For a group across classes."),
    )

    def __init__(self, *args, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = SchoolClass.objects.filter(year=year).order_by(
            "grade", "letter"
        )

    def clean(self):
        data = super().clean()
        if data.get("kind") == StudyGroup.Kind.SUBGROUP and not data.get("school_class"):
            self.add_error("school_class", _("Choose the class this subgroup splits."))
        if data.get("kind") == StudyGroup.Kind.CROSS_CLASS and not data.get("grade"):
            self.add_error("grade", _("Choose the grade of the group."))
        return data


class GroupRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)


class EnrollForm(DateRangeForm):
    student = StudentChoiceField(label=_("Student"), queryset=students_of_school(None))
    starts = forms.DateField(label=_("From"), widget=DateInput)
    arrival_note = forms.CharField(
        label=_("Arrived from"), max_length=200, required=False, help_text=_("e.g. «from school No. 5»")
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = students_of_school(school)


class EndEnrollmentForm(forms.Form):
    ends = forms.DateField(label=_("Last day in the class"), widget=DateInput)
    departure_note = forms.CharField(
        label=_("Left for"), max_length=200, required=False, help_text=_("e.g. «moved to school No. 12»")
    )


class TransferForm(forms.Form):
    to_class = ClassChoiceField(label=_("To class"), queryset=SchoolClass.objects.none())
    on_date = forms.DateField(label=_("First day in the new class"), widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, year, exclude=None, **kwargs):
        super().__init__(*args, **kwargs)
        classes = SchoolClass.objects.filter(year=year).order_by("grade", "letter")
        if exclude is not None:
            classes = classes.exclude(pk=exclude.pk)
        self.fields["to_class"].queryset = classes


class MemberForm(DateRangeForm):
    student = StudentChoiceField(label=_("Student"), queryset=students_of_school(None))
    starts = forms.DateField(label=_("From"), widget=DateInput)
    ends = forms.DateField(
        label=_("Until"), widget=DateInput, required=False, help_text=_("Leave empty: until further notice.")
    )

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        students = students_of_school(group.school_id)
        if group.kind == StudyGroup.Kind.SUBGROUP:
            students = students.filter(enrollments__school_class_id=group.school_class_id)
        else:
            students = students.filter(
                enrollments__school_class__year_id=group.year_id, enrollments__school_class__grade=group.grade
            )
        self.fields["student"].queryset = students.distinct()


class EndMembershipForm(forms.Form):
    ends = forms.DateField(label=_("Last day in the group"), widget=DateInput)


# Courses


class CourseForm(forms.Form):
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=Subject.objects.none())
    group = forms.ModelChoiceField(label=_("Class or group"), queryset=StudyGroup.objects.none())
    hours_per_week = forms.DecimalField(
        label=_("Hours per week"),
        max_digits=3,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=40,
        initial=1,
    )
    teachers = PeopleChoiceField(label=_("Teachers"), queryset=teachers_of_school(None), required=False)

    def __init__(self, *args, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects_of_school(year.school_id)
        self.fields["group"].queryset = StudyGroup.objects.filter(year=year).order_by("grade", "kind", "name")
        self.fields["teachers"].queryset = teachers_of_school(year.school_id)


class CourseEditForm(forms.Form):
    hours_per_week = forms.DecimalField(
        label=_("Hours per week"), max_digits=3, decimal_places=1, min_value=Decimal("0.5"), max_value=40
    )
    teachers = PeopleChoiceField(label=_("Teachers"), queryset=teachers_of_school(None), required=False)
    on_date = forms.DateField(
        label=_("Teachers from"),
        widget=DateInput,
        help_text=_(
            "From this day the course is taught by the teachers chosen above; earlier dates stay as they were."
        ),
    )

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teachers"].queryset = teachers_of_school(course.school_id)
