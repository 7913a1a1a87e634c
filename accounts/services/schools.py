"""The district operator creates schools and their first admin (who joins with an invite code)."""

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit, rules
from ..access import require
from ..models import InviteCode, Person, Role, School, StaffRole, hash_code, new_code


@transaction.atomic
def create_school(
    *,
    actor,
    name,
    short_name,
    slug,
    timezone: str = "Europe/Moscow",
    admin_last_name,
    admin_first_name,
    admin_patronymic="",
    admin_email="",
) -> tuple[School, Person, str]:
    """A new school, its first admin as a person, and the admin's invite code (returned in plain once)."""
    if not actor.is_operator:
        raise ValidationError(_("Only the district operator creates schools."))
    try:
        with transaction.atomic():
            school = School.objects.create(name=name, short_name=short_name, slug=slug, timezone=timezone)
    except IntegrityError as exc:
        raise ValidationError({"slug": _("A school with this code already exists.")}) from exc
    person = Person.objects.create(
        school=school,
        last_name=admin_last_name,
        first_name=admin_first_name,
        patronymic=admin_patronymic,
        email=admin_email,
    )
    StaffRole.objects.create(school=school, person=person, role=Role.ADMIN)
    code = new_code()
    InviteCode.objects.create(
        school=school,
        person=person,
        role=Role.ADMIN,
        code_hash=hash_code(code),
        expires_at=_now() + datetime.timedelta(days=settings.INVITE_CODE_DAYS),
        issued_by=actor.user,
    )
    audit.record(actor, "school_created", school, school=school, data={"admin_person": person.pk})
    return school, person, code


def _now():
    return timezone.now()


SCHOOL_SETTINGS_FIELDS = ("name", "short_name", "address", "timezone", "require_staff_2fa")


@transaction.atomic
def update_school_settings(
    *, actor, school: School, name: str, short_name: str, address: str, timezone: str, require_staff_2fa: bool
) -> School:
    """Change the school's names, address, time zone and the staff two-factor requirement."""
    require(actor, rules.manage_school_settings)
    if school.pk != actor.school.pk:
        raise PermissionDenied("another school")
    school = School.objects.select_for_update().get(pk=school.pk)
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError({"timezone": _("Unknown time zone.")}) from exc
    new = {
        "name": (name or "").strip(),
        "short_name": (short_name or "").strip(),
        "address": (address or "").strip(),
        "timezone": timezone,
        "require_staff_2fa": bool(require_staff_2fa),
    }
    changed = {k: [getattr(school, k), v] for k, v in new.items() if getattr(school, k) != v}
    for key, value in new.items():
        setattr(school, key, value)
    school.full_clean(exclude=["slug"], validate_unique=False, validate_constraints=False)
    if changed:
        school.save(update_fields=list(changed))
        audit.record(actor, "school_settings_changed", school, school=school, data={"changed": changed})
    return school
