"""Forms of the bell-schedule and timetable pages.

Field names are the keyword arguments of the services in `schedule/bells.py` and
`schedule/timetable.py`, so a refusal lands next to the field it names. Every
choice (course, room, schedule, teacher) is limited to the current school.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Person

from .forms import DateInput, PersonChoiceField
from .models import BellSchedule, Course, Room, Weekday
from .selectors import rooms_of_school

SHIFT_CHOICES = [(1, _("1st shift")), (2, _("2nd shift"))]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


# Bells


class BellScheduleForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("for example «Main, 1st shift» or «Shortened day»")
    )
    shift = forms.TypedChoiceField(label=_("Shift"), choices=SHIFT_CHOICES, coerce=int, initial=1)
    is_default = forms.BooleanField(
        label=_("Used by default"),
        required=False,
        help_text=_("The shift follows this schedule on every day that is not a special bell day."),
    )


class SlotForm(forms.Form):
    """One row of the slots table; an empty row is ignored."""

    number = forms.IntegerField(label=_("Lesson"), min_value=1, max_value=20, required=False)
    starts = forms.TimeField(label=_("Starts"), required=False, widget=TimeInput)
    ends = forms.TimeField(label=_("Ends"), required=False, widget=TimeInput)

    def clean(self):
        data = super().clean()
        filled = [data.get(k) is not None for k in ("number", "starts", "ends")]
        if any(filled) and not all(filled):
            raise ValidationError(_("Fill in the number and both times, or clear the row."))
        return data

    @property
    def row(self):
        data = getattr(self, "cleaned_data", {})
        if data.get("number") is None:
            return None
        return (data["number"], data["starts"], data["ends"])


class BaseSlotFormSet(forms.BaseFormSet):
    def slots(self) -> list:
        return [form.row for form in self.forms if form.row is not None]


SlotFormSet = forms.formset_factory(SlotForm, formset=BaseSlotFormSet, extra=0, max_num=20, absolute_max=20)


def slot_formset(data=None, *, slots=None, blank=3):
    """The slots table: existing `slots` ({number: (starts, ends)}) plus `blank` empty rows."""
    initial = [{"number": n, "starts": a, "ends": b} for n, (a, b) in sorted((slots or {}).items())]
    next_number = max((slots or {0: None}).keys()) + 1
    initial += [{"number": None} for _i in range(blank)]
    formset = SlotFormSet(data, initial=initial, prefix="slots")
    for i, form in enumerate(formset.forms[len(initial) - blank :]):
        form.fields["number"].widget.attrs["placeholder"] = str(next_number + i)
    return formset


class ScheduleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("%(name)s (shift %(shift)s)") % {"name": obj.name, "shift": obj.shift}


class BellDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput)
    shift = forms.TypedChoiceField(label=_("Shift"), choices=SHIFT_CHOICES, coerce=int, initial=1)
    schedule = ScheduleChoiceField(label=_("Bell schedule"), queryset=BellSchedule.objects.none())

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schedule"].queryset = BellSchedule.objects.filter(school=school)


# Timetable


class CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.group.kind == "whole_class":
            return obj.subject.name
        return f"{obj.subject.name} · {obj.group.name}"


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return room_label(obj)


def room_label(room: Room, with_building: bool = False) -> str:
    return f"{room.name} ({room.building.name})" if with_building else room.name


class CellForm(forms.Form):
    """Add a lesson to one cell of a class's grid: a course of the class or of its groups, a room."""

    course = CourseChoiceField(label=_("Course"), queryset=Course.objects.none(), empty_label=_("— course —"))
    room = RoomChoiceField(
        label=_("Room"), queryset=Room.objects.none(), required=False, empty_label=_("— no room —")
    )

    def __init__(self, *args, courses, rooms, with_building=False, prefix=None, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(pk__in=[c.pk for c in courses]).select_related(
            "subject", "group"
        )
        # The choices come from lists already loaded for the grid, so rendering costs no query.
        self.fields["course"].choices = [("", _("— course —"))] + [
            (c.pk, self.fields["course"].label_from_instance(c)) for c in courses
        ]
        self.fields["room"].queryset = Room.objects.filter(pk__in=[r.pk for r in rooms])
        self.fields["room"].choices = [("", _("— no room —"))] + [
            (r.pk, room_label(r, with_building)) for r in rooms
        ]


class EntryForm(forms.Form):
    """Change one timetable entry from a date on (or, from its first day, correct it)."""

    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=Weekday.choices, coerce=int)
    slot = forms.TypedChoiceField(label=_("Lesson"), coerce=int, choices=())
    room = RoomChoiceField(
        label=_("Room"), queryset=Room.objects.none(), required=False, empty_label=_("— no room —")
    )
    teacher = PersonChoiceField(label=_("Teacher"), queryset=None)
    on_date = forms.DateField(
        label=_("From"),
        widget=DateInput,
        help_text=_(
            "The change applies from this date; earlier weeks keep the old entry. "
            "On the entry's first day the entry itself is corrected."
        ),
    )

    def __init__(self, *args, entry, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [
            (n, _("%(number)s (%(times)s)") % {"number": n, "times": t}) for n, t in slots
        ]
        self.fields["room"].queryset = rooms_of_school(entry.school_id)
        self.fields["teacher"].queryset = Person.objects.filter(
            course_assignments__course_id=entry.course_id
        ).distinct()
