from django import forms
from django.utils.translation import gettext_lazy as _

from .models import School


class NewSchoolForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=300)
    short_name = forms.CharField(label=_("Short name"), max_length=100)
    slug = forms.SlugField(
        label=_("Code"), max_length=50, help_text=_("Latin letters, digits and dashes, e.g. school-17")
    )
    timezone = forms.CharField(label=_("Time zone"), max_length=64, initial="Europe/Moscow")
    admin_last_name = forms.CharField(label=_("Admin's surname"), max_length=150)
    admin_first_name = forms.CharField(label=_("Admin's name"), max_length=150)
    admin_patronymic = forms.CharField(label=_("Admin's patronymic"), max_length=150, required=False)
    admin_email = forms.EmailField(label=_("Admin's e-mail"), required=False)

    def clean_slug(self):
        slug = self.cleaned_data["slug"].lower()
        if School.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("A school with this code already exists."))
        return slug

    def clean_timezone(self):
        import zoneinfo

        tz = self.cleaned_data["timezone"]
        if tz not in zoneinfo.available_timezones():
            raise forms.ValidationError(_("Unknown time zone; use a name like Europe/Moscow."))
        return tz
