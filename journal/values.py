"""The one parser of what a teacher types into a journal cell (R-J-2), and its inverse.

Allowed: marks 2, 3, 4, 5; «Н» (absent) or «ОП» (late); several tokens joined
by "/" ("5/4", "ОП/5"); at most one attendance token and at most four marks.
«Н» is also accepted in lower case and as the Latin look-alike "H" (a keyboard
left in the English layout); «оп» in any case. The empty string clears the cell.
Everything else is refused with a ValidationError and nothing is saved.

R-J-14: a mark in parentheses, "(2)", stays visible but is excluded from the
average (a retake replaced it: "(2)/4"); "•" (also typed as "." or «д», долг)
marks the work as owed until it is handed in — it takes no marks beside it
(the mark replaces the point), but may stand with an absence ("Н/•").

The canonical form (`format_cell`) puts the attendance token first, then the
marks in the order typed, then the owed point: "Н", "ОП/5", "5/4", "(2)/4", "Н/•".
"""

from __future__ import annotations

from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ABSENT = "absent"
LATE = "late"
MAX_MARKS = 4
MARKS = frozenset({2, 3, 4, 5})

ATTENDANCE_TOKENS = {"Н": ABSENT, "H": ABSENT, "ОП": LATE}
ATTENDANCE_DISPLAY = {ABSENT: "Н", LATE: "ОП"}
OWED_TOKENS = frozenset({"•", ".", "Д", "д"})
OWED_DISPLAY = "•"
# Every character a valid value may contain (after trimming surrounding whitespace).
ALLOWED_CHARS = frozenset("2345/НнHhОоПп().•Дд")

INVALID = _(
    "Only 2, 3, 4, 5, Н (absent) and ОП (late) are allowed; several marks as 5/4, "
    "a replaced mark as (2), owed work as •."
)
OWED_WITH_MARKS = _("Owed work (•) takes no marks beside it: the mark replaces the point.")
TOO_MANY_MARKS = _("At most %(max)d marks fit in one cell.")
TWO_ATTENDANCE = _("A cell holds either Н (absent) or ОП (late), not both.")


class Parsed(NamedTuple):
    marks: tuple[int, ...]
    attendance: str | None  # "absent", "late" or None
    excluded: tuple[int, ...] = ()  # positions in `marks` kept out of the average (R-J-14)
    owed: bool = False  # the work is owed (R-J-14)

    @property
    def is_empty(self) -> bool:
        return not self.marks and self.attendance is None and not self.owed

    @property
    def cell_marks(self) -> CellMarks:
        return CellMarks(self.marks, self.excluded, self.owed)

    @property
    def takes_marks(self) -> bool:
        """Writes what a first grade may not have: marks or owed work."""
        return bool(self.marks) or self.owed


class CellMarks(NamedTuple):
    """What a mark cell stores (R-J-2, R-J-14): marks, the positions excluded from the average, owed work."""

    marks: tuple[int, ...] = ()
    excluded: tuple[int, ...] = ()
    owed: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.marks and not self.owed

    def text(self, attendance: str | None = None) -> str:
        return format_cell(self.marks, attendance, self.excluded, self.owed)

    @classmethod
    def of(cls, cell) -> CellMarks:
        """The stored value of a `Cell` row (or an empty value for None)."""
        if cell is None:
            return cls()
        return cls(tuple(cell.marks), tuple(cell.excluded or ()), bool(cell.owed))


def parse_cell(raw: str) -> Parsed:
    """Parse a cell value; raise ValidationError (code "invalid_cell") for anything not allowed."""
    text = (raw or "").strip()
    if not text:
        return Parsed((), None)
    marks: list[int] = []
    excluded: list[int] = []
    attendance: str | None = None
    owed = False
    for token in text.split("/"):
        if len(token) == 1 and token in "2345":
            marks.append(int(token))
            continue
        if len(token) == 3 and token[0] == "(" and token[2] == ")" and token[1] in "2345":
            excluded.append(len(marks))
            marks.append(int(token[1]))
            continue
        if token in OWED_TOKENS:
            if owed:
                raise ValidationError(INVALID, code="invalid_cell")
            owed = True
            continue
        status = ATTENDANCE_TOKENS.get(token.upper())
        if status is None:
            raise ValidationError(INVALID, code="invalid_cell")
        if attendance is not None:
            raise ValidationError(TWO_ATTENDANCE, code="invalid_cell")
        attendance = status
    if len(marks) > MAX_MARKS:
        raise ValidationError(TOO_MANY_MARKS, code="invalid_cell", params={"max": MAX_MARKS})
    if owed and marks:
        raise ValidationError(OWED_WITH_MARKS, code="invalid_cell")
    return Parsed(tuple(marks), attendance, tuple(excluded), owed)


def format_cell(marks, attendance: str | None = None, excluded=(), owed: bool = False) -> str:
    """The canonical display of a cell: attendance token first, then the marks, then the owed point.

    ("ОП/5", "5/4", "(2)/4", "Н/•", "").
    """
    parts = [ATTENDANCE_DISPLAY[attendance]] if attendance else []
    out = set(excluded or ())
    parts.extend(f"({m})" if i in out else str(m) for i, m in enumerate(marks or ()))
    if owed:
        parts.append(OWED_DISPLAY)
    return "/".join(parts)
