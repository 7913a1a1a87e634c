"""Timetable weeks of a class, a teacher, a room and a student (R-TT-5): the page (printable) and its XLSX.

Staff read every class, teacher and room week (`rules.view_timetables`); a
student's week is for the student, their parents and staff
(`rules.view_student_week`): anyone else gets 404, as if the student did not exist (R-ACC-4).

The grid and the day list are built in Python (escaped with `django.utils.html`),
not with a template include per lesson: that is a few milliseconds instead of
a few tens (STACK.md, "Rendering a big grid"), and a week must render in under 50 ms.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.access import get_in_school, refused, school_view
from accounts.models import Person, Role, StaffRole, Student

from .. import rules, weeks, xlsx
from .. import selectors as ss
from ..models import Room, SchoolClass
from ..weeks import Week, WeekLesson
from .common import date_from_request


@dataclass
class WeekPage:
    kind: str  # class, teacher, room, student
    obj: object
    title: str
    week: Week
    url_name: str
    xlsx_name: str
    grade: int | None = None
    subtitle: str = ""

    @property
    def person_id(self) -> int | None:
        return self.obj.pk if self.kind == "teacher" else None

    @property
    def filename(self) -> str:
        word = _("timetable")
        return f"{word} {self.title} {self.week.monday:%Y-%m-%d}.xlsx"


def _on(request, default: datetime.date) -> datetime.date:
    return date_from_request(request, "date") or default


def _class_week(request, pk) -> WeekPage:
    actor = request.actor
    school_class = get_in_school(actor, SchoolClass.objects.select_related("year", "school"), pk=pk)
    on = _on(request, ss.day_in_year(school_class.year, ss.local_today(actor.school)))
    return WeekPage(
        "class",
        school_class,
        _("Class %(name)s") % {"name": school_class.name},
        weeks.week_of_class(school_class, on),
        "schedule:week_class",
        "schedule:week_class_xlsx",
    )


def _teacher_week(request, pk) -> WeekPage:
    actor = request.actor
    # Staff only: a student's or a parent's person id must not reveal their name here.
    staff = Person.objects.filter(Exists(StaffRole.objects.filter(person=OuterRef("pk"))))
    person = get_in_school(actor, staff.select_related("school"), pk=pk)
    return WeekPage(
        "teacher",
        person,
        person.short_name,
        weeks.week_of_teacher(person, _on(request, ss.local_today(actor.school))),
        "schedule:week_teacher",
        "schedule:week_teacher_xlsx",
        subtitle=person.full_name,
    )


def _room_week(request, pk) -> WeekPage:
    actor = request.actor
    room = get_in_school(actor, Room.objects.select_related("building", "school"), pk=pk)
    return WeekPage(
        "room",
        room,
        _("Room %(name)s") % {"name": room.name},
        weeks.week_of_room(room, _on(request, ss.local_today(actor.school))),
        "schedule:week_room",
        "schedule:week_room_xlsx",
        subtitle=room.building.name,
    )


def _student_week(request, pk) -> WeekPage:
    actor = request.actor
    student = get_in_school(actor, Student.objects.select_related("person", "school"), pk=pk)
    if not rules.view_student_week(actor, student):
        # R-ACC-4: another family's child is answered as if it did not exist; the refusal is still logged.
        raise refused(actor, "schedule.rules.view_student_week", hidden=True)
    on = _on(request, ss.local_today(actor.school))
    school_class = ss.class_of_student(student, on=on)
    grade = school_class.grade if school_class else None
    subtitle = _("Class %(name)s") % {"name": school_class.name} if school_class else ""
    return WeekPage(
        "student",
        student,
        student.person.short_name,
        weeks.week_of_student(student, on, grade=grade),
        "schedule:week_student",
        "schedule:week_student_xlsx",
        grade=grade,
        subtitle=subtitle,
    )


# HTML of lessons, the grid and the day list


class LessonHtml:
    """Renders lessons of one week as HTML; `kind` decides what a lesson shows (a teacher's week omits the teacher).

    With `links` (staff) the group, the teacher and the room link to their own weeks on `qdate`.
    """

    def __init__(self, *, kind: str, person_id: int | None = None, links: bool = False, qdate: str = ""):
        self.kind, self.person_id, self.links, self.qdate = kind, person_id, links, qdate
        self.urls: dict[tuple[str, int], str] = {}
        self.words = {
            "substitution": escape(_("substitution")),
            "cancelled": escape(_("cancelled")),
            "moved": escape(_("moved")),
            "extra": escape(_("extra lesson")),
        }

    def _link(self, name: str, pk: int | None, text: str) -> str:
        if not (self.links and pk):
            return text
        url = self.urls.get((name, pk))
        if url is None:
            url = self.urls[(name, pk)] = escape(
                f"{reverse(f'schedule:{name}', args=[pk])}?date={self.qdate}"
            )
        return f'<a href="{url}">{text}</a>'

    def _instead(self, lesson: WeekLesson) -> str:
        return escape(_("instead of %(name)s") % {"name": lesson.own_teacher})

    def lesson(self, lesson: WeekLesson, *, show_time: bool = True) -> str:
        words, kind = self.words, self.kind
        away = kind == "teacher" and lesson.substituted and lesson.own_teacher_id == self.person_id
        classes = (
            "wk-lesson"
            + (" is-cancelled" if lesson.cancelled else "")
            + (" is-sub" if lesson.substituted else "")
        )
        out = [f'<div class="{classes}{" is-away" if away else ""}" data-lesson="{lesson.pk}">']
        if show_time:
            out.append(f'<span class="wk-time">{lesson.starts:%H:%M}–{lesson.ends:%H:%M}</span>')
        title = f'<span class="wk-subject">{escape(lesson.subject)}</span>'
        if kind in ("teacher", "room"):
            title += f'<span class="wk-group">{self._link("week_class", lesson.class_id, escape(lesson.group))}</span>'
        elif not lesson.whole_class:
            title += f'<span class="wk-group">{escape(lesson.group)}</span>'
        out.append(f'<span class="wk-title">{title}</span>')
        who = []
        badge = f'<span class="badge warn">{words["substitution"]}</span>'
        teacher = self._link("week_teacher", lesson.teacher_id, escape(lesson.teacher))
        if kind != "teacher":
            hint = f' title="{self._instead(lesson)}"' if lesson.substituted else ""
            mark = (
                f' <span class="badge warn"{hint}>{words["substitution"]}</span>'
                if lesson.substituted
                else ""
            )
            who.append(f'<span class="wk-teacher">{teacher}{mark}</span>')
        elif lesson.substituted and lesson.teacher_id == self.person_id:
            who.append(f'<span class="wk-teacher">{badge} {self._instead(lesson)}</span>')
        elif lesson.substituted:
            who.append(f'<span class="wk-teacher">{badge} {teacher}</span>')
        if lesson.room and kind != "room":
            room = escape(
                _("room %(name)s") % {"name": lesson.room} if lesson.room_is_number else lesson.room
            )
            who.append(f'<span class="wk-room">{self._link("week_room", lesson.room_id, room)}</span>')
        if who:
            out.append(f'<span class="wk-who">{"".join(who)}</span>')
        marks = [
            f'<span class="badge {style}">{words[word]}</span>'
            for flag, word, style in (
                (lesson.cancelled, "cancelled", "danger"),
                (lesson.moved, "moved", ""),
                (lesson.extra, "extra", "ok"),
            )
            if flag
        ]
        if marks:
            out.append(f'<span class="wk-marks">{" ".join(marks)}</span>')
        if lesson.note:
            out.append(f'<span class="wk-note">{escape(lesson.note)}</span>')
        out.append("</div>")
        return "".join(out)

    def item(self, lesson: WeekLesson) -> str:
        """A lesson in a list: its number in a circle, then the lesson with its time."""
        html = f'<div class="wk-item"><span class="wk-slot">{lesson.slot}</span>{self.lesson(lesson)}</div>'
        return mark_safe(html)  # noqa: S308 - `lesson` escapes every value

    def grid(self, week: Week) -> str:
        """The week as a table: one row per lesson number, one column per day."""
        number = escape(_("No."))
        out = [
            '<table class="wk-grid" data-testid="week-grid"><colgroup><col class="wk-col-n">',
            "<col>" * len(week.days),
            f'</colgroup><thead><tr><th scope="col" class="wk-n">{number}</th>',
        ]
        for day in week.days:
            today = ' class="is-today"' if day.is_today else ""
            holiday = f'<span class="badge warn">{escape(day.holiday)}</span>' if day.holiday else ""
            out.append(
                f'<th scope="col"{today}>{escape(date_format(day.date, "l"))}'
                f'<span class="wk-day-date">{escape(date_format(day.date, "j E"))}</span>{holiday}</th>'
            )
        out.append("</tr></thead><tbody>")
        many_shifts = len(week.shifts) > 1
        for row in week.rows:
            out.append(f'<tr><th scope="row" class="wk-n"><span class="wk-slot">{row.slot}</span>')
            if many_shifts:
                shift = escape(_("shift %(shift)s") % {"shift": row.shift})
                out.append(f"<small>{shift}</small>")
            if row.starts:
                out.append(f'<span class="wk-row-time">{row.starts:%H:%M}<br>{row.ends:%H:%M}</span>')
            out.append("</th>")
            for cell in row.cells:
                lessons = (
                    self.lesson(x, show_time=(x.starts, x.ends) != (row.starts, row.ends)) for x in cell
                )
                out.append(f"<td>{''.join(lessons)}</td>")
            out.append("</tr>")
        out.append("</tbody></table>")
        return mark_safe("".join(out))  # noqa: S308 - every value above is escaped

    def days(self, week: Week) -> str:
        """The week as a list of days (what a phone shows)."""
        today_word = escape(_("today"))
        none = escape(_("No lessons."))
        out = []
        for day in week.days:
            today = f' <span class="badge">{today_word}</span>' if day.is_today else ""
            name = escape(f"{date_format(day.date, 'l')}, {date_format(day.date, 'j E')}")
            out.append(f'<section class="wk-day{" is-today" if day.is_today else ""}"><h2>{name}{today}</h2>')
            if day.holiday:
                out.append(f'<p class="muted">{escape(day.holiday)}</p>')
            out.extend(self.item(x) for x in day.lessons)
            if not day.lessons and not day.holiday:
                out.append(f'<p class="muted">{none}</p>')
            out.append("</section>")
        return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def _choices(page: WeekPage, options) -> list[tuple[str, str, bool]]:
    """(url, label, selected) for the picker of other weeks; one `reverse` for all of them."""
    prefix = reverse(page.url_name, args=[0]).removesuffix("0/")
    query = f"?date={page.week.monday.isoformat()}"
    return [(f"{prefix}{pk}/{query}", name, pk == page.obj.pk) for pk, name in options]


def _page(request, page: WeekPage, **extra):
    actor = request.actor
    staff = rules.view_timetables(actor)
    html = LessonHtml(
        kind=page.kind, person_id=page.person_id, links=staff, qdate=page.week.monday.isoformat()
    )
    context = {
        "page": page,
        "week": page.week,
        "kind": page.kind,
        "grid": html.grid(page.week) if not page.week.is_empty else "",
        "day_list": html.days(page.week) if not page.week.is_empty else "",
        "may_substitute": rules.manage_timetable(actor),
        **extra,
    }
    return render(request, "schedule/weeks/week.html", context)


def _xlsx(request, page: WeekPage):
    return xlsx.week_response(
        page.week,
        school_name=request.actor.school.name,
        title=page.title if page.kind != "student" else f"{page.title} {page.subtitle}".strip(),
        kind=page.kind,
        filename=page.filename,
        person_id=page.person_id,
    )


@school_view(rules.view_timetables)
def week_class(request, pk):
    page = _class_week(request, pk)
    choices = SchoolClass.objects.filter(year_id=page.obj.year_id).order_by("grade", "letter")
    return _page(request, page, choices=_choices(page, [(c.pk, c.name) for c in choices]))


@school_view(rules.view_timetables)
def week_class_xlsx(request, pk):
    return _xlsx(request, _class_week(request, pk))


@school_view(rules.view_timetables)
def week_teacher(request, pk):
    page = _teacher_week(request, pk)
    choices = [(t.pk, t.short_name) for t in ss.teachers_of_school(request.actor.school)]
    if page.obj.pk not in {pk for pk, _name in choices}:
        choices.insert(0, (page.obj.pk, page.obj.short_name))
    return _page(request, page, choices=_choices(page, choices))


@school_view(rules.view_timetables)
def week_teacher_xlsx(request, pk):
    return _xlsx(request, _teacher_week(request, pk))


@school_view(rules.view_timetables)
def week_room(request, pk):
    page = _room_week(request, pk)
    rooms = Room.objects.filter(school=request.actor.school).order_by("building__name", "name")
    return _page(request, page, choices=_choices(page, [(r.pk, r.name) for r in rooms]))


@school_view(rules.view_timetables)
def week_room_xlsx(request, pk):
    return _xlsx(request, _room_week(request, pk))


@school_view()
def week_student(request, pk):
    page = _student_week(request, pk)
    actor = request.actor
    children = ss.children_of_parent(actor.person, on=page.week.monday) if actor.parent else []
    return _page(request, page, children=children)


@school_view()
def week_student_xlsx(request, pk):
    return _xlsx(request, _student_week(request, pk))


@school_view()
def week_mine(request):
    """The timetable a person means by "my timetable": their own week, or their child's (`?child=`)."""
    actor = request.actor
    query = {"date": request.GET["date"]} if request.GET.get("date") else {}
    child_id = request.GET.get("child")
    if child_id or (actor.parent and not actor.has_role(Role.TEACHER) and not actor.student):
        if actor.parent is None:
            raise Http404
        children = ss.children_of_parent(actor.person)
        chosen = children[0] if children and not child_id else None
        if child_id:
            # R-ACC-4: only the parent's own children, whatever id is typed.
            chosen = next((c for c in children if str(c.pk) == str(child_id)), None)
            if chosen is None:
                raise Http404
        if chosen is None:
            return render(request, "schedule/weeks/no_child.html")
        return _redirect("schedule:week_student", chosen.pk, query)
    if actor.student is not None and not actor.is_staff_member:
        return _redirect("schedule:week_student", actor.student.pk, query)
    if actor.is_staff_member:
        return _redirect("schedule:week_teacher", actor.person.pk, query)
    raise Http404


def _redirect(name: str, pk: int, query: dict):
    url = reverse(name, args=[pk])
    return redirect(f"{url}?{urlencode(query)}" if query else url)
