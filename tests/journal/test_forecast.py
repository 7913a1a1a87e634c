"""The diary's forecast arithmetic (R-D-2): what the marks so far give, what it takes to reach the next
mark, what one 2 would do — always decided by `journal.finals.values.propose` on exact sums."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journal.diary.forecast import (
    CAP,
    WeightOption,
    forecast,
    least,
    lowering,
    mark_after,
    needed,
    options_of,
    risks,
)
from journal.finals.values import Thresholds, propose

EXACT = Thresholds()
ROUNDING = Thresholds(round_first=True)
D = Decimal
DEFAULT_OPTIONS = options_of(
    [("У", D(1)), ("ДЗ", D(1)), ("СР", D("1.5")), ("ПР", D("1.5")), ("Д", D(2)), ("КР", D(2))]
)


def sums(*marks_and_weights):
    """(mark, weight) pairs → (Σ mark·weight, Σ weight) as the SQL computes them."""
    return sum(D(m) * D(w) for m, w in marks_and_weights), sum(D(w) for _, w in marks_and_weights)


def test_options_group_codes_by_weight_lightest_first():
    assert DEFAULT_OPTIONS == [
        WeightOption(D(1), ("У", "ДЗ")),
        WeightOption(D("1.5"), ("СР", "ПР")),
        WeightOption(D(2), ("Д", "КР")),
    ]


def test_least_bisects_a_monotone_predicate():
    assert least(lambda n: n >= 7, 10) == 7
    assert least(lambda n: n >= 1, 10) == 1
    assert least(lambda n: n >= 10, 10) == 10
    assert least(lambda n: n >= 11, 10) is None
    assert least(lambda n: True, 0) is None


# (marks as (mark, weight), weight of the added 5s, target) → least n, checked by hand:
# 4 (w1): (4+5n)/(1+n) ≥ 4.65 ⇔ 0.35n ≥ 0.65 ⇔ n ≥ 1.86 → 2.
# 3,4 (w1): (7+5n)/(2+n) ≥ 4.65 ⇔ 0.35n ≥ 2.3 → n ≥ 6.57 → 7.
# 3,4 (w1) with КР (w2): (7+10n)/(2+2n) ≥ 4.65 ⇔ 0.7n ≥ 2.3 → 3.29 → 4.
# 3 (w1) → 4: (3+5n)/(1+n) ≥ 3.65 ⇔ 1.35n ≥ 0.65 → 1.
# 2,2,2 (w2) → 3 with w1: (12+5n)/(6+n) ≥ 2.65 ⇔ 2.35n ≥ 3.9 → 1.66 → 2.
@pytest.mark.parametrize(
    ("marks", "weight", "target", "exact"),
    [
        ([(4, 1)], 1, 5, 2),
        ([(3, 1), (4, 1)], 1, 5, 7),
        ([(3, 1), (4, 1)], 2, 5, 4),
        ([(3, 1)], 1, 4, 1),
        ([(2, 2), (2, 2), (2, 2)], 1, 3, 2),
        ([(5, 1)], 1, 5, 0),
        ([(2, 2)] * 10, 1, 5, None),  # 40/20: ten 5s of weight 1 give 90/30 = 3
    ],
)
def test_needed_by_hand(marks, weight, target, exact):
    total, weights = sums(*marks)
    assert needed(total, weights, EXACT, D(weight), target) == exact


# Boundary table: an average just below a threshold. Exactly, 3.645 is a 3 and needs (3645+5n)/(1000+n) ≥ 3.65,
# 1.35n ≥ 5, n = 4 more 5s; rounded first it is already 3.65 (no 5 needed), exactly as `propose` decides.
@pytest.mark.parametrize(
    ("total", "weights", "target", "exact", "rounded"),
    [
        ("364", "100", 4, 1, 1),  # 369/101 = 3.6535
        ("3645", "1000", 4, 4, 0),
        ("3649", "1000", 4, 1, 0),  # 1.35n ≥ 1
        ("3644", "1000", 4, 5, 1),  # 1.35n ≥ 6; rounded: 3649/1001 = 3.6454 ≈ 3.65
        ("46.45", "10", 5, 1, 0),  # 0.35n ≥ 0.05
        ("2645", "1000", 3, 3, 0),  # 2.35n ≥ 5
        ("265", "100", 3, 0, 0),
        ("46", "10", 5, 2, 2),  # 51/11 = 4.636 (≈ 4.64), 56/12 = 4.667
        ("4645", "1000", 5, None, 0),  # 0.35n ≥ 5: 15 more 5s, beyond the cap
    ],
)
def test_needed_on_the_boundaries_with_both_rounding_rules(total, weights, target, exact, rounded):
    t, w = D(total), D(weights)
    assert needed(t, w, EXACT, D(1), target) == exact
    assert needed(t, w, ROUNDING, D(1), target) == rounded
    for n, rule in ((exact, EXACT), (rounded, ROUNDING)):
        if n is None:
            assert mark_after(t, w, rule, 5, D(1), CAP) < target
            continue
        assert mark_after(t, w, rule, 5, D(1), n) >= target
        if n:
            assert mark_after(t, w, rule, 5, D(1), n - 1) < target


def test_the_forecast_of_a_four_lists_each_weight_heaviest_first():
    total, weights = sums((4, 1), (4, 2), (5, 1), (3, 1))  # 20 / 5 = 4.0
    result = forecast(total, weights, EXACT, DEFAULT_OPTIONS)
    assert result.mark == 4 and result.target == 5
    # (20+10n)/(5+2n) ≥ 4.65 ⇔ 0.7n ≥ 3.25 → 5; weight 1.5: 0.525n ≥ 3.25 → 7; weight 1: 0.35n ≥ 3.25 → 10.
    assert [(s.codes, s.count) for s in result.steps] == [
        (("Д", "КР"), 5),
        (("СР", "ПР"), 7),
        (("У", "ДЗ"), 10),
    ]


def test_a_five_has_no_next_mark_and_beyond_the_cap_is_none():
    total, weights = sums((5, 2), (5, 1))
    top = forecast(total, weights, EXACT, DEFAULT_OPTIONS)
    assert top.mark == 5 and top.target is None and top.steps == []
    low = forecast(*sums(*[(2, 2)] * 12), EXACT, DEFAULT_OPTIONS)
    assert low.mark == 2 and low.target == 3
    # 48/24: weight 2: 4.7n ≥ 15.6 → 4; weight 1.5: 3.525n ≥ 15.6 → 5; weight 1: 2.35n ≥ 15.6 → 7.
    assert [s.count for s in low.steps] == [4, 5, 7]
    stuck = forecast(*sums(*[(2, 2)] * 60), EXACT, DEFAULT_OPTIONS)  # weight 2: 4.7n ≥ 78 → 17
    assert [s.count for s in stuck.steps] == [None, None, None]
    assert stuck.cap == CAP


def test_no_marks_no_forecast():
    assert forecast(D(0), D(0), EXACT, DEFAULT_OPTIONS) is None
    assert needed(D(0), D(0), EXACT, D(1), 5) == 1  # a single 5 would give 5


def test_risks_name_the_weights_where_one_two_lowers_the_mark():
    # 4.0 over weight 10 (40): one 2 of weight 1 → 42/11 = 3.818 (still 4);
    # weight 1.5: 43/11.5 = 3.739 (4); weight 2: 44/12 = 3.667 (4): safe from a single 2.
    assert risks(D(40), D(10), EXACT, DEFAULT_OPTIONS) == []
    # 3.7 over weight 3 (11.1): one 2 of weight 1 → 13.1/4 = 3.275 → 3 for every weight.
    result = risks(D("11.1"), D(3), EXACT, DEFAULT_OPTIONS)
    assert len(result) == 1 and result[0].mark == 3 and result[0].codes == ("У", "ДЗ", "СР", "ПР", "Д", "КР")
    # 2.7 over weight 2 (5.4): weight 1 → 7.4/3 = 2.47 → 2.
    assert [r.mark for r in risks(D("5.4"), D(2), EXACT, DEFAULT_OPTIONS)] == [2]
    # 4.7 over weight 10 (47): w1 → 49/11 = 4.45 (4), w2 → 51/12 = 4.25 (4).
    assert [(r.codes, r.mark) for r in risks(D(47), D(10), EXACT, DEFAULT_OPTIONS)] == [
        (("У", "ДЗ", "СР", "ПР", "Д", "КР"), 4)
    ]
    # 4.8 over weight 20 (96): w1 → 98/21 = 4.667 (5, safe); w1.5 → 99/21.5 = 4.605 (4); w2 → 4.55 (4).
    assert [(r.codes, r.mark) for r in risks(D(96), D(20), EXACT, DEFAULT_OPTIONS)] == [
        (("СР", "ПР", "Д", "КР"), 4)
    ]
    assert lowering(D(4), D(2), EXACT, D(1)) is None  # a 2 cannot lower a 2
    # 2.7 over weight 1: (2.7+2·2)/3 = 2.23: a heavy 2 lowers it to 2, and so does a light one.
    assert lowering(D("2.7"), D(1), EXACT, D(2)) == (1, 2)


def test_risks_split_where_a_heavy_two_drops_further():
    # 4.66 over weight 3 (13.98): w1 → 15.98/4 = 3.995 (4); w1.5 → 16.98/4.5 = 3.773 (4); w2 → 17.98/5 = 3.596.
    result = risks(D("13.98"), D(3), EXACT, DEFAULT_OPTIONS)
    assert [(r.codes, r.mark) for r in result] == [(("У", "ДЗ", "СР", "ПР"), 4), (("Д", "КР"), 3)]


marks = st.lists(
    st.tuples(st.sampled_from([2, 3, 4, 5]), st.sampled_from([D(1), D("1.5"), D(2), D("0.5"), D(3)])),
    min_size=1,
    max_size=40,
)
thresholds = st.sampled_from([EXACT, ROUNDING, Thresholds(D("2.5"), D("3.5"), D("4.5"), True)])
weights = st.sampled_from([D("0.5"), D(1), D("1.5"), D(2), D(3)])


@settings(max_examples=300, deadline=None)
@given(marks=marks, rule=thresholds, weight=weights)
def test_property_n_fives_reach_the_next_mark_and_n_minus_one_do_not(marks, rule, weight):
    total, weights_ = sums(*marks)
    current = propose(total, weights_, rule).mark
    for target in range(current + 1, 6):
        n = needed(total, weights_, rule, weight, target, cap=60)
        if n is None:
            assert mark_after(total, weights_, rule, 5, weight, 60) < target
            continue
        assert n >= 1
        assert mark_after(total, weights_, rule, 5, weight, n) >= target
        assert mark_after(total, weights_, rule, 5, weight, n - 1) < target


@settings(max_examples=300, deadline=None)
@given(marks=marks, rule=thresholds)
def test_property_forecast_agrees_with_propose(marks, rule):
    total, weights_ = sums(*marks)
    result = forecast(total, weights_, rule, DEFAULT_OPTIONS)
    assert result.proposal == propose(total, weights_, rule)
    for step in result.steps:
        if step.count is not None:
            assert mark_after(total, weights_, rule, 5, step.weight, step.count) >= result.target
            assert mark_after(total, weights_, rule, 5, step.weight, step.count - 1) < result.target
        else:
            assert mark_after(total, weights_, rule, 5, step.weight, CAP) < result.target
    for risk in result.risks:
        assert mark_after(total, weights_, rule, 2, risk.weight, 1) == risk.mark < result.mark
    named = {code for r in result.risks for code in r.codes}
    for option in DEFAULT_OPTIONS:
        lowered = mark_after(total, weights_, rule, 2, option.weight, 1) < result.mark
        assert lowered == (set(option.codes) <= named)
