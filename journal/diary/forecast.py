"""The forecast of a period mark in the diary (R-D-2): pure arithmetic over exact sums, no queries.

From a student's Σ(mark·weight) and Σweight in a course and period (the figures behind
the teacher's proposal, `journal.finals.selectors.sums`), and the school's thresholds:

- the mark the marks so far give: `journal.finals.values.propose`, so the diary and the
  teacher's finals view can never disagree;
- what it takes to reach the next mark: for each distinct work-type weight the school
  uses, the least number n of additional 5s of that weight after which `propose`
  gives the next mark (`needed`), or "not within `CAP` more marks";
- what puts the current mark at risk: the work-type weights for which one 2 would
  already lower it, and to what (`risks`).

Every decision is taken by `propose` on exact `Decimal` sums (no floats, no division
deciding a threshold). Adding 5s never lowers an average (no average exceeds 5) and
adding 2s never raises one, with or without the school's "round first" rule, so the
least n is found by bisection over 1…cap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from journal.finals.values import Proposal, Thresholds, propose

CAP = 10  # more 5s than this in one period is no plan a parent can act on
TOP, BOTTOM = 5, 2


@dataclass(frozen=True)
class WeightOption:
    """One weight the school's work types use, with the codes of the work types that weigh it."""

    weight: Decimal
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """`count` more 5s in work of `weight` reach the `target` mark; None: not within `cap` of them."""

    weight: Decimal
    codes: tuple[str, ...]
    count: int | None

    @property
    def label(self) -> str:
        return ", ".join(self.codes)


@dataclass(frozen=True)
class Risk:
    """One 2 in work of `weight` would turn the period mark into `mark`."""

    weight: Decimal
    codes: tuple[str, ...]
    mark: int

    @property
    def label(self) -> str:
        return ", ".join(self.codes)


@dataclass(frozen=True)
class Forecast:
    proposal: Proposal
    target: int | None  # the next mark (None: already 5)
    steps: list[Step] = field(default_factory=list)  # heaviest weight first
    risks: list[Risk] = field(default_factory=list)  # lightest weight first
    cap: int = CAP

    @property
    def mark(self) -> int:
        return self.proposal.mark

    @property
    def reachable(self) -> list[Step]:
        """The steps that reach the next mark within the cap."""
        return [s for s in self.steps if s.count is not None]


def options_of(work_types: Iterable[tuple[str, Decimal]]) -> list[WeightOption]:
    """(code, weight) pairs of the school's work types → one option per distinct weight, lightest first."""
    by_weight: dict[Decimal, list[str]] = {}
    for code, weight in work_types:
        by_weight.setdefault(Decimal(weight), []).append(code)
    return [WeightOption(w, tuple(codes)) for w, codes in sorted(by_weight.items())]


def plus(total: Decimal, weights: Decimal, mark: int, weight: Decimal, n: int) -> tuple[Decimal, Decimal]:
    """The sums after `n` more marks `mark` of weight `weight`."""
    return total + n * mark * weight, weights + n * weight


def mark_after(total: Decimal, weights: Decimal, thresholds: Thresholds, mark: int, weight, n: int) -> int:
    """The proposed period mark after `n` more marks `mark` of weight `weight`."""
    return propose(*plus(Decimal(total), Decimal(weights), mark, Decimal(weight), n), thresholds).mark


def least(holds: Callable[[int], bool], cap: int) -> int | None:
    """The least n in 1…cap for which the monotone predicate `holds` is true, else None."""
    if cap < 1 or not holds(cap):
        return None
    low, high = 1, cap
    while low < high:
        middle = (low + high) // 2
        if holds(middle):
            high = middle
        else:
            low = middle + 1
    return low


def needed(total, weights, thresholds: Thresholds, weight, target: int, *, cap: int = CAP) -> int | None:
    """The least number of additional 5s of `weight` after which the proposed mark is at least `target`;
    0 when it already is, None when `cap` of them are not enough."""
    total, weights, weight = Decimal(total), Decimal(weights), Decimal(weight)
    if weights > 0 and propose(total, weights, thresholds).mark >= target:
        return 0
    return least(lambda n: mark_after(total, weights, thresholds, TOP, weight, n) >= target, cap)


def lowering(total, weights, thresholds: Thresholds, weight, *, cap: int = 1) -> tuple[int, int] | None:
    """(n, mark): the least number of 2s of `weight` (up to `cap`) that lowers the proposed mark, and
    the mark they bring; None when `cap` of them do not."""
    total, weights, weight = Decimal(total), Decimal(weights), Decimal(weight)
    now = propose(total, weights, thresholds)
    if now is None or now.mark == BOTTOM:
        return None
    n = least(lambda k: mark_after(total, weights, thresholds, BOTTOM, weight, k) < now.mark, cap)
    return None if n is None else (n, mark_after(total, weights, thresholds, BOTTOM, weight, n))


def risks(total, weights, thresholds: Thresholds, options: list[WeightOption]) -> list[Risk]:
    """The weights (lightest first) for which a single 2 would lower the proposed mark, with the mark it
    would bring; neighbouring weights that bring the same mark are merged into one line."""
    out: list[Risk] = []
    for option in options:
        hit = lowering(total, weights, thresholds, option.weight)
        if hit is None:
            continue
        if out and out[-1].mark == hit[1]:
            out[-1] = Risk(out[-1].weight, out[-1].codes + option.codes, hit[1])
        else:
            out.append(Risk(option.weight, option.codes, hit[1]))
    return out


def forecast(
    total, weights, thresholds: Thresholds, options: list[WeightOption], *, cap: int = CAP
) -> Forecast | None:
    """The period mark the marks so far give, what each weight of 5s takes to reach the next mark, and
    what one 2 would do; None when there are no marks to average (R-F-3: no mark is invented)."""
    total, weights = Decimal(total), Decimal(weights)
    proposal = propose(total, weights, thresholds)
    if proposal is None:
        return None
    target = proposal.mark + 1 if proposal.mark < TOP else None
    steps = []
    if target is not None:
        for option in sorted(options, key=lambda o: o.weight, reverse=True):
            count = needed(total, weights, thresholds, option.weight, target, cap=cap)
            steps.append(Step(option.weight, option.codes, count))
    return Forecast(proposal, target, steps, risks(total, weights, thresholds, options), cap)
