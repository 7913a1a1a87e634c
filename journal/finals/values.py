"""Final marks: the value rule, the proposal by the school's thresholds, deadlines (R-F-1…4).

Pure functions over plain values (no queries): `parse_final` (the one parser of a
final mark), `propose` (an exact weighted average → a mark by the thresholds, with
the rule that produced it), `propose_from_marks` (the year from the periods, the
overall final from the year and the exam) and `deadline` (when a period's finals
are due). `journal.finals.selectors` loads the figures, `journal.finals.services`
writes.

Exact arithmetic: an average is kept as the exact fraction Σ(mark·weight) / Σweight
of two `Decimal`s; a threshold t applies when Σ(mark·weight) ≥ t·Σweight, so no
division or binary float ever decides a mark (3.645 proposes 3, 3.65 proposes 4).
With the school's "round first" setting the average is rounded half-up to two
decimals before the comparison (3.645 → 3.65 → 4).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from journal.models import FINAL_SCALE, FinalsDeadline

CENT = Decimal("0.01")
SHOWN = Decimal("0.001")
STORED = Decimal("0.0001")

# What teachers type that the regulation forbids as a final mark (seed 002 §7.3), lower-cased.
FORBIDDEN = {
    "н/а": "na",
    "на": "na",
    "н.а.": "na",
    "н/а.": "na",
    "na": "na",
    "n/a": "na",
    "осв": "exempt",
    "осв.": "exempt",
    "освоб": "exempt",
    "освобожден": "exempt",
    "освобождён": "exempt",
    "зач": "pass",
    "зач.": "pass",
    "зачёт": "pass",
    "зачет": "pass",
}


def parse_final(raw: str) -> int | None:
    """The final mark typed: 2, 3, 4 or 5, or None for an empty cell (clears it). Anything else is refused.

    "н/а" and "осв." get the regulation's reason (seed 002 §7.3), "1" and other numbers the scale.
    """
    text = (raw or "").strip()
    if not text:
        return None
    if text.isdigit() and int(text) in FINAL_SCALE and len(text) == 1:
        return int(text)
    kind = FORBIDDEN.get(text.lower().replace(" ", ""))
    if kind == "na":
        raise ValidationError(
            _(
                "«н/а» is not allowed as a final mark (regulation 7.3): a student without marks "
                "passes the material first, then gets a mark."
            ),
            code="final_na",
        )
    if kind == "exempt":
        raise ValidationError(
            _(
                "«осв.» is not allowed as a final mark (regulation 7.3): a student excused from "
                "physical education is marked on theory."
            ),
            code="final_exempt",
        )
    if kind == "pass":
        raise ValidationError(
            _(
                "A final mark is 2, 3, 4 or 5. A subject without marks is set to «no final assessment» "
                "by the school admin."
            ),
            code="final_scale",
        )
    raise ValidationError(
        _("A final mark is 2, 3, 4 or 5; «%(value)s» is not.") % {"value": text[:20]}, code="final_scale"
    )


@dataclass(frozen=True)
class Thresholds:
    """Lower bounds of the weighted average for 3, 4 and 5 (default seed 002 §7.5), and whether the
    average is first rounded half-up to two decimals."""

    three: Decimal = Decimal("2.65")
    four: Decimal = Decimal("3.65")
    five: Decimal = Decimal("4.65")
    round_first: bool = False

    @classmethod
    def of(cls, settings) -> Thresholds:
        """The school's thresholds from its `JournalSettings`."""
        return cls(
            Decimal(settings.threshold_3),
            Decimal(settings.threshold_4),
            Decimal(settings.threshold_5),
            bool(settings.round_average),
        )

    def validate(self) -> None:
        if not (Decimal(2) < self.three < self.four < self.five <= Decimal(5)):
            raise ValidationError(
                _("The thresholds must rise: 2 < the lowest average for 3 < for 4 < for 5 ≤ 5."),
                code="thresholds",
            )


@dataclass(frozen=True)
class Proposal:
    """A proposed mark, the exact average behind it (total / weights) and how it was reached."""

    mark: int
    total: Decimal
    weights: Decimal
    rounded: Decimal | None  # the average rounded half-up to 0.01, when the school rounds first
    bound: Decimal | None  # the threshold that applied (None: below the one for 3)
    source: str  # "marks" (weighted current marks), "periods" (the year), "year_exam" (overall)
    lowest: Decimal = Decimal("2.65")  # the threshold for 3 (named when the average is below it)

    @property
    def average(self) -> Decimal:
        """The average truncated to 4 decimals (stored with the final mark)."""
        return (self.total / self.weights).quantize(STORED, ROUND_DOWN)

    @property
    def shown(self) -> str:
        """The average for people: truncated (never rounded up over a threshold) to 2–3 decimals."""
        value = (self.total / self.weights).quantize(SHOWN, ROUND_DOWN)
        text = f"{value:.3f}"
        return text[:-1] if text.endswith("0") else text

    @property
    def rule(self) -> str:
        """A short, language-neutral record of the rule: "3.645 ≥ 2.65 → 3", "3.645 ≈ 3.65 ≥ 3.65 → 4"."""
        left = self.shown + (f" ≈ {self.rounded}" if self.rounded is not None else "")
        if self.bound is None:
            return f"{left} < {self.lowest} → {self.mark}"
        return f"{left} ≥ {self.bound} → {self.mark}"


def propose(
    total: Decimal, weights: Decimal, thresholds: Thresholds, source: str = "marks"
) -> Proposal | None:
    """The mark for the exact average total / weights by the thresholds; None when there is nothing to average."""
    total, weights = Decimal(total), Decimal(weights)
    if weights <= 0:
        return None
    rounded = None
    if thresholds.round_first:
        rounded = (total / weights).quantize(CENT, ROUND_HALF_UP)
        reaches = lambda bound: rounded >= bound  # noqa: E731
    else:
        reaches = lambda bound: total >= bound * weights  # noqa: E731 — exact: no division decides
    for mark, bound in ((5, thresholds.five), (4, thresholds.four), (3, thresholds.three)):
        if reaches(bound):
            return Proposal(mark, total, weights, rounded, bound, source, thresholds.three)
    return Proposal(2, total, weights, rounded, None, source, thresholds.three)


def propose_from_marks(marks: list[int], thresholds: Thresholds, source: str) -> Proposal | None:
    """The year from its period marks, the overall final from the year and the exam: their plain mean
    by the same thresholds (each mark weighs 1)."""
    marks = [m for m in marks if m is not None]
    if not marks:
        return None
    return propose(Decimal(sum(marks)), Decimal(len(marks)), thresholds, source)


def deadline(period_ends: datetime.date, rule: str, days: int) -> datetime.date:
    """The last day a period's finals may be entered on time (R-F-4)."""
    if rule == FinalsDeadline.AFTER_END:
        return period_ends + datetime.timedelta(days=days)
    if rule == FinalsDeadline.BEFORE_END:
        return period_ends - datetime.timedelta(days=days)
    return period_ends
