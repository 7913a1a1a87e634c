"""The plain data every report returns, whatever renders it (R-R-1…3).

A report's query function computes its figures in the database and returns a
`ReportData`: a title, the parameters it was run for (as readable lines) and
one or more `Table`s. The HTML page, the XLSX download and the PDF are three
renderers of this same object (`reports/render.py`); none of them computes a
figure.

Cell values are plain Python: str, int, Decimal (rates and averages, already
rounded as they are to be shown), None (shown as "—"), or a `Mark`-like string
("5", "4/5"). A column's `kind` tells the renderers how to align and format it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("text", "int", "decimal", "percent", "mark", "date")


@dataclass
class Column:
    title: str
    kind: str = "text"  # one of KINDS
    # A grouping header spanning consecutive columns with the same `group` (e.g. a subject over its finals).
    group: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[list]  # each row has len(columns) values
    totals: list | None = None  # a last "total" row, same length, or None
    note: str = ""  # shown under the table (e.g. how a rate is defined)

    def __post_init__(self):
        width = len(self.columns)
        for row in [*self.rows, *([self.totals] if self.totals is not None else [])]:
            if len(row) != width:
                raise ValueError(f"{self.title}: a row has {len(row)} values for {width} columns")


@dataclass
class ReportData:
    code: str  # the report's code, e.g. "class_attendance"
    title: str
    params: list[str] = field(default_factory=list)  # "Class 5А", "1st quarter", "01.09.2026 – 31.10.2026"
    tables: list[Table] = field(default_factory=list)
    signers: list[tuple[str, str]] = field(
        default_factory=list
    )  # (role, name) signature lines under the report
