"""The PDF of a printout (R-R-5, R-R-6): WeasyPrint over flat HTML, A4 landscape, from the snapshot.

The page shell is a template (templates/reports/printouts/document.html); the mark
grids and topic lists, thousands of cells, are built here as strings with every
value escaped (STACK.md, "Rendering a big grid"). A grid wider than `MAX_COLUMNS`
mark columns continues in a second table with the names repeated. Every page
carries the verification code and its QR code in the footer (a running element),
opening the public page `reports:verify`; WeasyPrint fetches nothing but local
static files and data: URIs (`accounts.pdf.static_only_fetcher`).
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.pdf import _base_url, static_only_fetcher

from .models import Step

MAX_COLUMNS = 29  # mark columns per table on an A4 landscape page (277 mm wide inside the margins)
# The marks of a row are one line of monospaced text, `SLOT` characters per column, with the column
# rules drawn by a repeating background: a table cell per mark made a class's 20-odd pages take
# several seconds to lay out and draw (thousands of boxes); a line per row is cheap (STACK.md).
SLOT = 6  # characters per mark column: «07.09» with a space, «5/4/3», «(2)/4», «н/5» fit
MONO_PT = 5.6  # font size of the marks
ADVANCE = 1233 / 2048  # advance width of DejaVu Sans Mono, in em
COLUMN_PT = SLOT * ADVANCE * MONO_PT


def verify_url(code: str) -> str:
    return settings.SITE_URL + reverse("reports:verify", kwargs={"code": code})


def qr_png_uri(text: str) -> str:
    """The QR code as a PNG `data:` URI: embedded once in the PDF and shown on every page (an SVG would be
    drawn again, path by path, on each of the 30-odd pages)."""
    import segno

    return segno.make(text, error="m", micro=False).png_data_uri(scale=6, border=0)


def pretty_code(code: str) -> str:
    """The code as printed, in groups that are easy to type: «K7QH-3MZP-XA»."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _chunks(n: int) -> list[range]:
    if n == 0:
        return [range(0)]
    parts = -(-n // MAX_COLUMNS)
    size = -(-n // parts)
    return [range(i, min(n, i + size)) for i in range(0, n, size)]


def _slot(text: str) -> str:
    """`text` centred in a column of SLOT characters (cut with «…» when longer)."""
    if len(text) > SLOT:
        text = text[: SLOT - 1] + "…"
    return text.center(SLOT)


CROSSED = "─" * SLOT  # the student was not in the group that day


def grid_html(page: dict) -> str:
    """The mark grid of one course page: one table per chunk of columns, names, average and final repeated.

    Two cells a row (the numbered name, then the marks with the average and the final as the last two
    columns of the same line): WeasyPrint's cost grows with the cells, not with the characters.
    """
    columns, rows = page["columns"], page["rows"]
    out = []
    name_word = escape(_("Student"))
    avg_word, final_word = _("Avg."), _("Final")
    for part in _chunks(len(columns)):
        width_pt = (len(part) + 2) * COLUMN_PT
        dates = "".join(_slot(columns[i][0] if columns[i][2] or i == part.start else "") for i in part)
        dates += _slot(avg_word) + _slot(final_word)
        types = "".join(_slot(columns[i][1]) for i in part) + " " * (2 * SLOT)
        out.append(
            f'<table class="grid"><colgroup><col class="c-name"><col style="width:{width_pt:.3f}pt"></colgroup>'
            f'<thead><tr><th rowspan="2" class="name">{name_word}</th><td class="m h">{escape(dates)}</td>'
            f'</tr><tr><td class="m h">{escape(types)}</td></tr></thead><tbody>'
        )
        for n, row in enumerate(rows, start=1):
            cells = row["cells"]
            marks = "".join(CROSSED if cells[i] is None else _slot(cells[i]) for i in part)
            marks += _slot(row["average"]) + _slot(row["final"])
            out.append(
                f'<tr><td class="name">{n}.\u00a0{escape(row["name"])}</td><td class="m">{escape(marks)}</td></tr>'
            )
        if not rows:
            nobody = escape(_("No students."))
            out.append(f'<tr><td colspan="2" class="empty">{nobody}</td></tr>')
        out.append("</tbody></table>")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def topics_html(page: dict) -> str:
    """The topics and homework of a course page, one row per held lesson."""
    heads = "".join(
        f"<th>{escape(t)}</th>" for t in (_("No."), _("Date"), _("Topic of the lesson"), _("Homework"))
    )
    out = [
        '<table class="topics"><colgroup><col class="c-no"><col class="c-date"><col class="c-topic">'
        f'<col class="c-hw"></colgroup><thead><tr>{heads}</tr></thead><tbody>'
    ]
    for n, (date, _lesson_slot, topic, homework) in enumerate(page["topics"], start=1):
        out.append(
            f'<tr><td class="n">{n}</td><td class="n">{escape(date)}</td><td>{escape(topic)}</td>'
            f"<td>{escape(homework)}</td></tr>"
        )
    if not page["topics"]:
        none = escape(_("No lessons in this period."))
        out.append(f'<tr><td colspan="4" class="empty">{none}</td></tr>')
    out.append("</tbody></table>")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def _signed(signature) -> dict | None:
    if signature is None:
        return None
    return {"name": signature.name, "at": signature.signed_at}


def context(printout, signatures, *, final: bool) -> dict:
    """What the document template needs: the snapshot, rendered grids, signatures, the code and its QR."""
    data = printout.data
    by_course = {s.course_id: s for s in signatures if s.step == Step.COURSE}
    steps = {s.step: s for s in signatures if s.step != Step.COURSE}
    courses = []
    for page in data.get("courses", []):
        entry = {**page, "signed": _signed(by_course.get(page["course_id"]))}
        if data.get("kind") == "period":
            entry["grid"] = grid_html(page)
            entry["topics_table"] = topics_html(page)
        courses.append(entry)
    url = verify_url(printout.code)
    return {
        "data": data,
        "courses": courses,
        "printout": printout,
        "final": final,
        "code": pretty_code(printout.code),
        "verify_url": url,
        "qr": qr_png_uri(url),
        "mono_pt": f"{MONO_PT:.2f}",
        "column_pt": f"{COLUMN_PT:.4f}",
        "class_teacher_signed": _signed(steps.get(Step.CLASS_TEACHER)),
        "deputy_signed": _signed(steps.get(Step.DEPUTY)),
        "director_signed": _signed(steps.get(Step.DIRECTOR)),
    }


def render(printout, signatures, *, final: bool) -> tuple[bytes, int]:
    """(PDF bytes, number of pages) of the printout with the given signatures."""
    from weasyprint import HTML

    html = render_to_string("reports/printouts/document.html", context(printout, signatures, final=final))
    document = HTML(string=html, base_url=_base_url(), url_fetcher=static_only_fetcher()).render()
    return document.write_pdf(), len(document.pages)
