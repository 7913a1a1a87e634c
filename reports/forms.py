"""The parameters form of a report page: class, teacher, course, period, month, dates (GET).

Each selector offers only what the actor may see (`reports.rules` querysets),
loaded once. A missing parameter takes a sensible default (the class teacher's
own class, the period under way, this month, the year so far), so a report opens
at once; a bad one (unknown, not the actor's, of another year, a reversed date
range) is refused next to its field and the report is not run. A value naming an
object of another school makes the view answer 404 (`refers_to_other_school`).
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Person
from journal.grid.selectors import current_period
from schedule.models import Course, ReportingPeriod, SchoolClass

from . import rules
from .catalog import Params

DATE_INPUTS = ["%Y-%m-%d", "%d.%m.%Y"]


class ReportForm(forms.Form):
    """The fields a spec asks for; `params()` turns the valid input into `Params`."""

    def __init__(self, data, *, spec, actor, year, today: datetime.date):
        self.spec, self.actor, self.year, self.today = spec, actor, year, today
        self.wants = set(spec.params)
        self.classes, self.teachers, self.courses, self.periods = {}, {}, {}, {}
        if "class" in self.wants:
            self.classes = {str(c.pk): c for c in rules.classes_visible_to(actor, year)}
        if "teacher" in self.wants:
            self.teachers = {str(t.pk): t for t in rules.teachers_visible_to(actor)}
        if "course" in self.wants:
            self.courses = {str(c.pk): c for c in rules.courses_visible_to(actor, year)}
        if "period" in self.wants:
            self.periods = {
                str(p.pk): p
                for p in ReportingPeriod.objects.filter(scheme__year=year)
                .select_related("scheme")
                .order_by("starts", "ends", "pk")
            }
        super().__init__(self._with_defaults(data))
        self._build_fields()

    # Defaults

    def _with_defaults(self, data) -> dict:
        values = {
            k: data.get(k, "").strip()
            for k in ("class", "teacher", "course", "period", "month", "from", "to")
        }
        if "class" in self.wants and not values["class"] and self.classes:
            values["class"] = next(iter(self.classes))
        if "teacher" in self.wants and not values["teacher"] and self.teachers:
            mine = str(getattr(self.actor.person, "pk", ""))
            values["teacher"] = mine if mine in self.teachers else next(iter(self.teachers))
        if "course" in self.wants and not values["course"] and self.courses:
            values["course"] = next(iter(self.courses))
        if "period" in self.wants and not values["period"] and self.periods:
            values["period"] = self._default_period(values.get("class"))
        day = min(max(self.today, self.year.starts), self.year.ends)
        if "month" in self.wants and not values["month"]:
            values["month"] = day.strftime("%Y-%m")
        if "dates" in self.wants:
            values["from"] = values["from"] or self.year.starts.isoformat()
            values["to"] = values["to"] or day.isoformat()
        return values

    def _default_period(self, class_value: str) -> str:
        periods = list(self.periods.values())
        school_class = self.classes.get(class_value or "")
        if school_class is not None:
            periods = [p for p in periods if school_class.grade in p.scheme.grades] or periods
        else:  # the scheme most grades follow (quarters, usually)
            widest = max(len(p.scheme.grades) for p in periods)
            periods = [p for p in periods if len(p.scheme.grades) == widest]
        chosen = current_period(periods, self.today)
        if self.spec.default_period == "ended":
            ended = [p for p in periods if p.ends < self.today]
            chosen = ended[-1] if ended else chosen
        return str(chosen.pk) if chosen else ""

    # Fields

    def _build_fields(self):
        def choice(name, label, choices, message):
            self.fields[name] = forms.ChoiceField(
                label=label, choices=choices, error_messages={"invalid_choice": message, "required": message}
            )

        if "class" in self.wants:
            choice(
                "class",
                _lazy("Class"),
                [(k, c.name) for k, c in self.classes.items()],
                _("Choose a class from the list."),
            )
        if "teacher" in self.wants:
            choice(
                "teacher",
                _lazy("Teacher"),
                [(k, t.short_name) for k, t in self.teachers.items()],
                _("Choose a teacher from the list."),
            )
        if "course" in self.wants:
            choice(
                "course",
                _lazy("Course"),
                [(k, f"{c.group.name} · {c.subject.name}") for k, c in self.courses.items()],
                _("Choose a course from the list."),
            )
        if "period" in self.wants:
            choice(
                "period",
                _lazy("Reporting period"),
                [
                    (k, f"{p.name} ({date_format(p.starts, 'd.m')}–{date_format(p.ends, 'd.m.Y')})")
                    for k, p in self.periods.items()
                ],
                _("Choose a period of the year %(year)s from the list.") % {"year": self.year.name},
            )
        if "month" in self.wants:
            months, day = [], self.year.starts.replace(day=1)
            while day <= self.year.ends:
                months.append((day.strftime("%Y-%m"), date_format(day, "F Y")))
                day = (day + datetime.timedelta(days=32)).replace(day=1)
            choice(
                "month",
                _lazy("Month"),
                months,
                _("Choose a month of the year %(year)s.") % {"year": self.year.name},
            )
        if "dates" in self.wants:
            for name, label in (("from", _lazy("From")), ("to", _lazy("To"))):
                self.fields[name] = forms.DateField(
                    label=label,
                    input_formats=DATE_INPUTS,
                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                    error_messages={
                        "invalid": _("Enter a date as DD.MM.YYYY."),
                        "required": _("Enter a date as DD.MM.YYYY."),
                    },
                )

    def refers_to_other_school(self) -> bool:
        """Whether a class, teacher, course or period in the input belongs to another school."""
        for name, known, model in (
            ("class", self.classes, SchoolClass),
            ("teacher", self.teachers, Person),
            ("course", self.courses, Course),
            ("period", self.periods, ReportingPeriod),
        ):
            value = self.data.get(name, "")
            if name in self.wants and value and value not in known and value.isdigit() and len(value) < 19:
                if model.objects.filter(pk=int(value)).exclude(school=self.actor.school).exists():
                    return True
        return False

    def clean(self):
        data = super().clean()
        school_class, period = (
            self.classes.get(data.get("class") or ""),
            self.periods.get(data.get("period") or ""),
        )
        if school_class is not None and period is not None and school_class.grade not in period.scheme.grades:
            self.add_error(
                "period",
                _("%(period)s is not a period of grade %(grade)s: choose one of its periods.")
                % {"period": period.name, "grade": school_class.grade},
            )
        since, until = data.get("from"), data.get("to")
        if since and until:
            if until < since:
                self.add_error("to", _("The end date is before the start date."))
            elif since < self.year.starts or until > self.year.ends:
                self.add_error(
                    "to" if until > self.year.ends else "from",
                    _("Choose dates within the year %(year)s (%(starts)s – %(ends)s).")
                    % {
                        "year": self.year.name,
                        "starts": date_format(self.year.starts, "d.m.Y"),
                        "ends": date_format(self.year.ends, "d.m.Y"),
                    },
                )
        return data

    def params(self) -> Params:
        """The report's parameters from the valid input (call after `is_valid()`)."""
        data = self.cleaned_data
        month = data.get("month")
        return Params(
            school=self.actor.school,
            year=self.year,
            school_class=self.classes.get(data.get("class") or ""),
            teacher=self.teachers.get(data.get("teacher") or ""),
            course=self.courses.get(data.get("course") or ""),
            period=self.periods.get(data.get("period") or ""),
            month=datetime.date.fromisoformat(month + "-01") if month else None,
            date_from=data.get("from"),
            date_to=data.get("to"),
            today=self.today,
        )

    def query_string(self) -> str:
        """The input as a query string, for the XLSX and PDF links of the same report."""
        from django.utils.http import urlencode

        return urlencode({k: v for k, v in self.data.items() if v and (k in self.fields)})
