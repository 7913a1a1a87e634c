"""The diary's week (`diary:week`, `?date=`) and the homework due in the coming days (`diary:homework`).

Who may read them is the diary frame's rule (`journal.diary.frame.diary_frame`): the
student, their parents, the school's admin, director and deputy, the class
teacher; anyone else gets 404 (R-ACC-4). The data is `journal.diary.week`'s.

The week's days are built in Python (escaped with `django.utils.html`) rather
than with a template loop: a week of 30 lessons renders in about a millisecond
instead of ten, and the page must answer in under 40 ms (STACK.md, "Rendering
a big grid"). Everything around the days is an ordinary template.
"""

from __future__ import annotations

import datetime

from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.access import school_view
from journal.diary.frame import diary_frame
from journal.diary.week import HOMEWORK_DAYS, DiaryDay, DiaryLesson, DiaryWeek, diary_week, homework_due
from schedule import weeks

# Dates typed into the URL outside this range are ignored (a week of 0001 or 9999 has no neighbours).
EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)


def _date(request) -> datetime.date | None:
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None


def _default_day(today: datetime.date) -> datetime.date:
    """On a Sunday the coming week is what a family looks at."""
    return today + datetime.timedelta(days=1) if today.weekday() == 6 else today


@never_cache
@school_view()
def week(request, pk):
    """The student's week, day by day: lessons with topic, homework, marks, attendance and remarks."""
    asked = _date(request)
    frame = diary_frame(request, pk, "week", on=asked)
    on = asked or _default_day(frame.today)
    grade = frame.school_class.grade if frame.school_class else None
    diary = diary_week(frame.student, weeks.week_of_student(frame.student, on, grade=grade), focus=on)
    context = {"frame": frame, "diary": diary, "week": diary.week, "days": WeekHtml().days(diary)}
    return render(request, "journal/diary/week.html", context)


@never_cache
@school_view()
def homework(request, pk):
    """Homework due at the student's lessons from today to two weeks ahead."""
    frame = diary_frame(request, pk, "homework")
    days = homework_due(frame.student, frame.today)
    return render(
        request,
        "journal/diary/homework.html",
        {"frame": frame, "days": days, "horizon": frame.today + datetime.timedelta(days=HOMEWORK_DAYS)},
    )


def _text(value: str) -> str:
    """Escaped, with line breaks kept (the `linebreaksbr` filter)."""
    return escape(value).replace("\r\n", "\n").replace("\n", "<br>")


class WeekHtml:
    """The week's days as HTML: one `<details>` per day (the day to open has `open`), one `<article>` per lesson.

    The markup and its `data-testid`s are what templates/journal/diary/week.html would write; the CSS is
    static/css/diary_week.css.
    """

    def __init__(self):
        words = {
            "today": _("Today"),
            "cancelled": _("cancelled"),
            "moved": _("moved"),
            "extra": _("extra lesson"),
            "substitution": _("substitution"),
            "topic": _("Topic"),
            "homework": _("Homework"),
            "praise": _("Praise"),
            "remark": _("Remark"),
            "none": _("No lessons."),
            "absences": _("absences"),
            "number": _("lesson number"),
        }
        self.w = {key: escape(value) for key, value in words.items()}

    def days(self, diary: DiaryWeek) -> str:
        return mark_safe("".join(self.day(day) for day in diary.days))

    def day(self, day: DiaryDay) -> str:
        w = self.w
        classes = "dw-day" + (" is-today" if day.is_today else "") + (" is-holiday" if day.holiday else "")
        opened = " open data-focus" if day.is_open else ""
        out = [
            f'<details class="{classes}" id="{day.anchor}" data-testid="day" data-date="{day.date:%Y-%m-%d}"{opened}>'
            f'<summary><span class="dw-day-name">{escape(date_format(day.date, "l"))}</span> '
            f'<span class="dw-day-date">{escape(date_format(day.date, "j E"))}</span>'
        ]
        if day.is_today:
            out.append(f' <span class="badge">{w["today"]}</span>')
        out.append('<span class="dw-day-sum">')
        if day.holiday:
            out.append(f'<span class="badge ok">{escape(day.holiday)}</span>')
        for item in day.lessons:
            subject = escape(item.lesson.subject)
            for m in item.marks:
                out.append(f'<span class="mark" title="{subject} · {escape(m.name)}">{escape(m.text)}</span>')
        if day.absences:
            out.append(f'<span class="dw-att is-absent" title="{w["absences"]}">н×{day.absences}</span>')
        out.append("</span></summary>")
        if day.holiday:
            holiday = escape(_("Holiday: %(name)s") % {"name": day.holiday})
            out.append(f'<p class="dw-holiday" data-testid="holiday">{holiday}</p>')
        for item in day.lessons:
            out.append(self.lesson(item))
        if not day.lessons and not day.holiday:
            out.append(f'<p class="dw-none muted">{w["none"]}</p>')
        out.append("</details>")
        return "".join(out)

    def lesson(self, item: DiaryLesson) -> str:
        w, x = self.w, item.lesson
        classes = (
            "dw-lesson" + (" is-cancelled" if x.cancelled else "") + (" is-sub" if x.substituted else "")
        )
        title = [f'<span class="dw-subject">{escape(x.subject)}</span>']
        if not x.whole_class:
            title.append(f' <span class="dw-group">{escape(x.group)}</span>')
        if x.cancelled:
            title.append(f' <span class="badge danger" data-testid="cancelled">{w["cancelled"]}</span>')
        if x.moved:
            title.append(f' <span class="badge">{w["moved"]}</span>')
        if x.extra:
            title.append(f' <span class="badge">{w["extra"]}</span>')
        who = [
            f'<span class="dw-time">{x.starts:%H:%M}–{x.ends:%H:%M}</span>'
            f'<span class="dw-teacher" data-testid="teacher">{escape(x.teacher)}</span>'
        ]
        if x.substituted:
            instead = escape(_("instead of %(name)s") % {"name": x.own_teacher})
            who.append(
                f'<span class="badge warn" data-testid="substitution" title="{instead}">{w["substitution"]}</span>'
            )
        if x.room:
            room = _("room %(name)s") % {"name": x.room} if x.room_is_number else x.room
            who.append(f'<span class="dw-room">{escape(room)}</span>')
        out = [
            f'<article class="{classes}" data-testid="lesson" data-lesson="{x.pk}">'
            f'<span class="dw-slot" title="{w["number"]}">{x.slot}</span>'
            f'<div class="dw-head"><div class="dw-title">{"".join(title)}</div>'
            f'<div class="dw-who">{"".join(who)}</div>'
        ]
        if x.note:
            out.append(f'<p class="dw-note">{escape(x.note)}</p>')
        out.append("</div>")
        if item.marks or item.attendance:
            out.append('<div class="dw-marks">')
            a = item.attendance
            if a is not None:
                label = a.status_label + (f": {a.reason_label}" if a.reason else "")
                reason = f"<small>{escape(a.reason_label)}</small>" if a.reason else ""
                out.append(
                    f'<span class="dw-att{" is-absent" if a.is_absent else ""}" data-testid="attendance" '
                    f'data-status="{escape(a.status)}" title="{escape(label)}">{a.code}{reason}</span>'
                )
            for m in item.marks:
                name = escape(m.name)
                out.append(
                    f'<span class="dw-mark" data-testid="mark" title="{name}"><span class="mark">{escape(m.text)}</span>'
                    f'<abbr title="{name}">{escape(m.code)}</abbr></span>'
                )
            out.append("</div>")
        if item.topic or item.homework or item.remarks:
            out.append('<div class="dw-more">')
            if item.topic:
                out.append(
                    f'<p class="dw-topic" data-testid="topic"><span class="dw-label">{w["topic"]}:</span> '
                    f"{escape(item.topic)}</p>"
                )
            for hw in item.homework:
                out.append(
                    f'<div class="dw-hw" data-testid="homework" data-given="{hw.given:%Y-%m-%d}">'
                    f'<span class="dw-label">{w["homework"]}:</span> '
                )
                if hw.text:
                    out.append(f'<span class="dw-hw-text">{_text(hw.text)}</span>')
                if hw.pages:
                    out.append(f' <span class="dw-pages">{escape(hw.pages)}</span>')
                if hw.attachments:
                    files = "".join(
                        f'<li><a href="{escape(reverse("journal:attachment", args=[f.pk]))}" '
                        f'data-testid="attachment">{escape(f.name)}</a> '
                        f'<span class="muted">{escape(filesizeformat(f.size))}</span></li>'
                        for f in hw.attachments
                    )
                    out.append(f'<ul class="dw-files">{files}</ul>')
                out.append("</div>")
            for r in item.remarks:
                kind = w["praise"] if r.is_praise else w["remark"]
                author = f' <span class="dw-author">— {escape(r.author)}</span>' if r.author else ""
                out.append(
                    f'<p class="dw-remark{" is-praise" if r.is_praise else ""}" data-testid="remark" '
                    f'data-kind="{escape(r.kind)}"><span class="dw-label">{kind}:</span> {escape(r.text)}{author}</p>'
                )
            out.append("</div>")
        out.append("</article>")
        return "".join(out)
