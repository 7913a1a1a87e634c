"""The one way the journal writes workbooks: text typed by people never becomes a formula (ASVS V5).

A topic, a remark or a name that starts with = + - @, a tab or a carriage return
is read as a formula by Excel and LibreOffice (OWASP's CSV injection). Every such
text is stored as an explicit string cell with Excel's quote prefix, the mark a
leading apostrophe leaves when a person types it: the reader sees the text as
typed ("-5" still reads "-5"), and neither opening nor editing the cell evaluates
it. Numbers and dates the code writes are left as they are.

Write-only sheets: append rows through `append` (or cells made by `cell`).
Regular sheets: set values through `put`; `save` checks every cell again.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(c):
    """`c` (a cell holding its value) as a plain text cell when its text could be read as a formula."""
    if isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS):
        c.data_type = "s"
        c.quotePrefix = True
    return c


def cell(ws, value, *, font=None, alignment=None, border=None, fill=None, number_format=None):
    """A cell of a write-only sheet, styled and safe."""
    c = WriteOnlyCell(ws, value=value)
    if font is not None:
        c.font = font
    if alignment is not None:
        c.alignment = alignment
    if border is not None:
        c.border = border
    if fill is not None:
        c.fill = fill
    if number_format is not None:
        c.number_format = number_format
    return as_text(c)


def _safe(ws, value):
    if isinstance(value, Cell):
        return as_text(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return cell(ws, value)
    return value  # openpyxl makes its own cell of a number, a date or a harmless text


def append(ws, values) -> None:
    """Append a row to a write-only sheet; plain values and ready cells alike pass `as_text`."""
    ws.append([_safe(ws, v) for v in values])


def put(ws, row: int, column: int, value):
    """Set a cell of a regular sheet; returns it for styling."""
    return as_text(ws.cell(row=row, column=column, value=value))


def save(wb: Workbook, out=None) -> bytes | None:
    """Save the workbook to `out`, or return its bytes; a regular workbook's cells are checked once more."""
    if not wb.write_only:
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    as_text(c)
    if out is not None:
        wb.save(out)
        return None
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
