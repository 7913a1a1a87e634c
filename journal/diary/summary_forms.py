"""The date range of a summary sheet (GET ?from=&to=): the school week by default, at most one year."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from journal.diary.summary import DAY, MAX_DAYS, Scope, default_range


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class RangeForm(forms.Form):
    """`from` and `to` (both inclusive); one of them alone means the week starting or ending there."""

    def __init__(self, data, *, today: datetime.date):
        self.today = today
        monday, sunday = default_range(today)
        data = {k: (data.get(k) or "").strip()[:40] for k in ("from", "to")}
        if not data["from"] and not data["to"]:
            data = {"from": monday.isoformat(), "to": sunday.isoformat()}
        super().__init__(data)
        # "from" is a Python keyword, so the fields are named here rather than as class attributes.
        # ISO from the date picker, and the Russian way of typing a date, whatever the active language.
        formats = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]
        for name, label in (("from", _("From")), ("to", _("To"))):
            self.fields[name] = forms.DateField(
                label=label, required=False, widget=DateInput(), input_formats=formats
            )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("from"), data.get("to")
        if self.errors:
            return data
        try:
            if starts is None:
                starts = ends - 6 * DAY
            if ends is None:
                ends = starts + 6 * DAY
        except OverflowError:
            self.add_error("to" if data.get("to") else "from", _("Enter a real date."))
            return data
        if ends < starts:
            self.add_error("to", _("The end of the range is before its start."))
        elif (ends - starts).days + 1 > MAX_DAYS:
            self.add_error(
                "to",
                _("A summary sheet covers at most one academic year (%(days)d days).") % {"days": MAX_DAYS},
            )
        data["from"], data["to"] = starts, ends
        return data

    def scope(self) -> Scope:
        """The range asked for (call after `is_valid()` returned True)."""
        return Scope(self.cleaned_data["from"], self.cleaned_data["to"], self.today)

    def query(self) -> str:
        """ "?from=…&to=…" of the valid range, for links to the PDF and between the pages."""
        return query(self.scope())


def query(scope: Scope | None) -> str:
    if scope is None:
        return ""
    return "?" + urlencode({"from": scope.starts.isoformat(), "to": scope.ends.isoformat()})
