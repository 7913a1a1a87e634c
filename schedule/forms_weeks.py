"""Forms of the week and substitution pages; field names are the services' keyword arguments."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Person

from .forms import PersonChoiceField


class SubstitutionForm(forms.Form):
    """Who replaces the teacher of one lesson. Any person of the school: the service says why a choice is refused."""

    substitute = PersonChoiceField(label=_("Substitute"), queryset=Person.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["substitute"].queryset = Person.objects.filter(school=school)
