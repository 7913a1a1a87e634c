"""The school's journal settings: the edit window (R-J-10), the list of work types with weights (R-J-3)
and the rules of final marks: the thresholds of a proposal (R-F-2) and when finals are due (R-F-4).

Every write is keyword-only, takes the acting `Actor` first, runs in one
transaction with its audit entry and refuses anyone but the school's admin
(`schedule.rules.manage_structure`) with `PermissionDenied`, so imports and
tasks pass the same check as the page. Bad input raises `ValidationError`
keyed by field ("code", "name", "weight", "edit_window", "threshold_3"…) and saves nothing.

Writes of one school are serialised on its `JournalSettings` row, so two
admins adding the same code or choosing two defaults at once cannot both win.
The edit window and the weights are read at every write and every average,
so a change takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import audit
from journal.finals.values import Thresholds
from journal.grid.services import ensure_default_work_types
from journal.models import EditWindow, FinalsDeadline, JournalSettings, WorkType
from schedule.rules import manage_structure

CODE_MAX = WorkType._meta.get_field("code").max_length
NAME_MAX = WorkType._meta.get_field("name").max_length
WEIGHT_MAX = Decimal(10)
UP, DOWN = "up", "down"


@dataclass(frozen=True)
class WorkTypeRow:
    """A work type of the settings page with the number of mark columns that use it."""

    work_type: WorkType
    columns: int

    @property
    def deletable(self) -> bool:
        return self.columns == 0 and not self.work_type.is_default


def work_types_with_use(school) -> list[WorkTypeRow]:
    """The school's work types in order, each with its number of mark columns (creates the usual list once)."""
    ensure_default_work_types(school)
    rows = (
        WorkType.objects.filter(school=school).annotate(columns=Count("works")).order_by("position", "code")
    )
    return [WorkTypeRow(work_type=t, columns=t.columns) for t in rows]


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _ensure_admin(actor, school) -> None:
    if actor.school is None or actor.school.pk != school.pk or not manage_structure(actor):
        raise PermissionDenied(_("Only the school admin can change the journal settings."))


def _lock(school) -> JournalSettings:
    """The school's settings row, locked until commit: every settings write of the school waits here."""
    return JournalSettings.objects.select_for_update().get_or_create(school=school)[0]


def parse_weight(value) -> Decimal:
    """A weight from the form ("1,5", "2") or code (Decimal): above 0, at most 10, one decimal place."""
    text = str(value if value is not None else "").strip().replace(",", ".")
    if not text:
        raise _field_error("weight", _("Enter the weight, for example 1 or 1.5."), "required")
    try:
        weight = Decimal(text)
    except InvalidOperation:
        weight = None
    if weight is None or not weight.is_finite():
        raise _field_error("weight", _("The weight must be a number, for example 1 or 1.5."), "invalid")
    if weight <= 0:
        raise _field_error("weight", _("The weight must be greater than 0."), "min_value")
    if weight > WEIGHT_MAX:
        raise _field_error("weight", _("The weight cannot be more than 10."), "max_value")
    if weight != weight.quantize(Decimal("0.1")):
        message = _("The weight may have one digit after the decimal point, for example 1.5.")
        raise _field_error("weight", message, "decimal_places")
    return weight.quantize(Decimal("0.1"))


def _clean_type(school, *, code, name, weight, exclude: WorkType | None = None) -> tuple[str, str, Decimal]:
    """The cleaned (code, name, weight); all field errors at once."""
    errors: dict[str, list[ValidationError]] = {}
    code = (code or "").strip()
    name = " ".join((name or "").split())
    if not code:
        errors["code"] = [ValidationError(_("Enter the short code, for example КР."), code="required")]
    elif len(code) > CODE_MAX:
        errors["code"] = [
            ValidationError(
                _("The code may be at most %(max)d characters long."),
                code="max_length",
                params={"max": CODE_MAX},
            )
        ]
    else:
        others = WorkType.objects.filter(school=school, code=code)
        if exclude is not None:
            others = others.exclude(pk=exclude.pk)
        if others.exists():
            errors["code"] = [
                ValidationError(
                    _("The school already has the work type %(code)s."), code="unique", params={"code": code}
                )
            ]
    if not name:
        errors["name"] = [ValidationError(_("Enter the name of the work type."), code="required")]
    elif len(name) > NAME_MAX:
        errors["name"] = [
            ValidationError(
                _("The name may be at most %(max)d characters long."),
                code="max_length",
                params={"max": NAME_MAX},
            )
        ]
    try:
        weight = parse_weight(weight)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    return code, name, weight


def _fields(work_type: WorkType) -> dict:
    return {"code": work_type.code, "name": work_type.name, "weight": str(work_type.weight)}


@transaction.atomic
def set_edit_window(*, actor, school, edit_window: str) -> JournalSettings:
    """Set how long after a lesson its teacher may still change its marks; effective for the next write."""
    _ensure_admin(actor, school)
    if edit_window not in EditWindow.values:
        raise _field_error("edit_window", _("Choose a period from the list."), "invalid_choice")
    settings = _lock(school)
    old = settings.edit_window
    if old != edit_window:
        settings.edit_window = edit_window
        settings.save(update_fields=["edit_window"])
        audit.record(
            actor, "journal_edit_window_set", settings, school=school, data={"old": old, "new": edit_window}
        )
    return settings


@transaction.atomic
def add_work_type(*, actor, school, code: str, name: str, weight) -> WorkType:
    """Add a work type at the end of the school's list."""
    _ensure_admin(actor, school)
    _lock(school)
    code, name, weight = _clean_type(school, code=code, name=name, weight=weight)
    last = WorkType.objects.filter(school=school).aggregate(last=Max("position"))["last"] or 0
    work_type = WorkType.objects.create(
        school=school,
        code=code,
        name=name,
        weight=weight,
        position=last + 1,
        is_default=not WorkType.objects.filter(school=school, is_default=True).exists(),
    )
    audit.record(actor, "work_type_added", work_type, school=school, data=_fields(work_type))
    return work_type


@transaction.atomic
def update_work_type(*, actor, work_type: WorkType, code: str, name: str, weight) -> WorkType:
    """Rename a work type or change its weight; a new weight changes every average that uses it at once."""
    school = work_type.school
    _ensure_admin(actor, school)
    _lock(school)
    work_type = WorkType.objects.select_for_update().get(pk=work_type.pk)
    code, name, weight = _clean_type(school, code=code, name=name, weight=weight, exclude=work_type)
    old = _fields(work_type)
    work_type.code, work_type.name, work_type.weight = code, name, weight
    new = _fields(work_type)
    if new != old:
        work_type.save(update_fields=["code", "name", "weight"])
        audit.record(actor, "work_type_changed", work_type, school=school, data={"old": old, "new": new})
    return work_type


@transaction.atomic
def delete_work_type(*, actor, work_type: WorkType) -> None:
    """Delete a work type no mark column uses; the default type stays until another one is the default."""
    school = work_type.school
    _ensure_admin(actor, school)
    _lock(school)
    work_type = WorkType.objects.select_for_update().get(pk=work_type.pk)
    columns = work_type.works.count()
    if columns:
        raise ValidationError(
            ngettext(
                "%(code)s is used in %(count)d mark column and cannot be deleted; "
                "rename it or change its weight instead.",
                "%(code)s is used in %(count)d mark columns and cannot be deleted; "
                "rename it or change its weight instead.",
                columns,
            ),
            code="in_use",
            params={"code": work_type.code, "count": columns},
        )
    if work_type.is_default:
        raise ValidationError(
            _("%(code)s is the default type of a new column: make another type the default first."),
            code="default",
            params={"code": work_type.code},
        )
    audit.record(actor, "work_type_deleted", work_type, school=school, data=_fields(work_type))
    work_type.delete()


@transaction.atomic
def make_default_work_type(*, actor, work_type: WorkType) -> WorkType:
    """Make the type the one a new mark column gets; the previous default stops being it."""
    school = work_type.school
    _ensure_admin(actor, school)
    _lock(school)
    work_type = WorkType.objects.select_for_update().get(pk=work_type.pk)
    if work_type.is_default:
        return work_type
    previous = WorkType.objects.filter(school=school, is_default=True).values_list("code", flat=True).first()
    # One default per school is a unique constraint: clear the old one before setting the new.
    WorkType.objects.filter(school=school, is_default=True).update(is_default=False)
    work_type.is_default = True
    work_type.save(update_fields=["is_default"])
    audit.record(
        actor,
        "work_type_default_set",
        work_type,
        school=school,
        data={"old": previous, "new": work_type.code},
    )
    return work_type


@transaction.atomic
def move_work_type(*, actor, work_type: WorkType, direction: str) -> WorkType:
    """Move the type one place up or down the list (the order of the column type select)."""
    school = work_type.school
    _ensure_admin(actor, school)
    if direction not in (UP, DOWN):
        raise _field_error("direction", _("Choose up or down."), "invalid_choice")
    _lock(school)
    types = list(WorkType.objects.filter(school=school).order_by("position", "code"))
    index = next(i for i, t in enumerate(types) if t.pk == work_type.pk)
    other = index - 1 if direction == UP else index + 1
    if not 0 <= other < len(types):
        return types[index]
    types[index], types[other] = types[other], types[index]
    for position, each in enumerate(types, start=1):
        each.position = position
    WorkType.objects.bulk_update(types, ["position"])
    moved = types[other]
    audit.record(
        actor,
        "work_type_moved",
        moved,
        school=school,
        data={"direction": direction, "position": moved.position},
    )
    return moved


# Final marks (R-F-2, R-F-4): the thresholds of a proposed final and when finals are due

THRESHOLDS = ("threshold_3", "threshold_4", "threshold_5")
DEADLINE_DAYS_MAX = 60


def parse_threshold(field: str, value) -> Decimal:
    """A threshold from the form ("3,65") or code (Decimal): a number with at most two decimals."""
    text = str(value if value is not None else "").strip().replace(",", ".")
    if not text:
        raise _field_error(field, _("Enter the lowest average, for example 3.65."), "required")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise _field_error(field, _("The average must be a number, for example 3.65."), "invalid")
    if number != number.quantize(Decimal("0.01")):
        raise _field_error(
            field,
            _("The average may have two digits after the decimal point, for example 3.65."),
            "decimal_places",
        )
    if not Decimal(2) < number <= Decimal(5):
        raise _field_error(field, _("The average must be above 2 and at most 5."), "range")
    return number.quantize(Decimal("0.01"))


def _clean_finals_rules(threshold_3, threshold_4, threshold_5, finals_deadline, finals_deadline_days) -> dict:
    """The cleaned finals rules; every field's error at once, the rising order next to the first one out of it."""
    errors: dict[str, list[ValidationError]] = {}
    values = {}
    for field, raw in zip(THRESHOLDS, (threshold_3, threshold_4, threshold_5), strict=True):
        try:
            values[field] = parse_threshold(field, raw)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if not errors:
        try:
            Thresholds(values["threshold_3"], values["threshold_4"], values["threshold_5"]).validate()
        except ValidationError as exc:
            field = "threshold_4" if values["threshold_4"] <= values["threshold_3"] else "threshold_5"
            errors[field] = [exc]
    if finals_deadline not in FinalsDeadline.values:
        errors["finals_deadline"] = [
            ValidationError(_("Choose a rule from the list."), code="invalid_choice")
        ]
    text = str(finals_deadline_days if finals_deadline_days is not None else "").strip()
    if not text.isdigit() or int(text) > DEADLINE_DAYS_MAX:
        errors["finals_deadline_days"] = [
            ValidationError(
                _("Enter a whole number of days from 0 to %(max)d."),
                code="invalid",
                params={"max": DEADLINE_DAYS_MAX},
            )
        ]
    if errors:
        raise ValidationError(errors)
    return {**values, "finals_deadline": finals_deadline, "finals_deadline_days": int(text)}


FINALS_FIELDS = (*THRESHOLDS, "round_average", "finals_deadline", "finals_deadline_days")


@transaction.atomic
def set_finals_rules(
    *,
    actor,
    school,
    threshold_3,
    threshold_4,
    threshold_5,
    round_average: bool,
    finals_deadline: str,
    finals_deadline_days,
) -> JournalSettings:
    """Set the lowest averages for 3, 4 and 5 (2 < t3 < t4 < t5 ≤ 5), whether the average is rounded to two
    decimals first, and when a period's finals are due; proposals and deadlines use them at once."""
    _ensure_admin(actor, school)
    cleaned = _clean_finals_rules(
        threshold_3, threshold_4, threshold_5, finals_deadline, finals_deadline_days
    )
    cleaned["round_average"] = bool(round_average)
    settings = _lock(school)
    old = {f: str(getattr(settings, f)) for f in FINALS_FIELDS}
    new = {f: str(cleaned[f]) for f in FINALS_FIELDS}
    if old != new:
        for f in FINALS_FIELDS:
            setattr(settings, f, cleaned[f])
        settings.save(update_fields=list(FINALS_FIELDS))
        audit.record(
            actor, "journal_finals_rules_set", settings, school=school, data={"old": old, "new": new}
        )
    return settings
