"""The diary's charts as hand-written SVG, rendered on the server (R-D-3): no JavaScript, no library.

`average_chart` draws one subject's running weighted average over a reporting period (one point per
marked day) on the 2–5 scale, with the school's thresholds of 3, 4 and 5 as faint bands and lines;
small multiples share the period's time axis so subjects compare at a glance. `attendance_chart`
stacks each month's lessons: on time, late, absent by reason (illness, excused, unexcused, not yet
reconciled).

Each chart scales to its container (`viewBox`, width 100%), is an image with a title and a
description for screen readers (the numbers are also in a table next to it, in the template), and
prints in colour or grey. Every text that goes into the SVG is escaped here; the result is marked
safe once.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.dates import MONTHS, MONTHS_3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journal.diary.marks import Month, SubjectCurve
from journal.finals.values import Thresholds
from journal.grid.render import average_text

# The month's lessons, bottom of the bar to the top: (field of `Month`, label, colour).
ATTENDANCE_KINDS = [
    ("on_time", gettext_lazy("on time"), "#6bae84"),
    ("late", gettext_lazy("late arrivals"), "#e3b341"),
    ("illness", gettext_lazy("absent: illness"), "#6d9be0"),
    ("excused", gettext_lazy("absent: excused"), "#a58bd6"),
    ("unexcused", gettext_lazy("absent: unexcused"), "#d9534f"),
    ("unreconciled", gettext_lazy("absent: reason not set yet"), "#a9b0bc"),
]
# Background bands of the average chart: the mark the average gives (lightest tints of the portal's colours).
BANDS = {5: "#e7f5ec", 4: "#e8f0fc", 3: "#fff6db", 2: "#fdecea"}
LINE = "#1f5fbf"
GRID = "#c9d0db"
TEXT = "#5b6475"


def _n(value: float) -> str:
    """A coordinate: one decimal, a dot, no trailing ".0"."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def month_short(day: datetime.date) -> str:
    return str(MONTHS_3[day.month])


def month_name(day: datetime.date) -> str:
    return str(MONTHS[day.month])


def average_chart(
    curve: SubjectCurve,
    starts: datetime.date,
    ends: datetime.date,
    thresholds: Thresholds,
    today: datetime.date | None = None,
) -> SafeString:
    """One subject's running average over [starts, ends] as an SVG line chart, 2 to 5 upwards."""
    width, height = 320, 150
    left, right, top, bottom = 24, 12, 8, 20
    plot_w, plot_h = width - left - right, height - top - bottom
    span = max(1, (ends - starts).days)

    def x(day: datetime.date) -> float:
        return left + min(max((day - starts).days, 0), span) / span * plot_w

    def y(value) -> float:
        value = min(max(float(value), 2.0), 5.0)
        return top + (5.0 - value) / 3.0 * plot_h

    uid = f"avg-{curve.course_id}"
    title = _("Average in %(subject)s") % {
        "subject": curve.subject + (f" ({curve.group})" if curve.group else "")
    }
    desc = _("%(count)s marked days, the average now %(average)s") % {
        "count": len(curve.points),
        "average": average_text(curve.last),
    }
    out = [
        f'<svg class="dm-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg" data-testid="average-chart" data-course="{curve.course_id}">',
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>',
    ]
    # Bands: the mark the average gives, between the school's thresholds.
    bounds = [(5, thresholds.five, Decimal(5)), (4, thresholds.four, thresholds.five)]
    bounds += [(3, thresholds.three, thresholds.four), (2, Decimal(2), thresholds.three)]
    for mark, low, high in bounds:
        out.append(
            f'<rect x="{left}" y="{_n(y(high))}" width="{plot_w}" height="{_n(y(low) - y(high))}" '
            f'fill="{BANDS[mark]}"/>'
        )
    for mark, bound in ((3, thresholds.three), (4, thresholds.four), (5, thresholds.five)):
        out.append(
            f'<line class="dm-threshold" x1="{left}" x2="{left + plot_w}" y1="{_n(y(bound))}" '
            f'y2="{_n(y(bound))}" stroke="{GRID}" stroke-dasharray="3 3"/>'
            f'<text x="{width - 2}" y="{_n(y(bound) - 2)}" text-anchor="end" fill="{TEXT}" '
            f'font-size="8">{mark}</text>'
        )
    for value in (2, 3, 4, 5):
        out.append(
            f'<text x="{left - 5}" y="{_n(y(value) + 3.5)}" text-anchor="end" fill="{TEXT}" '
            f'font-size="10">{value}</text>'
        )
    # The time axis: the first day of each month inside the period.
    out.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{GRID}"/>'
    )
    day = starts
    while day <= ends:
        if day == starts or day.day == 1:
            anchor = "start" if day == starts else "middle"
            out.append(
                f'<line x1="{_n(x(day))}" x2="{_n(x(day))}" y1="{top + plot_h}" y2="{top + plot_h + 3}" '
                f'stroke="{GRID}"/><text x="{_n(x(day))}" y="{height - 5}" text-anchor="{anchor}" '
                f'fill="{TEXT}" font-size="10">{escape(month_short(day))}</text>'
            )
        day = (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    if today is not None and starts <= today <= ends:
        out.append(
            f'<line class="dm-today" x1="{_n(x(today))}" x2="{_n(x(today))}" y1="{top}" '
            f'y2="{top + plot_h}" stroke="{TEXT}" stroke-dasharray="1 3"/>'
        )
    points = [(x(p.date), y(p.average)) for p in curve.points]
    if len(points) > 1:
        path = " ".join(f"{_n(a)},{_n(b)}" for a, b in points)
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2" stroke-linejoin="round"/>'
        )
    for i, (p, (a, b)) in enumerate(zip(curve.points, points, strict=True)):
        fill = LINE if i == len(points) - 1 else "#fff"
        label = escape(f"{p.date:%d.%m}: {average_text(p.average)}")
        out.append(
            f'<circle class="dm-point" cx="{_n(a)}" cy="{_n(b)}" r="3" fill="{fill}" stroke="{LINE}" '
            f'stroke-width="1.5"><title>{label}</title></circle>'
        )
    a, b = points[-1]
    anchor, dx = ("end", -5) if a > left + plot_w - 30 else ("start", 5)
    out.append(
        f'<text x="{_n(a + dx)}" y="{_n(b - 6 if b > top + 14 else b + 14)}" text-anchor="{anchor}" '
        f'font-size="11" font-weight="700" fill="{LINE}">{escape(average_text(curve.last))}</text>'
    )
    out.append("</svg>")
    return mark_safe("".join(out))


def nice_ceiling(value: int) -> int:
    """The axis maximum: `value` rounded up to 10, 20, 50 or 100 steps (at least 10)."""
    for step in (10, 20, 50, 100):
        if value <= step * 5:
            return max(step, -(-value // step) * step)
    return -(-value // 100) * 100


def attendance_chart(months: list[Month]) -> SafeString:
    """The year's lessons per month as stacked bars (on time, late, absent by reason)."""
    width, height = 360, 210
    left, right, top, bottom = 30, 6, 14, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = nice_ceiling(max((m.lessons for m in months), default=0))
    band = plot_w / max(1, len(months))
    bar = min(30.0, band * 0.64)

    def y(count: float) -> float:
        return top + plot_h - count / top_value * plot_h

    total_lessons = sum(m.lessons for m in months)
    total_absent = sum(m.absent for m in months)
    title = _("Attendance by month")
    desc = _("%(lessons)s lessons, %(absent)s missed, %(late)s late") % {
        "lessons": total_lessons,
        "absent": total_absent,
        "late": sum(m.late for m in months),
    }
    out = [
        f'<svg class="dm-chart dm-attendance" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="att-t att-d" xmlns="http://www.w3.org/2000/svg" data-testid="attendance-chart">',
        f'<title id="att-t">{escape(title)}</title><desc id="att-d">{escape(desc)}</desc>',
    ]
    step = top_value // 5
    for i in range(6):
        value = step * i
        dashes = "" if i == 0 else ' stroke-dasharray="2 3"'
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{_n(y(value))}" y2="{_n(y(value))}" '
            f'stroke="{GRID}"{dashes}/>'
            f'<text x="{left - 4}" y="{_n(y(value) + 4)}" text-anchor="end" fill="{TEXT}" '
            f'font-size="11">{value}</text>'
        )
    labels = {key: str(label) for key, label, _colour in ATTENDANCE_KINDS}
    for i, month in enumerate(months):
        x = left + band * i + (band - bar) / 2
        base = 0
        name = month_name(month.month)
        for key, _label, colour in ATTENDANCE_KINDS:
            count = getattr(month, key)
            if count <= 0:
                continue
            tip = escape(f"{name}: {labels[key]} — {count}")
            out.append(
                f'<rect class="dm-bar" data-kind="{key}" x="{_n(x)}" y="{_n(y(base + count))}" '
                f'width="{_n(bar)}" height="{_n(y(base) - y(base + count))}" fill="{colour}">'
                f"<title>{tip}</title></rect>"
            )
            base += count
        if month.lessons:
            out.append(
                f'<text x="{_n(x + bar / 2)}" y="{_n(y(month.lessons) - 3)}" text-anchor="middle" '
                f'fill="{TEXT}" font-size="10">{month.lessons}</text>'
            )
        out.append(
            f'<text x="{_n(x + bar / 2)}" y="{height - 6}" text-anchor="middle" fill="{TEXT}" '
            f'font-size="12">{escape(month_short(month.month))}</text>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))
