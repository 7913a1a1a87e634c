"""The content of a printout (R-R-5, R-R-6) as plain JSON: what `Printout.data` stores and the PDF and XLSX print.

`period_journal(school_class, period)` reads a class journal of a period: the title
page (school, class, year, period, class teacher, the courses and their teachers),
per course the mark grid of the period (from `journal.grid.selectors.grid`, printed as
the paper journal is: absences as «н», lateness not printed, R-J-15) with the
students' averages and period finals, the topics and homework, and the class's
attendance by month. `year_summary(school_class)` reads the year summary sheet of
final marks (students × subjects). Both return dicts of strings and numbers only,
so the snapshot prints the same whenever it is rendered again.

The queries do not grow with the number of students or lessons: a fixed handful per
class plus the grid's five per course.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import Role, StaffRole
from journal.finals import selectors as fs
from journal.grid import selectors as js
from journal.grid.render import average_text
from journal.models import FinalKind, FinalMark
from journal.values import CellMarks, format_cell
from schedule.models import Course, CourseTeacher, Enrollment, Lesson, ReportingPeriod, SchoolClass

from .measures import fetch, fmt_date, full_name


def month_name(month: int) -> str:
    """A month's name in the language of the page (the Russian one is the default)."""
    return formats.date_format(datetime.date(2000, month, 1), "F")


def _teachers(courses: list[Course], since: datetime.date, until: datetime.date) -> dict[int, list]:
    """course → [(person id, short name, full name)] of its teachers during [since, until]: one query."""
    out: dict[int, list] = {}
    rows = (
        CourseTeacher.objects.filter(course__in=courses, starts__lte=until)
        .filter(Q(ends__isnull=True) | Q(ends__gte=since))
        .select_related("teacher")
        .order_by("starts", "pk")
    )
    for ct in rows:
        people = out.setdefault(ct.course_id, [])
        entry = [ct.teacher_id, ct.teacher.short_name, ct.teacher.full_name]
        if entry not in people:
            people.append(entry)
    return out


def leaders(school) -> dict[str, str]:
    """The printed names of the deputy and the director (the first by name of each role): one query."""
    out = {"deputy": "", "director": ""}
    for role, last, first, patronymic in (
        StaffRole.objects.filter(school=school, role__in=[Role.DEPUTY, Role.DIRECTOR])
        .order_by("person__last_name", "person__first_name", "pk")
        .values_list("role", "person__last_name", "person__first_name", "person__patronymic")
    ):
        if not out.get(role):
            initials = " ".join(f"{p[0]}." for p in (first, patronymic) if p)
            out[role] = f"{last} {initials}".strip()
    return out


def _head(school_class: SchoolClass, period: ReportingPeriod | None) -> dict:
    school = school_class.school
    teacher = school_class.class_teacher
    return {
        "school": school.name,
        "school_short": school.short_name,
        "class": school_class.name,
        "class_id": school_class.pk,
        "year": school_class.year.name,
        "period": period.name if period else "",
        "period_id": period.pk if period else None,
        "starts": fmt_date(period.starts if period else school_class.year.starts),
        "ends": fmt_date(period.ends if period else school_class.year.ends),
        "class_teacher": teacher.short_name if teacher else "",
        "class_teacher_full": teacher.full_name if teacher else "",
        "class_teacher_id": teacher.pk if teacher else None,
        **{f"{role}_name": name for role, name in leaders(school).items()},
    }


def _printed(value, status: str) -> str:
    """A grid cell as the paper journal prints it: «н» for any absence, lateness left out (R-J-15)."""
    text = format_cell(value.marks, None, value.excluded, value.owed)
    if status == "absent":
        return f"н/{text}" if text else "н"
    return text


def _course_grid(course: Course, period: ReportingPeriod, finals: dict) -> dict:
    grid = js.grid(course, period)
    columns = [[f"{c.date:%d.%m}", c.type_code, c.first_of_lesson, c.lesson_columns] for c in grid.columns]
    rows = []
    whole = period.starts, period.ends
    for s in grid.students:
        stays_whole = any(a <= whole[0] and (b is None or b >= whole[1]) for a, b in s.stays)
        cells = []
        for c in grid.columns:
            if not stays_whole and not s.present_on(c.date):
                cells.append(None)  # not in the group that day: a crossed-out cell
                continue
            value = grid.cells.get((c.work_id, s.pk), js_empty)[0] if c.work_id else js_empty[0]
            status = grid.attendance.get((c.lesson_id, s.pk), ("", 0))[0] if c.first_of_lesson else ""
            cells.append(_printed(value, status))
        final = finals.get((course.pk, s.pk))
        rows.append(
            {
                "name": s.full_name,
                "cells": cells,
                "average": average_text(grid.averages.get(s.pk)),
                "final": str(final) if final else "",
            }
        )
    return {"columns": columns, "rows": rows, "lessons": len(grid.lesson_ids)}


js_empty = (CellMarks(), 0)


def _topics(courses: list[Course], period: ReportingPeriod) -> dict[int, list]:
    """course → [[date, slot, topic, homework]] of its held lessons in the period: one query."""
    out: dict[int, list] = {c.pk: [] for c in courses}
    rows = (
        Lesson.objects.filter(course__in=courses, period=period, status=Lesson.Status.PLANNED)
        .order_by("date", "slot", "pk")
        .values_list("course_id", "date", "slot", "topic__text", "homework__text", "homework__pages")
    )
    for course_id, day, slot, topic, homework, pages in rows:
        task = " ".join(p for p in (homework or "", pages or "") if p).strip()
        out[course_id].append([f"{day:%d.%m}", slot, topic or "", task])
    return out


ATTENDANCE_SQL = """
SELECT a.student_id, EXTRACT(YEAR FROM l.date)::int, EXTRACT(MONTH FROM l.date)::int,
       COUNT(*), COUNT(*) FILTER (WHERE a.reason = 'illness'), COUNT(*) FILTER (WHERE a.reason = 'excused'),
       COUNT(*) FILTER (WHERE a.reason NOT IN ('illness', 'excused'))
FROM journal_attendance a
JOIN schedule_lesson l ON l.id = a.lesson_id
JOIN schedule_studygroup g ON g.id = l.group_id
WHERE g.school_class_id = %s AND l.period_id = %s AND l.status = 'planned' AND a.status = 'absent'
GROUP BY 1, 2, 3
"""


def _months(period: ReportingPeriod) -> list[tuple[int, int]]:
    out, day = [], period.starts.replace(day=1)
    while day <= period.ends:
        out.append((day.year, day.month))
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return out


def _class_students(school_class: SchoolClass, since: datetime.date, until: datetime.date) -> list:
    """[(student id, full name)] of everyone in the class at some time of [since, until], by name: one query."""
    rows = (
        Enrollment.objects.filter(school_class=school_class, starts__lte=until)
        .filter(Q(ends__isnull=True) | Q(ends__gte=since))
        .order_by("student__person__last_name", "student__person__first_name", "student_id")
        .values_list(
            "student_id",
            "student__person__last_name",
            "student__person__first_name",
            "student__person__patronymic",
        )
    )
    seen: dict[int, str] = {}
    for pk, last, first, patronymic in rows:
        seen.setdefault(pk, full_name(last, first, patronymic))
    return list(seen.items())


def _attendance(school_class: SchoolClass, period: ReportingPeriod) -> dict:
    """The class's missed lessons per student and month of the period (absences only, R-J-15), in SQL."""
    months = _months(period)
    counts: dict[tuple[int, int, int], int] = {}
    reasons: dict[int, list[int]] = {}
    for student_id, y, m, total, illness, excused, unexcused in fetch(
        ATTENDANCE_SQL, [school_class.pk, period.pk]
    ):
        counts[(student_id, y, m)] = total
        acc = reasons.setdefault(student_id, [0, 0, 0])
        acc[0] += illness
        acc[1] += excused
        acc[2] += unexcused
    rows = []
    totals = [0] * (len(months) + 4)
    for pk, name in _class_students(school_class, period.starts, period.ends):
        by_month = [counts.get((pk, y, m), 0) for y, m in months]
        illness, excused, unexcused = reasons.get(pk, [0, 0, 0])
        figures = [*by_month, sum(by_month), illness, excused, unexcused]
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
        rows.append({"name": name, "figures": figures})
    return {"months": [month_name(m) for _y, m in months], "rows": rows, "totals": totals}


def period_journal(school_class: SchoolClass, period: ReportingPeriod) -> dict:
    """Everything the period printout of `school_class` prints, as plain JSON (see the module docstring)."""
    courses = fs.courses_of_period(period, school_class=school_class)
    courses.sort(key=lambda c: (c.subject.position, c.subject.name, c.group.name, c.pk))
    teachers = _teachers(courses, period.starts, period.ends)
    finals = dict(
        ((course_id, student_id), value)
        for course_id, student_id, value in FinalMark.objects.filter(
            course__in=courses, kind=FinalKind.PERIOD, period=period
        ).values_list("course_id", "student_id", "value")
    )
    topics = _topics(courses, period)
    pages = []
    for course in courses:
        people = teachers.get(course.pk, [])
        pages.append(
            {
                "course_id": course.pk,
                "subject": course.subject.name,
                "group": course.group.name,
                "subgroup": course.group.school_class_id is not None and course.group.kind != "whole_class",
                "teachers": [p[1] for p in people],
                "teachers_full": [p[2] for p in people],
                "teacher_ids": [p[0] for p in people],
                "takes_finals": fs.takes_finals(course),
                **_course_grid(course, period, finals),
                "topics": topics.get(course.pk, []),
            }
        )
    return {
        "kind": "period",
        **_head(school_class, period),
        "courses": pages,
        "attendance": _attendance(school_class, period),
    }


def year_summary(school_class: SchoolClass) -> dict:
    """The year summary sheet of final marks of `school_class` (R-R-6): students × subjects, year finals."""
    year = school_class.year
    courses = list(
        Course.objects.filter(year=year, group__school_class=school_class)
        .select_related("subject", "group")
        .order_by("subject__position", "subject__name", "group__name", "pk")
    )
    courses = [c for c in courses if fs.takes_finals(c)]
    teachers = _teachers(courses, year.starts, year.ends)
    subjects: list[dict] = []
    by_subject: dict[int, dict] = {}
    column_of: dict[int, int] = {}
    for course in courses:
        entry = by_subject.get(course.subject_id)
        if entry is None:
            entry = by_subject[course.subject_id] = {
                "subject": course.subject.name,
                "short": course.subject.short_name or course.subject.name,
                "course_ids": [],
            }
            subjects.append(entry)
        entry["course_ids"].append(course.pk)
        column_of[course.pk] = subjects.index(entry)
    marks = {}
    for course_id, student_id, value in FinalMark.objects.filter(
        course__in=courses, kind=FinalKind.YEAR
    ).values_list("course_id", "student_id", "value"):
        marks[(student_id, column_of[course_id])] = value
    rows = []
    for pk, name in _class_students(school_class, year.starts, year.ends):
        values = [marks.get((pk, i)) for i in range(len(subjects))]
        given = [v for v in values if v]
        rows.append(
            {
                "name": name,
                "cells": [str(v) if v else "" for v in values],
                "average": average_text(round(sum(given) / len(given), 2)) if given else "",
            }
        )
    pages = [
        {
            "course_id": c.pk,
            "subject": c.subject.name,
            "group": c.group.name,
            "teachers": [p[1] for p in teachers.get(c.pk, [])],
            "teachers_full": [p[2] for p in teachers.get(c.pk, [])],
            "teacher_ids": [p[0] for p in teachers.get(c.pk, [])],
        }
        for c in courses
    ]
    return {
        "kind": "year",
        **_head(school_class, None),
        "subjects": [{"subject": s["subject"], "short": s["short"]} for s in subjects],
        "rows": rows,
        "courses": pages,
    }


def snapshot(school_class: SchoolClass, period: ReportingPeriod | None) -> dict:
    """The content of a printout: the period journal, or the year summary sheet when `period` is None."""
    if period is None:
        return year_summary(school_class)
    return period_journal(school_class, period)


def title(printout) -> str:
    """A short human title of a printout, e.g. «5А · 1 четверть · 2026/2027» (before its snapshot too)."""
    name, year = printout.school_class.name, printout.year.name
    if printout.period_id is None:
        return _("%(cls)s · year summary sheet · %(year)s") % {"cls": name, "year": year}
    return f"{name} · {printout.period.name} · {year}"
