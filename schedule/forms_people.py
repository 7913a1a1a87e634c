"""The people pages' forms that offer classes: a new person's class, and a child to link with their class.

The rest of a person's form is `accounts.forms_people.PersonForm`.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms_people import DATE_WIDGET, ParentLinkForm, PersonForm
from accounts.models import Parent, ParentLink, Person, Student
from accounts.selectors import local_today

from .models import SchoolClass
from .selectors import current_open_year
from .selectors_people import current_class_subquery


class NewPersonForm(PersonForm):
    """A new person, and the class a student joins at once (classes of the current open year)."""

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        year = current_open_year(school)
        self.fields["school_class"] = forms.ModelChoiceField(
            label=_("Enrol into class"),
            required=False,
            empty_label=_("— not now —"),
            queryset=SchoolClass.objects.filter(school=school, year=year).order_by("grade", "letter")
            if year
            else SchoolClass.objects.none(),
            help_text=_("Students only; classes of the current school year."),
        )
        self.fields["enrolled_from"] = forms.DateField(
            label=_("In the class from"),
            required=False,
            widget=DATE_WIDGET,
            help_text=_("Empty: from today (or from the first day of the school year)."),
        )


class ChildLinkForm(forms.Form):
    """On a parent's page: link a child."""

    student = forms.ModelChoiceField(label=_("Child"), queryset=Person.objects.none(), empty_label="—")
    relation = forms.ChoiceField(label=_("Relation"), choices=ParentLink.Relation.choices)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        on = local_today(school)
        self.fields["student"].queryset = (
            Person.objects.filter(school=school, student__isnull=False)
            .annotate(class_name=current_class_subquery(on, "student"))
            .order_by("last_name", "first_name", "patronymic")
        )
        self.fields["student"].label_from_instance = lambda p: (
            f"{p.full_name} ({p.class_name})" if p.class_name else p.full_name
        )


def link_form_for(person: Person, school, data=None):
    """The link form that fits the person: children for a parent, parents for a student, else None."""
    if Parent.objects.filter(person=person).exists():
        return ChildLinkForm(data, school=school, prefix="link")
    if Student.objects.filter(person=person).exists():
        return ParentLinkForm(data, school=school, prefix="link")
    return None
