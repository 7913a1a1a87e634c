"""People of a school: their record, roles, parent links and consent (R-ACC-8); the school's settings.

Consent comes first (R-ACC-8, seed 001 A.1): a person's record may hold their
name before consent, but the birth date, e-mail and phone are entered only
while a consent is valid.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .. import audit, rules
from ..access import require
from ..models import STAFF_ROLES, Consent, Parent, ParentLink, Person, Role, StaffRole, Student
from ..selectors import has_valid_consent, local_today

PERSONAL_FIELDS = ("birth_date", "email", "phone")
NAME_FIELDS = ("last_name", "first_name", "patronymic")
PHONE_RE = re.compile(r"^\+?[0-9 ()\-]{5,30}$")

# Refusals to take a role away while a floor above holds data of it (a student's class enrolments, the
# class a teacher leads): schedule registers them when it loads (schedule/apps.py), as accounts does not
# import it. Each takes the person and answers the refusal's message, or None.
_removal_checks: dict[str, Callable[[Person], str | None]] = {}


def register_removal_check(role: str, check: Callable[[Person], str | None]) -> None:
    """schedule/apps.py: refuse to remove `role` from a person while `check(person)` answers a message."""
    _removal_checks[role] = check


def _refuse_removal(role: str, person: Person) -> None:
    check = _removal_checks.get(role)
    message = check(person) if check else None
    if message:
        raise ValidationError({"roles": message})


def _clean_fields(person: Person, today: datetime.date) -> None:
    """Model validation (lengths, e-mail format) plus the checks a form alone would miss."""
    errors = {}
    for name in NAME_FIELDS + ("phone", "email"):
        setattr(person, name, (getattr(person, name) or "").strip())
    if person.phone and not PHONE_RE.match(person.phone):
        errors["phone"] = [_("Enter a phone number: digits, spaces, +, brackets and dashes.")]
    if person.birth_date and not (datetime.date(1900, 1, 1) <= person.birth_date <= today):
        errors["birth_date"] = [_("Enter a real date of birth.")]
    try:
        person.full_clean(exclude=["school", "user"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _check_roles(roles: set[str]) -> None:
    if not roles:
        raise ValidationError({"roles": _("Choose at least one role.")})
    unknown = roles - set(Role.values)
    if unknown:
        raise ValidationError({"roles": _("Unknown role.")})
    if Role.STUDENT in roles and len(roles) > 1:
        raise ValidationError({"roles": _("A student cannot hold other roles in the same school.")})


def _check_consent_for_personal_data(
    person: Person, changed: Iterable[str], consent_given: bool, today: datetime.date
) -> None:
    filled = [name for name in changed if getattr(person, name)]
    if filled and not consent_given and not (person.pk and has_valid_consent(person, today)):
        message = _("Record the person's consent to personal-data processing before entering this.")
        raise ValidationError({name: message for name in filled})


def _set_roles(actor, person: Person, roles: set[str]) -> tuple[set[str], set[str]]:
    """Make the person hold exactly `roles`; refuse removals that would orphan data."""
    school = person.school
    held = set(person.staff_roles.values_list("role", flat=True))
    student = Student.objects.filter(person=person).first()
    parent = Parent.objects.filter(person=person).first()
    if student:
        held.add(Role.STUDENT)
    if parent:
        held.add(Role.PARENT)
    added, removed = roles - held, held - roles

    if Role.STUDENT in removed:
        _refuse_removal(Role.STUDENT, person)
    if Role.PARENT in removed and ParentLink.objects.filter(parent=parent).exists():
        raise ValidationError({"roles": _("Unlink this parent from their children first.")})
    if Role.TEACHER in removed:
        _refuse_removal(Role.TEACHER, person)
    if (
        Role.ADMIN in removed
        and not StaffRole.objects.filter(school=school, role=Role.ADMIN).exclude(person=person).exists()
    ):
        raise ValidationError({"roles": _("The school must keep at least one admin.")})

    staff_removed = [r for r in removed if r in STAFF_ROLES]
    if staff_removed:
        StaffRole.objects.filter(person=person, role__in=staff_removed).delete()
    for role in sorted(added):
        if role == Role.STUDENT:
            Student.objects.create(school=school, person=person)
        elif role == Role.PARENT:
            Parent.objects.create(school=school, person=person)
        else:
            StaffRole.objects.create(school=school, person=person, role=role)
    if Role.STUDENT in removed:
        student.delete()
    if Role.PARENT in removed:
        parent.delete()
    return added, removed


@transaction.atomic
def create_person(
    *,
    actor,
    last_name: str,
    first_name: str,
    patronymic: str = "",
    birth_date: datetime.date | None = None,
    email: str = "",
    phone: str = "",
    roles: Iterable[str],
    consent_document: str = "",
    consent_signed_on: datetime.date | None = None,
    after_roles: Callable[[Person, set[str]], dict] | None = None,
) -> Person:
    """A new person of the actor's school with their roles.

    `after_roles(person, roles)`, a step of a floor above (schedule's enrolment into a class:
    `schedule.services.people.create_person`), runs in the same transaction once the person holds their
    roles; what it answers joins the audit entry's data. Its refusal undoes the person.
    """
    require(actor, rules.manage_people)
    school = actor.school
    today = local_today(school)
    roles = set(roles)
    _check_roles(roles)
    person = Person(
        school=school,
        last_name=last_name,
        first_name=first_name,
        patronymic=patronymic,
        birth_date=birth_date,
        email=email,
        phone=phone,
    )
    _clean_fields(person, today)
    consent_document = (consent_document or "").strip()
    if bool(consent_document) != bool(consent_signed_on):
        key = "consent_signed_on" if consent_document else "consent_document"
        raise ValidationError({key: _("Give both the consent document and the date it was signed.")})
    if consent_signed_on and consent_signed_on > today:
        raise ValidationError({"consent_signed_on": _("The consent cannot be signed in the future.")})
    _check_consent_for_personal_data(
        person, PERSONAL_FIELDS, consent_given=bool(consent_document), today=today
    )

    person.save()
    _set_roles(actor, person, roles)
    data = {"roles": sorted(roles)}
    if consent_document:
        consent = Consent.objects.create(
            school=school,
            person=person,
            document=consent_document,
            signed_on=consent_signed_on,
            recorded_by=actor.user,
        )
        data["consent"] = consent.pk
    if after_roles is not None:
        data.update(after_roles(person, roles))
    audit.record(actor, "person_created", person, data=data)
    return person


@transaction.atomic
def update_person(
    *,
    actor,
    person: Person,
    last_name: str,
    first_name: str,
    patronymic: str = "",
    birth_date: datetime.date | None = None,
    email: str = "",
    phone: str = "",
    roles: Iterable[str],
) -> Person:
    """Change a person's names, contacts and roles."""
    require(actor, rules.manage_people)
    if person.school_id != actor.school.pk:
        raise PermissionDenied("person of another school")
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = {name: getattr(person, name) for name in NAME_FIELDS + PERSONAL_FIELDS}
    for name, value in (
        ("last_name", last_name),
        ("first_name", first_name),
        ("patronymic", patronymic),
        ("birth_date", birth_date),
        ("email", email),
        ("phone", phone),
    ):
        setattr(person, name, value)
    today = local_today(actor.school)
    _clean_fields(person, today)
    changed = [name for name, old in before.items() if getattr(person, name) != old]
    _check_consent_for_personal_data(
        person, [n for n in changed if n in PERSONAL_FIELDS], consent_given=False, today=today
    )
    roles = set(roles)
    _check_roles(roles)
    if changed:
        person.save(update_fields=changed)
    added, removed = _set_roles(actor, person, roles)
    if changed or added or removed:
        # Field names only: the audit trail does not copy personal data.
        audit.record(
            actor,
            "person_updated",
            person,
            data={"fields": changed, "roles_added": sorted(added), "roles_removed": sorted(removed)},
        )
    return person


@transaction.atomic
def link_parent(*, actor, parent: Person, student: Person, relation: str) -> ParentLink:
    """Link a parent to a child of the same school with the relation (mother, father, guardian, other)."""
    require(actor, rules.manage_people)
    school = actor.school
    if parent.school_id != school.pk or not Parent.objects.filter(person=parent).exists():
        raise ValidationError({"parent": _("Choose a parent of this school.")})
    if student.school_id != school.pk or not Student.objects.filter(person=student).exists():
        raise ValidationError({"student": _("Choose a student of this school.")})
    if relation not in ParentLink.Relation.values:
        raise ValidationError({"relation": _("Choose the relation.")})
    try:
        with transaction.atomic():
            link = ParentLink.objects.create(
                school=school, parent=parent.parent, student=student.student, relation=relation
            )
    except IntegrityError as exc:
        raise ValidationError({"student": _("These two are already linked.")}) from exc
    audit.record(
        actor,
        "parent_linked",
        link,
        summary=f"{parent.short_name} → {student.short_name}",
        data={"parent": parent.pk, "student": student.pk, "relation": relation},
    )
    return link


@transaction.atomic
def unlink_parent(*, actor, link: ParentLink) -> None:
    """Remove a parent–child link (the parent then no longer sees that child's diary)."""
    require(actor, rules.manage_people)
    if link.school_id != actor.school.pk:
        raise PermissionDenied("link of another school")
    data = {"parent": link.parent.person_id, "student": link.student.person_id, "relation": link.relation}
    audit.record(actor, "parent_unlinked", link, data=data)
    link.delete()


@transaction.atomic
def record_consent(*, actor, person: Person, document: str, signed_on: datetime.date) -> Consent:
    """Record a signed consent to personal-data processing for a person (R-ACC-8)."""
    require(actor, rules.manage_consent)
    if person.school_id != actor.school.pk:
        raise PermissionDenied("person of another school")
    document = (document or "").strip()
    if not document:
        raise ValidationError({"document": _("Name the signed document.")})
    if signed_on is None:
        raise ValidationError({"signed_on": _("Enter the date it was signed.")})
    if signed_on > local_today(actor.school):
        raise ValidationError({"signed_on": _("The consent cannot be signed in the future.")})
    consent = Consent(
        school=person.school, person=person, document=document, signed_on=signed_on, recorded_by=actor.user
    )
    consent.full_clean(exclude=["school", "person", "recorded_by"])
    consent.save()
    audit.record(
        actor, "consent_recorded", consent, data={"person": person.pk, "signed_on": signed_on.isoformat()}
    )
    return consent


@transaction.atomic
def withdraw_consent(*, actor, consent: Consent, withdrawn_on: datetime.date) -> Consent:
    """Record that a consent was withdrawn on a date."""
    require(actor, rules.manage_consent)
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.school_id != actor.school.pk:
        raise PermissionDenied("consent of another school")
    if consent.withdrawn_on is not None:
        raise ValidationError({"withdrawn_on": _("This consent has already been withdrawn.")})
    if withdrawn_on is None:
        raise ValidationError({"withdrawn_on": _("Enter the date of withdrawal.")})
    if withdrawn_on < consent.signed_on:
        raise ValidationError({"withdrawn_on": _("The withdrawal cannot be earlier than the signature.")})
    if withdrawn_on > local_today(actor.school):
        raise ValidationError({"withdrawn_on": _("The withdrawal date cannot be in the future.")})
    consent.withdrawn_on = withdrawn_on
    consent.save(update_fields=["withdrawn_on"])
    audit.record(
        actor,
        "consent_withdrawn",
        consent,
        data={"person": consent.person_id, "withdrawn_on": withdrawn_on.isoformat()},
    )
    return consent
