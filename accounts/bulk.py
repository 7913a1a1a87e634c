"""Writing many rows fast: COPY into a model's table, for the bulk services of every app (which check
the rows first: COPY itself checks only what the database enforces)."""

from __future__ import annotations

from django.db import connection


def copy_rows(model, fields: list[str], rows) -> int:
    """COPY `rows` (tuples in the order of `fields`, given as model field names) into the model's table."""
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in fields)
    n = 0
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
    return n
