"""Background upkeep of accounts data; idempotent, safe to run twice."""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import InviteCode

STALE_AFTER = datetime.timedelta(days=90)


@transaction.atomic
def purge_stale_invite_codes(now=None) -> int:
    """Delete unused codes that expired or were revoked more than 90 days ago; used ones stay as history."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    deleted, _ = (
        InviteCode.objects.filter(used_at__isnull=True)
        .filter(Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff))
        .delete()
    )
    return deleted
