"""The diary's marks by subject with the forecast (R-D-2) and its charts (R-D-3).

Both pages read through `journal.diary.frame.diary_frame` (the student's family and the school's
staff who may; 404 to anyone else, R-ACC-4) and one selector of `journal.diary.marks`;
`?period=<id>` picks a reporting period of the student's grade (`year` on the marks page:
the year's final marks), anything else falls back to the current period.
"""

from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache

from accounts.access import school_view
from journal.diary import charts as svg
from journal.diary import marks as dm
from journal.diary.frame import diary_frame


def chips(marks) -> SafeString:
    """The marks of a subject as list items (mark over date and work type), built in one pass: a
    template loop costs more than the rest of the page for a subject with many marks (STACK.md)."""
    return mark_safe(
        "".join(
            f'<li title="{escape(m.type_name)}"><span class="dm-value">{escape(m.text)}</span>'
            f'<span class="dm-when">{m.date:%d.%m} {escape(m.type_code)}</span></li>'
            for m in marks
        )
    )


@never_cache
@school_view()
def marks(request, pk):
    frame = diary_frame(request, pk, "marks")
    page = dm.marks_page(frame.student, frame.school_class, request.GET.get("period"), frame.today)
    for row in page.subjects:
        row.chips = chips(row.marks)
    return render(request, "journal/diary/marks.html", {"frame": frame, "page": page, "YEAR": dm.YEAR})


@never_cache
@school_view()
def charts(request, pk):
    frame = diary_frame(request, pk, "charts")
    page = dm.charts_page(frame.student, frame.school_class, request.GET.get("period"), frame.today)
    period = page.period
    averages = [
        (curve, svg.average_chart(curve, period.starts, period.ends, page.thresholds, frame.today))
        for curve in page.curves
    ]
    context = {
        "frame": frame,
        "page": page,
        "averages": averages,
        "attendance": svg.attendance_chart(page.months) if page.months else "",
        "kinds": svg.ATTENDANCE_KINDS,
    }
    return render(request, "journal/diary/charts.html", context)
