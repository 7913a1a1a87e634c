"""The one parser of what a teacher types into a journal cell (R-J-2), and its inverse.

Allowed: marks 2, 3, 4, 5; «Н» (absent) or «ОП» (late); several tokens joined
by "/" ("5/4", "ОП/5"); at most one attendance token and at most four marks.
«Н» is also accepted in lower case and as the Latin look-alike "H" (a keyboard
left in the English layout); «оп» in any case. The empty string clears the cell.
Everything else is refused with a ValidationError and nothing is saved.

The canonical form (`format_cell`) puts the attendance token first, then the
marks in the order typed: "Н", "ОП/5", "5/4".
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
# Every character a valid value may contain (after trimming surrounding whitespace).
ALLOWED_CHARS = frozenset("2345/НнHhОоПп")

INVALID = _("Only 2, 3, 4, 5, Н (absent) and ОП (late) are allowed; several marks as 5/4.")
TOO_MANY_MARKS = _("At most %(max)d marks fit in one cell.")
TWO_ATTENDANCE = _("A cell holds either Н (absent) or ОП (late), not both.")


class Parsed(NamedTuple):
    marks: tuple[int, ...]
    attendance: str | None  # "absent", "late" or None

    @property
    def is_empty(self) -> bool:
        return not self.marks and self.attendance is None


def parse_cell(raw: str) -> Parsed:
    """Parse a cell value; raise ValidationError (code "invalid_cell") for anything not allowed."""
    text = (raw or "").strip()
    if not text:
        return Parsed((), None)
    marks: list[int] = []
    attendance: str | None = None
    for token in text.split("/"):
        if len(token) == 1 and token in "2345":
            marks.append(int(token))
            continue
        status = ATTENDANCE_TOKENS.get(token.upper())
        if status is None:
            raise ValidationError(INVALID, code="invalid_cell")
        if attendance is not None:
            raise ValidationError(TWO_ATTENDANCE, code="invalid_cell")
        attendance = status
    if len(marks) > MAX_MARKS:
        raise ValidationError(TOO_MANY_MARKS, code="invalid_cell", params={"max": MAX_MARKS})
    return Parsed(tuple(marks), attendance)


def format_cell(marks, attendance: str | None = None) -> str:
    """The canonical display of a cell: attendance token first, then the marks ("ОП/5", "5/4", "")."""
    parts = [ATTENDANCE_DISPLAY[attendance]] if attendance else []
    parts.extend(str(m) for m in marks or ())
    return "/".join(parts)
