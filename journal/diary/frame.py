"""The diary of a student (R-D-1…6): who may read it, and the frame every diary page shares.

A diary is read by the student, their parents, the school's admin, director and
deputy, and the class teacher of the student's class (today's, or the class of
the day shown). Anyone else — another family above all — gets 404, as if the
student did not exist, whatever id is typed (R-ACC-4); the refusal is audited.

`diary_frame(request, pk, tab)` loads the student, checks the rule and returns
the `Frame` the page templates extend (`templates/journal/diary/base.html`): the
student, their class, the parent's children (to switch child in one tap, on
the same tab and date) and the tabs. Three queries for a parent, two otherwise.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import pgettext_lazy

from accounts.access import get_in_school, refused
from accounts.models import Student
from journal.rules import children_of, view_diary
from schedule import selectors as ss
from schedule.models import SchoolClass

# (tab key, URL name, label); the summary sheet is the class teacher's printout, families see it too.
TABS = [
    ("week", "diary:week", pgettext_lazy("diary tab", "Week")),
    ("homework", "diary:homework", pgettext_lazy("diary tab", "Homework")),
    ("marks", "diary:marks", pgettext_lazy("diary tab", "Marks")),
    ("charts", "diary:charts", pgettext_lazy("diary tab", "Charts")),
    ("summary", "diary:summary", pgettext_lazy("diary tab", "Summary sheet")),
]


@dataclass
class Tab:
    key: str
    url: str
    label: str
    current: bool


@dataclass
class Frame:
    student: Student
    school_class: SchoolClass | None
    today: datetime.date
    tab: str
    children: list[Student] = field(default_factory=list)
    switch: list[tuple[Student, str]] = field(default_factory=list)  # (child, URL of this tab for them)
    tabs: list[Tab] = field(default_factory=list)
    family: bool = False  # the reader is the student or one of their parents (not staff)


def diary_frame(request, pk, tab: str, *, on: datetime.date | None = None) -> Frame:
    """The student `pk` of the actor's school, if the actor may read their diary; else 404 (audited)."""
    actor = request.actor
    student = get_in_school(actor, Student.objects.select_related("person", "school"), pk=pk)
    today = ss.local_today(actor.school)
    school_class = ss.class_of_student(student, on=on or today)
    if school_class is None and on is not None and on != today:
        school_class = ss.class_of_student(student, on=today)
    if not view_diary(actor, student, school_class):
        raise refused(actor, "journal.rules.view_diary", hidden=True)
    children = children_of(actor)
    url_name = dict((key, name) for key, name, _label in TABS).get(tab, "diary:week")
    keep = {k: v for k, v in request.GET.items() if k in ("date", "period", "from", "to")}
    suffix = f"?{urlencode(keep)}" if keep else ""
    switch = [(child, reverse(url_name, args=[child.pk]) + suffix) for child in children]
    tabs = [Tab(key, reverse(name, args=[student.pk]), label, key == tab) for key, name, label in TABS]
    family = bool(children) or (actor.student is not None and actor.student.pk == student.pk)
    return Frame(student, school_class, today, tab, children, switch, tabs, family)
