"""Forms of the lesson-calendar pages; field names are the keyword arguments of schedule/calendar.py's services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Person

from .forms import DateInput, PersonChoiceField
from .models import AcademicYear, Course, Room, SchoolClass
from .selectors import teachers_of_school


class ClassesChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.building.name})"


class CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.subject.name} — {obj.group.name}"


def rooms_of(school):
    return Room.objects.filter(school=school).select_related("building").order_by("building__name", "name")


class GenerateForm(forms.Form):
    """Which year (and optionally which dates and classes) to bring in line with the timetable."""

    year = forms.ModelChoiceField(label=_("Year"), queryset=AcademicYear.objects.none(), empty_label=None)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=DateInput, help_text=_("empty: the first day of the year")
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=DateInput, help_text=_("empty: the last day of the year")
    )
    classes = ClassesChoiceField(
        label=_("Classes"),
        queryset=SchoolClass.objects.none(),
        required=False,
        help_text=_("none chosen: every class (a class brings its subgroups and the groups of its grade)"),
    )

    def __init__(self, *args, school, year=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].queryset = AcademicYear.objects.filter(school=school).order_by("-starts")
        self.fields["classes"].queryset = SchoolClass.objects.filter(school=school, year=year).order_by(
            "grade", "letter"
        )
        self.fields["classes"].widget.attrs["size"] = 8

    def clean(self):
        data = super().clean()
        starts, ends = data.get("date_from"), data.get("date_to")
        if starts and ends and ends < starts:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class CancelForm(forms.Form):
    note = forms.CharField(label=_("Reason"), max_length=200, required=False)


class MoveForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput)
    slot = forms.IntegerField(label=_("Lesson number"), min_value=1, max_value=20)
    room = RoomChoiceField(
        label=_("Room"),
        queryset=Room.objects.none(),
        required=False,
        empty_label=_("— keep the room —"),
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = rooms_of(school)


class ExtraLessonForm(forms.Form):
    course = CourseChoiceField(label=_("Course"), queryset=Course.objects.none())
    slot = forms.IntegerField(label=_("Lesson number"), min_value=1, max_value=20)
    room = RoomChoiceField(label=_("Room"), queryset=Room.objects.none(), required=False)
    teacher = PersonChoiceField(
        label=_("Teacher"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("— the course's teacher —"),
    )

    def __init__(self, *args, school, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = (
            Course.objects.filter(school=school, group_id__in=groups)
            .select_related("subject", "group")
            .order_by("subject__position", "subject__name", "group__name")
        )
        self.fields["room"].queryset = rooms_of(school)
        self.fields["teacher"].queryset = teachers_of_school(school)
