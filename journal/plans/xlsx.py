"""The thematic plan (КТП) as an XLSX workbook: the template, the export and the import parser (R-J-5).

Layout of the sheet (the template, the export and what the import accepts):
one header row with the columns № | Раздел | Тема урока | Часы, then one row per
topic. The import finds the header row by its titles (case-insensitive, in Russian
or English, anywhere in the first rows of the first sheet that has one); the №
column is optional and only for the reader: the plan follows the order of the
rows. An empty «Раздел» cell continues the section of the row above, so merged
section cells work. Empty rows are skipped.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from accounts import xlsx

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
MAX_HOURS = 200
TITLE_MAX = 300
SECTION_MAX = 200
HEADER_SEARCH_ROWS = 30  # the header may sit below a title block of a few rows
MAX_SCANNED = 20_000  # rows read at most below the header, empty ones included

THIN = Side(style="thin", color="A0A7B4")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="E8F0FC")
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="top")
WIDTHS = {"A": 6, "B": 32, "C": 64, "D": 8}


@dataclass(frozen=True)
class PlanRow:
    """One topic read from a sheet; `line` is its row number in the sheet (for messages)."""

    section: str
    title: str
    hours: int
    line: int = 0


def headers() -> list[str]:
    return [_("No."), _("Section"), _("Lesson topic"), _("Hours")]


def _style_header(ws) -> None:
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        cell.border = BOX
        cell.alignment = CENTER
    for letter, width in WIDTHS.items():
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"


def _append_rows(ws, rows) -> None:
    for number, (section, title, hours) in enumerate(rows, start=1):
        ws.append([number, section, title, hours])
        for cell in ws[ws.max_row]:
            cell.border = BOX
            cell.alignment = CENTER if cell.column in (1, 4) else WRAP


def _plan_sheet(wb: Workbook, rows) -> None:
    ws = wb.active
    ws.title = _("Plan topics")[:31]
    ws.append(headers())
    _style_header(ws)
    _append_rows(ws, rows)


def _to_bytes(wb: Workbook) -> bytes:
    return xlsx.save(wb)


def template_workbook() -> bytes:
    """The empty plan with a few example rows and a sheet of instructions."""
    wb = Workbook()
    _plan_sheet(
        wb,
        [
            (_("Natural numbers"), _("Writing and reading natural numbers"), 2),
            (_("Natural numbers"), _("Comparing natural numbers"), 1),
            (_("Fractions"), _("The notion of a fraction"), 3),
        ],
    )
    help_sheet = wb.create_sheet(_("How to fill in")[:31])
    help_sheet.column_dimensions["A"].width = 100
    lines = [
        _("How to fill in the thematic plan"),
        "",
        _("1. Fill in the sheet «%(sheet)s»: one row per topic, in the order the topics are taught.")
        % {"sheet": _("Plan topics")},
        _("2. «Lesson topic» is required (up to 300 characters)."),
        _("3. «Hours» is a whole number from 1 to 200: how many lessons the topic takes."),
        _("4. «Section» is optional (up to 200 characters); an empty cell continues the section above."),
        _("5. The «No.» column is only for you: the order of the rows is the order of the plan."),
        _("6. Replace the example rows with your own; empty rows are skipped. At most 1000 topics."),
        _("7. Save the file as an Excel workbook (.xlsx, up to 2 MB) and upload it on the plan page."),
        _("Uploading a file replaces the whole plan of the course."),
    ]
    for line in lines:
        help_sheet.append([line])
        help_sheet[help_sheet.max_row][0].alignment = WRAP
    help_sheet["A1"].font = Font(bold=True, size=13)
    return _to_bytes(wb)


def export_workbook(topics) -> bytes:
    """The current plan (PlanTopic rows, in order) in the template's layout, ready to edit and upload again."""
    wb = Workbook()
    _plan_sheet(wb, [(t.section, t.title, t.hours) for t in topics])
    return _to_bytes(wb)


# Import


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _column_of(title: str) -> str | None:
    """Which column a header cell names: «Тема урока», «Наименование раздела», «Кол-во часов», «№ п/п»…"""
    t = title.lower()
    if not t:
        return None
    if t.startswith(("тема", "topic", "lesson topic")):
        return "title"
    if "раздел" in t or "модул" in t or "section" in t:
        return "section"
    if "час" in t or "hours" in t:
        return "hours"
    if re.search(r"\bтем[аыуе]?\b", t) or "topic" in t:
        return "title"
    if t.startswith("№") or t in ("no", "no.", "n", "#", "номер", "п/п"):
        return "number"
    return None


def _header(values) -> dict[str, int] | None:
    """Column indexes of a header row, or None when the row is not the header (needs topic and hours)."""
    found: dict[str, int] = {}
    for i, value in enumerate(values):
        key = _column_of(_text(value))
        if key and key not in found:
            found[key] = i
    return found if {"title", "hours"} <= found.keys() else None


def _hours(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            return None
        number = int(value)
    else:
        text = _text(value)
        if not text.isdigit():
            return None
        number = int(text)
    return number if 1 <= number <= MAX_HOURS else None


def _open(upload):
    if upload.size > MAX_BYTES:
        raise ValidationError(_("The file is larger than 2 MB."), code="too_big")
    if not upload.name.lower().endswith(".xlsx"):
        raise ValidationError(
            _("Upload an Excel workbook (.xlsx): download the template, fill it in and save it as .xlsx."),
            code="extension",
        )
    data = upload.read()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValidationError(_("The file is damaged or is not an Excel workbook (.xlsx)."), code="corrupt")
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (KeyError, BadZipFile, ValueError…) on broken files
        raise ValidationError(
            _("The file is damaged or is not an Excel workbook (.xlsx)."), code="corrupt"
        ) from exc


def parse_plan(upload) -> list[PlanRow]:
    """The plan's rows read from an uploaded .xlsx; a ValidationError lists every problem with its row number."""
    wb = _open(upload)
    try:
        return _parse(wb)
    except ValidationError:
        raise
    except Exception as exc:  # a sheet openpyxl cannot stream (broken XML inside a valid zip)
        raise ValidationError(
            _("The file is damaged or is not an Excel workbook (.xlsx)."), code="corrupt"
        ) from exc
    finally:
        wb.close()


def _parse(wb) -> list[PlanRow]:
    for ws in wb.worksheets:
        rows = ws.iter_rows(values_only=True)
        columns, line = None, 0
        for line, values in enumerate(rows, start=1):
            if line > HEADER_SEARCH_ROWS:
                break
            columns = _header(values)
            if columns:
                break
        if columns:
            return _read_rows(rows, columns, line)
    raise ValidationError(
        _("No header row found: the sheet needs the columns «%(title)s» and «%(hours)s» (see the template).")
        % {"title": _("Lesson topic"), "hours": _("Hours")},
        code="no_header",
    )


def _read_rows(rows, columns: dict[str, int], header_line: int) -> list[PlanRow]:
    result: list[PlanRow] = []
    errors: list[str] = []
    section = ""
    seen = 0

    def cell(values, key):
        i = columns.get(key)
        return values[i] if i is not None and i < len(values) else None

    for line, values in enumerate(rows, start=header_line + 1):
        if line - header_line > MAX_SCANNED:
            break  # far below any plan: what is left is formatting, not topics
        raw_section, raw_title, raw_hours = (cell(values, k) for k in ("section", "title", "hours"))
        title, section_text = _text(raw_title), _text(raw_section)
        if not title and not section_text and _text(raw_hours) == "":
            continue  # an empty row (a lone № is empty too)
        seen += 1
        if seen > MAX_ROWS:
            raise ValidationError(
                _("The plan has more than %(max)s rows; split it or remove the extra rows.")
                % {"max": MAX_ROWS},
                code="too_many",
            )
        if section_text:
            section = section_text
        problems = []
        if not title:
            problems.append(_("Row %(line)s: no topic") % {"line": line})
        elif len(title) > TITLE_MAX:
            problems.append(
                _("Row %(line)s: the topic is longer than %(max)s characters")
                % {"line": line, "max": TITLE_MAX}
            )
        if len(section_text) > SECTION_MAX:
            problems.append(
                _("Row %(line)s: the section is longer than %(max)s characters")
                % {"line": line, "max": SECTION_MAX}
            )
        hours = _hours(raw_hours)
        if hours is None:
            problems.append(
                _("Row %(line)s: hours must be a whole number from 1 to %(max)s")
                % {"line": line, "max": MAX_HOURS}
            )
        if problems:
            errors.extend(problems)
        else:
            result.append(PlanRow(section=section, title=title, hours=hours, line=line))
    if errors:
        raise ValidationError(errors, code="rows")
    if not result:
        raise ValidationError(
            _("The file has no topics: fill in at least one row under the header."), code="empty"
        )
    return result
