"""XLSX of a timetable week (R-TT-5): the same `Week` the page shows, as a write-only openpyxl workbook.

Layout: the school's name and the week in title rows, then one row per lesson
number and one column per day; a cell lists its lessons one under another.
Set up to print on one A4 landscape page.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from accounts import xlsx

from .weeks import Week, WeekLesson

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
THIN = Side(style="thin", color="A0A7B4")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)
HEAD_FILL = PatternFill("solid", fgColor="E8F0FC")


def lesson_lines(lesson: WeekLesson, *, kind: str, person_id: int | None = None, row_time=None) -> list[str]:
    """A lesson as lines of text: subject (and group), teacher, room, time when it differs, what changed."""
    subject = lesson.subject
    if kind in ("teacher", "room") or not lesson.whole_class:
        subject = f"{subject} ({lesson.group})"
    lines = [subject]
    if kind == "teacher" and lesson.teacher_id == person_id and lesson.substituted:
        lines.append(_("substitution, instead of %(name)s") % {"name": lesson.own_teacher})
    elif lesson.substituted:
        lines.append(_("%(name)s (substitution)") % {"name": lesson.teacher})
    elif kind != "teacher":
        lines.append(lesson.teacher)
    if lesson.room and kind != "room":
        lines.append(_("room %(name)s") % {"name": lesson.room} if lesson.room_is_number else lesson.room)
    if row_time is None or row_time != (lesson.starts, lesson.ends):
        lines.append(f"{lesson.starts:%H:%M}–{lesson.ends:%H:%M}")
    marks = []
    if lesson.cancelled:
        marks.append(_("CANCELLED"))
    if lesson.moved:
        marks.append(_("moved"))
    if lesson.extra:
        marks.append(_("extra lesson"))
    if lesson.note:
        marks.append(lesson.note)
    if marks:
        lines.append(", ".join(marks))
    return lines


def week_workbook(
    week: Week, *, school_name: str, title: str, kind: str, person_id: int | None = None
) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Timetable")[:31])
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 13
    for i in range(len(week.days)):
        ws.column_dimensions[chr(ord("C") + i)].width = 30
    last_column = chr(ord("C") + len(week.days) - 1)
    ws.merged_cells.add(f"A1:{last_column}1")
    ws.merged_cells.add(f"A2:{last_column}2")
    ws.freeze_panes = "C4"

    def cell(value, *, font=None, alignment=WRAP, border=BOX, fill=None):
        return xlsx.cell(ws, value, font=font, alignment=alignment, border=border, fill=fill)

    period = _("%(title)s, week %(first)s – %(last)s") % {
        "title": title,
        "first": date_format(week.monday, "j E"),
        "last": date_format(week.last_day, "j E Y"),
    }
    ws.append([cell(school_name, font=Font(bold=True, size=13), border=None)])
    ws.append([cell(period, font=Font(bold=True, size=12), border=None)])
    bold = Font(bold=True)
    headings = [
        cell(_("No."), font=bold, alignment=CENTER, fill=HEAD_FILL),
        cell(_("Time"), font=bold, alignment=CENTER, fill=HEAD_FILL),
    ]
    for day in week.days:
        text = f"{date_format(day.date, 'l')}, {date_format(day.date, 'd.m')}"
        if day.holiday:
            text += f"\n{day.holiday}"
        headings.append(cell(text, font=bold, alignment=CENTER, fill=HEAD_FILL))
    ws.append(headings)
    multi_shift = len(week.shifts) > 1
    for row in week.rows:
        number = (
            f"{row.slot}"
            if not multi_shift
            else _("%(slot)s (shift %(shift)s)")
            % {
                "slot": row.slot,
                "shift": row.shift,
            }
        )
        time = f"{row.starts:%H:%M}–{row.ends:%H:%M}" if row.starts else ""
        values = [cell(number, alignment=CENTER), cell(time, alignment=CENTER)]
        row_time = (row.starts, row.ends)
        for lessons in row.cells:
            text = "\n\n".join(
                "\n".join(lesson_lines(x, kind=kind, person_id=person_id, row_time=row_time)) for x in lessons
            )
            values.append(cell(text))
        ws.append(values)
    if week.is_empty:
        ws.append([cell(_("No lessons this week."), border=None)])
    return xlsx.save(wb)


def week_response(week: Week, *, school_name: str, title: str, kind: str, filename: str, person_id=None):
    response = HttpResponse(
        week_workbook(week, school_name=school_name, title=title, kind=kind, person_id=person_id),
        content_type=CONTENT_TYPE,
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
