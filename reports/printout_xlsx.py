"""The XLSX of a printout (R-R-5, R-R-6): the same snapshot as the PDF, one sheet per course.

openpyxl in write-only mode: a title sheet (school, class, period, class teacher,
courses and teachers, the sign-off so far, the verification code), a sheet per
course (the mark grid, then the topics and homework), the attendance sheet; the
year summary sheet has the students × subjects table instead.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from accounts import xlsx

from .models import Step
from .printout_pdf import pretty_code

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(text: str, used: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique in the book."""
    base = _BAD.sub(" ", text).strip()[:28] or "-"
    title, n = base, 2
    while title.lower() in used:
        title = f"{base[:25]} {n}"
        n += 1
    used.add(title.lower())
    return title


def _signed(signature) -> str:
    if signature is None:
        return ""
    return _("confirmed by %(name)s, %(date)s") % {
        "name": signature.name,
        "date": signature.signed_at.strftime("%d.%m.%Y %H:%M"),
    }


def workbook(printout, signatures) -> bytes:
    """The XLSX bytes of `printout` with the sign-off steps done so far."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    data = printout.data
    bold = Font(bold=True)
    big = Font(bold=True, size=14)
    wrap = Alignment(wrap_text=True, vertical="top")
    by_course = {s.course_id: s for s in signatures if s.step == Step.COURSE}
    steps = {s.step: s for s in signatures if s.step != Step.COURSE}
    book = Workbook(write_only=True)
    used: set[str] = set()

    def cell(sheet, value, font=None, alignment=None):
        return xlsx.cell(sheet, value, font=font, alignment=alignment)

    # Title
    sheet = book.create_sheet(_sheet_title(_("Title"), used))
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 40
    sheet.column_dimensions["C"].width = 16
    sheet.column_dimensions["D"].width = 40
    heading = _("Summary sheet of final marks") if data["kind"] == "year" else _("Class journal: paper copy")
    xlsx.append(sheet, [cell(sheet, heading, big)])
    xlsx.append(sheet, [_("School"), data["school"]])
    xlsx.append(sheet, [_("Class"), data["class"]])
    xlsx.append(sheet, [_("Academic year"), data["year"]])
    if data.get("period"):
        xlsx.append(sheet, [_("Reporting period"), f"{data['period']} ({data['starts']} – {data['ends']})"])
    xlsx.append(sheet, [_("Class teacher"), data.get("class_teacher_full") or "—"])
    xlsx.append(sheet, [_("Verification code"), pretty_code(printout.code)])
    xlsx.append(sheet, [])
    xlsx.append(
        sheet,
        [cell(sheet, t, bold) for t in (_("Subject"), _("Teachers"), _("Class or group"), _("Sign-off"))],
    )
    for c in data["courses"]:
        xlsx.append(
            sheet,
            [
                c["subject"],
                ", ".join(c["teachers"]) or "—",
                c["group"],
                _signed(by_course.get(c["course_id"])),
            ],
        )
    xlsx.append(sheet, [])
    for label, step in (
        (_("Class teacher"), Step.CLASS_TEACHER),
        (_("Deputy director"), Step.DEPUTY),
        (_("Director"), Step.DIRECTOR),
    ):
        xlsx.append(sheet, [label, _signed(steps.get(step)) or "—"])

    if data["kind"] == "year":
        sheet = book.create_sheet(_sheet_title(_("Year marks"), used))
        sheet.column_dimensions["B"].width = 36
        sheet.freeze_panes = "C2"
        xlsx.append(
            sheet,
            [
                cell(sheet, t, bold)
                for t in [_("No."), _("Student"), *[s["subject"] for s in data["subjects"]], _("Avg.")]
            ],
        )
        for n, row in enumerate(data["rows"], start=1):
            xlsx.append(
                sheet,
                [n, row["name"], *[int(v) if v else None for v in row["cells"]], row["average"] or None],
            )
    else:
        for page in data["courses"]:
            sheet = book.create_sheet(_sheet_title(f"{page['subject']} {page['group']}", used))
            sheet.column_dimensions["B"].width = 36
            sheet.freeze_panes = "C3"
            columns = page["columns"]
            xlsx.append(
                sheet,
                [cell(sheet, _("No."), bold), cell(sheet, _("Student"), bold)]
                + [cell(sheet, c[0] if c[2] else "", bold) for c in columns]
                + [cell(sheet, _("Avg."), bold), cell(sheet, _("Final"), bold)],
            )
            xlsx.append(sheet, ["", ""] + [c[1] for c in columns] + ["", ""])
            for n, row in enumerate(page["rows"], start=1):
                values = [
                    "×" if v is None else (int(v) if v in ("2", "3", "4", "5") else v or None)
                    for v in row["cells"]
                ]
                final = int(row["final"]) if row["final"] else None
                xlsx.append(sheet, [n, row["name"], *values, row["average"] or None, final])
            xlsx.append(sheet, [])
            xlsx.append(sheet, [cell(sheet, _("Topics and homework"), bold)])
            xlsx.append(
                sheet,
                [
                    cell(sheet, t, bold)
                    for t in (_("No."), _("Date"), _("Topic of the lesson"), _("Homework"))
                ],
            )
            for n, (date, _slot, topic, homework) in enumerate(page["topics"], start=1):
                xlsx.append(
                    sheet, [n, date, cell(sheet, topic, None, wrap), cell(sheet, homework, None, wrap)]
                )
            xlsx.append(sheet, [])
            xlsx.append(
                sheet,
                [
                    _("Subject teacher"),
                    ", ".join(page["teachers"]),
                    _signed(by_course.get(page["course_id"])),
                ],
            )
        attendance = data["attendance"]
        sheet = book.create_sheet(_sheet_title(_("Attendance"), used))
        sheet.column_dimensions["B"].width = 36
        sheet.freeze_panes = "C2"
        xlsx.append(
            sheet,
            [
                cell(sheet, t, bold)
                for t in [
                    _("No."),
                    _("Student"),
                    *attendance["months"],
                    _("Total"),
                    _("illness"),
                    _("excused"),
                    _("unexcused"),
                ]
            ],
        )
        for n, row in enumerate(attendance["rows"], start=1):
            xlsx.append(sheet, [n, row["name"], *row["figures"]])
        xlsx.append(sheet, ["", cell(sheet, _("Class total"), bold), *attendance["totals"]])
    return xlsx.save(book)


def file_name(printout) -> str:
    """«5А 1 четверть 2026-2027 v1» (the class, period and year of the row, not of the snapshot)."""
    part = printout.period.name if printout.period_id else _("year")
    return f"{printout.school_class.name} {part} {printout.year.name.replace('/', '-')} v{printout.version}"
