"""The audit toolkit: every service writes one `AuditEvent` per change in its own transaction."""

import ipaddress

from .models import AuditEvent


def valid_ip(value) -> str | None:
    """`value` as a canonical IP address, or None: a bad address must not fail the write it describes."""
    try:
        return str(ipaddress.ip_address(str(value).strip())) if value else None
    except ValueError:
        return None


def record(
    actor, action: str, obj=None, *, summary: str = "", data: dict | None = None, school=None
) -> AuditEvent:
    """Append an audit event; `actor` is an Actor (or None for system jobs)."""
    user = getattr(actor, "user", None)
    return AuditEvent.objects.create(
        school=school
        if school is not None
        else getattr(actor, "school", None) or getattr(obj, "school", None),
        actor=user if getattr(user, "is_authenticated", False) else None,
        ip=valid_ip(getattr(actor, "ip", None)),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        summary=(summary or (str(obj) if obj is not None else ""))[:500],
        data=data or {},
    )
