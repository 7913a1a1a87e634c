"""`purge_school`: delete one demo school's rows for `seed_demo --reset`."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction

from accounts.models import AuditEvent, Person, School
from journal.models import (
    HomeworkAttachment,
)
from reports.models import Printout


def _school_fk(model) -> models.ForeignKey | None:
    """The FK by which rows of `model` belong to a school (CASCADE/PROTECT to School), if any."""
    for f in model._meta.concrete_fields:
        if (
            isinstance(f, models.ForeignKey)
            and f.related_model is School
            and f.remote_field.on_delete in (models.CASCADE, models.PROTECT)
        ):
            return f
    return None


def _user_triggers(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table]
        )
        return [r[0] for r in cursor.fetchall()]


def purge_school(school: School) -> dict[str, int]:
    """Delete every row of `school`, the school itself, and the logins only its people used.

    Deletes table by table with plain DELETEs (no TRUNCATE, no ORM collector):
    first rows of tables without a school column that point at the school's
    rows (many-to-many tables), then every table whose rows belong to the
    school. Foreign keys are deferred to the end of the transaction, so the
    order within a step does not matter. Append-only tables (the audit trail,
    whose trigger refuses DELETE) have their user triggers disabled for the
    DELETE and enabled again, inside the same transaction; only `seed_demo
    --reset` calls this, and only for demo schools. The journal goes the same
    way: its rows have a school column, and the mark log's append-only trigger
    (journal_marklogentry_append_only) is one of those disabled for the DELETE;
    the files of homework attachments and printouts are deleted after the commit.
    """
    User = get_user_model()
    deleted: dict[str, int] = {}
    storage = HomeworkAttachment._meta.get_field("file").storage
    with transaction.atomic():
        # Homework attachments' and printouts' files go once the rows are gone for good (after the commit).
        files = list(HomeworkAttachment.objects.filter(school=school).values_list("file", flat=True))
        transaction.on_commit(lambda: [storage.delete(name) for name in files if name])
        printed = Printout._meta.get_field("draft").storage
        pdfs = [
            n for pair in Printout.objects.filter(school=school).values_list("draft", "final") for n in pair
        ]
        transaction.on_commit(lambda: [printed.delete(name) for name in pdfs if name])
        owned = {m: _school_fk(m) for m in apps.get_models(include_auto_created=True)}
        owned = {m: f for m, f in owned.items() if f is not None and m is not School}
        querysets = {m: m._base_manager.filter(**{f.name: school}) for m, f in owned.items()}

        user_ids = set(
            Person.objects.filter(school=school, user__isnull=False).values_list("user_id", flat=True)
        )
        User.objects.filter(last_school=school).update(last_school=None)

        # Tables that point at the school's rows without a school column of their own.
        dependents = []
        for m in apps.get_models(include_auto_created=True):
            if m in owned or m is School or m is User:
                continue
            for f in m._meta.concrete_fields:
                if isinstance(f, models.ForeignKey) and f.related_model in owned:
                    qs = m._base_manager.filter(**{f"{f.name}__in": querysets[f.related_model].values("pk")})
                    if f.remote_field.on_delete is models.SET_NULL:
                        qs.update(**{f.name: None})
                    else:
                        dependents.append((m, qs))
        for m, qs in dependents:
            deleted[m._meta.label] = deleted.get(m._meta.label, 0) + qs._raw_delete(qs.db)

        # ALTER TABLE refuses while deferred checks of the table are pending: run them first.
        triggers = [(m._meta.db_table, t) for m in querysets for t in _user_triggers(m._meta.db_table)]
        connection.check_constraints()
        with connection.cursor() as cursor:
            for table, t in triggers:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{t}"')
        for m, qs in querysets.items():
            n = qs._raw_delete(qs.db)
            if n:
                deleted[m._meta.label] = n
        School.objects.filter(pk=school.pk)._raw_delete(connection.alias)
        connection.check_constraints()  # deferred foreign keys: fail here, not at some later commit
        with connection.cursor() as cursor:
            for table, t in triggers:
                cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{t}"')

        # Logins used only by this school's people, unless the audit trail of elsewhere names them.
        still_used = set(Person.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True))
        audited = set(AuditEvent.objects.filter(actor_id__in=user_ids).values_list("actor_id", flat=True))
        n, _detail = User.objects.filter(id__in=user_ids - still_used - audited).delete()
        deleted["logins"] = len(user_ids - still_used - audited)
    return deleted
