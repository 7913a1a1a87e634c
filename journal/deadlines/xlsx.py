"""The control page as a workbook (R-CTL-4): the overview per teacher and clause, and the list of every
late or missing deadline. Text from people (names, subjects, classes) passes `accounts.xlsx`, so nothing
typed becomes a formula."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from accounts import xlsx as safe
from accounts.selectors import school_zone
from journal.models import DeadlineMeasure

from . import control, values

CONTENT_TYPE = safe.CONTENT_TYPE
LIST_LIMIT = 20000


def workbook(school, first: datetime.date, last: datetime.date) -> bytes:
    tz = school_zone(school)
    labels = {value: str(label) for value, label in DeadlineMeasure.Clause.choices}
    states = {value: str(label) for value, label in DeadlineMeasure.State.choices}
    overview = control.overview(school, first, last)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Deadlines"))
    bold = Font(bold=True)
    safe.append(
        ws,
        [
            safe.cell(
                ws, f"{school.name}: {_('journal deadlines')} {first:%d.%m.%Y}–{last:%d.%m.%Y}", font=bold
            )
        ],
    )
    header = [_("Teacher")]
    for clause in control.CLAUSES:
        header += [f"{labels[clause]}: {states['on_time']}", states["late"], states["missing"]]
    header += [_("All: on time, %"), _("late, %"), _("missing, %")]
    safe.append(ws, [safe.cell(ws, h, font=bold) for h in header])
    for row in overview.teachers:
        name = row.teacher.full_name if row.teacher else _("The administration: timetables")
        line = [name]
        for _clause, cell in row.ordered:
            line += [cell.on_time, cell.late, cell.missing]
        line += [row.total.on_time_share, row.total.late_share, row.total.missing_share]
        safe.append(ws, line)
    line = [safe.cell(ws, _("School"), font=bold)]
    for _clause, cell in overview.ordered_totals:
        line += [cell.on_time, cell.late, cell.missing]
    line += [overview.total.on_time_share, overview.total.late_share, overview.total.missing_share]
    safe.append(ws, line)

    ws = wb.create_sheet(_("Late and missing"))
    safe.append(ws, [safe.cell(ws, h, font=bold) for h in (
        _("Date"), _("Lesson"), _("Class or group"), _("Subject"), _("Teacher"), _("Deadline"), _("Column"),
        pgettext("deadline", "Due"), pgettext("deadline", "Done"), _("State"), _("Late by"))])  # fmt: skip
    late = control.details(school, first, last, state=(values.MISSING, values.LATE), limit=LIST_LIMIT)
    late.sort(
        key=lambda d: (d.measure.day, d.measure.lesson.starts if d.measure.lesson else datetime.time(0))
    )
    for d in late:
        m = d.measure
        safe.append(
            ws,
            [
                m.day,
                m.lesson.slot if m.lesson else None,
                m.course.group.name if m.course else str(m.school_class),
                m.course.subject.name if m.course else "",
                m.teacher.full_name if m.teacher else "",
                labels.get(m.clause, m.clause),
                m.work.work_type.code if m.work else "",
                m.due_at.astimezone(tz).replace(tzinfo=None),
                m.done_at.astimezone(tz).replace(tzinfo=None) if m.done_at else None,
                states.get(m.state, m.state),
                d.late_text,
            ],
        )
    return safe.save(wb)
