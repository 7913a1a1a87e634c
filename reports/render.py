"""The three renderers of a `ReportData`: the HTML page's tables, the XLSX workbook and the PDF.

None of them computes a figure: they format what the query returned — numbers
right-aligned, None as "—", rates with one decimal, averages with two, dates as
DD.MM.YYYY — and lay out the grouped headers (a `Column.group` spans its
consecutive columns). The XLSX keeps numbers as numbers with number formats, so
a secretary can sum them again in a spreadsheet.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from schedule.selectors import local_today

from .tables import Column, ReportData, Table

DASH = "—"
NUMERIC = {"int", "decimal", "percent", "mark"}
PLACES = {"percent": 1, "decimal": 2}
# Relative widths of the column kinds in the PDF (table-layout: fixed needs them) and the XLSX.
WEIGHTS = {"text": 4.0, "int": 1.0, "decimal": 1.3, "percent": 1.3, "mark": 1.0, "date": 1.8}
XLSX_WIDTHS = {"text": 28, "int": 9, "decimal": 10, "percent": 10, "mark": 7, "date": 12}
XLSX_FORMATS = {"int": "0", "decimal": "0.00", "percent": "0.0", "date": "DD.MM.YYYY"}
LANDSCAPE_COLUMNS = 9  # wider tables are printed on A4 landscape


def text(value, kind: str) -> str:
    """A cell as people read it: "—" for None, "85,7" for a rate, "4,25" for an average, "01.09.2026"."""
    if value is None or value == "":
        return DASH if value is None else ""
    if isinstance(value, datetime.date):
        return date_format(value, "d.m.Y")
    if isinstance(value, Decimal):
        return number_format(value, PLACES.get(kind, 2), use_l10n=True)
    return str(value)


@dataclass
class HeadCell:
    title: str
    colspan: int = 1
    rowspan: int = 1
    kind: str = "text"
    index: int = 0  # of its (first) column
    css: str = ""


def header_rows(columns: list[Column]) -> list[list[HeadCell]]:
    """One header row, or two when some columns are grouped (the others then span both rows)."""
    if not any(c.group for c in columns):
        return [[HeadCell(c.title, kind=c.kind, index=i) for i, c in enumerate(columns)]]
    top, bottom, i = [], [], 0
    while i < len(columns):
        column = columns[i]
        if not column.group:
            top.append(HeadCell(column.title, rowspan=2, kind=column.kind, index=i))
            i += 1
            continue
        j = i
        while j < len(columns) and columns[j].group == column.group:
            bottom.append(HeadCell(columns[j].title, kind=columns[j].kind, index=j))
            j += 1
        top.append(HeadCell(column.group, colspan=j - i, kind="group", index=i))
        i = j
    return [top, bottom]


def pinned(columns: list[Column]) -> int:
    """How many leading columns stay in view while a wide table scrolls: "No." and the name, or the name."""
    if len(columns) > 1 and columns[0].title in ("№", _("No.")) and columns[1].kind == "text":
        return 2
    return 1 if columns and columns[0].kind == "text" else 0


def _pin_css(index: int, pin: int) -> str:
    if index >= pin:
        return ""
    return f"pin pin-{index}" + (" pin-last" if index == pin - 1 else "")


def widths(columns: list[Column]) -> list[float]:
    """Percent widths of the columns for a fixed table layout; "No." columns stay narrow."""
    weights = [0.7 if c.kind == "int" and c.title in ("№", _("No.")) else WEIGHTS[c.kind] for c in columns]
    total = sum(weights) or 1
    return [round(w * 100 / total, 2) for w in weights]


@dataclass
class HtmlTable:
    table: Table
    head: list[list[HeadCell]]
    rows: list[list[tuple[str, str]]]  # (text, css class)
    totals: list[tuple[str, str]] | None
    widths: list[float]

    @property
    def landscape(self) -> bool:
        return len(self.table.columns) > LANDSCAPE_COLUMNS

    def html(self, with_widths: bool = False) -> str:
        """The <table> as a safe string, every text escaped. Built in Python rather than by a template loop:
        a school-wide report has thousands of cells, and a loop of the template costs ~25× more (STACK.md)."""
        out = [f'<table class="rp-table{" wide" if self.landscape else ""}" data-testid="rp-table">']
        if with_widths:
            out.append("<colgroup>")
            out += [f'<col style="width: {w:.2f}%">' for w in self.widths]
            out.append("</colgroup>")
        out.append("<thead>")
        for row in self.head:
            out.append("<tr>")
            for h in row:
                span = (f' colspan="{h.colspan}"' if h.colspan > 1 else "") + (
                    f' rowspan="{h.rowspan}"' if h.rowspan > 1 else ""
                )
                out.append(f'<th scope="col"{span} class="{h.css}">{escape(h.title)}</th>')
            out.append("</tr>")
        out.append("</thead><tbody>")
        for row in self.rows:
            out.append("<tr>" + "".join(_td(value, css) for value, css in row) + "</tr>")
        if not self.rows:
            out.append(
                f'<tr><td colspan="{len(self.table.columns)}" class="muted">{escape(_("No data."))}</td></tr>'
            )
        out.append("</tbody>")
        if self.totals is not None:
            out.append('<tfoot><tr class="total" data-testid="rp-total">')
            out.append("".join(_td(value, css) for value, css in self.totals) + "</tr></tfoot>")
        out.append("</table>")
        return mark_safe("".join(out))  # noqa: S308 — every text above is escaped

    @property
    def screen_html(self) -> str:
        return self.html()

    @property
    def print_html(self) -> str:
        return self.html(with_widths=True)


def _td(value: str, css: str) -> str:
    return f'<td class="{css}">{escape(value)}</td>' if css else f"<td>{escape(value)}</td>"


def _cells(row: list, columns: list[Column], pin: int = 0) -> list[tuple[str, str]]:
    out = []
    for i, (value, column) in enumerate(zip(row, columns, strict=True)):
        css = "num" if column.kind in NUMERIC else ("date" if column.kind == "date" else "")
        if value is None:
            css += " none"
        css += " " + _pin_css(i, pin)
        out.append((text(value, column.kind), " ".join(css.split())))
    return out


def _head(columns: list[Column], pin: int) -> list[list[HeadCell]]:
    rows = header_rows(columns)
    for row in rows:
        for h in row:
            h.css = " ".join(f"k-{h.kind} {_pin_css(h.index, pin) if h.colspan == 1 else ''}".split())
    return rows


def html_tables(data: ReportData) -> list[HtmlTable]:
    """The report's tables ready for the page and the PDF template (escaped there)."""
    out = []
    for t in data.tables:
        pin = pinned(t.columns) if len(t.columns) > 4 else 0
        out.append(
            HtmlTable(
                t,
                _head(t.columns, pin),
                [_cells(r, t.columns, pin) for r in t.rows],
                _cells(t.totals, t.columns, pin) if t.totals is not None else None,
                widths(t.columns),
            )
        )
    return out


def is_landscape(data: ReportData) -> bool:
    return any(len(t.columns) > LANDSCAPE_COLUMNS for t in data.tables)


def filename(data: ReportData, params: list[str] | None = None, ext: str = "xlsx") -> str:
    """ "class_results-5А-1-четверть.xlsx": the code and the first parameter values, safe for any OS."""
    values = [line.split(":", 1)[-1] for line in (data.params if params is None else params)[:1]]
    if len(data.params) > 2:
        values.append(data.params[2].split(":", 1)[-1].split("(")[0])
    stem = "-".join([data.code, *values])
    stem = re.sub(r"[^\w.-]+", "-", stem, flags=re.UNICODE).strip("-")[:100]
    return f"{stem}.{ext}"


# XLSX


def xlsx_bytes(data: ReportData, school_name: str) -> bytes:
    """One sheet per table: the school, the title, the parameters, the (grouped) header, the rows and the
    totals; numbers with number formats, column widths, the header frozen, landscape printing.

    A regular workbook rather than write-only: grouped headers need merged cells, and a report is a few
    hundred rows at most."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    from accounts import xlsx

    thin = Side(style="thin", color="A0A7B4")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="E8F0FC")
    total_fill = PatternFill("solid", fgColor="F3F4F6")
    wb = Workbook()
    wb.remove(wb.active)
    used = set()
    for n, table in enumerate(data.tables or [Table(data.title, [Column("")], [])], start=1):
        name = re.sub(r"[\[\]:*?/\\]", " ", table.title)[:28].strip() or str(n)
        if name in used:
            name = f"{name[:25]} {n}"
        used.add(name)
        ws = wb.create_sheet(name)
        width = len(table.columns)
        lines = [school_name, data.title, *data.params]
        if len(data.tables) > 1:
            lines.append(table.title)
        for i, line in enumerate(lines, start=1):
            cell = xlsx.put(ws, i, 1, line)
            cell.font = Font(bold=i <= 2, size=13 if i == 2 else 11)
        row = len(lines) + 2
        top = row
        grouped = any(c.group for c in table.columns)
        depth = 2 if grouped else 1

        def head(r, k, title, span=1, rows=1, ws=ws):
            cell = xlsx.put(ws, r, k, title)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            for kk in range(k, k + span):
                for rr in range(r, r + rows):
                    ws.cell(row=rr, column=kk).border = box
                    ws.cell(row=rr, column=kk).fill = head_fill
            if span > 1 or rows > 1:
                ws.merge_cells(start_row=r, start_column=k, end_row=r + rows - 1, end_column=k + span - 1)

        k = 1
        while k <= width:
            column = table.columns[k - 1]
            if not column.group:
                head(top, k, column.title, rows=depth)
                k += 1
                continue
            span = 1
            while k - 1 + span < width and table.columns[k - 1 + span].group == column.group:
                span += 1
            head(top, k, column.group, span=span)
            for kk in range(k, k + span):
                head(top + 1, kk, table.columns[kk - 1].title)
            k += span
        row = top + depth
        first_data = row
        for values, is_total in [
            *[(r, False) for r in table.rows],
            *([(table.totals, True)] if table.totals else []),
        ]:
            for k, (value, column) in enumerate(zip(values, table.columns, strict=True), start=1):
                cell = xlsx.put(ws, row, k, _xlsx_value(value, column))
                cell.border = box
                if column.kind in XLSX_FORMATS and not isinstance(cell.value, str):
                    cell.number_format = XLSX_FORMATS[column.kind]
                if column.kind in NUMERIC or column.kind == "date":
                    cell.alignment = Alignment(horizontal="right")
                else:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                if is_total:
                    cell.font = Font(bold=True)
                    cell.fill = total_fill
            row += 1
        if table.note:
            xlsx.put(ws, row + 1, 1, table.note).font = Font(italic=True, size=9)
        for k, column in enumerate(table.columns, start=1):
            w = XLSX_WIDTHS[column.kind]
            if column.kind == "int" and column.title in ("№", _("No.")):
                w = 5
            ws.column_dimensions[get_column_letter(k)].width = w
        ws.freeze_panes = ws.cell(row=first_data, column=min(3, width) if width > 3 else 1)
        ws.print_title_rows = f"{top}:{first_data - 1}"
        ws.page_setup.orientation = "landscape" if width > LANDSCAPE_COLUMNS else "portrait"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        if data.signers and n == len(data.tables):
            row += 3
            for role, person in data.signers:
                xlsx.put(ws, row, 1, f"{role}: ____________ {person}")
                row += 2
    return xlsx.save(wb)


def _xlsx_value(value, column: Column):
    if value is None:
        return DASH
    if column.kind == "mark" and isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


# PDF


def css_string(value: str) -> str:
    """`value` safe inside a double-quoted CSS string in a <style> element (the PDF's page footer)."""
    out = []
    for ch in value:
        out.append(f"\\{ord(ch):x} " if ch in "\\\"<>&'" or ord(ch) < 32 else ch)
    return "".join(out)


def pdf_bytes(data: ReportData, school, request=None) -> bytes:
    """The report as an A4 PDF (landscape when a table is wide) through WeasyPrint's static-only fetcher."""
    from accounts.pdf import render_pdf

    context = {
        "footer": css_string(f"{school.short_name} · {data.title}"),
        "data": data,
        "school": school,
        "tables": html_tables(data),
        "landscape": is_landscape(data),
        "printed": local_today(school),
    }
    return render_pdf("reports/report_pdf.html", context, request=request)
