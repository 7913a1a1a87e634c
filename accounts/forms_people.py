"""Forms of the people, consent, invite-code, join and school-settings pages.

Every choice is limited to the current school; the services check the same again. The forms that
offer classes (a new person's class, a child to link with their class) are in `schedule.forms_people`.
"""

import zoneinfo

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import ParentLink, Person, Role
from .services.invites import find_invite, validate_username

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Russia's time zones, west to east; a school elsewhere keeps what it has.
RUSSIAN_TIME_ZONES = [
    ("Europe/Kaliningrad", _("Kaliningrad (UTC+2)")),
    ("Europe/Moscow", _("Moscow (UTC+3)")),
    ("Europe/Samara", _("Samara (UTC+4)")),
    ("Asia/Yekaterinburg", _("Yekaterinburg (UTC+5)")),
    ("Asia/Omsk", _("Omsk (UTC+6)")),
    ("Asia/Novosibirsk", _("Novosibirsk (UTC+7)")),
    ("Asia/Krasnoyarsk", _("Krasnoyarsk (UTC+7)")),
    ("Asia/Irkutsk", _("Irkutsk (UTC+8)")),
    ("Asia/Yakutsk", _("Yakutsk (UTC+9)")),
    ("Asia/Vladivostok", _("Vladivostok (UTC+10)")),
    ("Asia/Magadan", _("Magadan (UTC+11)")),
    ("Asia/Kamchatka", _("Kamchatka (UTC+12)")),
]


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names; unknown keys go above the form."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            visible = key in form.fields and not form.fields[key].widget.is_hidden
            form.add_error(key if visible else None, errors)
    else:
        form.add_error(None, exc)


class CheckboxList(forms.CheckboxSelectMultiple):
    """Checkboxes laid out as a list under their label (_form.html lays single checkboxes inline)."""

    input_type = "checkbox-list"

    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        option["type"] = "checkbox"
        return option


class PeopleFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Who"),
        required=False,
        choices=[
            ("", _("everyone")),
            (selectors.KIND_STAFF, _("staff")),
            (selectors.KIND_STUDENTS, _("students")),
            (selectors.KIND_PARENTS, _("parents")),
        ],
    )
    q = forms.CharField(label=_("Surname"), required=False, max_length=150)
    login = forms.ChoiceField(
        label=_("Login"),
        required=False,
        choices=[
            ("", _("any")),
            (selectors.LOGIN_YES, _("has a login")),
            (selectors.LOGIN_CODE, _("code issued")),
            (selectors.LOGIN_NONE, _("neither")),
        ],
    )
    consent = forms.ChoiceField(
        label=_("Consent"),
        required=False,
        choices=[
            ("", _("any")),
            (selectors.CONSENT_YES, _("recorded")),
            (selectors.CONSENT_NO, _("missing")),
        ],
    )


class PersonForm(forms.Form):
    """A person's names, roles and contacts; a new person's consent too (their class:
    `schedule.forms_people.NewPersonForm`)."""

    last_name = forms.CharField(label=_("Surname"), max_length=150)
    first_name = forms.CharField(label=_("Name"), max_length=150)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=150, required=False)
    roles = forms.MultipleChoiceField(label=_("Roles"), choices=Role.choices, widget=CheckboxList)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE_WIDGET)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)

    def __init__(self, *args, school, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.person = person
        if person is not None:
            return
        self.fields["consent_document"] = forms.CharField(
            label=_("Consent document"),
            required=False,
            max_length=300,
            help_text=_(
                "The signed consent to personal-data processing, e.g. «Согласие № 12». "
                "Date of birth, e-mail and phone are entered only with a consent."
            ),
        )
        self.fields["consent_signed_on"] = forms.DateField(
            label=_("Consent signed on"), required=False, widget=DATE_WIDGET
        )
        # Consent first (R-ACC-8): the fields it unlocks come after it.
        self.order_fields(
            [
                "last_name",
                "first_name",
                "patronymic",
                "roles",
                "consent_document",
                "consent_signed_on",
                "birth_date",
                "email",
                "phone",
            ]
        )


class ParentLinkForm(forms.Form):
    """On a student's page: link a parent."""

    parent = forms.ModelChoiceField(label=_("Parent"), queryset=Person.objects.none(), empty_label="—")
    relation = forms.ChoiceField(label=_("Relation"), choices=ParentLink.Relation.choices)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Person.objects.filter(school=school, parent__isnull=False).order_by(
            "last_name", "first_name", "patronymic"
        )
        self.fields["parent"].label_from_instance = lambda p: p.full_name


class ConsentForm(forms.Form):
    document = forms.CharField(
        label=_("Document"),
        max_length=300,
        help_text=_("As written on the paper, e.g. «Согласие на обработку ПДн № 12»."),
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE_WIDGET)


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Withdrawn on"), widget=DATE_WIDGET)


class InviteIssueForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, roles: list[str], role: str | None = None, **kwargs):
        super().__init__(*args, initial={"role": role if role in roles else (roles or [None])[0]}, **kwargs)
        labels = dict(Role.choices)
        self.fields["role"].choices = [(r, labels[r]) for r in roles]
        if len(roles) == 1:
            self.fields["role"].widget = forms.HiddenInput()


class SchoolSettingsForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=300)
    short_name = forms.CharField(label=_("Short name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    timezone = forms.ChoiceField(label=_("Time zone"))
    require_staff_2fa = forms.BooleanField(
        label=_("Two-factor sign-in is mandatory for staff"),
        required=False,
        help_text=_(
            "Admins, the director, deputies and teachers must set up an authenticator app "
            "before they can open anything else."
        ),
    )

    def __init__(self, *args, school, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "name": school.name,
                "short_name": school.short_name,
                "address": school.address,
                "timezone": school.timezone,
                "require_staff_2fa": school.require_staff_2fa,
            },
        )
        super().__init__(*args, **kwargs)
        choices = list(RUSSIAN_TIME_ZONES)
        if school.timezone not in dict(choices) and school.timezone in zoneinfo.available_timezones():
            choices.append((school.timezone, school.timezone))
        self.fields["timezone"].choices = choices


# Joining with a code ------------------------------------------------------------------------------


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Invite code"),
        max_length=40,
        required=False,
        help_text=_(
            "As printed on your slip, for example 7KQ4-M2XD-9PRT. Capital or small letters, "
            "with or without dashes."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "code",
                "autofocus": True,
            }
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if "code" in cleaned:
            try:
                cleaned["invite"] = find_invite(cleaned["code"])
            except ValidationError as exc:
                apply_errors(self, exc)
        return cleaned


class SignupForm(forms.Form):
    username = forms.CharField(
        label=_("Login"),
        max_length=150,
        help_text=_("Letters, digits and . _ - ; capital and small letters count as the same."),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 8 characters; not only digits, not a common word, not like your name."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean(self):
        cleaned = super().clean()
        if "username" in cleaned:
            try:
                cleaned["username"] = validate_username(cleaned["username"])
            except ValidationError as exc:
                apply_errors(self, exc)
        password, password2 = cleaned.get("password"), cleaned.get("password2")
        if password and password2 and password != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password:
            probe = get_user_model()(
                username=cleaned.get("username", ""),
                first_name=self.person.first_name,
                last_name=self.person.last_name,
                email=self.person.email,
            )
            try:
                validate_password(password, user=probe)
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned
