"""The district operator creates schools and their first admin (who joins with an invite code)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit
from ..models import InviteCode, Person, Role, School, StaffRole, hash_code, new_code


@transaction.atomic
def create_school(
    *, actor, name, short_name, slug, timezone: str = "Europe/Moscow",
    admin_last_name, admin_first_name, admin_patronymic="", admin_email="",
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
        school=school, last_name=admin_last_name, first_name=admin_first_name,
        patronymic=admin_patronymic, email=admin_email,
    )
    StaffRole.objects.create(school=school, person=person, role=Role.ADMIN)
    code = new_code()
    InviteCode.objects.create(
        school=school, person=person, role=Role.ADMIN, code_hash=hash_code(code),
        expires_at=_now() + datetime.timedelta(days=settings.INVITE_CODE_DAYS), issued_by=actor.user,
    )
    audit.record(actor, "school_created", school, school=school, data={"admin_person": person.pk})
    return school, person, code


def _now():
    return timezone.now()
