"""The mark grid as HTML, built in one pass in Python (STACK.md, "Rendering a big grid").

A template loop over 1,500 cells costs tens of milliseconds; string building
with `django.utils.html.escape` costs about one. Every value that comes from
the database or a translation is escaped here; the result is marked safe once.
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from journal.grid.selectors import Grid
from journal.values import CellMarks


def display(value: CellMarks, status: str | None) -> str:
    """A cell as the teacher types it ("5/4", "Н", "(2)/4", "•", "" …); the formatter lives in journal.values."""
    return value.text(status or None)


class _Texts(dict):
    """Escaped display text per (value, status), computed once: a grid repeats a handful of values."""

    def __missing__(self, key):
        value = self[key] = escape(display(key[0], key[1]))
        return value


EMPTY = (CellMarks(), 0)
NO_STATUS = ("", 0)


def average_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def render_grid(grid: Grid, editable_lessons: set[int]) -> SafeString:
    """The grid table; cells of lessons in `editable_lessons` get `tabindex` and the edit data attributes."""
    columns, students = grid.columns, grid.students
    cells, attendance, averages = grid.cells, grid.attendance, grid.averages
    out = ['<table class="jg" data-testid="grid"><thead><tr>']
    student_word = escape(_("Student"))
    average_word = escape(_("Average"))
    add_word = escape(_("Add a mark column"))
    out.append(f'<th class="jg-name" rowspan="3" scope="col">{student_word}</th>')
    lesson_url = reverse("journal:lesson", args=[0])[:-2]  # ".../lesson/": + id + "/"
    lesson_title = escape(_("Topic, homework and remarks of this lesson"))
    for c in columns:
        if c.first_of_lesson:
            span = f' colspan="{c.lesson_columns}"' if c.lesson_columns > 1 else ""
            out.append(
                f'<th class="jg-date"{span} scope="colgroup"><a href="{lesson_url}{c.lesson_id}/" '
                f'title="{lesson_title}">{c.date:%d.%m}</a></th>'
            )
    out.append(f'<th class="jg-avg" rowspan="3" scope="col">{average_word}</th></tr><tr>')
    lesson_word = escape(_("lesson"))
    for c in columns:
        if c.first_of_lesson:
            span = f' colspan="{c.lesson_columns}"' if c.lesson_columns > 1 else ""
            out.append(f'<th class="jg-slot"{span} title="{lesson_word} {c.slot}">{c.slot}</th>')
    out.append("</tr><tr>")
    count = len(columns)
    for i, c in enumerate(columns):
        last_of_lesson = i + 1 == count or columns[i + 1].first_of_lesson
        add = ""
        if last_of_lesson and c.lesson_id in editable_lessons:
            add = (
                f'<button type="button" class="jg-add" data-lesson="{c.lesson_id}" '
                f'title="{add_word}" aria-label="{add_word}">+</button>'
            )
        out.append(f'<th class="jg-type" title="{escape(c.type_name)}">{escape(c.type_code)}{add}</th>')
    out.append("</tr></thead><tbody>")

    # Per-column constants once, not once per cell.
    heads = []
    for i, c in enumerate(columns):
        edit = c.lesson_id in editable_lessons
        sep = " jg-lesson-start" if c.first_of_lesson else ""
        heads.append(
            (c, edit, sep, f' data-col="{i}" data-lesson="{c.lesson_id}" data-work="{c.work_id or ""}"')
        )
    texts = _Texts()
    period = grid.period
    for s in students:
        sid = s.pk
        # Most students stay the whole period: no per-cell date check for them.
        whole = any(a <= period.starts and (b is None or b >= period.ends) for a, b in s.stays)
        row = [f'<tr data-student="{sid}"><th class="jg-name" scope="row" title="{escape(s.full_name)}">']
        row.append(f"{escape(s.short_name)}</th>")
        for c, edit, sep, attrs in heads:
            if not whole and not s.present_on(c.date):
                row.append(f'<td class="jg-out{sep}"></td>')
                continue
            value, version = cells.get((c.work_id, sid), EMPTY) if c.work_id else EMPTY
            status, att_version = (
                attendance.get((c.lesson_id, sid), NO_STATUS) if c.first_of_lesson else NO_STATUS
            )
            text = texts[(value, status)]
            if edit:
                row.append(
                    f'<td class="jg-cell{sep}"{attrs} data-student="{sid}" data-version="{version}"'
                    f' data-att-version="{att_version}" tabindex="0">{text}</td>'
                )
            else:
                row.append(f'<td class="jg-ro{sep}">{text}</td>')
        row.append(f'<td class="jg-avg" data-avg="{sid}">{average_text(averages.get(sid))}</td></tr>')
        out.append("".join(row))
    out.append("</tbody></table>")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
